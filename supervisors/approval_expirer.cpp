#include "supervisors/approval_expirer.hpp"

#include "actors/approval_messages.hpp"
#include "actors/governance_messages.hpp"
#include "actors/supervisor_messages.hpp"

#include <caf/all.hpp>

#include <memory>

namespace mc::supervisors {
namespace {

using namespace actors;

constexpr const char* tag = "ApprovalExpirer";

alert expiry_alert(const approval& a) {
  alert out;
  out.severity = alert_severity::warning;
  out.type = "approval_expired";
  out.title = "Approval " + a.id + " expired undecided";
  out.description = "The " + std::string(to_string(a.action_type)) + " request of " +
                    a.requestor_id + " (\"" + a.action_summary + "\") was not decided in time." +
                    (a.task_id ? " Its task " + *a.task_id +
                                     " stays in needs_approval: decide it with a new request, or "
                                     "move the task as the operator."
                               : "");
  out.agent_id = a.requestor_id;
  out.task_id = a.task_id;
  return out;
}

caf::behavior expirer(caf::event_based_actor* self, supervisor_environment env) {
  return {[self, env](tick_atom) {
    log_line(env, tag, "Expiring overdue approvals...");
    auto rp = self->make_response_promise<tick_report>();
    self->request(env.approvals, env.settings.tick_deadline, expire_atom::value)
        .then(
            [self, env, rp](std::vector<approval>& expired) mutable {
              if (expired.empty()) {
                rp.deliver(tick_report{tag, 0});
                return;
              }
              log_line(env, tag, std::to_string(expired.size()) + " approval(s) expired");
              auto left = std::make_shared<std::size_t>(expired.size());
              auto failure = std::make_shared<caf::error>();
              const auto n = static_cast<std::int32_t>(expired.size());
              auto settle = [rp, left, failure, n]() mutable {
                if (--*left > 0)
                  return;
                // An alert that could not be stored makes the tick fail: worker_missed says so.
                if (*failure)
                  rp.deliver(*failure);
                else
                  rp.deliver(tick_report{tag, n});
              };
              for (const auto& a : expired) {
                // The tick answers once every alert is stored, so what it reports is visible.
                self->request(env.alerts, env.settings.tick_deadline, raise_atom::value,
                              expiry_alert(a))
                    .then([settle](const alert&) mutable { settle(); },
                          [settle, failure](caf::error& e) mutable {
                            *failure = std::move(e);
                            settle();
                          });
              }
            },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    return rp;
  }};
}

} // namespace

supervisor_spec approval_expirer() {
  return {tag, [](caf::actor_system& sys, const supervisor_environment& env) {
            return sys.spawn(expirer, env);
          }};
}

} // namespace mc::supervisors
