#include "http/routes/actor_bridge.hpp"

#include "http/router.hpp"

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

namespace mc::http {
namespace detail {
namespace {

using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
constexpr std::chrono::seconds sweep_interval{1};

caf::behavior lane_impl(lane_ptr self, std::chrono::milliseconds timeout) {
  self->state.timeout = timeout;
  self->delayed_send(self, sweep_interval, sweep_atom::value);
  return {
      [self](std::shared_ptr<lane_job>& job) {
        auto& st = self->state;
        const auto id = ++st.next_id;
        st.open.emplace(id, lane_state::pending{std::chrono::steady_clock::now() + st.timeout,
                                                std::move(job->res)});
        job->start(self, lane_ticket{self, id});
      },
      [self](sweep_atom) {
        const auto now = std::chrono::steady_clock::now();
        auto& open = self->state.open;
        for (auto it = open.begin(); it != open.end();) {
          if (it->second.deadline <= now) {
            auto& res = it->second.res;
            res(error_from_actor(caf::make_error(caf::sec::request_timeout), res.request_id()));
            it = open.erase(it);
          } else {
            ++it;
          }
        }
        self->delayed_send(self, sweep_interval, sweep_atom::value);
      },
  };
}

} // namespace

responder lane_ticket::take() const {
  auto& open = lane->state.open;
  auto it = open.find(id);
  if (it == open.end())
    return {};
  auto res = std::move(it->second.res);
  open.erase(it);
  return res;
}

void lane_ticket::fail(const caf::error& e) const {
  if (auto res = take()) {
    auto out = error_from_actor(e, res.request_id());
    res(std::move(out));
  }
}

void continue_safely(responder res, const std::function<void(responder)>& next) {
  const auto request_id = res.request_id();
  responder::guard(std::move(res), next, [&request_id](std::exception_ptr failed) {
    return error_from_exception(std::move(failed), request_id);
  });
}

} // namespace detail

actor_bridge::actor_bridge(caf::actor_system& sys, std::size_t lanes,
                           std::chrono::milliseconds timeout) {
  for (std::size_t i = 0; i < std::max<std::size_t>(lanes, 1); ++i)
    lanes_.push_back(sys.spawn(detail::lane_impl, timeout));
}

actor_bridge::~actor_bridge() {
  stop();
}

void actor_bridge::stop() {
  for (auto& lane : lanes_)
    caf::anon_send_exit(lane, caf::exit_reason::user_shutdown);
}

void actor_bridge::submit(std::shared_ptr<detail::lane_job> job) {
  const auto i = next_lane_.fetch_add(1, std::memory_order_relaxed) % lanes_.size();
  caf::anon_send(lanes_[i], std::move(job));
}

} // namespace mc::http
