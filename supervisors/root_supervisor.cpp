#include "supervisors/root_supervisor.hpp"

#include "actors/governance_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/all.hpp>

#include <memory>

namespace mc::supervisors {
namespace {

using namespace actors;
using timer_atom = caf::atom_constant<caf::atom("roottimer")>;

struct root_state {
  supervisor_environment env;
  std::vector<supervisor_spec> specs;
  /// By spec index: the supervisor running now, and whether an outage is already reported.
  std::vector<caf::actor> running;
  std::vector<bool> degraded;
  std::shared_ptr<worker_health> health;
  bool stopping = false;
  static inline const char* name = "root_supervisor";
};
using self_ptr = caf::stateful_actor<root_state>*;

void start(self_ptr self, std::size_t i) {
  auto& st = self->state;
  st.running[i] = st.specs[i].spawn(self->home_system(), st.env);
  self->monitor(st.running[i]);
}

/// One alert per outage: a supervisor that keeps missing ticks is not re-reported until it has
/// answered one.
void report_missed(self_ptr self, std::size_t i, const std::string& what) {
  auto& st = self->state;
  const auto& name = st.specs[i].name;
  st.health->set(name, false);
  log_line(st.env, "Supervisor", name + " " + what);
  if (st.degraded[i])
    return;
  st.degraded[i] = true;
  alert a;
  a.severity = alert_severity::critical;
  a.type = "worker_missed";
  a.title = name + " " + what;
  a.description = "The supervisor " + name + " " + what +
                  ". Until it answers a tick again its automatic containment is not running "
                  "and /health reports workers: degraded.";
  if (st.env.alerts)
    caf::anon_send(st.env.alerts, raise_atom::value, std::move(a));
}

void mark_answered(self_ptr self, std::size_t i) {
  auto& st = self->state;
  st.degraded[i] = false;
  st.health->set(st.specs[i].name, true);
}

/// Ticks the supervisors whose `ticks_last` is `last`, adding to `summary`; `next` runs once
/// each answered or missed its deadline.
template <class Next>
void tick_group(self_ptr self, bool last, std::shared_ptr<tick_summary> summary, Next next) {
  auto& st = self->state;
  std::vector<std::size_t> group;
  for (std::size_t i = 0; i < st.running.size(); ++i)
    if (st.specs[i].ticks_last == last)
      group.push_back(i);
  if (group.empty()) {
    next();
    return;
  }
  auto left = std::make_shared<std::size_t>(group.size());
  auto settle = [left, next]() mutable {
    if (--*left == 0)
      next();
  };
  for (auto i : group) {
    auto handle = st.running[i];
    self->request(handle, st.env.settings.tick_deadline, tick_atom::value)
        .then(
            [self, i, handle, summary, settle](tick_report& r) mutable {
              if (self->state.running[i] == handle)
                mark_answered(self, i);
              summary->answered.push_back(std::move(r));
              settle();
            },
            [self, i, handle, summary, settle](caf::error& e) mutable {
              // A supervisor that died meanwhile is reported by the down handler instead.
              if (self->state.running[i] == handle && !self->state.stopping)
                report_missed(self, i, "missed its tick (" + to_string(e) + ")");
              summary->missed.push_back(self->state.specs[i].name);
              settle();
            });
  }
}

/// Ticks every supervisor, those with `ticks_last` once the others are done: an alert a
/// detector raises is published before the detector answers, so the dispatcher has its event
/// in the mailbox ahead of the tick. `done` gets the summary.
template <class Done>
void tick_all(self_ptr self, Done done) {
  auto summary = std::make_shared<tick_summary>();
  tick_group(self, false, summary, [self, summary, done]() mutable {
    tick_group(self, true, summary, [summary, done]() mutable { done(*summary); });
  });
}

caf::behavior root(self_ptr self, supervisor_environment env, std::vector<supervisor_spec> specs,
                   std::shared_ptr<worker_health> health, bool timer) {
  auto& init = self->state;
  init.env = std::move(env);
  init.specs = std::move(specs);
  init.health = std::move(health);
  init.running.resize(init.specs.size());
  init.degraded.assign(init.specs.size(), false);
  for (std::size_t i = 0; i < init.specs.size(); ++i) {
    init.health->set(init.specs[i].name, true);
    start(self, i);
  }
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    if (st.stopping)
      return;
    for (std::size_t i = 0; i < st.running.size(); ++i) {
      if (st.running[i] && st.running[i].address() == m.source) {
        report_missed(self, i, "died (" + to_string(m.reason) + ") and was restarted");
        start(self, i);
        return;
      }
    }
  });
  self->set_exit_handler([self](caf::exit_msg& m) {
    self->state.stopping = true;
    for (auto& h : self->state.running)
      if (h)
        self->send_exit(h, m.reason);
    self->quit(m.reason);
  });
  if (timer)
    self->delayed_send(self, init.env.settings.tick_interval, timer_atom::value);
  return {
      [self](tick_atom) {
        auto rp = self->make_response_promise<tick_summary>();
        tick_all(self, [rp](tick_summary s) mutable { rp.deliver(std::move(s)); });
        return rp;
      },
      [self](timer_atom) {
        tick_all(self, [](const tick_summary&) {});
        self->delayed_send(self, self->state.env.settings.tick_interval, timer_atom::value);
      },
      [self](get_atom, const std::string& name) -> caf::result<caf::actor> {
        const auto& st = self->state;
        for (std::size_t i = 0; i < st.specs.size(); ++i)
          if (st.specs[i].name == name)
            return st.running[i];
        return make_error(errc::not_found, "no supervisor " + name);
      },
      [self](standup_atom, standup_query& q) {
        auto rp = self->make_response_promise();
        const auto& st = self->state;
        for (std::size_t i = 0; i < st.specs.size(); ++i)
          if (st.specs[i].name == "StandupGenerator") {
            rp.delegate(st.running[i], standup_atom::value, std::move(q));
            return rp;
          }
        rp.deliver(make_error(errc::unavailable, "no standup generator runs"));
        return rp;
      },
  };
}

} // namespace

caf::actor spawn_root_supervisor(caf::actor_system& sys, supervisor_environment env,
                                 std::vector<supervisor_spec> specs,
                                 std::shared_ptr<worker_health> health, bool timer) {
  return sys.spawn(root, std::move(env), std::move(specs), std::move(health), timer);
}

} // namespace mc::supervisors
