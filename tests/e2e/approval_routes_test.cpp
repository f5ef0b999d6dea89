// The approval routes through the real server on both stores: an agent's request moves its task
// into needs_approval, the list and its filters, approve and deny with the runbook's body, every
// error path (400, 403, 404, 409, 422), idempotent replays, and what GET /api/tasks/{id} and the
// timeline show.
#include "tests/e2e/api_server.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mc::e2e {
namespace {

namespace json = boost::json;

class ApprovalRoutes : public ::testing::TestWithParam<store_kind> {
 protected:
  ApprovalRoutes() : srv(GetParam(), app::runtime_options{}) {
    jordan = bearer(srv.register_agent("jordan", "specialist"));
    riley = bearer(srv.register_agent("riley", "specialist"));
    sam = bearer(srv.register_agent("sam", "lead"));
  }

  /// A task of `assignee` in progress, moved there by the operator.
  std::string working(const std::string& assignee) {
    const auto id =
        srv.create_task(R"({"title":"Send the newsletter","assigneeIds":[")" + assignee + R"("]})");
    srv.move_task(id, R"({"toStatus":"in_progress","actor":"human",)"
                      R"("workPlan":{"bullets":["draft","check","send"]}})");
    return id;
  }

  static std::string request_body(const std::string& task, const std::string& extra = {},
                                  const std::string& action = "tool_exec",
                                  const std::string& risk = "red") {
    return R"({"taskId":")" + task + R"(","actionType":")" + action + R"(","riskLevel":")" + risk +
           R"(","actionSummary":"Send 2,000 emails",)"
           R"("justification":"Launch day","estimatedCost":0.5)" +
           extra + "}";
  }

  response request(const std::string& body, const header_list& as) {
    return srv.call(verb::post, "/api/approvals", body, as);
  }

  /// Files a request as the task's agent; returns the approval id.
  std::string filed(const std::string& task, const header_list& as) {
    auto r = request(request_body(task), as);
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(json_of(r).at("approval").at("id").as_string());
  }

  response decide(const std::string& id, std::string_view verdict, std::string body = {},
                  header_list as = {}) {
    return srv.call(verb::post, "/api/approvals/" + id + "/" + std::string(verdict),
                    std::move(body), std::move(as));
  }

  std::string status_of(const std::string& task) {
    return std::string(
        json_of(srv.call(verb::get, "/api/tasks/" + task)).at("task").at("status").as_string());
  }

  json::value list(const std::string& query = {}) {
    auto r = srv.call(verb::get, "/api/approvals" + query);
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    return json_of(r);
  }

  static void expect_error(const response& r, unsigned status, std::string_view code) {
    EXPECT_EQ(r.result_int(), status) << r.body();
    auto body = json_of(r);
    if (body.is_object() && body.as_object().contains("error"))
      EXPECT_EQ(body.at("error").at("code").as_string(), code) << r.body();
    else
      ADD_FAILURE() << "no error envelope: " << r.body();
  }

  api_server srv;
  header_list jordan, riley, sam;
};

TEST_P(ApprovalRoutes, AnAgentsRequestMovesItsTaskIntoNeedsApproval) {
  const auto task = working("jordan");
  auto r = request(request_body(task), jordan);
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  auto body = json_of(r);
  const auto& a = body.at("approval");
  EXPECT_EQ(std::string(a.at("id").as_string()).rfind("apr_", 0), 0u);
  EXPECT_EQ(a.at("requestorId").as_string(), "jordan");
  EXPECT_EQ(a.at("status").as_string(), "pending");
  EXPECT_EQ(a.at("riskLevel").as_string(), "red");
  EXPECT_EQ(a.at("expiresAt").as_int64(), start_ms + 24LL * 3600 * 1000);
  EXPECT_EQ(body.at("task").at("status").as_string(), "needs_approval");
  EXPECT_EQ(status_of(task), "needs_approval");

  auto shown = json_of(srv.call(verb::get, "/api/tasks/" + task));
  ASSERT_EQ(shown.at("approvals").as_array().size(), 1u);
  EXPECT_EQ(shown.at("approvals").at(0).at("id"), a.at("id"));
  auto timeline = json_of(srv.call(verb::get, "/api/tasks/" + task + "/timeline"));
  bool listed = false;
  for (const auto& e : timeline.at("timeline").as_array())
    listed |= e.at("kind").as_string() == "approval";
  EXPECT_TRUE(listed) << json::serialize(timeline);

  auto all = list();
  EXPECT_EQ(all.at("total").as_int64(), 1);
  EXPECT_EQ(all.at("urgentCount").as_int64(), 0);
  EXPECT_FALSE(all.at("hasMore").as_bool());
  // Within the hour of its expiry it counts as urgent.
  srv.clock().advance(std::chrono::hours(23));
  EXPECT_EQ(list().at("urgentCount").as_int64(), 1);
}

TEST_P(ApprovalRoutes, BadRequestsAreRefusedAndChangeNothing) {
  const auto task = working("jordan");
  const auto theirs = working("riley");
  const auto idle = srv.create_task(R"({"title":"Not started","assigneeIds":["jordan"]})");
  auto missing = request(R"({"taskId":")" + task + R"("})", jordan);
  expect_error(missing, 400, "VALIDATION_ERROR");
  EXPECT_EQ(json_of(missing).at("error").at("details").at("errors").as_array().size(), 4u);
  expect_error(request(request_body(task, R"(,"status":"approved")"), jordan), 400,
               "VALIDATION_ERROR");
  expect_error(request(R"({"taskId":")" + task +
                           R"(","actionType":"tool_exec","riskLevel":"purple",)"
                           R"("actionSummary":"x","justification":"y"})",
                       jordan),
               400, "VALIDATION_ERROR");
  expect_error(request(request_body(task, "", "tool_exec", "green"), jordan), 400,
               "VALIDATION_ERROR");
  expect_error(request("[1]", jordan), 400, "VALIDATION_ERROR");
  expect_error(request(request_body(task, R"(,"requestorId":"riley")"), jordan), 403, "FORBIDDEN");
  expect_error(request(request_body(theirs), jordan), 403, "FORBIDDEN");
  expect_error(request(request_body("tsk_nope"), jordan), 404, "NOT_FOUND");
  expect_error(request(request_body(idle), jordan), 422, "TRANSITION_REFUSED");
  EXPECT_EQ(list().at("total").as_int64(), 0);
  EXPECT_EQ(status_of(task), "in_progress");

  filed(task, jordan);
  expect_error(request(request_body(task), jordan), 409, "CONFLICT");
  EXPECT_EQ(list().at("total").as_int64(), 1);
}

TEST_P(ApprovalRoutes, ApproveMovesTheTaskOnAndADecidedApprovalStaysDecided) {
  const auto task = working("jordan");
  const auto id = filed(task, jordan);
  auto r = decide(id, "approve", R"({"approver":"operator","decision":"Go ahead"})");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto body = json_of(r);
  EXPECT_EQ(body.at("approval").at("status").as_string(), "approved");
  EXPECT_EQ(body.at("approval").at("decidedBy").as_string(), "operator");
  EXPECT_EQ(body.at("approval").at("decisionNote").as_string(), "Go ahead");
  EXPECT_EQ(body.at("transition").at("to").as_string(), "in_progress");
  EXPECT_EQ(status_of(task), "in_progress");
  expect_error(decide(id, "approve"), 409, "CONFLICT");
  expect_error(decide(id, "deny"), 409, "CONFLICT");
  expect_error(decide("apr_nope", "approve"), 404, "NOT_FOUND");
  expect_error(decide("apr_nope", "deny"), 404, "NOT_FOUND");
  EXPECT_EQ(list("?status=approved").at("total").as_int64(), 1);
}

TEST_P(ApprovalRoutes, DenyBlocksTheTaskWithTheDecision) {
  const auto task = working("jordan");
  const auto id = filed(task, jordan);
  // A bare POST (no body) decides as the caller: the loopback operator.
  auto r = decide(id, "deny");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto body = json_of(r);
  EXPECT_EQ(body.at("approval").at("status").as_string(), "denied");
  EXPECT_EQ(body.at("approval").at("decidedBy").as_string(), "operator");
  EXPECT_EQ(status_of(task), "blocked");
  EXPECT_EQ(body.at("transition").at("reason").as_string(),
            "approval " + id + " denied by operator");
  expect_error(decide(id, "approve"), 409, "CONFLICT");
}

TEST_P(ApprovalRoutes, AgentsCannotDecideWithoutThePolicyAndNeverTheirOwn) {
  const auto task = working("jordan");
  const auto id = filed(task, jordan);
  expect_error(decide(id, "approve", "", jordan), 403, "FORBIDDEN"); // its own
  expect_error(decide(id, "approve", "", riley), 403, "FORBIDDEN");  // a specialist
  expect_error(decide(id, "approve", "", sam), 403, "FORBIDDEN");    // a lead, policy off
  expect_error(decide(id, "approve", R"({"approver":"riley"})", sam), 403, "FORBIDDEN");
  expect_error(decide(id, "approve", R"({"note":"x"})"), 400, "VALIDATION_ERROR");
  EXPECT_EQ(list("?status=pending").at("total").as_int64(), 1);
  EXPECT_EQ(status_of(task), "needs_approval");
}

TEST_P(ApprovalRoutes, ListFiltersPagesAndPutsPendingFirst) {
  const auto t1 = working("jordan");
  const auto t2 = working("riley");
  const auto t3 = working("riley");
  const auto first = filed(t1, jordan);
  srv.clock().advance(std::chrono::minutes(1));
  const auto second = filed(t2, riley);
  auto third = request(request_body(t3, "", "spawn", "yellow"), riley);
  ASSERT_EQ(third.result_int(), 201u) << third.body();
  ASSERT_EQ(decide(first, "approve").result_int(), 200u);

  auto all = list();
  EXPECT_EQ(all.at("total").as_int64(), 3);
  EXPECT_EQ(all.at("approvals").at(0).at("status").as_string(), "pending");
  EXPECT_EQ(all.at("approvals").as_array().back().at("id").as_string(), first);

  EXPECT_EQ(list("?status=pending,approved").at("total"), all.at("total"));
  EXPECT_EQ(list("?status=APPROVED").at("approvals").at(0).at("id").as_string(), first);
  EXPECT_EQ(list("?taskId=" + t2).at("approvals").at(0).at("id").as_string(), second);
  EXPECT_EQ(list("?requestorId=jordan").at("total").as_int64(), 1);
  EXPECT_EQ(list("?riskLevel=red&actionType=tool_exec").at("total").as_int64(), 2);
  auto page = list("?limit=1&offset=1");
  EXPECT_EQ(page.at("approvals").as_array().size(), 1u);
  EXPECT_TRUE(page.at("hasMore").as_bool());
  EXPECT_EQ(list("?riskLevel=yellow,red&actionType=spawn").at("total").as_int64(), 1);
  for (const char* bad : {"?status=maybe", "?riskLevel=blue", "?actionType=x", "?limit=0",
                          "?limit=201", "?offset=-1", "?limit=ten"})
    expect_error(srv.call(verb::get, std::string("/api/approvals") + bad), 400, "VALIDATION_ERROR");
}

TEST_P(ApprovalRoutes, RetriesWithTheSameKeyAreReplayed) {
  const auto task = working("jordan");
  const header_list key_header = {{"X-Idempotency-Key", "ask-1"}};
  header_list as = jordan;
  as.insert(as.end(), key_header.begin(), key_header.end());
  auto first = request(request_body(task), as);
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  auto again = request(request_body(task), as);
  EXPECT_EQ(again.result_int(), 201u);
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(list().at("total").as_int64(), 1);

  const auto id = std::string(json_of(first).at("approval").at("id").as_string());
  const std::string body = R"({"approver":"operator","decision":"ok","idempotencyKey":"yes-1"})";
  auto approved = decide(id, "approve", body);
  ASSERT_EQ(approved.result_int(), 200u) << approved.body();
  auto replay = decide(id, "approve", body);
  EXPECT_EQ(replay.result_int(), 200u) << replay.body();
  EXPECT_EQ(replay["Idempotent-Replayed"], "true");
  EXPECT_EQ(replay.body(), approved.body());
  // The same key on another request is a conflict, not a replay.
  expect_error(decide(id, "deny", body), 409, "CONFLICT");
}

TEST_P(ApprovalRoutes, AMoveIntoNeedsApprovalFilesAnApprovalTheDecisionResolves) {
  const auto task = working("jordan");
  srv.move_task(task, R"({"toStatus":"needs_approval","actor":"human","reason":"red action"})");
  auto listed = list("?taskId=" + task);
  ASSERT_EQ(listed.at("total").as_int64(), 1) << json::serialize(listed);
  const auto& a = listed.at("approvals").at(0);
  EXPECT_EQ(a.at("actionType").as_string(), "state_transition");
  EXPECT_EQ(a.at("resumeStatus").as_string(), "in_progress");
  // Undecided, the agent may not leave needs_approval.
  auto leave = srv.call(verb::post, "/api/tasks/" + task + "/transition",
                        R"({"toStatus":"in_progress"})", jordan);
  EXPECT_TRUE(leave.result_int() == 403u || leave.result_int() == 422u) << leave.body();
  const std::string id(a.at("id").as_string());
  ASSERT_EQ(decide(id, "approve", R"({"approver":"operator","decision":"fine"})").result_int(),
            200u);
  EXPECT_EQ(status_of(task), "in_progress");
}

INSTANTIATE_TEST_SUITE_P(Stores, ApprovalRoutes, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
