#include "domain/agent_rules.hpp"

namespace mc {

std::vector<field_problem> validate_budgets(const agent_budgets& b) {
  std::vector<field_problem> out;
  if (b.daily_cap && b.daily_cap->micros <= 0)
    out.push_back({"budgets.dailyCap", "dailyCap must be greater than 0"});
  if (b.per_run_cap && b.per_run_cap->micros <= 0)
    out.push_back({"budgets.perRunCap", "perRunCap must be greater than 0"});
  return out;
}

std::vector<field_problem> validate_new_agent(const agent& draft) {
  std::vector<field_problem> out;
  if (!is_valid_agent_id(draft.id))
    out.push_back({"id", "id must match [a-z0-9][a-z0-9_-]{0,63}"});
  if (draft.name.size() > 200)
    out.push_back({"name", "name is at most 200 characters"});
  if (draft.parent_agent_id && !is_valid_agent_id(*draft.parent_agent_id))
    out.push_back({"parentAgentId", "parentAgentId must be an agent id"});
  if (draft.parent_agent_id && *draft.parent_agent_id == draft.id)
    out.push_back({"parentAgentId", "an agent cannot be its own parent"});
  auto budget_problems = validate_budgets(draft.budgets);
  out.insert(out.end(), budget_problems.begin(), budget_problems.end());
  return out;
}

control_outcome apply_control(const agent& a, agent_control c, bool has_work_in_progress) {
  control_outcome out{a, false, false};
  const bool quarantined = a.status == agent_status::quarantined;
  auto set = [&](agent_status s) {
    out.changed = out.changed || out.next.status != s;
    out.next.status = s;
  };
  switch (c) {
  case agent_control::quarantine:
    set(agent_status::quarantined);
    break;
  case agent_control::pause:
    if (!quarantined)
      set(agent_status::paused);
    break;
  case agent_control::drain:
    if (!quarantined)
      set(has_work_in_progress ? agent_status::drained : agent_status::paused);
    break;
  case agent_control::resume:
    set(agent_status::active);
    break;
  case agent_control::restart:
    if (out.next.error_streak != 0 || out.next.last_error)
      out.changed = true;
    out.next.error_streak = 0;
    out.next.last_error.reset();
    if (!quarantined)
      set(agent_status::active);
    out.restart_requested = true;
    break;
  }
  return out;
}

std::optional<agent> settle_drain(const agent& a, bool has_work_in_progress) {
  if (a.status != agent_status::drained || has_work_in_progress)
    return std::nullopt;
  agent next = a;
  next.status = agent_status::paused;
  return next;
}

} // namespace mc
