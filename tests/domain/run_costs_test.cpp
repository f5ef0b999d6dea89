// The model price table, tool-input redaction, a run's budget check and the cost reports.
#include "domain/date_range.hpp"
#include "domain/model_prices.hpp"
#include "domain/redaction.hpp"
#include "domain/run_costs.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace mc {
namespace {

run tokens_run(std::string model, std::int64_t in, std::int64_t out, std::int64_t cr = 0,
               std::int64_t cw = 0) {
  run r;
  r.model = std::move(model);
  r.input_tokens = in;
  r.output_tokens = out;
  r.cache_read_tokens = cr;
  r.cache_write_tokens = cw;
  return r;
}

// ---- prices -------------------------------------------------------------------------------------

TEST(PriceTable, ComputesTheCostOfTokensExactly) {
  const auto table = default_price_table();
  // claude-sonnet-4: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million.
  auto r = tokens_run("claude-sonnet-4", 1'000'000, 100'000, 2'000'000, 10'000);
  auto priced = price_run(r, false, table);
  EXPECT_EQ(priced.source, cost_source::computed);
  EXPECT_EQ(priced.cost, 3.00_usd + 1.50_usd + 0.60_usd + 0.0375_usd);
}

TEST(PriceTable, RoundsOnceToTheNearestMicroDollar) {
  price_table t;
  t.set("m", {1.00_usd, 0.00_usd, 0.00_usd, 0.00_usd}); // a micro-dollar per token
  EXPECT_EQ(token_cost(tokens_run("m", 7, 0), *t.find("m")), usd{7});
  t.set("m", {0.50_usd, 0.00_usd, 0.00_usd, 0.00_usd}); // half a micro-dollar per token
  EXPECT_EQ(token_cost(tokens_run("m", 3, 0), *t.find("m")), usd{2}); // 1.5 → 2
  EXPECT_EQ(token_cost(tokens_run("m", 2, 0), *t.find("m")), usd{1});
}

TEST(PriceTable, AReportedCostWins) {
  auto r = tokens_run("claude-sonnet-4", 1'000'000, 0);
  r.cost_usd = 0.42_usd;
  auto priced = price_run(r, true, default_price_table());
  EXPECT_EQ(priced.source, cost_source::reported);
  EXPECT_EQ(priced.cost, 0.42_usd);
}

TEST(PriceTable, AnUnknownModelWithoutACostIsZeroAndSaysSo) {
  auto priced = price_run(tokens_run("mystery-9000", 5'000, 5'000), false, default_price_table());
  EXPECT_EQ(priced.source, cost_source::unknown_model);
  EXPECT_EQ(priced.cost, usd{});
  EXPECT_STREQ(to_string(priced.source), "unknown_model");
}

TEST(PriceTable, FindsVersionedAndProviderPrefixedNames) {
  const auto t = default_price_table();
  ASSERT_NE(t.find("claude-sonnet-4-20250514"), nullptr);
  EXPECT_EQ(t.find("claude-sonnet-4-20250514")->output, 15.00_usd);
  ASSERT_NE(t.find("anthropic/Claude-Sonnet-4"), nullptr);
  // The longest listed name wins: gpt-4o-mini is not priced as gpt-4o.
  EXPECT_EQ(t.find("gpt-4o-mini-2024-07-18")->input, 0.15_usd);
  EXPECT_EQ(t.find("gpt-4o-2024-08-06")->input, 2.50_usd);
  EXPECT_EQ(t.find("llama-3"), nullptr);
}

TEST(PriceTable, AConfiguredTableAddsAndReplacesModels) {
  auto t = parse_price_table(
      R"({"models":{"local-llm":{"input":0.1,"output":0.2},"gpt-4o":{"input":1,"output":2,"cacheRead":0.5,"cacheWrite":1}}})");
  ASSERT_NE(t.find("local-llm"), nullptr);
  EXPECT_EQ(t.find("local-llm")->output, 0.20_usd);
  EXPECT_EQ(t.find("local-llm")->cache_read, usd{});
  EXPECT_EQ(t.find("gpt-4o")->input, 1.00_usd);
  EXPECT_NE(t.find("claude-sonnet-4"), nullptr); // defaults stay
  // Without the wrapper too.
  EXPECT_NE(parse_price_table(R"({"x":{"input":1}})").find("x"), nullptr);
}

TEST(PriceTable, ABadConfiguredTableIsRefusedByName) {
  EXPECT_THROW(parse_price_table("not json"), std::invalid_argument);
  EXPECT_THROW(parse_price_table("[1]"), std::invalid_argument);
  EXPECT_THROW(parse_price_table(R"({"m":{"input":"3"}})"), std::invalid_argument);
  EXPECT_THROW(parse_price_table(R"({"m":{"input":-1}})"), std::invalid_argument);
  try {
    parse_price_table(R"({"m":{"inptu":1}})");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("inptu"), std::string::npos);
  }
}

// ---- redaction ----------------------------------------------------------------------------------

TEST(Redaction, HidesBearerTokensAndAuthorizationHeaders) {
  auto out = redact_secrets("curl -H 'Authorization: Bearer abcdefghijklmnop123' https://x.io");
  EXPECT_EQ(out.find("abcdefghijklmnop123"), std::string::npos) << out;
  EXPECT_NE(out.find("Bearer [REDACTED]"), std::string::npos) << out;
}

TEST(Redaction, HidesValuesOfSecretNamedKeys) {
  for (const char* in : {"password=hunter2hunter2", "DB_PASSWORD=hunter2hunter2",
                         R"({"apiKey": "hunter2hunter2"})", "client_secret: hunter2hunter2",
                         "mysql --password hunter2hunter2", "export GITHUB_TOKEN=hunter2hunter2",
                         "api_key='hunter2hunter2'", R"({"auth":"hunter2hunter2"})"}) {
    auto out = redact_secrets(in);
    EXPECT_EQ(out.find("hunter2"), std::string::npos) << in << " → " << out;
    EXPECT_NE(out.find("[REDACTED]"), std::string::npos) << in;
  }
}

TEST(Redaction, HidesWellKnownTokenShapes) {
  for (const char* in :
       {"key is sk-ant-api03-abcdefghijklmnopqrstuvwx", "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAIOSFODNN7EXAMPLE", "xoxb-123456789012-abcdefghijkl",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln"}) {
    auto out = redact_secrets(in);
    EXPECT_NE(out.find("[REDACTED]"), std::string::npos) << in << " → " << out;
  }
  EXPECT_EQ(redact_secrets("AKIAIOSFODNN7EXAMPLE").find("IOSFODNN7"), std::string::npos);
}

TEST(Redaction, HidesPrivateKeysAndUrlPasswords) {
  auto key = redact_secrets("x -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE "
                            "KEY----- y");
  EXPECT_EQ(key, "x [REDACTED PRIVATE KEY] y");
  auto url = redact_secrets("git clone https://bob:s3cretpw@github.com/x/y");
  EXPECT_EQ(url, "git clone https://bob:[REDACTED]@github.com/x/y");
}

TEST(Redaction, LeavesOrdinaryInputAlone) {
  for (const char* in : {"git status", R"({"path":"docs/readme.md","maxTokens":100})",
                         "ls -la output/", "compass=north", "author: jordan", "tokens: 42"}) {
    EXPECT_EQ(redact_secrets(in), in);
  }
  EXPECT_EQ(redact_secrets(R"({"password": null})"), R"({"password": null})");
}

TEST(Redaction, PreviewIsAtMost500BytesAndCutsCleanly) {
  std::string long_text(2000, 'a');
  EXPECT_EQ(preview_of(long_text).size(), 500u);
  std::string utf8(499, 'a');
  utf8 += "é"; // two bytes: 499 + 2 > 500
  EXPECT_EQ(preview_of(utf8), std::string(499, 'a'));
  std::string marker(495, 'a');
  marker += "[REDACTED] tail";
  EXPECT_EQ(preview_of(marker), std::string(495, 'a'));
  EXPECT_EQ(preview_of("short"), "short");
}

// ---- budgets ------------------------------------------------------------------------------------

agent specialist() {
  agent a;
  a.id = "jordan";
  a.role = agent_role::specialist; // $5 daily, $0.75 per run by default
  return a;
}

TEST(RunBudget, OkBelowEightyPercent) {
  auto b = check_run_budget(specialist(), default_policy(), 0.10_usd, 1.00_usd, std::nullopt, {});
  EXPECT_EQ(b.level, spend_level::ok);
  EXPECT_TRUE(b.warning.empty());
  EXPECT_FALSE(b.task);
  EXPECT_EQ(b.daily.remaining, 4.00_usd);
}

TEST(RunBudget, ApproachingAtEightyPercentOfTheDailyCap) {
  auto b = check_run_budget(specialist(), default_policy(), 0.10_usd, 4.00_usd, std::nullopt, {});
  EXPECT_EQ(b.level, spend_level::approaching_limit);
  EXPECT_NE(b.warning.find("daily budget at 80%"), std::string::npos) << b.warning;
}

TEST(RunBudget, ExceededPastAnyCap) {
  auto per_run =
      check_run_budget(specialist(), default_policy(), 0.80_usd, 1.00_usd, std::nullopt, {});
  EXPECT_EQ(per_run.level, spend_level::exceeded);
  EXPECT_EQ(per_run.per_run.level, spend_level::exceeded);
  auto task = check_run_budget(specialist(), default_policy(), 0.10_usd, 1.00_usd,
                               task_type::social, 2.01_usd);
  EXPECT_EQ(task.level, spend_level::exceeded);
  EXPECT_NE(task.warning.find("social task budget exceeded"), std::string::npos) << task.warning;
}

TEST(RunBudget, AgentBudgetsOverrideTheRolePolicy) {
  auto a = specialist();
  a.budgets.daily_cap = 20.00_usd;
  a.budgets.per_run_cap = 2.00_usd;
  auto b = check_run_budget(a, default_policy(), 1.00_usd, 6.00_usd, std::nullopt, {});
  EXPECT_EQ(b.level, spend_level::ok);
  EXPECT_EQ(b.daily.cap, 20.00_usd);
  EXPECT_EQ(b.per_run.cap, 2.00_usd);
  auto j = to_json(b);
  EXPECT_EQ(j.at("status").as_string(), "ok");
  EXPECT_EQ(j.at("daily").at("cap").as_double(), 20.0);
}

// ---- reports ------------------------------------------------------------------------------------

struct reports : ::testing::Test {
  local_zone zone = *local_zone::find("America/Los_Angeles").zone;
  // 2024-03-13 (a Wednesday) 12:00 in Los Angeles (PDT, UTC-7).
  epoch_ms now = zone.instant_of({2024, 3, 13}, {12, 0, 0});
  std::vector<run> store;

  void add(std::string agent, std::optional<std::string> task, std::string model, epoch_ms at,
           usd cost) {
    run r;
    r.id = "run_" + std::to_string(store.size());
    r.agent_id = std::move(agent);
    r.task_id = std::move(task);
    r.model = std::move(model);
    r.started_at = at;
    r.cost_usd = cost;
    r.input_tokens = 10;
    store.push_back(r);
  }
  std::vector<const run*> all() const {
    std::vector<const run*> out;
    for (const auto& r : store)
      out.push_back(&r);
    return out;
  }
  task_type_of types = [](const std::string& id) -> std::optional<task_type> {
    if (id == "tsk_a")
      return task_type::content;
    return std::nullopt;
  };
};

TEST_F(reports, AgentReportSplitsDayWeekMonthModelAndType) {
  const epoch_ms hour = 3'600'000;
  add("jordan", "tsk_a", "gpt-4o", now - hour, 0.50_usd);                    // today
  add("jordan", std::nullopt, "claude-sonnet-4", now - 24 * hour, 0.25_usd); // Tuesday: this week
  add("jordan", "tsk_a", "gpt-4o", now - 10 * 24 * hour, 1.00_usd);          // March 3: this month
  add("jordan", "tsk_zz", "gpt-4o", now - 20 * 24 * hour, 2.00_usd);         // February
  auto a = specialist();
  auto r = agent_cost_report(a, all(), types, zone, now);
  EXPECT_EQ(r.at("today").as_double(), 0.5);
  EXPECT_EQ(r.at("week").as_double(), 0.75);
  EXPECT_EQ(r.at("month").as_double(), 1.75);
  EXPECT_EQ(r.at("total").as_double(), 3.75);
  EXPECT_EQ(r.at("runs").as_int64(), 4);
  EXPECT_EQ(r.at("averagePerRun").as_double(), 0.9375);
  EXPECT_EQ(r.at("byModel").at("gpt-4o").at("cost").as_double(), 3.5);
  EXPECT_EQ(r.at("byModel").at("gpt-4o").at("runs").as_int64(), 3);
  EXPECT_EQ(r.at("byTaskType").at("content").at("cost").as_double(), 1.5);
  EXPECT_EQ(r.at("byTaskType").at("none").at("cost").as_double(), 0.25);
  EXPECT_EQ(r.at("byTaskType").at("unknown").at("cost").as_double(), 2.0);
}

TEST_F(reports, AgentReportWithoutRunsHasZeroAverage) {
  auto r = agent_cost_report(specialist(), {}, types, zone, now);
  EXPECT_EQ(r.at("runs").as_int64(), 0);
  EXPECT_EQ(r.at("averagePerRun").as_double(), 0.0);
}

TEST_F(reports, DailyReportCountsTheLocalDayOnly) {
  const auto midnight = zone.start_of_day({2024, 3, 13});
  add("jordan", "tsk_a", "gpt-4o", midnight, 0.10_usd);         // first instant: in
  add("riley", std::nullopt, "gpt-4o", midnight - 1, 0.20_usd); // last instant of the 12th: out
  add("riley", "tsk_a", "gpt-4o", now, 0.30_usd);
  add("riley", "tsk_a", "gpt-4o", zone.start_of_day({2024, 3, 14}), 0.40_usd); // out
  auto r = daily_cost_report({2024, 3, 13}, all(), types, zone);
  EXPECT_EQ(r.at("date").as_string(), "2024-03-13");
  EXPECT_EQ(r.at("total").as_double(), 0.4);
  EXPECT_EQ(r.at("runs").as_int64(), 2);
  EXPECT_EQ(r.at("byAgent").at("riley").at("cost").as_double(), 0.3);
  EXPECT_EQ(r.at("byTaskType").at("content").at("runs").as_int64(), 2);
  EXPECT_FALSE(r.at("byAgent").as_object().contains("nobody"));
}

} // namespace
} // namespace mc

namespace mc {
namespace {

TEST(DateParam, TakesADayOrAnInstantInTheZone) {
  const auto zone = *local_zone::find("America/Los_Angeles").zone;
  EXPECT_EQ(parse_date_param("2024-03-13", zone), (civil_date{2024, 3, 13}));
  // 03:00 UTC on the 14th is still the 13th in Los Angeles.
  EXPECT_EQ(parse_date_param("2024-03-14T03:00:00Z", zone), (civil_date{2024, 3, 13}));
  EXPECT_EQ(parse_date_param("2024-03-14T03:00:00.250+00:00", zone), (civil_date{2024, 3, 13}));
  EXPECT_EQ(parse_date_param("2024-03-13T20:00-07:00", zone), (civil_date{2024, 3, 13}));
  EXPECT_EQ(parse_iso_instant("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_iso_instant("2024-02-01T00:00:00Z"), 1706745600000);
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-03-13T25:00Z", "2024-03-13T10:00",
                          "2024-03-13T10:00:00+7"})
    EXPECT_FALSE(parse_date_param(bad, zone)) << bad;
}

} // namespace
} // namespace mc
