// The key-metrics aggregation: windows by local day, each metric's definition, empty input.
#include "domain/stats_overview.hpp"

#include <boost/json/value.hpp>

#include <gtest/gtest.h>

namespace mc {
namespace {

namespace json = boost::json;

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;
/// 2026-02-01T17:00:00Z: 09:00 on Feb 1 in Los Angeles.
constexpr std::int64_t now = 1'769'965'200'000;

local_zone la() {
  return *local_zone::find("America/Los_Angeles").zone;
}

transition move(std::string task, task_status to, std::int64_t at) {
  transition t;
  t.task_id = std::move(task);
  t.to = to;
  t.actor = "human";
  t.created_at = at;
  return t;
}

TEST(StatsOverview, EmptyInputGivesZerosAndNullAverages) {
  const auto s = stats_overview(la(), now, 3).to_json();
  EXPECT_EQ(s.at("agents").at("total").as_int64(), 0);
  EXPECT_EQ(s.at("agents").at("averageErrorStreak").as_double(), 0.0);
  EXPECT_TRUE(s.at("tasks").at("averageTimeToCompletionMs").is_null());
  EXPECT_TRUE(s.at("tasks").at("reviewWithoutInterventionRate").is_null());
  const auto& days = s.at("tasks").at("completedPerDay").as_array();
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].at("date").as_string(), "2026-01-30");
  EXPECT_EQ(days[2].at("date").as_string(), "2026-02-01");
  EXPECT_EQ(s.at("window").at("timezone").as_string(), "America/Los_Angeles");
}

TEST(StatsOverview, AgentsActiveStaleAndErrorStreak) {
  stats_overview s(la(), now, 7);
  agent a;
  a.id = "a";
  a.status = agent_status::active;
  a.error_streak = 4;
  a.last_heartbeat = now - 4 * minute;
  agent b = a;
  b.id = "b";
  b.status = agent_status::paused;
  b.error_streak = 1;
  b.last_heartbeat = now - 6 * minute;
  agent c = a;
  c.id = "c";
  c.error_streak = 1;
  c.last_heartbeat = std::nullopt;
  for (const auto& x : {a, b, c})
    s.add(x);
  const auto j = s.to_json().at("agents");
  EXPECT_EQ(j.at("active").as_int64(), 2);
  EXPECT_EQ(j.at("averageErrorStreak").as_double(), 2.0);
  EXPECT_EQ(j.at("stale").as_int64(), 2);
  EXPECT_EQ(j.at("staleAgentIds").as_array(), (json::array{"b", "c"}));
}

TEST(StatsOverview, CompletionsByLocalDayInsideTheWindowOnly) {
  stats_overview s(la(), now, 2);
  task t;
  t.id = "t1";
  t.status = task_status::done;
  t.created_at = now - 3 * hour;
  t.completed_at = now - 1 * hour; // Feb 1 local
  task u = t;
  u.id = "t2";
  u.created_at = now - 20 * hour;
  u.completed_at = now - 10 * hour; // Jan 31 23:00 local
  task old = t;
  old.id = "t3";
  old.completed_at = now - 3 * day;
  task canceled = t;
  canceled.id = "t4";
  canceled.status = task_status::canceled;
  for (const auto& x : {t, u, old, canceled})
    s.add(x);
  const auto j = s.to_json().at("tasks");
  EXPECT_EQ(j.at("completed").as_int64(), 2);
  EXPECT_EQ(j.at("completedPerDay").as_array()[0].at("count").as_int64(), 1);
  EXPECT_EQ(j.at("completedPerDay").as_array()[1].at("count").as_int64(), 1);
  EXPECT_EQ(j.at("averageTimeToCompletionMs").as_int64(), (2 * hour + 10 * hour) / 2);
}

TEST(StatsOverview, ReviewWithoutInterventionLooksOnlyBeforeTheFirstReview) {
  stats_overview s(la(), now, 7);
  const auto at = now - hour;
  for (const auto& t :
       {move("clean", task_status::in_progress, at), move("clean", task_status::review, at),
        // blocked after review does not count against it
        move("clean", task_status::blocked, at), move("held", task_status::needs_approval, at),
        move("held", task_status::review, at), move("blocked", task_status::blocked, at),
        move("blocked", task_status::in_progress, at), move("blocked", task_status::review, at),
        move("never", task_status::in_progress, at),
        move("long-ago", task_status::review, now - 30 * day)})
    s.add(t);
  const auto j = s.to_json().at("tasks");
  EXPECT_EQ(j.at("reachedReview").as_int64(), 3);
  EXPECT_EQ(j.at("reachedReviewWithoutIntervention").as_int64(), 1);
  EXPECT_NEAR(j.at("reviewWithoutInterventionRate").as_double(), 1.0 / 3, 1e-9);
}

TEST(StatsOverview, SpendByDayAgentAndTaskTypeAndIncidentsByDay) {
  stats_overview s(la(), now, 2);
  task t;
  t.id = "t1";
  t.type = task_type::seo_research;
  s.add(t);
  run r;
  r.agent_id = "a";
  r.task_id = "t1";
  r.started_at = now - hour;
  r.cost_usd = usd{2'000'000};
  run r2 = r;
  r2.agent_id = "b";
  r2.task_id = "gone";
  r2.started_at = now - 12 * hour; // Jan 31 local
  r2.cost_usd = usd{500'000};
  run old = r;
  old.started_at = now - 5 * day;
  for (const auto& x : {r, r2, old})
    s.add(x);
  alert breach;
  breach.type = "budget_exceeded";
  breach.created_at = now;
  alert loop = breach;
  loop.type = "loop_detected";
  loop.created_at = now - 12 * hour;
  alert other = breach;
  other.type = "agent_stale";
  for (const auto& x : {breach, loop, other})
    s.add(x);
  approval ap;
  ap.created_at = now - hour;
  s.add(ap);
  const auto j = s.to_json();
  const auto& cost = j.at("cost");
  EXPECT_EQ(cost.at("total").to_number<double>(), 2.5);
  EXPECT_EQ(cost.at("runs").as_int64(), 2);
  EXPECT_EQ(cost.at("perDay").as_array()[0].at("spend").to_number<double>(), 0.5);
  EXPECT_EQ(cost.at("perDay").as_array()[1].at("spend").to_number<double>(), 2.0);
  EXPECT_EQ(cost.at("byAgent").at("a").to_number<double>(), 2.0);
  EXPECT_EQ(cost.at("byTaskType").at("seo_research").to_number<double>(), 2.0);
  EXPECT_EQ(cost.at("byTaskType").at("unknown").to_number<double>(), 0.5);
  const auto& inc = j.at("incidents");
  EXPECT_EQ(inc.at("budgetBreachesPerDay").as_array()[1].at("count").as_int64(), 1);
  EXPECT_EQ(inc.at("loopsDetectedPerDay").as_array()[0].at("count").as_int64(), 1);
  EXPECT_EQ(inc.at("approvalRequestsPerDay").as_array()[1].at("count").as_int64(), 1);
}

} // namespace
} // namespace mc
