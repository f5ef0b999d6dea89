// The bridge from a Beast handler to an actor: a few long-lived lane actors make the CAF requests
// and answer through the responder (which posts back to the connection). Never a blocking
// scoped_actor on an Asio thread, and per request no actor is spawned and no timer is armed.
#pragma once

#include "http/error_envelope.hpp"
#include "http/responder.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/duration.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mc::http {

/// The SPEC envelope for an actor's error: mc::errc with its message and, when the actor sent
/// them, JSON details; a missed reply is 503.
response error_from_actor(const caf::error& e, const std::string& request_id);

/// How long a request may wait for its actor before the client gets 503.
inline constexpr std::chrono::seconds actor_timeout{15};

namespace detail {

struct lane_state;
using lane_ptr = caf::stateful_actor<lane_state>*;

/// Settles one request of a lane: with the reply handed to a continuation, or with an error.
struct lane_ticket {
  lane_ptr lane = nullptr;
  std::uint64_t id = 0;
  /// The responder, taken from the lane (no longer timed out by it); empty when the request
  /// was already answered (it timed out).
  responder take() const;
  void fail(const caf::error& e) const;
};

/// One request as an I/O thread hands it to a lane.
struct lane_job {
  responder res;
  std::function<void(lane_ptr, lane_ticket)> start;
};

struct lane_state {
  struct pending {
    std::chrono::steady_clock::time_point deadline;
    responder res;
  };
  std::unordered_map<std::uint64_t, pending> open;
  std::uint64_t next_id = 0;
  std::chrono::milliseconds timeout{15000};
};

/// Runs `next` with the responder; what it throws becomes the request's error envelope (a lane
/// serves many requests, so an exception must never end it).
void continue_safely(responder res, const std::function<void(responder)>& next);

} // namespace detail

class actor_bridge {
 public:
  /// `timeout`: how long a request may wait for its actor before the client gets 503. The
  /// actors answer within their own bounds (the persistence actor's max_wait), so this only
  /// catches a wedged actor; lanes check it once a second.
  actor_bridge(caf::actor_system& sys, std::size_t lanes, std::chrono::milliseconds timeout);
  actor_bridge(const actor_bridge&) = delete;
  actor_bridge& operator=(const actor_bridge&) = delete;
  ~actor_bridge();

  /// Ends the lanes; a request still waiting is answered 500 (its responder is dropped).
  void stop();

  /// Sends `msg` to `to`; its reply goes to `next` together with the responder, which then
  /// answers (or asks further). An error reply answers with its envelope.
  template <class Reply, class Handle, class... Ts>
  void ask_then(Handle to, responder res, std::function<void(Reply&, responder)> next, Ts... msg) {
    auto job = std::make_shared<detail::lane_job>();
    job->res = std::move(res);
    job->start = [to = std::move(to), next = std::move(next),
                  msg...](detail::lane_ptr lane, detail::lane_ticket ticket) mutable {
      lane->request(to, caf::infinite, std::move(msg)...)
          .then(
              [next, ticket](Reply& r) {
                if (auto taken = ticket.take())
                  detail::continue_safely(std::move(taken),
                                          [&](responder out) { next(r, std::move(out)); });
              },
              [ticket](caf::error& e) { ticket.fail(e); });
    };
    submit(std::move(job));
  }

  /// Sends `msg` to `to` and answers with what `on_reply` makes of the reply.
  template <class Reply, class Handle, class... Ts>
  void ask(Handle to, responder res, std::function<response(Reply&)> on_reply, Ts... msg) {
    ask_then<Reply>(
        std::move(to), std::move(res),
        std::function<void(Reply&, responder)>(
            [on_reply = std::move(on_reply)](Reply& r, responder out) { out(on_reply(r)); }),
        std::move(msg)...);
  }

 private:
  void submit(std::shared_ptr<detail::lane_job> job);

  std::vector<caf::actor> lanes_;
  std::atomic<std::size_t> next_lane_{0};
};

} // namespace mc::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<mc::http::detail::lane_job>)
