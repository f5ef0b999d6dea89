// The BudgetMonitor's rules: which caps a run broke (strictly past a cap, caps from the agent's
// budgets over its role's), what an approved override grants a task, and what the request, the
// alert and the notification of a containment say.
#include "domain/budget_containment.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

agent specialist() {
  agent a;
  a.id = "jordan";
  a.role = agent_role::specialist; // $5.00 a day, $0.75 a run
  return a;
}

run costing(usd cost, std::string id = "run_1") {
  run r;
  r.id = std::move(id);
  r.agent_id = "jordan";
  r.model = "gpt-4o";
  r.cost_usd = cost;
  return r;
}

task social(usd actual) {
  task t;
  t.id = "tsk_1";
  t.title = "Post the launch thread";
  t.type = task_type::social; // $2.00
  t.status = task_status::in_progress;
  t.actual_cost = actual;
  return t;
}

approval override_of(const task& t, approval_status s, std::optional<usd> granted) {
  approval a;
  a.id = "apr_1";
  a.task_id = t.id;
  a.action_type = approval_action::budget_override;
  a.status = s;
  a.estimated_cost = granted;
  return a;
}

TEST(BudgetBreaches, NothingAtOrBelowTheCaps) {
  const auto p = default_policy();
  const auto t = social(2.00_usd);
  EXPECT_TRUE(
      budget_breaches(costing(0.75_usd), true, specialist(), 5.00_usd, &t, 2.00_usd, p).empty());
}

TEST(BudgetBreaches, EachCapStrictlyPastItIsABreach) {
  const auto p = default_policy();
  const auto t = social(2.01_usd);
  auto all = budget_breaches(costing(0.76_usd), true, specialist(), 5.01_usd, &t, 2.00_usd, p);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], (budget_breach{budget_breach_kind::per_run, 0.76_usd, 0.75_usd}));
  EXPECT_EQ(all[1], (budget_breach{budget_breach_kind::daily, 5.01_usd, 5.00_usd}));
  EXPECT_EQ(all[2], (budget_breach{budget_breach_kind::task, 2.01_usd, 2.00_usd}));
}

TEST(BudgetBreaches, TheAgentsBudgetsOverrideItsRolesCaps) {
  auto a = specialist();
  a.budgets.daily_cap = 20.00_usd;
  a.budgets.per_run_cap = 2.00_usd;
  EXPECT_TRUE(budget_breaches(costing(1.00_usd), true, a, 10.00_usd, nullptr, {}, default_policy())
                  .empty());
  // And the policy's role table over the built-in one.
  auto p = default_policy();
  p.roles.specialist.daily_cap = 3.00_usd;
  auto all = budget_breaches(costing(0.10_usd), true, specialist(), 4.00_usd, nullptr, {}, p);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kind, budget_breach_kind::daily);
  EXPECT_EQ(all[0].cap, 3.00_usd);
}

TEST(BudgetBreaches, ARunAlreadyJudgedIsNotCheckedAgainstThePerRunCap) {
  EXPECT_TRUE(budget_breaches(costing(0.90_usd), false, specialist(), 0.90_usd, nullptr, {},
                              default_policy())
                  .empty());
}

TEST(TaskAllowance, ApprovedOverridesOfTheTaskAddWhatTheyGranted) {
  const auto p = default_policy();
  const auto t = social(3.00_usd);
  auto other = override_of(t, approval_status::approved, 5.00_usd);
  other.task_id = "tsk_other";
  auto transition = override_of(t, approval_status::approved, 9.00_usd);
  transition.action_type = approval_action::state_transition;
  const std::vector<approval> all{override_of(t, approval_status::approved, 2.00_usd),
                                  override_of(t, approval_status::pending, 2.00_usd),
                                  override_of(t, approval_status::denied, 2.00_usd),
                                  override_of(t, approval_status::approved, std::nullopt),
                                  other,
                                  transition};
  EXPECT_EQ(task_allowance(t, {}, p), 2.00_usd);
  EXPECT_EQ(task_allowance(t, all, p), 4.00_usd);
}

containment_facts facts() {
  containment_facts f;
  f.who = specialist();
  f.who.today_spend = 5.60_usd;
  f.who.total_spend = 12.00_usd;
  f.trigger = costing(0.70_usd, "run_4");
  f.breaches = {{budget_breach_kind::daily, 5.60_usd, 5.00_usd},
                {budget_breach_kind::task, 2.40_usd, 2.00_usd}};
  f.held = social(2.40_usd);
  f.task_budget = 2.00_usd;
  f.type_budget = 2.00_usd;
  f.recent = {costing(0.70_usd, "run_4"), costing(0.60_usd, "run_3"), costing(0.50_usd, "run_2"),
              costing(0.40_usd, "run_1")};
  return f;
}

TEST(BudgetOverrideRequest, CarriesTheLastThreeRunsAndTheTask) {
  const auto a = budget_override_request(facts());
  EXPECT_EQ(a.action_type, approval_action::budget_override);
  EXPECT_EQ(a.risk_level, risk_level::red);
  EXPECT_EQ(a.requestor_id, "jordan");
  EXPECT_EQ(a.task_id, "tsk_1");
  EXPECT_EQ(a.action_summary,
            "Budget override for agent jordan: daily budget exceeded ($5.60 of $5.00); task "
            "budget exceeded ($2.40 of $2.00); task tsk_1 \"Post the launch thread\" (social, "
            "in_progress): actual cost $2.40 of its $2.00 budget");
  EXPECT_NE(a.justification.find("last 3 runs, $1.80 in all:\n- run_4: $0.70 (gpt-4o)\n- run_3: "
                                 "$0.60 (gpt-4o)\n- run_2: $0.50 (gpt-4o)"),
            std::string::npos)
      << a.justification;
  EXPECT_EQ(a.justification.find("run_1"), std::string::npos);
  // Approving grants the task one more budget of its type.
  EXPECT_EQ(a.estimated_cost, 2.00_usd);
  EXPECT_TRUE(filed_by_budget_monitor(a));
  auto agents_own = a;
  agents_own.action_summary = "more money please";
  EXPECT_FALSE(filed_by_budget_monitor(agents_own));
}

TEST(BudgetOverrideRequest, WithoutATaskBreachItGrantsNothingToATask) {
  auto f = facts();
  f.breaches = {{budget_breach_kind::per_run, 0.90_usd, 0.75_usd}};
  EXPECT_FALSE(budget_override_request(f).estimated_cost);
  f.held.reset();
  const auto a = budget_override_request(f);
  EXPECT_FALSE(a.task_id);
  EXPECT_EQ(a.action_summary,
            "Budget override for agent jordan: per-run cap exceeded ($0.90 of $0.75)");
}

TEST(BudgetAlert, CriticalForADailyOrTaskBudgetErrorForOneRun) {
  auto f = facts();
  auto a = budget_alert(f, "apr_9");
  EXPECT_EQ(a.type, "budget_exceeded");
  EXPECT_EQ(a.severity, alert_severity::critical);
  EXPECT_EQ(a.agent_id, "jordan");
  EXPECT_EQ(a.task_id, "tsk_1");
  EXPECT_EQ(a.run_id, "run_4");
  EXPECT_EQ(a.title.rfind("Budget exceeded", 0), 0u);
  EXPECT_NE(a.description.find("/api/approvals/apr_9/approve"), std::string::npos);
  f.breaches = {{budget_breach_kind::per_run, 0.90_usd, 0.75_usd}};
  EXPECT_EQ(budget_alert(f, "apr_9").severity, alert_severity::error);
}

} // namespace
} // namespace mc
