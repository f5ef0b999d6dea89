// The policy document (SPEC §4) and its evaluator: role and task-type budgets, spawn limits,
// review rules and the risk lists, and the allow / deny / needs_approval verdict for one action.
#pragma once

#include "domain/enums.hpp"
#include "domain/money.hpp"
#include "domain/risk.hpp"
#include "domain/spend_level.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

struct role_limits {
  usd daily_cap;
  usd per_run_cap;
  bool can_spawn = false;
  friend bool operator==(const role_limits&, const role_limits&) = default;
};
BOOST_DESCRIBE_STRUCT(role_limits, (), (daily_cap, per_run_cap, can_spawn))

/// One row per role, so a stored policy can never leave a role without limits.
struct role_table {
  role_limits intern{2.00_usd, 0.25_usd, false};
  role_limits specialist{5.00_usd, 0.75_usd, true};
  role_limits lead{12.00_usd, 1.50_usd, true};

  const role_limits& of(agent_role role) const noexcept;
  role_limits& of(agent_role role) noexcept;
  friend bool operator==(const role_table&, const role_table&) = default;
};
BOOST_DESCRIBE_STRUCT(role_table, (), (intern, specialist, lead))

/// What one task of each type may cost in total.
struct task_type_budgets {
  usd content = 6.00_usd;
  usd social = 2.00_usd;
  usd email_marketing = 4.00_usd;
  usd customer_research = 5.00_usd;
  usd seo_research = 4.00_usd;
  usd engineering = 8.00_usd;
  usd docs = 3.00_usd;
  usd ops = 3.00_usd;

  usd of(task_type type) const noexcept;
  usd& of(task_type type) noexcept;
  friend bool operator==(const task_type_budgets&, const task_type_budgets&) = default;
};
BOOST_DESCRIBE_STRUCT(task_type_budgets, (),
                      (content, social, email_marketing, customer_research, seo_research,
                       engineering, docs, ops))

struct spawn_limits {
  std::int32_t max_active_agents = 30;
  std::int32_t max_subagents_per_task = 3;
  /// A top-level agent has depth 0; its sub-agents 1; theirs 2.
  std::int32_t max_depth = 2;
  std::int64_t subagent_ttl_ms = 6LL * 60 * 60 * 1000;
  friend bool operator==(const spawn_limits&, const spawn_limits&) = default;
};
BOOST_DESCRIBE_STRUCT(spawn_limits, (),
                      (max_active_agents, max_subagents_per_task, max_depth, subagent_ttl_ms))

/// The whole stored policy; a default-constructed one holds the built-in defaults. The network
/// allow list is `risk.network_allowlist`.
struct policy {
  role_table roles;
  task_type_budgets task_budgets;
  spawn_limits spawn;
  risk_lists risk;
  /// Whether a lead agent may move review → done (otherwise only the operator may).
  bool lead_may_complete_review = false;
  /// More review → in_progress cycles than this block the task with a loop summary.
  std::int32_t max_review_cycles = 3;
  /// Daily spend resets at local midnight here.
  std::string timezone = "America/Los_Angeles";
  /// Whether a lead agent may approve or deny approval requests (never its own); otherwise only
  /// the operator decides.
  bool lead_may_decide_approvals = false;
  friend bool operator==(const policy&, const policy&) = default;
};
BOOST_DESCRIBE_STRUCT(policy, (),
                      (roles, task_budgets, spawn, risk, lead_may_complete_review,
                       max_review_cycles, timezone, lead_may_decide_approvals))

policy default_policy();

// ---- overrides ----------------------------------------------------------------------------------

/// Where a setting came from, strongest first (SPEC: task > agent > policy > environment >
/// default); `builtin` is SPEC's "default".
enum class override_layer : std::uint8_t { task, agent, policy, environment, builtin };
BOOST_DESCRIBE_ENUM(override_layer, task, agent, policy, environment, builtin)

template <class T>
struct resolved {
  T value;
  override_layer layer = override_layer::builtin;
  friend bool operator==(const resolved&, const resolved&) = default;
};

/// The first layer that sets a value, in precedence order; the built-in value otherwise.
template <class T>
resolved<T> resolve_override(const std::optional<T>& task, const std::optional<T>& agent,
                             const std::optional<T>& from_policy,
                             const std::optional<T>& environment, const T& builtin) {
  if (task)
    return {*task, override_layer::task};
  if (agent)
    return {*agent, override_layer::agent};
  if (from_policy)
    return {*from_policy, override_layer::policy};
  if (environment)
    return {*environment, override_layer::environment};
  return {builtin, override_layer::builtin};
}

// ---- evaluation ---------------------------------------------------------------------------------

/// Budget settings one layer sets; unset fields leave the decision to weaker layers.
struct budget_overrides {
  std::optional<usd> daily_cap;
  std::optional<usd> per_run_cap;
  friend bool operator==(const budget_overrides&, const budget_overrides&) = default;
};
BOOST_DESCRIBE_STRUCT(budget_overrides, (), (daily_cap, per_run_cap))

/// A request to create a sub-agent, with the counts as they stand before it exists.
struct spawn_request {
  std::int32_t active_agents = 0;
  /// Sub-agents already spawned for the parent task.
  std::int32_t subagents_of_task = 0;
  /// The requesting agent's depth (0 = top-level); the new one sits one deeper.
  std::int32_t requester_depth = 0;
  friend bool operator==(const spawn_request&, const spawn_request&) = default;
};
BOOST_DESCRIBE_STRUCT(spawn_request, (), (active_agents, subagents_of_task, requester_depth))

struct policy_request {
  agent_role role = agent_role::intern;
  agent_action action;
  usd estimated_cost;
  /// The agent's spend on the current local day, already reset at midnight by the caller.
  usd today_spend;
  /// When set, the action also counts against this type's per-task budget.
  std::optional<mc::task_type> task_type;
  /// What the task has cost so far (its actualCost).
  usd task_spend;
  budget_overrides task_overrides;
  budget_overrides agent_overrides;
  budget_overrides environment_overrides;
  /// Set when the action creates a sub-agent.
  std::optional<spawn_request> spawn;
  friend bool operator==(const policy_request&, const policy_request&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_request, (),
                      (role, action, estimated_cost, today_spend, task_type, task_spend,
                       task_overrides, agent_overrides, environment_overrides, spawn))

enum class violation_kind : std::uint8_t {
  blocked_action,
  per_run_cap,
  daily_budget,
  task_budget,
  spawn_not_allowed,
  spawn_active_agents,
  spawn_per_task,
  spawn_depth
};
BOOST_DESCRIBE_ENUM(violation_kind, blocked_action, per_run_cap, daily_budget, task_budget,
                    spawn_not_allowed, spawn_active_agents, spawn_per_task, spawn_depth)

struct policy_violation {
  violation_kind kind = violation_kind::blocked_action;
  std::string message;
  friend bool operator==(const policy_violation&, const policy_violation&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_violation, (), (kind, message))

/// The agent's budget as the decision saw it.
struct policy_budget_status {
  usd daily_cap;
  override_layer daily_cap_from = override_layer::builtin;
  usd today_spend;
  /// Never negative: daily_cap − today_spend.
  usd remaining;
  usd per_run_cap;
  override_layer per_run_cap_from = override_layer::builtin;
  /// today_spend against daily_cap, by classify_spend.
  spend_level level = spend_level::ok;
  std::optional<usd> task_budget;
  std::optional<usd> task_remaining;
  friend bool operator==(const policy_budget_status&, const policy_budget_status&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_budget_status, (),
                      (daily_cap, daily_cap_from, today_spend, remaining, per_run_cap,
                       per_run_cap_from, level, task_budget, task_remaining))

struct policy_evaluation {
  policy_decision decision = policy_decision::needs_approval;
  risk_level risk = risk_level::red;
  /// The classifier's deciding rule (see risk_result::rule).
  std::string rule;
  std::string reason;
  std::vector<policy_violation> violations;
  policy_budget_status budget;
  friend bool operator==(const policy_evaluation&, const policy_evaluation&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_evaluation, (), (decision, risk, rule, reason, violations, budget))

/// The role × risk matrix for an action the classifier did not deny.
policy_decision decision_for(agent_role role, risk_level risk) noexcept;

/// The caps and remaining budget for a request, resolved through the override layers.
policy_budget_status budget_status_for(const policy_request& request, const policy& p);

/// Why a spawn may not happen (empty when it may).
std::vector<policy_violation> check_spawn(agent_role role, const spawn_request& spawn,
                                          const policy& p);

/// Classifier deny wins; then the role × risk matrix; then any budget violation turns an allow
/// into needs_approval and any spawn violation into deny.
policy_evaluation evaluate(const policy_request& request, const policy& p);

} // namespace mc
