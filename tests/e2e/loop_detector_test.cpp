// The LoopDetector through a real server on both stores: each loop type tripped through the API
// (comment flood, ping-pong, review cycles, tool retry loop) is contained after a tick (task
// blocked, loop summary with its numbers on the thread, loop_detected alert open, operator
// notified), exactly at its threshold, once until the task is unblocked with the runbook's
// command, and on fresh windows after that. Time is the manual clock.
#include "tests/e2e/api_server.hpp"

#include "persistence/entity_rows.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace mc::e2e {
namespace {

namespace json = boost::json;
using std::chrono::minutes;
using std::chrono::seconds;

bool contains(const json::value& v, std::string_view text) {
  return std::string_view(v.as_string()).find(text) != std::string_view::npos;
}

class LoopDetector : public ::testing::TestWithParam<store_kind> {
 protected:
  LoopDetector() {
    jordan = bearer(srv.register_agent("jordan", "specialist"));
    riley = bearer(srv.register_agent("riley", "specialist"));
  }

  /// A task of jordan's in progress (its work plan is on the thread as a work_plan message).
  std::string working() {
    const auto id =
        srv.create_task(R"({"title":"Write the launch post","assigneeIds":["jordan"]})");
    srv.move_task(id, R"({"toStatus":"in_progress","actor":"human",)"
                      R"("workPlan":{"bullets":["draft","check","publish"]}})");
    return id;
  }

  /// Posts `n` comments by `authors` in turn, `gap` apart on the manual clock.
  void post(const std::string& task, int n, std::vector<std::string> authors,
            std::chrono::milliseconds gap = seconds(10)) {
    for (int i = 0; i < n; ++i) {
      const auto& author = authors[static_cast<std::size_t>(i) % authors.size()];
      auto r = srv.call(verb::post, "/api/tasks/" + task + "/messages",
                        R"({"author":")" + author + R"(","content":"I think we should )" +
                            std::to_string(++posted) + R"("})");
      ASSERT_EQ(r.result_int(), 201u) << r.body();
      srv.clock().advance(gap);
    }
    // Both agents are alive all along: the HeartbeatMonitor must not release the task.
    beat(jordan, "jordan");
    beat(riley, "riley");
  }

  void beat(const header_list& as, const std::string& id) {
    auto r =
        srv.call(verb::post, "/api/agents/" + id + "/heartbeat", R"({"status":"working"})", as);
    EXPECT_EQ(r.result_int(), 200u) << r.body();
  }

  json::object view(const std::string& task) {
    auto r = srv.call(verb::get, "/api/tasks/" + task);
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    return json_of(r).as_object();
  }
  std::string status(const std::string& task) {
    return std::string(view(task).at("task").at("status").as_string());
  }
  std::vector<json::value> summaries(const std::string& task) {
    std::vector<json::value> out;
    const auto v = view(task);
    for (const auto& m : v.at("messages").as_array())
      if (m.at("type").as_string() == "loop_summary")
        out.push_back(m);
    return out;
  }
  std::vector<json::value> loop_alerts(const std::string& task) {
    std::vector<json::value> out;
    auto r = srv.call(verb::get, "/api/alerts?type=loop_detected&resolved=false");
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    auto body = json_of(r);
    for (const auto& a : body.at("alerts").as_array())
      if (a.at("taskId").is_string() && a.at("taskId").as_string() == task)
        out.push_back(a);
    return out;
  }
  std::size_t operator_notices(const std::string& ref) {
    std::size_t n = 0;
    auto r = srv.call(verb::get, "/api/notifications?target=operator");
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    auto body = json_of(r);
    for (const auto& x : body.at("notifications").as_array())
      for (const auto& ref_of : x.at("refs").as_array())
        if (ref_of.as_string() == ref && x.at("type").as_string() == "alert")
          ++n;
    return n;
  }
  json::value last_transition(const std::string& task) {
    const auto v = view(task);
    return v.at("transitions").as_array().back();
  }

  /// The task is blocked by the detector with one summary, one open alert, one notification.
  void expect_contained_once(const std::string& task, std::string_view kind) {
    EXPECT_EQ(status(task), "blocked");
    ASSERT_EQ(summaries(task).size(), 1u);
    auto alerts = loop_alerts(task);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_TRUE(contains(alerts[0].at("title"), kind)) << alerts[0];
    EXPECT_EQ(operator_notices(task), 1u);
  }

  api_server srv{GetParam(), generous_limits()};
  header_list jordan;
  header_list riley;
  /// Numbers every comment, so the summary's quotes can be recognised.
  int posted = 0;
};

TEST_P(LoopDetector, TwentyMessagesDoNotFloodTwentyOneDo) {
  const auto task = working();
  post(task, 20, {"jordan"});
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_TRUE(summaries(task).empty());
  EXPECT_TRUE(loop_alerts(task).empty());

  post(task, 1, {"jordan"});
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "comment_flood"));
  const auto summary = summaries(task)[0];
  const auto text = std::string(summary.at("content").as_string());
  EXPECT_EQ(summary.at("author").as_string(), "system");
  EXPECT_NE(text.find("21 messages on this task within 30m (the limit is 20)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("assigned → in_progress by human"), std::string::npos) << text;
  EXPECT_NE(text.find("- jordan (comment): I think we should 21"), std::string::npos) << text;
  EXPECT_NE(text.find("Proposed resolution:"), std::string::npos) << text;
  EXPECT_NE(text.find("/api/tasks/" + task + "/transition"), std::string::npos) << text;
  // The summary is also a stored Document, named among the message's artifacts.
  const auto doc_id = std::string(summary.at("artifacts").at(0).as_string());
  EXPECT_EQ(doc_id.substr(0, 4), "doc_");
  bool stored = false;
  srv.store().transact(
      [&](persistence::store_txn& txn) {
        txn.scan(persistence::table_id::documents, {}, [&](const persistence::row& row) {
          auto d = persistence::from_row<document>(row);
          stored = stored || (d.id == doc_id && d.type == "loop_summary" && d.content == text);
          return true;
        });
      },
      true);
  EXPECT_TRUE(stored);

  auto moved = last_transition(task);
  EXPECT_EQ(moved.at("to").as_string(), "blocked");
  EXPECT_EQ(moved.at("actor").as_string(), "system");
  EXPECT_TRUE(contains(moved.at("reason"), "comment_flood")) << moved;
  EXPECT_EQ(loop_alerts(task)[0].at("severity").as_string(), "warning");
  EXPECT_NE(srv.supervisor_log().find("[LoopDetector] Scanning for loops..."), std::string::npos);
}

TEST_P(LoopDetector, MessagesSpreadOverMoreThanTheWindowDoNotFlood) {
  const auto task = working();
  // 30 messages two minutes apart: never more than 16 within 30 minutes.
  post(task, 30, {"jordan"}, minutes(2));
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_TRUE(summaries(task).empty());
  EXPECT_TRUE(loop_alerts(task).empty());
}

TEST_P(LoopDetector, PingPongOfTwoAgentsTripsPastEightMessages) {
  const auto task = working();
  post(task, 8, {"jordan", "riley"}, seconds(30));
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  post(task, 1, {"jordan"}, seconds(30));
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "ping_pong"));
  const auto text = std::string(summaries(task)[0].at("content").as_string());
  EXPECT_NE(
      text.find("9 alternating messages between jordan and riley within 10m (the limit is 8)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("- riley (comment)"), std::string::npos) << text;
}

TEST_P(LoopDetector, AlternationSpreadOverMoreThanTenMinutesIsNoPingPong) {
  const auto task = working();
  post(task, 12, {"jordan", "riley"}, minutes(2));
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_TRUE(loop_alerts(task).empty());
}

TEST_P(LoopDetector, AFourthReviewCycleIsSummarisedOnce) {
  const auto task = working();
  const auto submit = R"({"toStatus":"review","actor":"human","deliverable":{"content":"draft"},)"
                      R"("reviewChecklist":{"items":[{"label":"tone","done":true}]}})";
  for (int cycle = 1; cycle <= 3; ++cycle) {
    srv.move_task(task, submit);
    srv.move_task(task, R"({"toStatus":"in_progress","actor":"human","reason":"not yet"})");
  }
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_TRUE(summaries(task).empty());

  srv.move_task(task, submit);
  // The state machine blocks the fourth send-back itself; the detector explains it.
  srv.move_task(task, R"({"toStatus":"in_progress","actor":"human","reason":"still not"})");
  srv.tick();
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "review_cycles"));
  const auto text = std::string(summaries(task)[0].at("content").as_string());
  EXPECT_NE(text.find("4 review cycles (the limit is 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("review → blocked by human: review cycle limit reached"), std::string::npos)
      << text;
  // No second move: the block is the state machine's.
  EXPECT_EQ(last_transition(task).at("actor").as_string(), "human");
}

TEST_P(LoopDetector, ARetryLoopBlocksTheTaskAndQuarantinesTheAgent) {
  const auto task = working();
  auto fail = [&] {
    auto r = srv.call(verb::post, "/api/tool-calls",
                      R"({"toolName":"read","taskId":")" + task +
                          R"(","status":"failed","error":"ENOENT: no such file docs/plan.md"})",
                      jordan);
    ASSERT_EQ(r.result_int(), 201u) << r.body();
    srv.clock().advance(seconds(20));
  };
  fail();
  fail();
  // Another error text is another key.
  auto other = srv.call(verb::post, "/api/tool-calls",
                        R"({"toolName":"read","taskId":")" + task +
                            R"(","status":"failed","error":"EACCES"})",
                        jordan);
  ASSERT_EQ(other.result_int(), 201u) << other.body();
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_EQ(json_of(srv.call(verb::get, "/api/agents/jordan")).at("agent").at("status"), "active");

  fail();
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "retry_loop"));
  EXPECT_EQ(json_of(srv.call(verb::get, "/api/agents/jordan")).at("agent").at("status"),
            "quarantined");
  const auto alert = loop_alerts(task)[0];
  EXPECT_EQ(alert.at("severity").as_string(), "critical");
  EXPECT_EQ(alert.at("agentId").as_string(), "jordan");
  const auto text = std::string(summaries(task)[0].at("content").as_string());
  EXPECT_NE(text.find("3 failed calls of tool read by jordan with the same error within 30m"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/api/agents/jordan/resume"), std::string::npos) << text;
}

TEST_P(LoopDetector, FiresOnceUntilUnblockedThenOnFreshWindows) {
  const auto task = working();
  post(task, 21, {"jordan"});
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "comment_flood"));
  // More of the same, and ticks again: nothing more happens.
  post(task, 10, {"jordan"});
  srv.tick();
  srv.tick();
  ASSERT_NO_FATAL_FAILURE(expect_contained_once(task, "comment_flood"));

  // The runbook's "Loop Detected" resolution (a).
  auto r = srv.call(verb::post, "/api/tasks/" + task + "/transition",
                    R"({"toStatus":"assigned","actor":"human",)"
                    R"("reason":"Clarified requirements: use approach X",)"
                    R"("idempotencyKey":"manual-unblock-123"})");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(status(task), "assigned");
  srv.move_task(task, R"({"toStatus":"in_progress","actor":"human"})");

  // The windows restarted: 20 more within the same half hour do not trip it again...
  post(task, 20, {"jordan"});
  srv.tick();
  EXPECT_EQ(status(task), "in_progress");
  EXPECT_EQ(summaries(task).size(), 1u);
  // ...the 21st does, once more.
  post(task, 1, {"jordan"});
  srv.tick();
  EXPECT_EQ(status(task), "blocked");
  EXPECT_EQ(summaries(task).size(), 2u);
  EXPECT_EQ(loop_alerts(task).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Stores, LoopDetector, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
