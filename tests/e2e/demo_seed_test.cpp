// `serve --seed-demo`: the demo squad gives every runbook command something to act on: agents of
// every role, tasks in every status, runs on several models with their spend, a pending
// approval and open alerts.
#include "app/demo_seed.hpp"
#include "tests/e2e/api_server.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mc::e2e {
namespace {

class DemoSeed : public ::testing::TestWithParam<store_kind> {
 protected:
  api_server srv{GetParam()};
  header_list op = bearer(operator_token);

  boost::json::value get(const std::string& target) {
    auto r = srv.call(verb::get, target, {}, op);
    EXPECT_EQ(r.result_int(), 200u) << target << ": " << r.body();
    return json_of(r);
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, DemoSeed, ::testing::ValuesIn(all_stores), store_name);

TEST_P(DemoSeed, GivesEveryRunbookCommandSomethingToShow) {
  const auto said = app::seed_demo(srv.system(), *srv.api());
  EXPECT_NE(said.find("4 agents registered, 8 tasks created"), std::string::npos) << said;

  std::set<std::string> roles;
  const auto agents = get("/api/agents");
  for (const auto& a : agents.at("agents").as_array())
    roles.emplace(a.at("role").as_string());
  EXPECT_EQ(roles, (std::set<std::string>{"lead", "specialist", "intern"}));

  std::set<std::string> statuses;
  const auto tasks = get("/api/tasks?limit=100");
  for (const auto& t : tasks.at("tasks").as_array())
    statuses.emplace(t.at("status").as_string());
  for (const char* s : {"inbox", "assigned", "in_progress", "blocked", "needs_approval", "review",
                        "done", "canceled"})
    EXPECT_TRUE(statuses.contains(s)) << s;

  // Runs on several models; their spend reached the agents.
  const auto runs = get("/api/runs?limit=50");
  EXPECT_EQ(runs.at("total").as_int64(), 7);
  std::set<std::string> models;
  for (const auto& r : runs.at("runs").as_array())
    models.emplace(r.at("model").as_string());
  EXPECT_GE(models.size(), 3u);
  const auto riley = get("/api/costs/agent/riley");
  EXPECT_EQ(riley.at("runs").as_int64(), 3);
  EXPECT_GT(riley.at("today").to_number<double>(), 0.0);
  EXPECT_GT(get("/api/costs/daily").at("total").to_number<double>(), 0.0);

  // The task in needs_approval has its pending approval; alerts are open.
  EXPECT_GE(get("/api/approvals?status=pending").at("total").as_int64(), 1);
  const auto alerts = get("/api/alerts?resolved=false");
  EXPECT_EQ(alerts.at("alerts").as_array().size(), 2u) << alerts;
}

} // namespace
} // namespace mc::e2e
