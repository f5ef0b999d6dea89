// The root supervisor, the ApprovalExpirer and the StandupGenerator through the real server on
// both stores, with the manual clock: a killed supervisor is restarted with a worker_missed alert
// and /health degraded until it answers a tick; an approval expires after 24 h (not before) and
// the operator is alerted once; the standup appears at 09:00 Los Angeles time across a DST change
// and is served by GET /api/standup.
#include "tests/e2e/api_server.hpp"

#include "actors/messages.hpp"

#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <string>

namespace mc::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// 2026-03-07T16:59:00Z: 08:59 PST, the day before the US switch to daylight time.
constexpr std::int64_t march7_0859_pst = 1'772'902'740'000;
constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;

class Supervision : public ::testing::TestWithParam<store_kind> {
 protected:
  Supervision() : srv(GetParam(), app::runtime_options{}) {}

  json::value get(const std::string& target, unsigned status = 200) {
    auto r = srv.call(verb::get, target);
    EXPECT_EQ(r.result_int(), status) << target << ": " << r.body();
    return json_of(r);
  }

  std::size_t alerts_of_type(const std::string& type) {
    return get("/api/alerts?type=" + type).at("alerts").as_array().size();
  }

  caf::actor running(const std::string& name) {
    caf::scoped_actor self{srv.system()};
    caf::actor out;
    self->request(srv.supervisors(), caf::infinite, actors::get_atom::value, name)
        .receive([&](caf::actor& a) { out = std::move(a); },
                 [&](caf::error& e) { ADD_FAILURE() << srv.system().render(e); });
    return out;
  }

  api_server srv;
};

TEST_P(Supervision, AKilledSupervisorIsRestartedWithAWorkerMissedAlert) {
  srv.tick();
  EXPECT_EQ(get("/health").at("services").at("workers"), "ok");
  const auto before = running("StandupGenerator");
  ASSERT_TRUE(before);
  caf::anon_send_exit(before, caf::exit_reason::kill);
  // The root restarts it as soon as it hears of the death: ask until it names a new actor.
  caf::actor after;
  for (int i = 0; i < 100000 && (!after || after == before); ++i)
    after = running("StandupGenerator");
  ASSERT_NE(after, before) << "the killed supervisor was not restarted";

  auto health = get("/health", 503);
  EXPECT_EQ(health.at("status"), "degraded");
  EXPECT_EQ(health.at("services").at("workers"), "degraded");
  auto alerts = get("/api/alerts?type=worker_missed").at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at("severity"), "critical");
  EXPECT_NE(std::string(alerts[0].at("title").as_string()).find("StandupGenerator"),
            std::string::npos);

  // It answers its next tick: healthy again, and no second alert.
  srv.tick();
  EXPECT_EQ(get("/health").at("services").at("workers"), "ok");
  EXPECT_EQ(alerts_of_type("worker_missed"), 1u);
}

TEST_P(Supervision, EverySupervisorLogsItsLineOnEveryTick) {
  srv.tick();
  srv.tick();
  const auto log = srv.supervisor_log();
  for (const auto* line : {"[ApprovalExpirer] Expiring overdue approvals...",
                           "[StandupGenerator] Checking the standup schedule..."}) {
    const auto first = log.find(line);
    ASSERT_NE(first, std::string::npos) << line << " in:\n" << log;
    EXPECT_NE(log.find(line, first + 1), std::string::npos) << "once per tick: " << line;
  }
}

TEST_P(Supervision, AnApprovalExpiresAfterADayAndTheOperatorIsAlertedOnce) {
  auto jordan = bearer(srv.register_agent("jordan", "specialist"));
  const auto task = srv.create_task(R"({"title":"Send the newsletter","assigneeIds":["jordan"]})");
  srv.move_task(task, R"({"toStatus":"in_progress","actor":"human",)"
                      R"("workPlan":{"bullets":["draft","check","send"]}})");
  auto filed = srv.call(verb::post, "/api/approvals",
                        R"({"taskId":")" + task +
                            R"(","actionType":"tool_exec","riskLevel":"red",)"
                            R"("actionSummary":"Send 2,000 emails","justification":"Launch day"})",
                        jordan);
  ASSERT_EQ(filed.result_int(), 201u) << filed.body();
  const std::string id(json_of(filed).at("approval").at("id").as_string());

  srv.clock().advance(std::chrono::milliseconds(24 * hour_ms - minute_ms));
  srv.tick();
  EXPECT_EQ(get("/api/approvals?status=pending").at("approvals").as_array().size(), 1u);
  EXPECT_EQ(alerts_of_type("approval_expired"), 0u);

  srv.clock().advance(std::chrono::milliseconds(minute_ms));
  srv.tick();
  auto expired = get("/api/approvals?status=expired").at("approvals").as_array();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].at("id").as_string(), id);
  auto view = get("/api/tasks/" + task);
  EXPECT_EQ(view.at("task").at("status"), "needs_approval") << "the task waits for the operator";
  EXPECT_EQ(view.at("approvals").as_array().back().at("status"), "expired");
  auto alerts = get("/api/alerts?type=approval_expired").at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at("taskId").as_string(), task);

  // Again: nothing more to expire, no second alert; deciding it now is a conflict.
  srv.clock().advance(std::chrono::milliseconds(hour_ms));
  srv.tick();
  EXPECT_EQ(alerts_of_type("approval_expired"), 1u);
  auto late = srv.call(verb::post, "/api/approvals/" + id + "/approve",
                       R"({"approver":"operator","decision":"too late"})");
  EXPECT_EQ(late.result_int(), 409u) << late.body();
  // The operator can still move the task on (an audited override).
  srv.move_task(task, R"({"toStatus":"blocked","actor":"human","reason":"approval expired"})");
}

TEST_P(Supervision, TheStandupComesAtNineLosAngelesTimeAcrossTheDaylightSavingChange) {
  const auto jordan = bearer(srv.register_agent("jordan", "specialist"));
  srv.clock().set(march7_0859_pst);
  // Jordan is alive that morning (otherwise the HeartbeatMonitor reports jordan offline).
  auto beat = srv.call(verb::post, "/api/agents/jordan/heartbeat", R"({"status":"idle"})", jordan);
  EXPECT_EQ(beat.result_int(), 200u) << beat.body();
  srv.tick();
  get("/api/standup", 404);
  get("/api/standup?date=2026-03-07", 404);

  srv.clock().advance(std::chrono::milliseconds(minute_ms)); // 09:00 PST = 17:00Z
  srv.tick();
  auto first = get("/api/standup").at("standup");
  EXPECT_EQ(first.at("id"), "standup-2026-03-07");
  EXPECT_EQ(first.at("type"), "standup");
  EXPECT_EQ(first.at("createdAt").as_int64(), march7_0859_pst + minute_ms);
  const std::string content(first.at("content").as_string());
  EXPECT_NE(content.find("# Daily standup 2026-03-07 (America/Los_Angeles)"), std::string::npos)
      << content;
  EXPECT_NE(content.find("(jordan, specialist, active)"), std::string::npos) << content;

  // The clocks go forward that night: 09:00 PDT on the 8th is 16:00Z, an hour earlier.
  srv.clock().set(march7_0859_pst + 23 * hour_ms); // 2026-03-08T15:59Z = 08:59 PDT
  srv.tick();
  get("/api/standup?date=2026-03-08", 404);
  srv.clock().advance(std::chrono::milliseconds(minute_ms));
  srv.tick();
  auto second = get("/api/standup").at("standup");
  EXPECT_EQ(second.at("id"), "standup-2026-03-08");
  // Another tick the same day makes no second one; the 7th's is still there.
  srv.clock().advance(std::chrono::milliseconds(hour_ms));
  srv.tick();
  EXPECT_EQ(get("/api/standup").at("standup").at("id"), "standup-2026-03-08");
  EXPECT_EQ(get("/api/standup?date=2026-03-07").at("standup").at("id"), "standup-2026-03-07");
  get("/api/standup?date=March", 400);
}

TEST_P(Supervision, AStandupOnDemandIsKeptApartFromTheScheduledOne) {
  srv.clock().set(march7_0859_pst - 2 * hour_ms); // 06:59: before the scheduled one
  auto made = srv.call(verb::post, "/api/standup");
  ASSERT_EQ(made.result_int(), 201u) << made.body();
  const std::string early(json_of(made).at("standup").at("id").as_string());
  EXPECT_EQ(get("/api/standup").at("standup").at("id").as_string(), early);

  srv.clock().set(march7_0859_pst + minute_ms);
  srv.tick();
  EXPECT_EQ(get("/api/standup").at("standup").at("id"), "standup-2026-03-07")
      << "the 09:00 standup is still made, and is now the latest";
  EXPECT_EQ(get("/api/standup?date=2026-03-07").at("standup").at("id"), "standup-2026-03-07");
}

INSTANTIATE_TEST_SUITE_P(Stores, Supervision, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
