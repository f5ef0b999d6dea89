// The BudgetMonitor through the real server on both stores: runs recorded over HTTP past the
// daily cap, the per-run cap or the task type's budget pause the agent, hold its task for a
// budget_override approval (with the last 3 runs' cost and the task), raise budget_exceeded and
// notify the operator, once per episode; the runbook's resolution (raise the budget, approve)
// lets the agent work again; nothing happens below a cap.
#include "tests/e2e/api_server.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <string>

namespace mc::e2e {
namespace {

namespace json = boost::json;

const std::string plan = R"("workPlan":{"bullets":["draft","check","ship"]})";

class BudgetMonitor : public ::testing::TestWithParam<store_kind> {
 protected:
  BudgetMonitor() : srv(GetParam(), app::runtime_options{}) {
    // A specialist: $5.00 a day, $0.75 a run.
    jordan = bearer(srv.register_agent("jordan", "specialist"));
  }

  /// A task of jordan's in progress, moved there by jordan.
  std::string working(const std::string& type) {
    const auto id = srv.create_task(R"({"title":"Ship the pricing page","type":")" + type +
                                    R"(","assigneeIds":["jordan"]})");
    srv.move_task(id, R"({"toStatus":"in_progress",)" + plan + "}", jordan);
    return id;
  }

  /// Records a run as jordan; returns the reply body.
  json::value record(double cost, const std::string& task = {}) {
    std::string body =
        R"({"model":"gpt-4o","status":"completed","costUsd":)" + std::to_string(cost);
    if (!task.empty())
      body += R"(,"taskId":")" + task + "\"";
    auto r = srv.call(verb::post, "/api/runs", body + "}", jordan);
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return json_of(r);
  }

  json::value ok(verb v, const std::string& target, std::string body = {}) {
    auto r = srv.call(v, target, std::move(body));
    EXPECT_EQ(r.result_int(), 200u) << target << ": " << r.body();
    return json_of(r);
  }

  std::string agent_status() {
    return std::string(ok(verb::get, "/api/agents/jordan").at("agent").at("status").as_string());
  }
  std::string task_status(const std::string& id) {
    return std::string(ok(verb::get, "/api/tasks/" + id).at("task").at("status").as_string());
  }
  json::array budget_overrides() {
    return ok(verb::get, "/api/approvals?actionType=budget_override").at("approvals").as_array();
  }
  json::array budget_alerts() {
    return ok(verb::get, "/api/alerts?type=budget_exceeded").at("alerts").as_array();
  }
  /// The operator's notifications that name `ref`.
  std::size_t notifications_naming(const std::string& ref) {
    std::size_t n = 0;
    const auto all = ok(verb::get, "/api/notifications?target=operator&limit=200");
    for (const auto& x : all.at("notifications").as_array())
      for (const auto& r : x.at("refs").as_array())
        n += r.as_string() == ref ? 1 : 0;
    return n;
  }
  std::size_t audit_count(const std::string& action) {
    std::size_t n = 0;
    const auto all = json_of(srv.call(verb::get, "/api/audit/export"));
    for (const auto& rec : all.as_array())
      n += rec.at("action").as_string() == action ? 1 : 0;
    return n;
  }

  /// Everything one episode leaves, to check that nothing more happens.
  struct footprint {
    std::size_t approvals, alerts, notifications, pauses;
    friend bool operator==(const footprint&, const footprint&) = default;
  };
  footprint now() {
    return {budget_overrides().size(), budget_alerts().size(),
            static_cast<std::size_t>(
                ok(verb::get, "/api/notifications?target=operator").at("total").as_int64()),
            audit_count("agent.pause")};
  }

  void approve(const std::string& id) {
    ok(verb::post, "/api/approvals/" + id + "/approve",
       R"({"approver":"operator","decision":"Approved with increased budget"})");
  }

  api_server srv;
  header_list jordan;
};

TEST_P(BudgetMonitor, PastTheDailyCapTheAgentIsContainedAndApprovingARaisedBudgetResumesIt) {
  const auto task = working("engineering");
  // Seven runs of $0.70: $4.90 of $5.00, below the cap.
  for (int i = 0; i < 7; ++i)
    record(0.70, task);
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_TRUE(budget_overrides().empty());

  auto last = record(0.70, task); // $5.60 > $5.00
  EXPECT_EQ(last.at("budget").at("daily").at("status").as_string(), "exceeded");
  srv.tick();
  EXPECT_NE(srv.supervisor_log().find("[BudgetMonitor] Checking budgets..."), std::string::npos);

  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(task_status(task), "needs_approval");
  auto approvals = budget_overrides();
  ASSERT_EQ(approvals.size(), 1u);
  const auto& a = approvals.at(0);
  const auto approval_id = std::string(a.at("id").as_string());
  EXPECT_EQ(a.at("status").as_string(), "pending");
  EXPECT_EQ(a.at("taskId").as_string(), task);
  EXPECT_EQ(a.at("requestorId").as_string(), "jordan");
  EXPECT_EQ(a.at("riskLevel").as_string(), "red");
  const auto summary = std::string(a.at("actionSummary").as_string());
  EXPECT_NE(summary.find("daily budget exceeded ($5.60 of $5.00)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Ship the pricing page"), std::string::npos) << summary;
  EXPECT_NE(summary.find("engineering"), std::string::npos) << summary;
  EXPECT_NE(summary.find("actual cost $5.60 of its $8.00 budget"), std::string::npos) << summary;
  // The last 3 runs, each with its cost.
  const auto why = std::string(a.at("justification").as_string());
  EXPECT_NE(why.find("last 3 runs, $2.10 in all"), std::string::npos) << why;
  EXPECT_NE(why.find(std::string(last.at("run").at("id").as_string()) + ": $0.70"),
            std::string::npos)
      << why;
  auto runs = ok(verb::get, "/api/runs?agentId=jordan&limit=4").at("runs").as_array();
  EXPECT_NE(why.find(std::string(runs.at(2).at("id").as_string())), std::string::npos) << why;
  EXPECT_EQ(why.find(std::string(runs.at(3).at("id").as_string())), std::string::npos) << why;

  auto alerts = budget_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const auto& alert = alerts.at(0);
  EXPECT_EQ(alert.at("status").as_string(), "open");
  EXPECT_EQ(alert.at("severity").as_string(), "critical");
  EXPECT_EQ(alert.at("agentId").as_string(), "jordan");
  EXPECT_EQ(alert.at("taskId").as_string(), task);
  EXPECT_EQ(alert.at("runId"), last.at("run").at("id"));
  EXPECT_EQ(std::string(alert.at("title").as_string()).rfind("Budget exceeded", 0), 0u);
  EXPECT_NE(std::string(alert.at("description").as_string()).find(approval_id), std::string::npos);
  EXPECT_EQ(notifications_naming(std::string(alert.at("id").as_string())), 1u);

  // Idempotent: another tick, and a run the paused agent still reports, change nothing more.
  const auto after = now();
  srv.tick();
  EXPECT_EQ(now(), after);
  record(0.30);
  srv.tick();
  EXPECT_EQ(now(), after);
  EXPECT_EQ(agent_status(), "paused");

  // Paused, it cannot start other work.
  const auto next = srv.create_task(R"({"title":"Next","type":"docs","assigneeIds":["jordan"]})");
  auto refused = srv.call(verb::post, "/api/tasks/" + next + "/transition",
                          R"({"toStatus":"in_progress",)" + plan + "}", jordan);
  EXPECT_EQ(refused.result_int(), 422u) << refused.body();

  // The runbook: raise the budget, then approve.
  ok(verb::patch, "/api/agents/jordan", R"({"budgets":{"dailyCap":20}})");
  approve(approval_id);
  EXPECT_EQ(task_status(task), "in_progress");
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  srv.move_task(next, R"({"toStatus":"in_progress",)" + plan + "}", jordan);
  // Under the raised cap a further run is fine.
  record(0.70, task);
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_EQ(budget_overrides().size(), 1u);
  EXPECT_EQ(budget_alerts().size(), 1u);
}

TEST_P(BudgetMonitor, ARunPastThePerRunCapPausesTheAgentOnceForThatRun) {
  const auto task = working("content");
  auto big = record(0.90, task); // > $0.75
  const auto run_id = std::string(big.at("run").at("id").as_string());
  srv.tick();
  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(task_status(task), "needs_approval");
  auto approvals = budget_overrides();
  ASSERT_EQ(approvals.size(), 1u);
  const auto summary = std::string(approvals.at(0).at("actionSummary").as_string());
  EXPECT_NE(summary.find("per-run cap exceeded ($0.90 of $0.75)"), std::string::npos) << summary;
  auto alerts = budget_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts.at(0).at("severity").as_string(), "error");
  EXPECT_EQ(alerts.at(0).at("runId").as_string(), run_id);

  approve(std::string(approvals.at(0).at("id").as_string()));
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  // A later change of the same run does not trip its cap a second time.
  const auto before = now();
  ok(verb::patch, "/api/runs/" + run_id, R"({"error":"late note"})");
  srv.tick();
  EXPECT_EQ(now(), before);
  EXPECT_EQ(agent_status(), "active");
}

TEST_P(BudgetMonitor, PastTheTaskTypesBudgetTheTaskIsHeldAndApprovalGrantsOneMoreBudget) {
  const auto task = working("social"); // $2.00 per task
  for (int i = 0; i < 3; ++i)
    record(0.60, task); // $1.80
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  record(0.60, task); // $2.40 > $2.00
  srv.tick();
  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(task_status(task), "needs_approval");
  auto approvals = budget_overrides();
  ASSERT_EQ(approvals.size(), 1u);
  const auto& a = approvals.at(0);
  const auto summary = std::string(a.at("actionSummary").as_string());
  EXPECT_NE(summary.find("task budget exceeded ($2.40 of $2.00)"), std::string::npos) << summary;
  EXPECT_EQ(a.at("estimatedCost").to_number<double>(), 2.0);
  auto alerts = budget_alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts.at(0).at("severity").as_string(), "critical");

  approve(std::string(a.at("id").as_string()));
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_EQ(task_status(task), "in_progress");
  // The approval granted one more $2.00: $3.00 of $4.00 is fine, $4.20 is a new episode.
  record(0.60, task);
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_EQ(budget_overrides().size(), 1u);
  record(0.60, task);
  record(0.60, task);
  srv.tick();
  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(budget_overrides().size(), 2u);
  EXPECT_EQ(budget_alerts().size(), 2u);
}

TEST_P(BudgetMonitor, AtTheCapNothingIsContainedButTheReplyWarns) {
  const auto task = working("engineering");
  json::value last;
  for (int i = 0; i < 10; ++i)
    last = record(0.50, task); // exactly $5.00: a cap is exceeded only past it
  EXPECT_EQ(last.at("warning").at("level").as_string(), "approaching_limit");
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_EQ(task_status(task), "in_progress");
  EXPECT_TRUE(budget_overrides().empty());
  EXPECT_TRUE(budget_alerts().empty());
  EXPECT_EQ(audit_count("agent.pause"), 0u);
}

TEST_P(BudgetMonitor, ARunWithoutATaskHoldsTheAgentsTaskInProgressAndDenialKeepsItPaused) {
  const auto task = working("engineering");
  for (int i = 0; i < 8; ++i)
    record(0.70); // $5.60, no task named
  srv.tick();
  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(task_status(task), "needs_approval");
  auto approvals = budget_overrides();
  ASSERT_EQ(approvals.size(), 1u);
  EXPECT_EQ(approvals.at(0).at("taskId").as_string(), task);

  ok(verb::post, "/api/approvals/" + std::string(approvals.at(0).at("id").as_string()) + "/deny",
     R"({"approver":"operator","decision":"No more spend today"})");
  srv.tick();
  EXPECT_EQ(agent_status(), "paused");
  EXPECT_EQ(task_status(task), "blocked");
}

TEST_P(BudgetMonitor, DailySpendResetsAtLocalMidnight) {
  const auto task = working("engineering");
  for (int i = 0; i < 7; ++i)
    record(0.70, task); // $4.90 on 2026-02-01 (Los Angeles)
  // 17:00Z is 09:00 in Los Angeles: 15 hours later it is the next local day.
  srv.clock().advance(std::chrono::hours(15));
  auto beat =
      srv.call(verb::post, "/api/agents/jordan/heartbeat", R"({"status":"working"})", jordan);
  EXPECT_EQ(beat.result_int(), 200u) << beat.body(); // alive all night: not stale
  record(0.70, task);
  srv.tick();
  EXPECT_EQ(agent_status(), "active");
  EXPECT_TRUE(budget_overrides().empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, BudgetMonitor, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
