#include "domain/task_lease.hpp"

#include "domain/liveness.hpp"

#include <algorithm>

namespace mc {
namespace {

bool assigned_to(const task& t, const std::string& agent_id) {
  return std::find(t.assignee_ids.begin(), t.assignee_ids.end(), agent_id) != t.assignee_ids.end();
}

const expired_lease* expiry_of(const task& t, const std::string& agent_id) {
  auto it = std::find_if(t.expired_leases.begin(), t.expired_leases.end(),
                         [&](const expired_lease& l) { return l.agent_id == agent_id; });
  return it == t.expired_leases.end() ? nullptr : &*it;
}

} // namespace

std::variant<transition_outcome, std::string> release_task(const task& t,
                                                           const std::vector<std::string>& stale,
                                                           const std::string& reason,
                                                           epoch_ms now) {
  if (t.status != task_status::in_progress)
    return "task " + t.id + " is " + std::string(to_string(t.status)) +
           ": only a task in progress is released";
  if (stale.empty())
    return std::string("a release names the stale assignees");
  for (const auto& id : stale)
    if (!assigned_to(t, id))
      return "agent '" + id + "' is not an assignee of task " + t.id;
  transition_outcome out;
  out.next = t;
  for (const auto& id : stale)
    if (!expiry_of(t, id))
      out.next.expired_leases.push_back({id, now});
  out.next.status = task_status::assigned;
  out.next.updated_at = now;
  out.record =
      transition{t.id, t.status, task_status::assigned, "system", reason, std::nullopt, now};
  return out;
}

std::optional<std::string> lease_refusal(const task& t, const std::string& agent_id) {
  const auto* l = expiry_of(t, agent_id);
  if (!l)
    return std::nullopt;
  return "agent '" + agent_id + "' no longer holds task " + t.id + ": its lease expired at " +
         utc_text(l->expired_at) +
         " when the task was released for reassignment after the agent went stale; its reports "
         "on this task are refused until the operator assigns the task to it again";
}

void renew_leases(task& t, const std::vector<std::string>& assignees) {
  std::erase_if(t.expired_leases, [&](const expired_lease& l) {
    return std::find(assignees.begin(), assignees.end(), l.agent_id) != assignees.end();
  });
}

} // namespace mc
