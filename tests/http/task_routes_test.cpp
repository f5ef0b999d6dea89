// The task edit, timeline and thread routes through a real server on an ephemeral loopback port,
// the actors and a real SQLite store: the runbook's reassignment as written, its effect on the
// agents' heartbeats, the thread with mentions, and every error path.
#include "app/runtime.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace mc::http {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using test::client;
using test::bhttp::verb;
using headers = std::vector<std::pair<std::string, std::string>>;

caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.console", caf::atom("none"));
  return cfg;
}

class TaskRoutes : public ::testing::Test {
 protected:
  TaskRoutes() : sys(quiet(cfg)) {
    dir = fs::temp_directory_path() /
          ("mc-task-routes-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    db = persistence::open_store({"", dir.string()});
    db->migrate();
    rt = std::make_unique<app::runtime>(sys, db, clk, ids, persistence::recover(*db),
                                        app::runtime_options{});
    router routes;
    rt->add_routes(routes);
    server_options so;
    so.listen = "127.0.0.1:0";
    so.log = access_log::disabled();
    srv = std::make_unique<server>(std::move(routes), so);
    srv->start();
  }

  ~TaskRoutes() override {
    srv->stop();
    rt->shutdown();
    sys.await_all_actors_done();
    fs::remove_all(dir);
  }

  test::string_response call(verb v, std::string target, std::string body = {}, headers h = {}) {
    client c(srv->port());
    return c.request(v, target, std::move(body), std::move(h));
  }

  static headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  /// Registers an agent and returns its token.
  std::string register_agent(const std::string& id) {
    auto r = call(verb::post, "/api/agents",
                  R"({"id":")" + id + R"(","name":")" + id + R"(","role":"specialist"})");
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(json::parse(r.body()).at("token").as_string());
  }

  std::string create_task(const std::string& body) {
    auto r = call(verb::post, "/api/tasks", body);
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(json::parse(r.body()).at("task").at("id").as_string());
  }

  /// The ids of the tasks an agent's heartbeat lists.
  std::vector<std::string> heartbeat_tasks(const std::string& agent, const std::string& token) {
    auto r = call(verb::post, "/api/agents/" + agent + "/heartbeat", R"({"status":"idle"})",
                  bearer(token));
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    std::vector<std::string> out;
    const auto body = json::parse(r.body());
    for (const auto& t : body.at("assignedTasks").as_array())
      out.emplace_back(t.at("id").as_string());
    return out;
  }

  std::string error_code(const test::string_response& r) {
    return std::string(json::parse(r.body()).at("error").at("code").as_string());
  }

  static inline int counter = 0;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  system_clock clk;
  id_generator ids{clk};
  fs::path dir;
  std::shared_ptr<persistence::store> db;
  std::unique_ptr<app::runtime> rt;
  std::unique_ptr<server> srv;
};

TEST_F(TaskRoutes, TheRunbookReassignmentMovesTheTaskBetweenHeartbeats) {
  const auto ann = register_agent("ann");
  const auto bob = register_agent("bob");
  const auto id = create_task(R"({"title":"Stuck work","assigneeIds":["ann"]})");
  EXPECT_EQ(heartbeat_tasks("ann", ann), std::vector<std::string>{id});
  EXPECT_TRUE(heartbeat_tasks("bob", bob).empty());

  // Exactly as the runbook sends it: no Content-Type, so curl would call it a form.
  auto r = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds": ["bob"]})");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto task = json::parse(r.body()).at("task");
  EXPECT_EQ(task.at("assigneeIds"), json::parse(R"(["bob"])"));
  EXPECT_EQ(task.at("status").as_string(), "assigned");

  EXPECT_EQ(heartbeat_tasks("bob", bob), std::vector<std::string>{id});
  EXPECT_TRUE(heartbeat_tasks("ann", ann).empty());
  auto listed = json::parse(call(verb::get, "/api/tasks?assigneeId=bob").body());
  EXPECT_EQ(listed.at("total").as_int64(), 1);
}

TEST_F(TaskRoutes, APatchChangesOnlyTheFieldsItNames) {
  const auto id = create_task(R"({"title":"Draft","assigneeIds":["ann"],"labels":["a"]})");
  auto r = call(verb::patch, "/api/tasks/" + id,
                R"({"title":"Final","priority":1,"reviewerId":"lee","dueAt":1706745600000})");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body()).at("task");
  EXPECT_EQ(shown.at("title").as_string(), "Final");
  EXPECT_EQ(shown.at("priority").as_int64(), 1);
  EXPECT_EQ(shown.at("reviewerId").as_string(), "lee");
  EXPECT_EQ(shown.at("dueAt").as_int64(), 1706745600000);
  EXPECT_EQ(shown.at("labels"), json::parse(R"(["a"])"));
  EXPECT_EQ(shown.at("assigneeIds"), json::parse(R"(["ann"])"));
  ASSERT_EQ(call(verb::patch, "/api/tasks/" + id, R"({"reviewerId":null})").result_int(), 200u);
  shown = json::parse(call(verb::get, "/api/tasks/" + id).body()).at("task");
  EXPECT_TRUE(shown.at("reviewerId").is_null());
}

TEST_F(TaskRoutes, BadPatchesAre400AndChangeNothing) {
  const auto id = create_task(R"({"title":"Keep","assigneeIds":["ann"]})");
  const auto path = "/api/tasks/" + id;
  for (const std::string body :
       {"{bad", "[1]", R"({"priority":"high"})", R"({"priority":5})", R"({"title":""})",
        R"({"assigneeIds":"ann"})", R"({"assigneeIds":["Not An Id"]})", R"({"labels":[1]})",
        R"({"status":"done"})", R"({"colour":"red"})", "{}"}) {
    auto r = call(verb::patch, path, body);
    EXPECT_EQ(r.result_int(), 400u) << body << " → " << r.body();
    EXPECT_EQ(error_code(r), "VALIDATION_ERROR") << body;
  }
  auto status = call(verb::patch, path, R"({"status":"done"})");
  EXPECT_NE(json::parse(status.body()).at("error").at("message").as_string().find("/transition"),
            std::string::npos);
  auto shown = json::parse(call(verb::get, path).body()).at("task");
  EXPECT_EQ(shown.at("title").as_string(), "Keep");
  EXPECT_EQ(shown.at("priority").as_int64(), 3);
}

TEST_F(TaskRoutes, PatchConflictsAre409) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["ann"]})");
  auto empty = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":[]})");
  EXPECT_EQ(empty.result_int(), 409u) << empty.body();
  ASSERT_EQ(call(verb::post, "/api/tasks/" + id + "/transition",
                 R"({"toStatus":"canceled","actor":"human","reason":"dropped"})")
                .result_int(),
            200u);
  auto r = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["bob"]})");
  EXPECT_EQ(r.result_int(), 409u) << r.body();
  EXPECT_EQ(error_code(r), "CONFLICT");
  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body()).at("task");
  EXPECT_EQ(shown.at("assigneeIds"), json::parse(R"(["ann"])"));
}

TEST_F(TaskRoutes, UnknownTasksAre404OnEveryRoute) {
  EXPECT_EQ(call(verb::patch, "/api/tasks/tsk_missing", R"({"title":"x"})").result_int(), 404u);
  EXPECT_EQ(call(verb::get, "/api/tasks/tsk_missing/timeline").result_int(), 404u);
  EXPECT_EQ(call(verb::get, "/api/tasks/tsk_missing/messages").result_int(), 404u);
  auto r = call(verb::post, "/api/tasks/tsk_missing/messages", R"({"content":"hi"})");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(error_code(r), "NOT_FOUND");
}

TEST_F(TaskRoutes, AnAgentMayNotPatchTasks) {
  const auto ann = register_agent("ann");
  const auto id = create_task(R"({"title":"x","assigneeIds":["ann"]})");
  EXPECT_EQ(
      call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["ann"]})", bearer(ann)).result_int(),
      403u);
}

TEST_F(TaskRoutes, APatchReplaysWithItsKeyAndConflictsWithAnotherBody) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["ann"]})");
  const headers key{{"X-Idempotency-Key", "reassign-1"}};
  auto first = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["bob"]})", key);
  ASSERT_EQ(first.result_int(), 200u) << first.body();
  auto again = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["bob"]})", key);
  EXPECT_EQ(again.result_int(), 200u);
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  auto other = call(verb::patch, "/api/tasks/" + id, R"({"assigneeIds":["cy"]})", key);
  EXPECT_EQ(other.result_int(), 409u);
  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body()).at("task");
  EXPECT_EQ(shown.at("assigneeIds"), json::parse(R"(["bob"])"));
}

TEST_F(TaskRoutes, AMessageIsPostedWithItsMentionsAndListedOldestFirst) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  const auto path = "/api/tasks/" + id + "/messages";
  auto first = call(verb::post, path,
                    R"({"type":"comment","author":"jordan","content":"@sam can you check this?",
                        "mentions":["riley"],"artifacts":["output/draft.md"]})");
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  auto m = json::parse(first.body()).at("message");
  EXPECT_EQ(m.at("author").as_string(), "jordan");
  EXPECT_EQ(m.at("mentions"), json::parse(R"(["riley","sam"])"));
  EXPECT_EQ(m.at("artifacts"), json::parse(R"(["output/draft.md"])"));
  const std::string first_id(m.at("id").as_string());

  auto reply = call(verb::post, path,
                    R"({"content":"on it, mail me at a@b.com","replyToId":")" + first_id + "\"}");
  ASSERT_EQ(reply.result_int(), 201u) << reply.body();
  auto r = json::parse(reply.body()).at("message");
  EXPECT_EQ(r.at("author").as_string(), "operator"); // the caller, by default
  EXPECT_EQ(r.at("type").as_string(), "comment");
  EXPECT_TRUE(r.at("mentions").as_array().empty());
  EXPECT_EQ(r.at("replyToId").as_string(), first_id);
  ASSERT_EQ(call(verb::post, path, R"({"type":"PROGRESS","content":"50%"})").result_int(), 201u);

  auto all = json::parse(call(verb::get, path).body());
  EXPECT_EQ(all.at("total").as_int64(), 3);
  EXPECT_FALSE(all.at("hasMore").as_bool());
  EXPECT_EQ(all.at("messages").at(0).at("id").as_string(), first_id);
  EXPECT_EQ(all.at("messages").at(2).at("type").as_string(), "progress");
  auto page = json::parse(call(verb::get, path + "?limit=1&offset=1").body());
  EXPECT_EQ(page.at("messages").as_array().size(), 1u);
  EXPECT_EQ(page.at("messages").at(0).at("replyToId").as_string(), first_id);
  EXPECT_TRUE(page.at("hasMore").as_bool());
  EXPECT_EQ(call(verb::get, path + "?limit=0").result_int(), 400u);
  EXPECT_EQ(call(verb::get, path + "?offset=x").result_int(), 400u);

  auto shown = json::parse(call(verb::get, "/api/tasks/" + id).body());
  EXPECT_EQ(shown.at("messages").as_array().size(), 3u);
}

TEST_F(TaskRoutes, BadMessagesAre400AndChangeNothing) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  const auto path = "/api/tasks/" + id + "/messages";
  for (const std::string body :
       {"{bad", R"({"content":5})", R"({"content":""})", R"({"type":"chat","content":"x"})",
        R"({"content":"x","mentions":["Bad Id"]})", R"({"content":"x","mentions":"sam"})",
        R"({"content":"x","replyToId":"msg_nope"})", R"({"content":"x","colour":1})",
        R"({"content":"x","artifacts":[{"a":1}]})"}) {
    auto r = call(verb::post, path, body);
    EXPECT_EQ(r.result_int(), 400u) << body << " → " << r.body();
  }
  const std::string huge(64 * 1024 + 1, 'x');
  EXPECT_EQ(call(verb::post, path, R"({"content":")" + huge + "\"}").result_int(), 400u);
  EXPECT_EQ(call(verb::post, path, R"({"content":")" + huge.substr(1) + "\"}").result_int(), 201u);
  auto all = json::parse(call(verb::get, path).body());
  EXPECT_EQ(all.at("total").as_int64(), 1);
}

TEST_F(TaskRoutes, AnAgentPostsOnlyAsItselfAndNeverSystemMessages) {
  const auto sam = register_agent("sam");
  register_agent("riley");
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  const auto path = "/api/tasks/" + id + "/messages";
  auto as_other = call(verb::post, path, R"({"author":"riley","content":"hi"})", bearer(sam));
  EXPECT_EQ(as_other.result_int(), 403u) << as_other.body();
  EXPECT_EQ(error_code(as_other), "FORBIDDEN");
  auto summary = call(verb::post, path, R"({"type":"loop_summary","content":"loop"})", bearer(sam));
  EXPECT_EQ(summary.result_int(), 403u) << summary.body();
  auto plan = call(verb::post, path, R"({"type":"work_plan","content":"- a"})");
  EXPECT_EQ(plan.result_int(), 403u) << plan.body();
  auto own = call(verb::post, path, R"({"content":"done soon @riley"})", bearer(sam));
  ASSERT_EQ(own.result_int(), 201u) << own.body();
  EXPECT_EQ(json::parse(own.body()).at("message").at("author").as_string(), "sam");
  auto listed = call(verb::get, path, {}, bearer(sam));
  EXPECT_EQ(json::parse(listed.body()).at("total").as_int64(), 1);
}

TEST_F(TaskRoutes, AMessageReplaysWithItsKeyAndConflictsWithAnotherBody) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  const auto path = "/api/tasks/" + id + "/messages";
  auto first = call(verb::post, path, R"({"content":"once","idempotencyKey":"msg-1"})");
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  auto again = call(verb::post, path, R"({"content":"once","idempotencyKey":"msg-1"})");
  EXPECT_EQ(again.result_int(), 201u);
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  auto other = call(verb::post, path, R"({"content":"twice","idempotencyKey":"msg-1"})");
  EXPECT_EQ(other.result_int(), 409u);
  EXPECT_EQ(json::parse(call(verb::get, path).body()).at("total").as_int64(), 1);
}

TEST_F(TaskRoutes, TheThreadOfAFinishedTaskIsClosed) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  ASSERT_EQ(call(verb::post, "/api/tasks/" + id + "/transition",
                 R"({"toStatus":"canceled","actor":"human","reason":"dropped"})")
                .result_int(),
            200u);
  auto r = call(verb::post, "/api/tasks/" + id + "/messages", R"({"content":"late"})");
  EXPECT_EQ(r.result_int(), 409u) << r.body();
}

TEST_F(TaskRoutes, TheTimelineHasEveryMoveAndMessageInTimeOrder) {
  const auto id = create_task(R"({"title":"x","assigneeIds":["sam"]})");
  ASSERT_EQ(
      call(verb::post, "/api/tasks/" + id + "/messages", R"({"content":"hello"})").result_int(),
      201u);
  ASSERT_EQ(
      call(verb::post, "/api/tasks/" + id + "/transition",
           R"({"toStatus":"in_progress","actor":"human","workPlan":{"bullets":["a","b","c"]}})")
          .result_int(),
      200u);
  auto r = call(verb::get, "/api/tasks/" + id + "/timeline");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto body = json::parse(r.body());
  EXPECT_EQ(body.at("taskId").as_string(), id);
  const auto& tl = body.at("timeline").as_array();
  // created (inbox), → assigned, the comment, → in_progress, its work plan.
  ASSERT_EQ(tl.size(), 5u);
  EXPECT_EQ(body.at("total").as_int64(), 5);
  std::vector<std::string> kinds;
  std::int64_t last = 0;
  for (const auto& e : tl) {
    kinds.emplace_back(e.at("kind").as_string());
    EXPECT_GE(e.at("at").as_int64(), last);
    last = e.at("at").as_int64();
    EXPECT_TRUE(e.as_object().contains(e.at("kind").as_string()));
  }
  EXPECT_EQ(kinds.front(), "transition");
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "message"), 2);
  // Entries of one millisecond keep moves before messages, so the work plan always comes last.
  EXPECT_EQ(tl.at(4).at("message").at("type").as_string(), "work_plan");
  EXPECT_EQ(tl.at(4).at("message").at("content").as_string(), "- a\n- b\n- c\n");
}

} // namespace
} // namespace mc::http
