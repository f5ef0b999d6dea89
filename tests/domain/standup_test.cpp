// The standup document: per agent what it finished, works on and is blocked by; spend; open
// approvals and alerts, with at most 10 completed tasks and 5 alerts listed and the rest counted.
#include "domain/standup.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mc {
namespace {

constexpr epoch_ms now = 1'772'902'800'000;
constexpr epoch_ms day_ms = 24LL * 60 * 60 * 1000;

task make_task(const std::string& id, task_status s, const std::string& agent,
               std::optional<epoch_ms> completed = std::nullopt) {
  task t;
  t.id = id;
  t.title = "Title of " + id;
  t.status = s;
  t.assignee_ids = {agent};
  t.completed_at = completed;
  return t;
}

standup_facts facts_with_one_agent() {
  standup_facts f;
  f.day = {2026, 3, 7};
  f.zone = "America/Los_Angeles";
  f.finished_since = now - day_ms;
  agent a;
  a.id = "jordan";
  a.name = "Jordan";
  a.today_spend = usd::from_dollars(1.25);
  f.agents = {a};
  return f;
}

TEST(Standup, SaysPerAgentWhatIsDoneWhatIsInProgressAndWhatBlocks) {
  auto f = facts_with_one_agent();
  f.tasks = {make_task("t_done", task_status::done, "jordan", now - 60'000),
             make_task("t_old", task_status::done, "jordan", now - 2 * day_ms),
             make_task("t_work", task_status::in_progress, "jordan"),
             make_task("t_wait", task_status::needs_approval, "jordan")};
  f.spent_yesterday = usd::from_dollars(3.5);
  const auto d = make_standup(f, standup_id(f.day), now);
  EXPECT_EQ(d.id, "standup-2026-03-07");
  EXPECT_EQ(d.type, "standup");
  EXPECT_EQ(d.created_at, now);
  const auto& c = d.content;
  const auto finished = c.find("Finished:\n- \"Title of t_done\"");
  const auto working = c.find("Working on:\n- \"Title of t_work\" (t_work, in_progress)");
  const auto blocked = c.find("Blocked:\n- \"Title of t_wait\" (t_wait, needs_approval)");
  EXPECT_NE(finished, std::string::npos) << c;
  EXPECT_NE(working, std::string::npos) << c;
  EXPECT_NE(blocked, std::string::npos) << c;
  EXPECT_EQ(c.find("t_old"), std::string::npos) << "done before the last standup: " << c;
  EXPECT_NE(c.find("Spend today: $1.25"), std::string::npos) << c;
  EXPECT_NE(c.find("- Yesterday: $3.50"), std::string::npos) << c;
  EXPECT_NE(c.find("## Completed (1)"), std::string::npos) << c;
}

TEST(Standup, ListsAtMostTenCompletedTasksAndFiveAlertsWithCounts) {
  auto f = facts_with_one_agent();
  for (int i = 0; i < 12; ++i)
    f.tasks.push_back(make_task("t" + std::to_string(i), task_status::done, "jordan", now - i));
  for (int i = 0; i < 7; ++i) {
    alert a;
    a.type = "agent_stale";
    a.title = "alert " + std::to_string(i);
    a.severity = i == 6 ? alert_severity::critical : alert_severity::warning;
    a.created_at = i;
    f.open_alerts.push_back(a);
  }
  const auto c = make_standup(f, "s", now).content;
  EXPECT_NE(c.find("## Completed (12)"), std::string::npos) << c;
  EXPECT_NE(c.find("## Open alerts (7)"), std::string::npos) << c;
  EXPECT_NE(c.find("- … and 2 more"), std::string::npos) << c;
  const auto alerts = c.substr(c.find("## Open alerts"));
  EXPECT_EQ(alerts.find("- critical agent_stale: alert 6"), alerts.find("\n- ") + 1)
      << "critical first: " << alerts;
  EXPECT_EQ(alerts.find("alert 0"), std::string::npos) << "the oldest warning is not listed";
}

TEST(Standup, SaysNoneWhereThereIsNothing) {
  standup_facts f;
  f.day = {2026, 3, 8};
  f.zone = "UTC";
  const auto c = make_standup(f, "s", now).content;
  EXPECT_NE(c.find("No agents are registered."), std::string::npos) << c;
  EXPECT_NE(c.find("## Open approvals (0)\n\n- none"), std::string::npos) << c;
}

} // namespace
} // namespace mc
