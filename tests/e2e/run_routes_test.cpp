// The runs, tool calls and costs routes through a real server: a run charges its agent and task
// in the same commit, tokens are priced, budgets warn, tool-call inputs are hashed and redacted,
// lists and cost reports, every error path, idempotent replays, and exact accounting under 1,000
// concurrent runs; on both stores.
#include "tests/e2e/api_server.hpp"

#include "http/policy/tokens.hpp"
#include "persistence/entity_rows.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mc::e2e {
namespace {

namespace json = boost::json;

class RunRoutes : public ::testing::TestWithParam<store_kind> {
 protected:
  api_server srv{GetParam(), generous_limits()};

  /// As the loopback operator unless `h` says otherwise.
  response call(verb v, const std::string& target, std::string body = {}, header_list h = {}) {
    return srv.call(v, target, std::move(body), std::move(h));
  }
  std::string register_agent(const std::string& id, const std::string& role = "specialist") {
    return srv.register_agent(id, role);
  }
  std::string create_task(const std::string& body) { return srv.create_task(body); }

  double number(const json::value& v) {
    return v.is_double() ? v.as_double() : v.to_number<double>();
  }

  json::value agent(const std::string& id) {
    return json_of(call(verb::get, "/api/agents/" + id)).at("agent");
  }
  json::value task(const std::string& id) {
    return json_of(call(verb::get, "/api/tasks/" + id)).at("task");
  }
  std::string new_task(std::string type = "content") {
    return create_task(R"({"title":"Write the launch post","type":")" + type + R"("})");
  }
  /// Every stored row of a table as text, to look for what must never be stored.
  std::string stored(persistence::table_id t) {
    std::string all;
    srv.store().transact(
        [&](persistence::store_txn& txn) {
          txn.scan(t, {}, [&](const persistence::row& r) {
            for (const auto& c : r.cells)
              all += c.s + "\n";
            return true;
          });
        },
        true);
    return all;
  }
};

TEST_P(RunRoutes, ARunChargesItsAgentAndTaskInTheSameCommit) {
  register_agent("jordan");
  auto t = new_task();
  auto r = call(verb::post, "/api/runs",
                R"({"agentId":"jordan","taskId":")" + t +
                    R"(","model":"gpt-4o","inputTokens":1000,"outputTokens":200,"costUsd":0.5})");
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  auto body = json_of(r);
  EXPECT_EQ(body.at("run").at("id").as_string().subview().substr(0, 4), "run_");
  EXPECT_EQ(number(body.at("run").at("costUsd")), 0.5);
  EXPECT_EQ(body.at("costSource").as_string(), "reported");
  EXPECT_EQ(body.at("budget").at("status").as_string(), "ok");
  EXPECT_EQ(number(body.at("task").at("actualCost")), 0.5);
  EXPECT_FALSE(body.as_object().contains("warning"));
  EXPECT_EQ(number(agent("jordan").at("todaySpend")), 0.5);
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 0.5);
  EXPECT_EQ(number(task(t).at("actualCost")), 0.5);
  // Durable: what a restart reads back.
  auto back = persistence::recover(srv.store());
  ASSERT_EQ(back.runs.size(), 1u);
  EXPECT_EQ(back.runs[0].cost_usd, 0.50_usd);
  for (const auto& a : back.agents)
    if (a.id == "jordan") {
      EXPECT_EQ(a.total_spend, 0.50_usd);
    }
  for (const auto& x : back.tasks)
    if (x.id == t) {
      EXPECT_EQ(x.actual_cost, 0.50_usd);
    }
  EXPECT_NE(stored(persistence::table_id::audit).find("run.record"), std::string::npos);
}

TEST_P(RunRoutes, TokensWithoutACostArePricedAndAnUnknownModelSaysSo) {
  auto token = register_agent("jordan");
  auto r = call(
      verb::post, "/api/runs",
      R"({"model":"claude-sonnet-4-20250514","inputTokens":100000,"outputTokens":10000,"cacheReadTokens":100000})",
      bearer(token));
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  auto body = json_of(r);
  EXPECT_EQ(body.at("costSource").as_string(), "computed");
  // 0.1 M × $3 + 0.01 M × $15 + 0.1 M × $0.30
  EXPECT_EQ(number(body.at("run").at("costUsd")), 0.48);
  EXPECT_EQ(body.at("run").at("agentId").as_string(), "jordan");

  auto unknown = json_of(call(verb::post, "/api/runs",
                              R"({"model":"mystery-9000","inputTokens":5000})", bearer(token)));
  EXPECT_EQ(unknown.at("costSource").as_string(), "unknown_model");
  EXPECT_EQ(number(unknown.at("run").at("costUsd")), 0.0);
  EXPECT_NE(unknown.at("note").as_string().find("mystery-9000"), std::string::npos);
}

TEST_P(RunRoutes, TheReplyWarnsNearACapAndSaysExceededPastIt) {
  register_agent("jordan"); // specialist: $0.75 per run, $5.00 a day
  auto near = json_of(
      call(verb::post, "/api/runs", R"({"agentId":"jordan","model":"gpt-4o","costUsd":0.7})"));
  EXPECT_EQ(near.at("budget").at("status").as_string(), "approaching_limit");
  EXPECT_EQ(near.at("warning").at("level").as_string(), "approaching_limit");
  EXPECT_EQ(near.at("budget").at("perRun").at("status").as_string(), "approaching_limit");
  auto past = json_of(
      call(verb::post, "/api/runs", R"({"agentId":"jordan","model":"gpt-4o","costUsd":0.9})"));
  EXPECT_EQ(past.at("budget").at("status").as_string(), "exceeded");
  EXPECT_NE(past.at("warning").at("message").as_string().find("per-run cap exceeded"),
            std::string::npos);
  // A task type budget: social is $2.
  auto t = new_task("social");
  call(verb::patch, "/api/agents/jordan", R"({"budgets":{"perRunCap":5,"dailyCap":50}})");
  auto task_over = json_of(
      call(verb::post, "/api/runs",
           R"({"agentId":"jordan","model":"gpt-4o","costUsd":2.5,"taskId":")" + t + R"("})"));
  EXPECT_EQ(task_over.at("budget").at("task").at("status").as_string(), "exceeded");
  EXPECT_EQ(task_over.at("budget").at("perRun").at("status").as_string(), "ok");
  EXPECT_EQ(task_over.at("budget").at("daily").at("cap").to_number<double>(), 50.0);
}

TEST_P(RunRoutes, APatchChargesTheDifference) {
  auto token = register_agent("jordan");
  auto t = new_task();
  auto posted =
      json_of(call(verb::post, "/api/runs",
                   R"({"model":"gpt-4o","costUsd":0.1,"taskId":")" + t + R"("})", bearer(token)));
  const std::string id(posted.at("run").at("id").as_string());
  auto r = call(verb::patch, "/api/runs/" + id,
                R"({"costUsd":0.35,"status":"COMPLETED","outputTokens":900})", bearer(token));
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto body = json_of(r);
  EXPECT_EQ(body.at("run").at("status").as_string(), "completed");
  EXPECT_FALSE(body.at("run").at("endedAt").is_null());
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 0.35);
  EXPECT_EQ(number(task(t).at("actualCost")), 0.35);
  // New tokens without a cost re-price the run.
  auto repriced = json_of(call(verb::patch, "/api/runs/" + id,
                               R"({"inputTokens":1000000,"outputTokens":0})", bearer(token)));
  EXPECT_EQ(number(repriced.at("run").at("costUsd")), 2.5);
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 2.5);
  EXPECT_EQ(number(task(t).at("actualCost")), 2.5);
  // A finished run does not run again.
  auto again = call(verb::patch, "/api/runs/" + id, R"({"status":"running"})", bearer(token));
  EXPECT_EQ(again.result_int(), 409u) << again.body();
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 2.5);
}

TEST_P(RunRoutes, RunErrors) {
  auto jordan = register_agent("jordan");
  auto riley = register_agent("riley");
  auto post = [&](std::string body, header_list h = {}) {
    return call(verb::post, "/api/runs", std::move(body), std::move(h));
  };
  EXPECT_EQ(post(R"({"agentId":"jordan","model":"gpt-4o","inputTokens":"many"})").result_int(),
            400u);
  EXPECT_EQ(post(R"({"agentId":"jordan","model":"gpt-4o","status":"exploded"})").result_int(),
            400u);
  EXPECT_EQ(post(R"({"agentId":"jordan","model":"gpt-4o","costUsd":-1})").result_int(), 400u);
  EXPECT_EQ(post(R"({"agentId":"jordan"})").result_int(), 400u); // no model
  EXPECT_EQ(post(R"({"agentId":"jordan","model":"m","color":"red"})").result_int(), 400u);
  EXPECT_EQ(post(R"({"model":"gpt-4o"})").result_int(), 400u); // operator names the agent
  EXPECT_EQ(post(R"({"agentId":"nobody","model":"gpt-4o"})").result_int(), 404u);
  EXPECT_EQ(post(R"({"agentId":"jordan","model":"gpt-4o","taskId":"tsk_nope"})").result_int(),
            404u);
  EXPECT_EQ(post(R"({"agentId":"riley","model":"gpt-4o"})", bearer(jordan)).result_int(), 403u);
  EXPECT_EQ(post("[1,2]").result_int(), 400u);

  auto mine = json_of(post(R"({"model":"gpt-4o","costUsd":0.1})", bearer(jordan)));
  const std::string id(mine.at("run").at("id").as_string());
  EXPECT_EQ(call(verb::patch, "/api/runs/run_nope", R"({"status":"failed"})").result_int(), 404u);
  EXPECT_EQ(
      call(verb::patch, "/api/runs/" + id, R"({"status":"failed"})", bearer(riley)).result_int(),
      403u);
  EXPECT_EQ(call(verb::patch, "/api/runs/" + id, R"({"status":"done"})").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/runs/" + id, R"({"agentId":"riley"})").result_int(), 400u);
  EXPECT_EQ(call(verb::patch, "/api/runs/" + id, R"({"costUsd":null})").result_int(), 400u);
  // Nothing above was charged.
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 0.1);
  EXPECT_EQ(number(agent("riley").at("totalSpend")), 0.0);
}

TEST_P(RunRoutes, ARetriedRunIsCountedOnce) {
  auto token = register_agent("jordan");
  auto t = new_task();
  const std::string body =
      R"({"model":"gpt-4o","costUsd":0.25,"taskId":")" + t + R"(","idempotencyKey":"run-1"})";
  auto first = call(verb::post, "/api/runs", body, bearer(token));
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  auto retry = call(verb::post, "/api/runs", body, bearer(token));
  EXPECT_EQ(retry.result_int(), 201u);
  EXPECT_EQ(retry.body(), first.body());
  EXPECT_EQ(retry["Idempotent-Replayed"], "true");
  // The header form too, and a different request under a used key is a conflict.
  auto other = call(verb::post, "/api/runs", R"({"model":"gpt-4o","costUsd":9})",
                    {{"Authorization", "Bearer " + token}, {"X-Idempotency-Key", "run-1"}});
  EXPECT_EQ(other.result_int(), 409u);
  EXPECT_EQ(number(agent("jordan").at("totalSpend")), 0.25);
  EXPECT_EQ(number(task(t).at("actualCost")), 0.25);
  EXPECT_EQ(json_of(call(verb::get, "/api/runs?agentId=jordan")).at("total").as_int64(), 1);
}

TEST_P(RunRoutes, ListsFilterSortAndPage) {
  register_agent("jordan");
  register_agent("riley");
  auto t = new_task();
  const double costs[] = {0.3, 0.1, 0.5, 0.2};
  for (int i = 0; i < 4; ++i)
    call(verb::post, "/api/runs",
         std::string(R"({"agentId":")") + (i % 2 ? "riley" : "jordan") +
             R"(","model":"gpt-4o","startedAt":)" + std::to_string(1'700'000'000'000 + i) +
             R"(,"costUsd":)" + std::to_string(costs[i]) +
             (i == 2 ? R"(,"taskId":")" + t + "\"" : "") + "}");
  auto all = json_of(call(verb::get, "/api/runs?sortBy=cost&order=desc&limit=3"));
  EXPECT_EQ(all.at("total").as_int64(), 4);
  EXPECT_TRUE(all.at("hasMore").as_bool());
  ASSERT_EQ(all.at("runs").as_array().size(), 3u);
  EXPECT_EQ(number(all.at("runs").at(0).at("costUsd")), 0.5);
  EXPECT_EQ(number(all.at("runs").at(2).at("costUsd")), 0.2);
  auto jordan = json_of(call(verb::get, "/api/runs?agentId=jordan&sortBy=startedAt&order=asc"));
  ASSERT_EQ(jordan.at("total").as_int64(), 2);
  EXPECT_EQ(number(jordan.at("runs").at(0).at("costUsd")), 0.3);
  EXPECT_FALSE(jordan.at("hasMore").as_bool());
  EXPECT_EQ(json_of(call(verb::get, "/api/runs?taskId=" + t)).at("total").as_int64(), 1);
  EXPECT_EQ(json_of(call(verb::get, "/api/runs?offset=3")).at("runs").as_array().size(), 1u);
  EXPECT_EQ(call(verb::get, "/api/runs?sortBy=tokens").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/runs?order=up").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/runs?limit=ten").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/runs?limit=500").result_int(), 400u);
}

TEST_P(RunRoutes, CostReportsPerAgentAndPerDay) {
  register_agent("jordan");
  register_agent("riley");
  auto t = new_task("engineering");
  call(verb::post, "/api/runs",
       R"({"agentId":"jordan","model":"gpt-4o","costUsd":0.4,"taskId":")" + t + R"("})");
  call(verb::post, "/api/runs", R"({"agentId":"jordan","model":"claude-sonnet-4","costUsd":0.2})");
  call(verb::post, "/api/runs", R"({"agentId":"riley","model":"gpt-4o","costUsd":0.1})");
  auto r = call(verb::get, "/api/costs/agent/jordan");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  auto c = json_of(r);
  EXPECT_NEAR(number(c.at("today")), 0.6, 1e-9);
  EXPECT_NEAR(number(c.at("week")), 0.6, 1e-9);
  EXPECT_NEAR(number(c.at("month")), 0.6, 1e-9);
  EXPECT_EQ(c.at("runs").as_int64(), 2);
  EXPECT_NEAR(number(c.at("averagePerRun")), 0.3, 1e-9);
  EXPECT_EQ(number(c.at("byModel").at("gpt-4o").at("cost")), 0.4);
  EXPECT_EQ(number(c.at("byTaskType").at("engineering").at("cost")), 0.4);
  EXPECT_EQ(number(c.at("byTaskType").at("none").at("cost")), 0.2);
  EXPECT_NEAR(number(c.at("todaySpend")), 0.6, 1e-9);
  EXPECT_EQ(call(verb::get, "/api/costs/agent/nobody").result_int(), 404u);

  auto d = json_of(call(verb::get, "/api/costs/daily"));
  EXPECT_NEAR(number(d.at("total")), 0.7, 1e-9);
  EXPECT_EQ(d.at("runs").as_int64(), 3);
  EXPECT_EQ(number(d.at("byAgent").at("riley").at("cost")), 0.1);
  EXPECT_EQ(number(d.at("byTaskType").at("engineering").at("cost")), 0.4);
  auto other = json_of(call(verb::get, "/api/costs/daily?date=2020-01-01"));
  EXPECT_EQ(other.at("date").as_string(), "2020-01-01");
  EXPECT_EQ(number(other.at("total")), 0.0);
  auto instant = call(verb::get, "/api/costs/daily?date=2020-01-01T12:00:00Z");
  EXPECT_EQ(json_of(instant).at("date").as_string(), "2020-01-01");
  EXPECT_EQ(call(verb::get, "/api/costs/daily?date=yesterday").result_int(), 400u);
  EXPECT_EQ(call(verb::get, "/api/costs/daily?date=2020-02-30").result_int(), 400u);
}

TEST_P(RunRoutes, ToolCallInputsAreHashedRedactedAndJudged) {
  auto token = register_agent("jordan");
  const std::string secret = "sk-ant-api03-SECRETSECRETSECRETSECRET";
  const std::string command = "curl -H 'Authorization: Bearer " + secret + "' https://api.x.io";
  json::object input{{"command", command}};
  const std::string body = json::serialize(json::object{{"toolName", "exec"}, {"input", input}});
  auto r = call(verb::post, "/api/tool-calls", body, bearer(token));
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  auto call_json = json_of(r).at("toolCall");
  EXPECT_EQ(call_json.at("id").as_string().subview().substr(0, 3), "tc_");
  EXPECT_EQ(call_json.at("inputHash").as_string(), http::hash_token(json::serialize(input)));
  EXPECT_EQ(r.body().find(secret), std::string::npos) << r.body();
  EXPECT_NE(call_json.at("inputPreview").as_string().find("[REDACTED]"), std::string::npos);
  EXPECT_EQ(call_json.at("riskLevel").as_string(), "red");
  EXPECT_EQ(call_json.at("policyDecision").as_string(), "needs_approval");
  EXPECT_EQ(json_of(r).at("decision").as_string(), "needs_approval");
  // Never stored: not in the tool call, not in the audit trail.
  EXPECT_EQ(stored(persistence::table_id::tool_calls).find(secret), std::string::npos);
  EXPECT_EQ(stored(persistence::table_id::audit).find(secret), std::string::npos);
  EXPECT_NE(stored(persistence::table_id::audit).find("tool_call.record"), std::string::npos);

  // A long input keeps a 500-byte preview; the hash is of all of it.
  const std::string long_input(5000, 'x');
  auto big = json_of(call(
      verb::post, "/api/tool-calls",
      json::serialize(json::object{{"toolName", "read"}, {"input", long_input}}), bearer(token)));
  EXPECT_EQ(big.at("toolCall").at("inputPreview").as_string().size(), 500u);
  EXPECT_EQ(big.at("toolCall").at("inputHash").as_string(), http::hash_token(long_input));
  EXPECT_EQ(big.at("toolCall").at("riskLevel").as_string(), "green");
  EXPECT_EQ(big.at("decision").as_string(), "allow");

  // The block list denies, and a denied call is recorded as denied.
  auto denied = json_of(call(
      verb::post, "/api/tool-calls",
      R"({"toolName":"exec","input":{"command":"rm -rf /"},"status":"running"})", bearer(token)));
  EXPECT_EQ(denied.at("toolCall").at("status").as_string(), "denied");
  EXPECT_EQ(denied.at("decision").as_string(), "deny");
  const std::string denied_id(denied.at("toolCall").at("id").as_string());
  EXPECT_EQ(
      call(verb::patch, "/api/tool-calls/" + denied_id, R"({"status":"success"})", bearer(token))
          .result_int(),
      409u);
}

TEST_P(RunRoutes, ToolCallChangesAndErrors) {
  auto jordan = register_agent("jordan");
  auto riley = register_agent("riley");
  auto posted =
      json_of(call(verb::post, "/api/tool-calls",
                   R"({"toolName":"git_commit","input":{"message":"fix"}})", bearer(jordan)));
  EXPECT_EQ(posted.at("toolCall").at("riskLevel").as_string(), "yellow");
  EXPECT_EQ(posted.at("toolCall").at("status").as_string(), "pending");
  const std::string id(posted.at("toolCall").at("id").as_string());
  auto done =
      call(verb::patch, "/api/tool-calls/" + id,
           R"({"status":"FAILED","error":"push rejected: password=hunter2hunter2","retryCount":1})",
           bearer(jordan));
  ASSERT_EQ(done.result_int(), 200u) << done.body();
  EXPECT_EQ(json_of(done).at("toolCall").at("status").as_string(), "failed");
  EXPECT_EQ(done.body().find("hunter2"), std::string::npos);
  EXPECT_EQ(json_of(done).at("toolCall").at("retryCount").as_int64(), 1);
  EXPECT_EQ(call(verb::patch, "/api/tool-calls/" + id, R"({"status":"success"})", bearer(jordan))
                .result_int(),
            409u);
  EXPECT_EQ(
      call(verb::patch, "/api/tool-calls/" + id, R"({"error":"x"})", bearer(riley)).result_int(),
      403u);
  EXPECT_EQ(call(verb::patch, "/api/tool-calls/tc_nope", R"({"error":"x"})").result_int(), 404u);
  EXPECT_EQ(call(verb::patch, "/api/tool-calls/" + id, R"({"status":"maybe"})").result_int(), 400u);
  EXPECT_EQ(call(verb::post, "/api/tool-calls", R"({"agentId":"jordan"})").result_int(), 400u);
  EXPECT_EQ(
      call(verb::post, "/api/tool-calls", R"({"agentId":"jordan","toolName":7})").result_int(),
      400u);
  EXPECT_EQ(call(verb::post, "/api/tool-calls", R"({"agentId":"riley","toolName":"read"})",
                 bearer(jordan))
                .result_int(),
            403u);
  EXPECT_EQ(
      call(verb::post, "/api/tool-calls", R"({"agentId":"nobody","toolName":"read"})").result_int(),
      404u);
  // Replays answer the same; a different body under the key is a conflict.
  const std::string body = R"({"toolName":"read","idempotencyKey":"tc-1"})";
  auto first = call(verb::post, "/api/tool-calls", body, bearer(jordan));
  auto again = call(verb::post, "/api/tool-calls", body, bearer(jordan));
  EXPECT_EQ(first.body(), again.body());
  EXPECT_EQ(call(verb::post, "/api/tool-calls", R"({"toolName":"grep","idempotencyKey":"tc-1"})",
                 bearer(jordan))
                .result_int(),
            409u);
}

TEST_P(RunRoutes, AThousandConcurrentRunsAddUpExactly) {
  auto token = register_agent("jordan");
  call(verb::patch, "/api/agents/jordan", R"({"budgets":{"dailyCap":100000,"perRunCap":1000}})");
  auto t = new_task();
  constexpr int runs = 1000, threads = 8;
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w)
    pool.emplace_back([&] {
      for (int i = next++; i < runs; i = next++) {
        // Costs of 1..1000 micro-dollars plus $0.01: sums that floating point would blur.
        const auto micros = 10'000 + i + 1;
        auto r = call(verb::post, "/api/runs",
                      R"({"model":"gpt-4o","taskId":")" + t + R"(","costUsd":)" +
                          std::to_string(micros / 1e6) + "}",
                      bearer(token));
        if (r.result_int() != 201u)
          ++failures;
      }
    });
  for (auto& th : pool)
    th.join();
  ASSERT_EQ(failures.load(), 0);
  const std::int64_t expected = runs * 10'000LL + runs * (runs + 1LL) / 2;
  auto back = persistence::recover(srv.store());
  EXPECT_EQ(back.runs.size(), static_cast<std::size_t>(runs));
  for (const auto& a : back.agents)
    if (a.id == "jordan") {
      EXPECT_EQ(a.total_spend.micros, expected);
      EXPECT_EQ(a.today_spend.micros, expected);
    }
  for (const auto& x : back.tasks)
    if (x.id == t) {
      EXPECT_EQ(x.actual_cost.micros, expected);
    }
  EXPECT_EQ(usd::from_dollars(number(agent("jordan").at("totalSpend"))).micros, expected);
  EXPECT_EQ(usd::from_dollars(number(task(t).at("actualCost"))).micros, expected);
  EXPECT_EQ(json_of(call(verb::get, "/api/runs?agentId=jordan&limit=1")).at("total").as_int64(),
            runs);
}

INSTANTIATE_TEST_SUITE_P(Stores, RunRoutes, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
