// The policy document and evaluator against SPEC §4: built-in tables, the role × risk decision
// matrix, budget violations at and just past each cap, override precedence, and spawn limits.
#include "domain/policy.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace mc {
namespace {

const policy& defaults() {
  static const policy p = default_policy();
  return p;
}

constexpr usd micro{1};

// Actions whose risk is fixed by the default lists, so decision tests need no shell detail.
agent_action green_action() {
  return {"web_search", {}, {}, {}};
}
agent_action yellow_action() {
  return {"exec", "git status", {}, {}};
}
agent_action red_action() {
  return {"send_email", {}, {}, {}};
}
agent_action denied_action() {
  return {"exec", "sudo ls", {}, {}};
}

policy_request request(agent_role role, agent_action action, usd cost = usd{}) {
  policy_request r;
  r.role = role;
  r.action = std::move(action);
  r.estimated_cost = cost;
  return r;
}

bool has_violation(const policy_evaluation& e, violation_kind kind) {
  for (const auto& v : e.violations)
    if (v.kind == kind)
      return true;
  return false;
}

// ---- built-in tables ----------------------------------------------------------------------------

struct role_row {
  agent_role role;
  usd daily;
  usd per_run;
  bool can_spawn;
};

std::ostream& operator<<(std::ostream& os, const role_row& r) {
  return os << to_string(r.role);
}

class PolicyRoleDefaults : public ::testing::TestWithParam<role_row> {};

TEST_P(PolicyRoleDefaults, MatchSpecTable) {
  const auto& row = GetParam();
  const role_limits& got = defaults().roles.of(row.role);
  EXPECT_EQ(got.daily_cap, row.daily);
  EXPECT_EQ(got.per_run_cap, row.per_run);
  EXPECT_EQ(got.can_spawn, row.can_spawn);
}

INSTANTIATE_TEST_SUITE_P(PolicySpec, PolicyRoleDefaults,
                         ::testing::Values(role_row{agent_role::intern, 2.00_usd, 0.25_usd, false},
                                           role_row{agent_role::specialist, 5.00_usd, 0.75_usd,
                                                    true},
                                           role_row{agent_role::lead, 12.00_usd, 1.50_usd, true}));

struct type_row {
  task_type type;
  usd budget;
};

std::ostream& operator<<(std::ostream& os, const type_row& r) {
  return os << to_string(r.type);
}

class PolicyTaskTypeBudgets : public ::testing::TestWithParam<type_row> {};

TEST_P(PolicyTaskTypeBudgets, MatchSpecTable) {
  EXPECT_EQ(defaults().task_budgets.of(GetParam().type), GetParam().budget);
}

INSTANTIATE_TEST_SUITE_P(PolicySpec, PolicyTaskTypeBudgets,
                         ::testing::Values(type_row{task_type::content, 6.00_usd},
                                           type_row{task_type::social, 2.00_usd},
                                           type_row{task_type::email_marketing, 4.00_usd},
                                           type_row{task_type::customer_research, 5.00_usd},
                                           type_row{task_type::seo_research, 4.00_usd},
                                           type_row{task_type::engineering, 8.00_usd},
                                           type_row{task_type::docs, 3.00_usd},
                                           type_row{task_type::ops, 3.00_usd}));

TEST(PolicyDefaults, SpawnReviewAndTimezone) {
  const policy& p = defaults();
  EXPECT_EQ(p.spawn.max_active_agents, 30);
  EXPECT_EQ(p.spawn.max_subagents_per_task, 3);
  EXPECT_EQ(p.spawn.max_depth, 2);
  EXPECT_EQ(p.spawn.subagent_ttl_ms, 6LL * 3'600'000);
  EXPECT_FALSE(p.lead_may_complete_review);
  EXPECT_EQ(p.max_review_cycles, 3);
  EXPECT_EQ(p.timezone, "America/Los_Angeles");
  EXPECT_EQ(p.risk, risk_lists{});
  EXPECT_EQ(p, policy{});
}

TEST(PolicyDefaults, TablesAreEditable) {
  policy p = default_policy();
  p.roles.of(agent_role::intern).daily_cap = 3.00_usd;
  p.task_budgets.of(task_type::docs) = 1.00_usd;
  EXPECT_EQ(p.roles.intern.daily_cap, 3.00_usd);
  EXPECT_EQ(p.task_budgets.docs, 1.00_usd);
  EXPECT_NE(p, default_policy());
}

// ---- decision matrix ----------------------------------------------------------------------------

struct matrix_case {
  agent_role role;
  risk_level risk;
  policy_decision expected;
};

std::ostream& operator<<(std::ostream& os, const matrix_case& c) {
  return os << to_string(c.role) << " × " << to_string(c.risk);
}

agent_action action_of(risk_level risk) {
  switch (risk) {
  case risk_level::green:
    return green_action();
  case risk_level::yellow:
    return yellow_action();
  case risk_level::red:
    break;
  }
  return red_action();
}

class PolicyDecisionMatrix : public ::testing::TestWithParam<matrix_case> {};

TEST_P(PolicyDecisionMatrix, RoleTimesRisk) {
  const auto& c = GetParam();
  EXPECT_EQ(decision_for(c.role, c.risk), c.expected);
  const policy_evaluation e = evaluate(request(c.role, action_of(c.risk)), defaults());
  EXPECT_EQ(e.risk, c.risk);
  EXPECT_EQ(e.decision, c.expected) << e.reason;
  EXPECT_TRUE(e.violations.empty());
}

INSTANTIATE_TEST_SUITE_P(
    PolicySpec, PolicyDecisionMatrix,
    ::testing::Values(
        matrix_case{agent_role::intern, risk_level::green, policy_decision::allow},
        matrix_case{agent_role::specialist, risk_level::green, policy_decision::allow},
        matrix_case{agent_role::lead, risk_level::green, policy_decision::allow},
        matrix_case{agent_role::intern, risk_level::yellow, policy_decision::needs_approval},
        matrix_case{agent_role::specialist, risk_level::yellow, policy_decision::allow},
        matrix_case{agent_role::lead, risk_level::yellow, policy_decision::allow},
        matrix_case{agent_role::intern, risk_level::red, policy_decision::needs_approval},
        matrix_case{agent_role::specialist, risk_level::red, policy_decision::needs_approval},
        matrix_case{agent_role::lead, risk_level::red, policy_decision::needs_approval}));

class PolicyDenyWins : public ::testing::TestWithParam<agent_role> {};

TEST_P(PolicyDenyWins, ForEveryRole) {
  const policy_evaluation e = evaluate(request(GetParam(), denied_action()), defaults());
  EXPECT_EQ(e.decision, policy_decision::deny);
  EXPECT_EQ(e.risk, risk_level::red);
  EXPECT_EQ(e.rule, "shell.block:sudo");
  EXPECT_TRUE(has_violation(e, violation_kind::blocked_action));
  EXPECT_NE(e.reason.find("sudo"), std::string::npos) << e.reason;
}

INSTANTIATE_TEST_SUITE_P(PolicyRoles, PolicyDenyWins,
                         ::testing::Values(agent_role::intern, agent_role::specialist,
                                           agent_role::lead));

TEST(PolicyReason, NamesRuleAndRole) {
  const policy_evaluation e = evaluate(request(agent_role::intern, yellow_action()), defaults());
  EXPECT_NE(e.reason.find("git status"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("intern needs approval"), std::string::npos) << e.reason;
}

// ---- budget -------------------------------------------------------------------------------------

// A specialist's green action: $0.75 per run, $5.00 a day.
policy_request specialist_spending(usd cost, usd spent_today) {
  policy_request r = request(agent_role::specialist, green_action(), cost);
  r.today_spend = spent_today;
  return r;
}

TEST(PolicyBudget, PerRunCapExactlyIsAllowed) {
  const auto e = evaluate(specialist_spending(0.75_usd, usd{}), defaults());
  EXPECT_EQ(e.decision, policy_decision::allow) << e.reason;
  EXPECT_TRUE(e.violations.empty());
}

TEST(PolicyBudget, PerRunCapPlusOneMicroNeedsApproval) {
  const auto e = evaluate(specialist_spending(0.75_usd + micro, usd{}), defaults());
  EXPECT_EQ(e.decision, policy_decision::needs_approval);
  ASSERT_EQ(e.violations.size(), 1u);
  EXPECT_EQ(e.violations[0].kind, violation_kind::per_run_cap);
  EXPECT_NE(e.violations[0].message.find("$0.750001"), std::string::npos)
      << e.violations[0].message;
}

TEST(PolicyBudget, RemainingDailyExactlyIsAllowed) {
  const auto e = evaluate(specialist_spending(0.50_usd, 4.50_usd), defaults());
  EXPECT_EQ(e.decision, policy_decision::allow) << e.reason;
  EXPECT_EQ(e.budget.remaining, 0.50_usd);
}

TEST(PolicyBudget, RemainingDailyPlusOneMicroNeedsApproval) {
  const auto e = evaluate(specialist_spending(0.50_usd + micro, 4.50_usd), defaults());
  EXPECT_EQ(e.decision, policy_decision::needs_approval);
  ASSERT_EQ(e.violations.size(), 1u);
  EXPECT_EQ(e.violations[0].kind, violation_kind::daily_budget);
}

TEST(PolicyBudget, OverspentDayLeavesNothingRemaining) {
  const auto e = evaluate(specialist_spending(micro, 6.00_usd), defaults());
  EXPECT_EQ(e.budget.remaining, usd{});
  EXPECT_EQ(e.budget.level, spend_level::exceeded);
  EXPECT_TRUE(has_violation(e, violation_kind::daily_budget));
}

TEST(PolicyBudget, TaskTypeRemainingExactlyIsAllowed) {
  policy_request r = specialist_spending(0.50_usd, usd{});
  r.task_type = task_type::social; // $2.00 per task
  r.task_spend = 1.50_usd;
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::allow) << e.reason;
  EXPECT_EQ(e.budget.task_budget, 2.00_usd);
  EXPECT_EQ(e.budget.task_remaining, 0.50_usd);
}

TEST(PolicyBudget, TaskTypeRemainingPlusOneMicroNeedsApproval) {
  policy_request r = specialist_spending(0.50_usd + micro, usd{});
  r.task_type = task_type::social;
  r.task_spend = 1.50_usd;
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::needs_approval);
  ASSERT_EQ(e.violations.size(), 1u);
  EXPECT_EQ(e.violations[0].kind, violation_kind::task_budget);
  EXPECT_NE(e.violations[0].message.find("social"), std::string::npos);
}

TEST(PolicyBudget, EveryBreachIsListed) {
  policy_request r = specialist_spending(1.00_usd, 4.50_usd);
  r.task_type = task_type::docs;
  r.task_spend = 2.50_usd;
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::needs_approval);
  EXPECT_EQ(e.violations.size(), 3u);
  EXPECT_TRUE(has_violation(e, violation_kind::per_run_cap));
  EXPECT_TRUE(has_violation(e, violation_kind::daily_budget));
  EXPECT_TRUE(has_violation(e, violation_kind::task_budget));
}

TEST(PolicyBudget, DenyStaysDenyWhenOverBudget) {
  policy_request r = request(agent_role::lead, denied_action(), 5.00_usd);
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::deny);
  EXPECT_TRUE(has_violation(e, violation_kind::blocked_action));
  EXPECT_TRUE(has_violation(e, violation_kind::per_run_cap));
}

TEST(PolicyBudget, StatusUsesSharedEightyPercentRule) {
  const auto at80 = evaluate(specialist_spending(usd{}, 4.00_usd), defaults()).budget;
  EXPECT_EQ(at80.level, spend_level::approaching_limit);
  EXPECT_EQ(at80.daily_cap, 5.00_usd);
  EXPECT_EQ(at80.today_spend, 4.00_usd);
  EXPECT_EQ(at80.remaining, 1.00_usd);
  EXPECT_EQ(at80.per_run_cap, 0.75_usd);
  EXPECT_FALSE(at80.task_budget.has_value());
  const auto below = evaluate(specialist_spending(usd{}, 4.00_usd - micro), defaults()).budget;
  EXPECT_EQ(below.level, spend_level::ok);
}

// ---- override precedence ------------------------------------------------------------------------

struct layer_case {
  std::optional<int> task, agent, from_policy, environment;
  int expected;
  override_layer layer;
};

std::ostream& operator<<(std::ostream& os, const layer_case& c) {
  return os << "→ " << to_string(c.layer);
}

class PolicyOverride : public ::testing::TestWithParam<layer_case> {};

TEST_P(PolicyOverride, FirstSetLayerWins) {
  const auto& c = GetParam();
  const resolved<int> got = resolve_override(c.task, c.agent, c.from_policy, c.environment, 5);
  EXPECT_EQ(got.value, c.expected);
  EXPECT_EQ(got.layer, c.layer);
}

INSTANTIATE_TEST_SUITE_P(
    PolicyLayers, PolicyOverride,
    ::testing::Values(layer_case{1, 2, 3, 4, 1, override_layer::task},
                      layer_case{std::nullopt, 2, 3, 4, 2, override_layer::agent},
                      layer_case{std::nullopt, std::nullopt, 3, 4, 3, override_layer::policy},
                      layer_case{std::nullopt, std::nullopt, std::nullopt, 4, 4,
                                 override_layer::environment},
                      layer_case{std::nullopt, std::nullopt, std::nullopt, std::nullopt, 5,
                                 override_layer::builtin},
                      // A zero is a setting, not an absence.
                      layer_case{0, 2, 3, 4, 0, override_layer::task}));

TEST(PolicyOverrideCaps, TaskBeatsAgentBeatsPolicy) {
  policy_request r = request(agent_role::intern, green_action());
  r.environment_overrides = {9.00_usd, 0.90_usd};
  auto b = budget_status_for(r, defaults());
  // The stored policy sets every role, so it outranks the environment.
  EXPECT_EQ(b.daily_cap, 2.00_usd);
  EXPECT_EQ(b.daily_cap_from, override_layer::policy);
  EXPECT_EQ(b.per_run_cap_from, override_layer::policy);

  r.agent_overrides.daily_cap = 20.00_usd;
  b = budget_status_for(r, defaults());
  EXPECT_EQ(b.daily_cap, 20.00_usd);
  EXPECT_EQ(b.daily_cap_from, override_layer::agent);
  EXPECT_EQ(b.per_run_cap, 0.25_usd);

  r.task_overrides = {1.00_usd, 0.10_usd};
  b = budget_status_for(r, defaults());
  EXPECT_EQ(b.daily_cap, 1.00_usd);
  EXPECT_EQ(b.daily_cap_from, override_layer::task);
  EXPECT_EQ(b.per_run_cap, 0.10_usd);
  EXPECT_EQ(b.per_run_cap_from, override_layer::task);
}

TEST(PolicyOverrideCaps, StoredPolicyReplacesBuiltInTable) {
  policy p = default_policy();
  p.roles.intern.per_run_cap = 0.50_usd;
  const auto e = evaluate(request(agent_role::intern, green_action(), 0.40_usd), p);
  EXPECT_EQ(e.decision, policy_decision::allow) << e.reason;
  EXPECT_EQ(e.budget.per_run_cap, 0.50_usd);
}

TEST(PolicyOverrideCaps, AgentRaiseLiftsTheRunbookBudgetBreach) {
  // Runbook: `PATCH /api/agents/{id}` with `{"budgets":{"dailyCap":20}}`.
  policy_request r = specialist_spending(0.50_usd, 5.00_usd);
  EXPECT_EQ(evaluate(r, defaults()).decision, policy_decision::needs_approval);
  r.agent_overrides.daily_cap = 20.00_usd;
  EXPECT_EQ(evaluate(r, defaults()).decision, policy_decision::allow);
}

// ---- spawn --------------------------------------------------------------------------------------

TEST(PolicySpawn, SpecialistWithinLimitsIsAllowed) {
  policy_request r = request(agent_role::specialist, {"spawn_agent", {}, {}, {}});
  r.spawn = spawn_request{29, 2, 1};
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::allow) << e.reason;
}

TEST(PolicySpawn, InternMayNotSpawn) {
  policy_request r = request(agent_role::intern, {"spawn_agent", {}, {}, {}});
  r.spawn = spawn_request{};
  const auto e = evaluate(r, defaults());
  EXPECT_EQ(e.decision, policy_decision::deny);
  EXPECT_TRUE(has_violation(e, violation_kind::spawn_not_allowed));
}

TEST(PolicySpawn, EachLimitIsEnforcedAtItsBoundary) {
  const policy& p = defaults();
  EXPECT_TRUE(check_spawn(agent_role::lead, {29, 2, 1}, p).empty());
  const auto active = check_spawn(agent_role::lead, {30, 0, 0}, p);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].kind, violation_kind::spawn_active_agents);
  const auto per_task = check_spawn(agent_role::lead, {0, 3, 0}, p);
  ASSERT_EQ(per_task.size(), 1u);
  EXPECT_EQ(per_task[0].kind, violation_kind::spawn_per_task);
  const auto depth = check_spawn(agent_role::lead, {0, 0, 2}, p);
  ASSERT_EQ(depth.size(), 1u);
  EXPECT_EQ(depth[0].kind, violation_kind::spawn_depth);
}

} // namespace
} // namespace mc
