// The agent routes through a real server: registration (token shown once, stored only as a
// hash), lists and details, edits, controls, heartbeats with agent tokens, the squad controls,
// and their error paths.
#include "tests/http/api_fixture.hpp"

#include "http/policy/tokens.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace mc::http {
namespace {

namespace json = boost::json;
using test::bhttp::verb;

class AgentRoutes : public test::api_fixture {
 protected:
  std::string status_of(const std::string& id) {
    auto r = call(verb::get, "/api/agents/" + id);
    return std::string(json_of(r).at("agent").at("status").as_string());
  }
};

TEST_F(AgentRoutes, RegistrationShowsTheTokenOnceAndStoresOnlyItsHash) {
  auto r = call(verb::post, "/api/agents", R"({"id":"jordan","name":"Jordan","role":"LEAD"})",
                {{"X-Idempotency-Key", "reg-jordan"}});
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  auto body = json_of(r);
  const std::string token(body.at("token").as_string());
  EXPECT_EQ(token.rfind("mca_", 0), 0u);
  EXPECT_EQ(body.at("agent").at("role").as_string(), "lead");
  EXPECT_EQ(body.at("agent").at("status").as_string(), "active");
  EXPECT_TRUE(body.at("agent").at("canSpawn").as_bool()); // the lead's policy default

  // A replay answers as the first time did, but without the token.
  auto again = call(verb::post, "/api/agents", R"({"id":"jordan","name":"Jordan","role":"LEAD"})",
                    {{"X-Idempotency-Key", "reg-jordan"}});
  EXPECT_EQ(again.result_int(), 201u);
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  EXPECT_FALSE(json_of(again).as_object().contains("token"));

  // Nothing stored anywhere holds the token; the credential row holds its hash.
  bool hash_found = false;
  db->transact(
      [&](persistence::store_txn& txn) {
        for (const auto& t : persistence::all_tables())
          txn.scan(t.id, {}, [&](const persistence::row& row) {
            for (const auto& c : row.cells) {
              EXPECT_EQ(c.s.find(token), std::string::npos) << t.name;
              hash_found = hash_found || c.s == hash_token(token);
            }
            return true;
          });
      },
      true);
  EXPECT_TRUE(hash_found);
}

TEST_F(AgentRoutes, RegistrationErrors) {
  register_agent("sam");
  EXPECT_EQ(call(verb::post, "/api/agents", R"({"id":"sam"})").result_int(), 409u);
  EXPECT_EQ(call(verb::post, "/api/agents", R"({"id":"Not Valid"})").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/agents", R"({"id":"x","role":"boss"})").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/agents", R"({"id":"x","budgets":{"dailyCap":-1}})").result_int(),
            400u);
  EXPECT_EQ(call(verb::post, "/api/agents", "{oops").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/agents", R"({"id":"x","parentAgentId":"ghost"})").result_int(),
            400u);
  EXPECT_EQ(json_of(call(verb::get, "/api/agents")).at("total").as_int64(), 1);
}

TEST_F(AgentRoutes, AnAgentTokenHeartbeatsOnlyForItsAgent) {
  const auto ann = register_agent("ann");
  const auto bob = register_agent("bob");
  const auto task = create_task(R"({"title":"Write","assigneeIds":["ann"]})");
  auto r = call(verb::post, "/api/agents/ann/heartbeat", R"({"status":"idle"})", bearer(ann));
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto body = json_of(r);
  EXPECT_TRUE(body.at("acknowledged").as_bool());
  ASSERT_EQ(body.at("assignedTasks").as_array().size(), 1u);
  EXPECT_EQ(body.at("assignedTasks").at(0).at("id").as_string(), task);
  EXPECT_GT(json_of(call(verb::get, "/api/agents/ann")).at("agent").at("lastHeartbeat").as_int64(),
            0);

  EXPECT_EQ(call(verb::post, "/api/agents/bob/heartbeat", "{}", bearer(ann)).result_int(), 403u);
  EXPECT_EQ(call(verb::post, "/api/agents/ann/heartbeat", "{}", bearer("mca_wrong")).result_int(),
            401u);
  EXPECT_EQ(call(verb::post, "/api/agents/ghost/heartbeat", "{}").result_int(), 404u);
  // Controls are for operators.
  EXPECT_EQ(call(verb::post, "/api/agents/bob/pause", "", bearer(ann)).result_int(), 403u);
  (void)bob;
}

TEST_F(AgentRoutes, AnAgentMovesTasksWithItsRoleAndNotWhenPaused) {
  const auto ann = register_agent("ann", "intern");
  const auto task = create_task(R"({"title":"Write","assigneeIds":["ann"]})");
  const std::string start =
      R"({"toStatus":"in_progress","actor":"ann","workPlan":{"bullets":["a","b","c"]}})";
  ASSERT_EQ(call(verb::post, "/api/agents/ann/pause").result_int(), 200u);
  auto r = call(verb::post, "/api/tasks/" + task + "/transition", start, bearer(ann));
  EXPECT_EQ(r.result_int(), 422u) << r.body();
  ASSERT_EQ(call(verb::post, "/api/agents/ann/resume").result_int(), 200u);
  r = call(verb::post, "/api/tasks/" + task + "/transition", start, bearer(ann));
  EXPECT_EQ(r.result_int(), 200u) << r.body();
  // Acting as someone else is refused before anything moves.
  r = call(verb::post, "/api/tasks/" + task + "/transition",
           R"({"toStatus":"blocked","actor":"jordan","reason":"x"})", bearer(ann));
  EXPECT_EQ(r.result_int(), 403u);
  // An intern may not block its task (specialists may).
  r = call(verb::post, "/api/tasks/" + task + "/transition",
           R"({"toStatus":"blocked","actor":"ann","reason":"x"})", bearer(ann));
  EXPECT_EQ(r.result_int(), 403u) << r.body();
}

TEST_F(AgentRoutes, ListsFilterSortAndPage) {
  register_agent("a1", "intern");
  register_agent("a2", "lead");
  register_agent("a3", "lead");
  call(verb::patch, "/api/agents/a2", R"({"todaySpend":3})");
  call(verb::patch, "/api/agents/a3", R"({"todaySpend":1.5})");
  call(verb::post, "/api/agents/a1/quarantine");
  auto leads = json_of(call(verb::get, "/api/agents?role=lead&sortBy=todaySpend&order=desc"));
  ASSERT_EQ(leads.at("total").as_int64(), 2);
  EXPECT_EQ(leads.at("agents").at(0).at("id").as_string(), "a2");
  auto q = json_of(call(verb::get, "/api/agents?status=quarantined"));
  EXPECT_EQ(q.at("total").as_int64(), 1);
  auto page = json_of(call(verb::get, "/api/agents?sortBy=totalSpend&order=asc&limit=1&offset=1"));
  EXPECT_EQ(page.at("agents").as_array().size(), 1u);
  EXPECT_TRUE(page.at("hasMore").as_bool());
  EXPECT_EQ(call(verb::get, "/api/agents?sortBy=mood").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/agents?status=asleep").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/agents?order=up").result_int(), 400u);
}

TEST_F(AgentRoutes, DetailCarriesStatsAndTheCurrentTask) {
  register_agent("ann");
  const auto task = create_task(R"({"title":"Write","assigneeIds":["ann"]})");
  call(verb::post, "/api/tasks/" + task + "/transition",
       R"({"toStatus":"in_progress","workPlan":{"bullets":["a","b","c"]}})");
  auto d = json_of(call(verb::get, "/api/agents/ann"));
  EXPECT_EQ(d.at("stats").at("tasksInProgress").as_int64(), 1);
  EXPECT_EQ(d.at("currentTask").at("id").as_string(), task);
  EXPECT_TRUE(d.at("recentRuns").as_array().empty());
  EXPECT_EQ(call(verb::get, "/api/agents/ghost").result_int(), 404u);
}

TEST_F(AgentRoutes, EditsAreCheckedAndBadOnesChangeNothing) {
  register_agent("ann");
  auto r = call(verb::patch, "/api/agents/ann", R"({"budgets": {"dailyCap": 20}})");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(json_of(r).at("agent").at("budgets").at("dailyCap").as_int64(), 20);
  EXPECT_EQ(call(verb::patch, "/api/agents/ann", R"({"errorStreak":"many"})").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/agents/ann", R"({"totalSpend":0})").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/agents/ann", R"({"status":"asleep"})").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/agents/ann", "[1]").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/agents/ghost", "{}").result_int(), 404u);
  EXPECT_EQ(status_of("ann"), "active");
}

TEST_F(AgentRoutes, SquadControlsPauseAndResumeEveryAgentButTheQuarantined) {
  register_agent("a1");
  register_agent("a2");
  register_agent("a3");
  call(verb::post, "/api/agents/a3/quarantine");
  auto r = call(verb::post, "/api/emergency/pause-squad");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(json_of(r).at("paused").as_int64(), 2);
  EXPECT_EQ(status_of("a1"), "paused");
  EXPECT_EQ(status_of("a3"), "quarantined");
  r = call(verb::post, "/api/emergency/resume-squad");
  EXPECT_EQ(json_of(r).at("resumed").as_int64(), 2);
  EXPECT_EQ(status_of("a2"), "active");
  EXPECT_EQ(status_of("a3"), "quarantined");
}

} // namespace
} // namespace mc::http
