#include "domain/policy.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace mc {

namespace {

std::string_view role_name(agent_role role) {
  return to_string(role);
}

std::string article(agent_role role) {
  return std::string(role == agent_role::intern ? "an " : "a ") + std::string(role_name(role));
}

usd clamp_positive(usd v) {
  return v.micros < 0 ? usd{} : v;
}

} // namespace

namespace {

// One switch for the const and mutable accessors.
template <class Table>
auto& role_row(Table& t, agent_role role) noexcept {
  switch (role) {
  case agent_role::intern:
    return t.intern;
  case agent_role::specialist:
    return t.specialist;
  case agent_role::lead:
    return t.lead;
  }
  return t.intern;
}

template <class Budgets>
auto& type_row(Budgets& b, task_type type) noexcept {
  switch (type) {
  case task_type::content:
    return b.content;
  case task_type::social:
    return b.social;
  case task_type::email_marketing:
    return b.email_marketing;
  case task_type::customer_research:
    return b.customer_research;
  case task_type::seo_research:
    return b.seo_research;
  case task_type::engineering:
    return b.engineering;
  case task_type::docs:
    return b.docs;
  case task_type::ops:
    return b.ops;
  }
  return b.ops;
}

} // namespace

const role_limits& role_table::of(agent_role role) const noexcept {
  return role_row(*this, role);
}
role_limits& role_table::of(agent_role role) noexcept {
  return role_row(*this, role);
}

usd task_type_budgets::of(task_type type) const noexcept {
  return type_row(*this, type);
}
usd& task_type_budgets::of(task_type type) noexcept {
  return type_row(*this, type);
}

policy default_policy() {
  return policy{};
}

policy_decision decision_for(agent_role role, risk_level risk) noexcept {
  switch (risk) {
  case risk_level::green:
    return policy_decision::allow;
  case risk_level::yellow:
    return role == agent_role::intern ? policy_decision::needs_approval : policy_decision::allow;
  case risk_level::red:
    return policy_decision::needs_approval;
  }
  return policy_decision::needs_approval;
}

policy_budget_status budget_status_for(const policy_request& request, const policy& p) {
  // The stored policy always has a row for the role, so its layer is always set; the built-in
  // table still stands behind it for callers that resolve without a stored policy.
  const role_limits& stored = p.roles.of(request.role);
  const role_table builtin_table;
  const role_limits& builtin = builtin_table.of(request.role);

  const auto daily =
      resolve_override(request.task_overrides.daily_cap, request.agent_overrides.daily_cap,
                       std::optional<usd>{stored.daily_cap},
                       request.environment_overrides.daily_cap, builtin.daily_cap);
  const auto per_run =
      resolve_override(request.task_overrides.per_run_cap, request.agent_overrides.per_run_cap,
                       std::optional<usd>{stored.per_run_cap},
                       request.environment_overrides.per_run_cap, builtin.per_run_cap);

  policy_budget_status s;
  s.daily_cap = daily.value;
  s.daily_cap_from = daily.layer;
  s.today_spend = request.today_spend;
  s.remaining = clamp_positive(daily.value - request.today_spend);
  s.per_run_cap = per_run.value;
  s.per_run_cap_from = per_run.layer;
  s.level = classify_spend(request.today_spend, daily.value);
  if (request.task_type) {
    s.task_budget = p.task_budgets.of(*request.task_type);
    s.task_remaining = clamp_positive(*s.task_budget - request.task_spend);
  }
  return s;
}

std::vector<policy_violation> check_spawn(agent_role role, const spawn_request& spawn,
                                          const policy& p) {
  std::vector<policy_violation> out;
  if (!p.roles.of(role).can_spawn)
    out.push_back({violation_kind::spawn_not_allowed,
                   std::string(role_name(role)) + " agents may not spawn sub-agents"});
  const spawn_limits& lim = p.spawn;
  if (spawn.active_agents >= lim.max_active_agents)
    out.push_back({violation_kind::spawn_active_agents, std::to_string(spawn.active_agents) +
                                                            " agents are active; the limit is " +
                                                            std::to_string(lim.max_active_agents)});
  if (spawn.subagents_of_task >= lim.max_subagents_per_task)
    out.push_back({violation_kind::spawn_per_task,
                   "the task already has " + std::to_string(spawn.subagents_of_task) +
                       " sub-agents; the limit is " + std::to_string(lim.max_subagents_per_task)});
  if (spawn.requester_depth + 1 > lim.max_depth)
    out.push_back({violation_kind::spawn_depth,
                   "a sub-agent at depth " + std::to_string(spawn.requester_depth + 1) +
                       " exceeds the depth limit " + std::to_string(lim.max_depth)});
  return out;
}

policy_evaluation evaluate(const policy_request& request, const policy& p) {
  policy_evaluation e;
  const risk_result r = classify_action(request.action, p.risk);
  e.risk = r.risk;
  e.rule = r.rule;
  e.budget = budget_status_for(request, p);

  std::string why;
  if (r.denied) {
    e.decision = policy_decision::deny;
    e.violations.push_back({violation_kind::blocked_action, r.reason});
    why = "denied: " + r.reason;
  } else {
    e.decision = decision_for(request.role, r.risk);
    why = r.reason + "; ";
    switch (r.risk) {
    case risk_level::green:
      why += "green actions are allowed";
      break;
    case risk_level::yellow:
      why += e.decision == policy_decision::allow
                 ? "yellow actions are allowed for " + article(request.role)
                 : article(request.role) + " needs approval for yellow actions";
      break;
    case risk_level::red:
      why += "red actions always need approval";
      break;
    }
  }

  // Budget: strictly more than a cap or what remains is a violation; exactly at it is not.
  const usd cost = request.estimated_cost;
  const policy_budget_status& b = e.budget;
  std::vector<policy_violation> budget;
  if (cost > b.per_run_cap)
    budget.push_back({violation_kind::per_run_cap, "estimated cost " + dollar_text(cost) +
                                                       " exceeds the per-run cap " +
                                                       dollar_text(b.per_run_cap)});
  if (cost > b.remaining)
    budget.push_back({violation_kind::daily_budget, "estimated cost " + dollar_text(cost) +
                                                        " exceeds the remaining daily budget " +
                                                        dollar_text(b.remaining) + " (cap " +
                                                        dollar_text(b.daily_cap) + ", spent " +
                                                        dollar_text(b.today_spend) + ")"});
  if (b.task_remaining && cost > *b.task_remaining)
    budget.push_back({violation_kind::task_budget,
                      "estimated cost " + dollar_text(cost) + " exceeds the remaining " +
                          std::string(to_string(*request.task_type)) + " task budget " +
                          dollar_text(*b.task_remaining) + " (budget " +
                          dollar_text(*b.task_budget) + ")"});
  if (!budget.empty() && e.decision == policy_decision::allow)
    e.decision = policy_decision::needs_approval;

  std::vector<policy_violation> spawn;
  if (request.spawn)
    spawn = check_spawn(request.role, *request.spawn, p);
  if (!spawn.empty())
    e.decision = policy_decision::deny;

  for (auto* group : {&budget, &spawn})
    for (auto& v : *group) {
      why += "; " + v.message;
      e.violations.push_back(std::move(v));
    }
  e.reason = std::move(why);
  return e;
}

} // namespace mc
