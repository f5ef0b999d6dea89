// The API routes that exist so far, through a real server on an ephemeral loopback port, the
// actors and a real SQLite store: success and error paths, and idempotent replay.
#include "tests/http/api_fixture.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace mc::http {
namespace {

namespace json = boost::json;
using test::client;
using test::bhttp::verb;

class ApiRoutes : public test::api_fixture {};

TEST_F(ApiRoutes, HealthReportsEveryService) {
  auto r = call(verb::get, "/health");
  EXPECT_EQ(r.result_int(), 200u);
  auto body = json::parse(r.body());
  EXPECT_EQ(body.at("status").as_string(), "ok");
  EXPECT_EQ(body.at("services").at("database").as_string(), "ok");
  EXPECT_GT(body.at("timestamp").as_int64(), 0);
}

TEST_F(ApiRoutes, TasksAreCreatedListedAndShownWithTheirHistory) {
  const auto id =
      create_task(R"({"title":"Write the post","assigneeIds":["jordan"],"type":"CONTENT"})");
  create_task(R"({"title":"Other"})");
  auto list = json::parse(call(verb::get, "/api/tasks?status=assigned,blocked").body());
  EXPECT_EQ(list.at("total").as_int64(), 1);
  EXPECT_EQ(list.at("tasks").at(0).at("type").as_string(), "content");
  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body());
  EXPECT_EQ(shown.at("task").at("status").as_string(), "assigned");
  EXPECT_EQ(shown.at("transitions").as_array().size(), 2u);
}

TEST_F(ApiRoutes, TheRunbookUnblockCommandWorksAndReplays) {
  const auto id = create_task(R"({"title":"Fix the test","assigneeIds":["riley"]})");
  auto move = [&](std::string body) {
    return call(verb::post, "/api/tasks/" + id + "/transition", std::move(body));
  };
  ASSERT_EQ(
      move(R"({"toStatus":"in_progress","actor":"human","workPlan":{"bullets":["a","b","c"]}})")
          .result_int(),
      200u);
  ASSERT_EQ(move(R"({"toStatus":"blocked","actor":"human","reason":"waiting"})").result_int(),
            200u);
  const std::string unblock = R"({
    "toStatus": "assigned",
    "actor": "human",
    "reason": "Clarified requirements: use approach X",
    "idempotencyKey": "manual-unblock-123"
  })";
  auto first = move(unblock);
  ASSERT_EQ(first.result_int(), 200u) << first.body();
  auto again = move(unblock);
  EXPECT_EQ(again.result_int(), 200u);
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  auto other =
      move(R"({"toStatus":"canceled","actor":"human","idempotencyKey":"manual-unblock-123"})");
  EXPECT_EQ(other.result_int(), 409u);
  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body());
  EXPECT_EQ(shown.at("task").at("status").as_string(), "assigned");
  EXPECT_EQ(shown.at("transitions").as_array().size(), 5u); // created, assigned, 3 moves, once
}

TEST_F(ApiRoutes, AnIllegalMoveIs422WithTheAllowedTargets) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["ann"]})");
  auto r = call(verb::post, "/api/tasks/" + id + "/transition",
                R"({"toStatus":"done","actor":"human","reason":"ship"})");
  EXPECT_EQ(r.result_int(), 422u);
  auto e = json::parse(r.body()).at("error");
  EXPECT_EQ(e.at("code").as_string(), "TRANSITION_REFUSED");
  EXPECT_EQ(e.at("details").at("allowedTransitions"),
            json::parse(R"(["inbox","in_progress","canceled"])"));
  EXPECT_FALSE(e.at("requestId").as_string().empty());
}

TEST_F(ApiRoutes, BadInputIs400AndChangesNothing) {
  EXPECT_EQ(call(verb::post, "/api/tasks", "{bad").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/tasks", R"({"title":""})").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/tasks", R"({"title":"x","priority":"high"})").result_int(),
            400u);
  EXPECT_EQ(call(verb::get, "/api/tasks?status=doing").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/tasks?limit=ten").result_int(), 400u);
  auto list = json::parse(call(verb::get, "/api/tasks").body());
  EXPECT_EQ(list.at("total").as_int64(), 0);
}

TEST_F(ApiRoutes, UnknownTasksAre404) {
  auto r = call(verb::get, "/api/tasks/tsk_missing");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(json::parse(r.body()).at("error").at("code").as_string(), "NOT_FOUND");
  EXPECT_EQ(
      call(verb::post, "/api/tasks/tsk_missing/transition", R"({"toStatus":"inbox"})").result_int(),
      404u);
}

} // namespace
} // namespace mc::http
