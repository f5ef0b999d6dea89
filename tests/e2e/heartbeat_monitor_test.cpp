// The HeartbeatMonitor through the real server on both stores, with the manual clock: an agent
// silent for more than 5 minutes goes offline with one agent_stale alert (not at 4:59, nor at
// exactly 5:00); its task in progress is flagged at once and released after the grace period;
// its late reports on the task are refused with 409 until the operator assigns the task to it
// again; failed runs build an error streak that warns at 4 and quarantines at 5; a second tick
// changes nothing more.
#include "tests/e2e/api_server.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace mc::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class HeartbeatMonitor : public ::testing::TestWithParam<store_kind> {
 protected:
  HeartbeatMonitor() {
    jordan = bearer(srv.register_agent("jordan", "specialist"));
    bob = bearer(srv.register_agent("bob", "specialist"));
  }

  /// As the loopback operator unless `as` says otherwise.
  response call(verb v, const std::string& target, std::string body = {}, header_list as = {}) {
    return srv.call(v, target, std::move(body), std::move(as));
  }
  json::value ok(verb v, const std::string& target, std::string body = {}, header_list as = {}) {
    auto r = call(v, target, std::move(body), std::move(as));
    EXPECT_GE(r.result_int(), 200u) << target << ": " << r.body();
    EXPECT_LT(r.result_int(), 300u) << target << ": " << r.body();
    return json_of(r);
  }
  void beat(const header_list& as, const std::string& id) {
    ok(verb::post, "/api/agents/" + id + "/heartbeat", R"({"status":"working"})", as);
  }
  std::string status_of(const std::string& agent) {
    return std::string(ok(verb::get, "/api/agents/" + agent).at("agent").at("status").as_string());
  }
  json::array alerts(const std::string& type) {
    return ok(verb::get, "/api/alerts?type=" + type + "&limit=200").at("alerts").as_array();
  }
  json::value task_detail(const std::string& id) { return ok(verb::get, "/api/tasks/" + id); }
  std::string task_status_of(const std::string& id) {
    return std::string(task_detail(id).at("task").at("status").as_string());
  }
  /// A task assigned to jordan and started by jordan.
  std::string task_in_progress() {
    auto id = srv.create_task(
        R"({"title":"Write the launch post","type":"content","assigneeIds":["jordan"]})");
    ok(verb::post, "/api/tasks/" + id + "/transition",
       R"({"toStatus":"in_progress","workPlan":{"bullets":["outline","draft","edit"]}})", jordan);
    return id;
  }
  /// Moves the clock; bob keeps beating so only jordan goes silent.
  void advance(std::chrono::milliseconds d) {
    srv.clock().advance(d);
    beat(bob, "bob");
  }
  /// `actorType:actorId` of every audit record of `action`, oldest first.
  std::vector<std::string> audited(const std::string& action) {
    std::vector<std::string> out;
    auto all = json_of(call(verb::get, "/api/audit/export"));
    if (!all.is_array())
      return out;
    for (const auto& rec : all.as_array())
      if (rec.at("action").as_string() == action)
        out.push_back(std::string(rec.at("actorType").as_string()) + ":" +
                      std::string(rec.at("actorId").as_string()));
    return out;
  }
  std::size_t count_messages_from_system(const std::string& task) {
    std::size_t n = 0;
    const auto detail = task_detail(task);
    for (const auto& m : detail.at("messages").as_array())
      if (m.at("author").as_string() == "system")
        ++n;
    return n;
  }

  api_server srv{GetParam(), generous_limits()};
  header_list jordan;
  header_list bob;
};

TEST_P(HeartbeatMonitor, AnAgentSilentForMoreThanFiveMinutesGoesOfflineWithOneAlert) {
  beat(jordan, "jordan");
  advance(4min + 59s);
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "active");
  advance(1s); // exactly 5:00: not older than 5 minutes yet
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "active");
  EXPECT_TRUE(alerts("agent_stale").empty());

  advance(1ms);
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "offline");
  EXPECT_EQ(status_of("bob"), "active");
  auto raised = alerts("agent_stale");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at("agentId").as_string(), "jordan");
  EXPECT_EQ(raised[0].at("severity").as_string(), "warning");
  EXPECT_EQ(raised[0].at("status").as_string(), "open");
  EXPECT_NE(srv.supervisor_log().find("[HeartbeatMonitor] Checking agent liveness..."),
            std::string::npos);
  EXPECT_EQ(audited("agent.offline"), (std::vector<std::string>{"system:system"}));

  // A second tick, and more silence, change nothing more.
  srv.tick();
  advance(10min);
  srv.tick();
  EXPECT_EQ(alerts("agent_stale").size(), 1u);
  EXPECT_EQ(status_of("jordan"), "offline");

  // The agent coming back is active again (its next silence is a new episode).
  beat(jordan, "jordan");
  EXPECT_EQ(status_of("jordan"), "active");
  advance(5min + 1ms);
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "offline");
  EXPECT_EQ(alerts("agent_stale").size(), 2u);
}

TEST_P(HeartbeatMonitor, PausedAndQuarantinedAgentsKeepTheirStatusButAreReported) {
  ok(verb::post, "/api/agents/jordan/quarantine", R"({"reason":"investigating"})");
  advance(6min);
  srv.tick();
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "quarantined");
  EXPECT_EQ(alerts("agent_stale").size(), 1u);
}

TEST_P(HeartbeatMonitor, TheTaskIsFlaggedThenReleasedAndTheStaleAgentIsRefused) {
  beat(jordan, "jordan");
  const auto id = task_in_progress();
  advance(5min + 1ms);
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "offline");
  // Flagged at once: a system message says the agent went stale and when the task is released.
  EXPECT_EQ(task_status_of(id), "in_progress");
  ASSERT_EQ(count_messages_from_system(id), 1u);
  auto messages = task_detail(id).at("messages").as_array();
  std::string notice;
  for (const auto& m : messages)
    if (m.at("author").as_string() == "system")
      notice = std::string(m.at("content").as_string());
  EXPECT_NE(notice.find("Agent jordan went stale"), std::string::npos) << notice;
  EXPECT_NE(notice.find("2026-02-01T17:15:00Z"), std::string::npos) << notice;

  // Not before the grace period (10 min after going stale) is over.
  advance(10min - 2ms);
  srv.tick();
  EXPECT_EQ(task_status_of(id), "in_progress");
  EXPECT_EQ(count_messages_from_system(id), 1u);
  advance(1ms);
  srv.tick();
  auto detail = task_detail(id);
  EXPECT_EQ(detail.at("task").at("status").as_string(), "assigned");
  const auto& last = detail.at("transitions").as_array().back();
  EXPECT_EQ(last.at("from").as_string(), "in_progress");
  EXPECT_EQ(last.at("to").as_string(), "assigned");
  EXPECT_EQ(last.at("actor").as_string(), "system");
  EXPECT_NE(last.at("reason").as_string().find("jordan"), std::string::npos);
  EXPECT_EQ(audited("task.release"), (std::vector<std::string>{"system:system"}));
  ASSERT_EQ(detail.at("task").at("expiredLeases").as_array().size(), 1u);
  EXPECT_EQ(detail.at("task").at("expiredLeases").at(0).at("agentId").as_string(), "jordan");

  // The stale agent comes back: it is active, but its late reports on the task are refused.
  beat(jordan, "jordan");
  EXPECT_EQ(status_of("jordan"), "active");
  auto late_move =
      call(verb::post, "/api/tasks/" + id + "/transition", R"({"toStatus":"in_progress"})", jordan);
  EXPECT_EQ(late_move.result_int(), 409u) << late_move.body();
  EXPECT_NE(json_of(late_move).at("error").at("message").as_string().find("lease expired"),
            std::string::npos)
      << late_move.body();
  auto late_message = call(verb::post, "/api/tasks/" + id + "/messages",
                           R"({"type":"progress","content":"almost done"})", jordan);
  EXPECT_EQ(late_message.result_int(), 409u) << late_message.body();
  auto late_run = call(verb::post, "/api/runs",
                       R"({"taskId":")" + id + R"(","model":"gpt-4o","costUsd":0.1})", jordan);
  EXPECT_EQ(late_run.result_int(), 409u) << late_run.body();
  auto late_call =
      call(verb::post, "/api/tool-calls",
           R"({"taskId":")" + id + R"(","toolName":"read","status":"success"})", jordan);
  EXPECT_EQ(late_call.result_int(), 409u) << late_call.body();
  EXPECT_EQ(ok(verb::get, "/api/agents/jordan").at("agent").at("totalSpend").to_number<double>(),
            0.0);

  // The operator reassigns it to bob, who starts it; jordan is still refused.
  ok(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["bob"]})");
  ok(verb::post, "/api/tasks/" + id + "/transition", R"({"toStatus":"in_progress"})", bob);
  EXPECT_EQ(task_status_of(id), "in_progress");
  EXPECT_EQ(call(verb::post, "/api/tasks/" + id + "/messages",
                 R"({"type":"comment","content":"I had it first"})", jordan)
                .result_int(),
            409u);

  // A second tick changes nothing more.
  const auto transitions = task_detail(id).at("transitions").as_array().size();
  srv.tick();
  srv.tick();
  EXPECT_EQ(task_detail(id).at("transitions").as_array().size(), transitions);
  EXPECT_EQ(count_messages_from_system(id), 1u);
  EXPECT_EQ(alerts("agent_stale").size(), 1u);
  EXPECT_EQ(task_status_of(id), "in_progress");
}

TEST_P(HeartbeatMonitor, AssigningTheTaskToTheAgentAgainRenewsItsLease) {
  beat(jordan, "jordan");
  const auto id = task_in_progress();
  auto started = call(verb::post, "/api/tool-calls",
                      R"({"taskId":")" + id + R"(","toolName":"read","status":"running"})", jordan);
  ASSERT_EQ(started.result_int(), 201u) << started.body();
  const auto tool_call =
      "/api/tool-calls/" + std::string(json_of(started).at("toolCall").at("id").as_string());
  advance(15min + 1ms);
  srv.tick();
  EXPECT_EQ(task_status_of(id), "assigned");
  beat(jordan, "jordan");
  EXPECT_EQ(
      call(verb::post, "/api/tasks/" + id + "/transition", R"({"toStatus":"in_progress"})", jordan)
          .result_int(),
      409u);
  EXPECT_EQ(call(verb::patch, tool_call, R"({"status":"success"})", jordan).result_int(), 409u);
  ok(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["jordan"]})");
  EXPECT_EQ(call(verb::patch, tool_call, R"({"status":"success"})", jordan).result_int(), 200u);
  EXPECT_TRUE(task_detail(id).at("task").at("expiredLeases").as_array().empty());
  ok(verb::post, "/api/tasks/" + id + "/transition", R"({"toStatus":"in_progress"})", jordan);
  EXPECT_EQ(task_status_of(id), "in_progress");
}

TEST_P(HeartbeatMonitor, AnAgentComingBackBeforeTheGracePeriodKeepsItsTask) {
  beat(jordan, "jordan");
  const auto id = task_in_progress();
  advance(5min + 1ms);
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "offline");
  advance(5min);
  beat(jordan, "jordan");
  advance(5min + 1ms);
  beat(jordan, "jordan");
  srv.tick();
  EXPECT_EQ(task_status_of(id), "in_progress");
  EXPECT_EQ(status_of("jordan"), "active");
}

TEST_P(HeartbeatMonitor, FourFailedRunsWarnFiveQuarantineOnce) {
  beat(jordan, "jordan");
  auto fail = [&] {
    ok(verb::post, "/api/runs",
       R"({"model":"gpt-4o","costUsd":0.01,"status":"failed","error":"rate limited"})", jordan);
  };
  for (int i = 0; i < 3; ++i)
    fail();
  srv.tick();
  EXPECT_EQ(ok(verb::get, "/api/agents/jordan").at("agent").at("errorStreak").as_int64(), 3);
  EXPECT_TRUE(alerts("agent_error_streak").empty());

  fail();
  srv.tick();
  auto warned = alerts("agent_error_streak");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0].at("severity").as_string(), "warning");
  EXPECT_EQ(warned[0].at("agentId").as_string(), "jordan");
  EXPECT_EQ(status_of("jordan"), "active");

  fail();
  srv.tick();
  EXPECT_EQ(status_of("jordan"), "quarantined");
  EXPECT_EQ(audited("agent.quarantine"), (std::vector<std::string>{"system:system"}));
  auto raised = alerts("agent_error_streak");
  ASSERT_EQ(raised.size(), 2u);
  EXPECT_EQ(raised[0].at("severity").as_string(), "critical"); // newest first
  EXPECT_EQ(raised[1].at("severity").as_string(), "warning");

  // Running again over the same state changes nothing more, and neither does another failure
  // in the same episode.
  srv.tick();
  srv.tick();
  fail();
  srv.tick();
  EXPECT_EQ(alerts("agent_error_streak").size(), 2u);
  EXPECT_EQ(audited("agent.quarantine").size(), 1u);
  EXPECT_EQ(ok(verb::get, "/api/agents/jordan").at("agent").at("errorStreak").as_int64(), 6);

  // A completed run ends the streak.
  ok(verb::post, "/api/runs", R"({"model":"gpt-4o","costUsd":0.01,"status":"completed"})", jordan);
  auto a = ok(verb::get, "/api/agents/jordan").at("agent");
  EXPECT_EQ(a.at("errorStreak").as_int64(), 0);
  EXPECT_TRUE(a.at("lastError").is_null());
}

INSTANTIATE_TEST_SUITE_P(Stores, HeartbeatMonitor, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
