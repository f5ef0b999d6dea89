// The audit trail end to end on both stores: GET /api/audit/export (ranges, errors, 200,000
// records streamed complete, in order and as valid JSON with the server holding a bounded number
// of them), GET /api/stats/overview, and every mutating route writing its audit record with its
// change (none for a refused request).
#include "http/routes/audit_services.hpp"
#include "http/routes/route_support.hpp"
#include "persistence/audit_chain.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/verify_db.hpp"
#include "tests/e2e/api_server.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mc::e2e {
namespace {

namespace json = boost::json;
using persistence::table_id;

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

audit_record record(int n, std::int64_t at) {
  audit_record a;
  a.id = "act_bulk" + std::to_string(n);
  a.actor_type = "system";
  a.actor_id = "system";
  a.action = "bulk.test";
  a.at = at;
  a.reason = "bulk record " + std::to_string(n);
  return a;
}

/// Writes `n` audit records straight through the store (chained as the server's own are), in
/// group commits of 1,000 rows, `at` advancing by `step` from `from`.
void seed_audit(persistence::store& s, int n, std::int64_t from, std::int64_t step) {
  std::vector<persistence::write_batch> batches;
  for (int i = 0; i < n;) {
    persistence::write_batch b;
    for (int k = 0; k < 1000 && i < n; ++k, ++i)
      b.rows.push_back(persistence::to_row(record(i, from + i * step)));
    const persistence::write_batch* one = &b;
    s.commit({&one, 1});
  }
}

std::int64_t audit_count(const api_server& srv) {
  std::int64_t n = 0;
  srv.store().transact([&](persistence::store_txn& txn) { n = txn.count(table_id::audit); }, true);
  return n;
}

std::vector<audit_record> audit_since(const api_server& srv, std::int64_t count_before) {
  std::vector<audit_record> out;
  std::int64_t i = 0;
  srv.store().transact(
      [&](persistence::store_txn& txn) {
        txn.scan(table_id::audit, {}, [&](const persistence::row& r) {
          if (i++ >= count_before)
            out.push_back(persistence::from_row<audit_record>(r));
          return true;
        });
      },
      true);
  return out;
}

class Audit : public ::testing::TestWithParam<store_kind> {
 protected:
  api_server srv{GetParam()};
  header_list op = bearer(operator_token);

  json::array export_of(std::string_view query) {
    auto r = srv.call(verb::get, "/api/audit/export" + std::string(query), {}, op);
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    EXPECT_EQ(r[bhttp::field::transfer_encoding], "chunked");
    auto v = json_of(r);
    EXPECT_TRUE(v.is_array()) << r.body().substr(0, 200);
    return v.is_array() ? v.as_array() : json::array{};
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, Audit, ::testing::ValuesIn(all_stores), store_name);

// ---- export ---------------------------------------------------------------------------------

TEST_P(Audit, ExportStreams200kRecordsCompleteInOrderWithBoundedMemory) {
  constexpr int n = 200'000;
  const auto& svc = *srv.api()->audit;
  seed_audit(srv.store(), n, start_ms - 10 * day, 1);
  const auto before = audit_count(srv);
  ASSERT_GE(before, n);

  const auto records = export_of("");
  ASSERT_EQ(static_cast<std::int64_t>(records.size()), before);
  std::int64_t last_seq = 0;
  int bulk = 0;
  for (const auto& v : records) {
    const auto& o = v.as_object();
    const auto seq = o.at("seq").as_int64();
    ASSERT_GT(seq, last_seq);
    last_seq = seq;
    ASSERT_TRUE(o.at("hash").is_string());
    if (o.at("action").as_string() == "bulk.test") {
      ASSERT_EQ(o.at("id").as_string(), "act_bulk" + std::to_string(bulk));
      ++bulk;
    }
  }
  EXPECT_EQ(bulk, n);
  // The server never held more than the page being read and the pages read ahead.
  const auto bound = (svc.export_pages_ahead + 1) * svc.export_page_rows;
  EXPECT_GT(svc.export_peak_records.load(), 0u);
  EXPECT_LE(svc.export_peak_records.load(), bound);
  EXPECT_EQ(svc.export_buffered_records.load(), 0u);
  persistence::verify_options people;
  people.operator_names = {std::string(operator_name)};
  const auto report = persistence::verify_db(srv.store(), people);
  for (const auto& p : report.problems)
    ADD_FAILURE() << p.table << " " << p.key << ": " << p.what;
}

TEST_P(Audit, ExportTakesDatesAndInstantsWithTheEndDayIncluded) {
  // 2026-02-01T17:00Z is 09:00 on Feb 1 in Los Angeles. One record per 6 hours over 4 days from
  // Jan 31 09:00 local.
  seed_audit(srv.store(), 16, start_ms - day, 6 * hour);
  const auto bulk_in = [](const json::array& a) {
    std::vector<std::string> ids;
    for (const auto& v : a)
      if (v.at("action").as_string() == "bulk.test")
        ids.emplace_back(v.at("id").as_string());
    return ids;
  };
  // Feb 1 and Feb 2 local: 09:00 Jan 31 + 4*6 h = 09:00 Feb 1 (#4) ... #11 is Feb 2 15:00;
  // #12 is Feb 2 21:00 local, still Feb 2; #13 is Feb 3 03:00.
  auto ids = bulk_in(export_of("?startDate=2026-02-01&endDate=2026-02-02"));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), "act_bulk3"); // Feb 1 03:00 local
  EXPECT_EQ(ids.back(), "act_bulk10"); // Feb 2 21:00 local
  EXPECT_EQ(ids.size(), 8u);
  // Instants: the end instant is included.
  ids = bulk_in(export_of("?startDate=2026-02-01T17:00:00Z&endDate=2026-02-02T05:00:00.000Z"));
  EXPECT_EQ(ids, (std::vector<std::string>{"act_bulk4", "act_bulk5", "act_bulk6"}));
  ids =
      bulk_in(export_of("?startDate=2026-02-01T09:00:00-08:00&endDate=2026-02-01T09:00:00-08:00"));
  EXPECT_EQ(ids, (std::vector<std::string>{"act_bulk4"}));
  // Open ends.
  EXPECT_EQ(bulk_in(export_of("?endDate=2026-01-31")).size(), 3u);
  EXPECT_EQ(bulk_in(export_of("?startDate=2026-02-03")).size(), 5u);
  // A range with nothing in it is an empty array.
  EXPECT_TRUE(export_of("?startDate=2020-01-01&endDate=2020-01-02").empty());
}

TEST_P(Audit, ExportRefusesBadDatesAndAStartAfterTheEnd) {
  for (const std::string_view q :
       {"?startDate=yesterday", "?endDate=2026-02-30",
        "?startDate=2026-02-01T10:00:00", // no zone
        "?startDate=2026-02-03&endDate=2026-02-02",
        "?startDate=2026-02-01T10:00:01Z&endDate=2026-02-01T10:00:00Z"}) {
    auto r = srv.call(verb::get, "/api/audit/export" + std::string(q), {}, op);
    EXPECT_EQ(r.result_int(), 400u) << q << " " << r.body();
    EXPECT_EQ(json_of(r).at("error").at("code").as_string(), "VALIDATION_ERROR") << q;
  }
}

// ---- stats ----------------------------------------------------------------------------------

void put(persistence::store& s, std::vector<persistence::row> rows) {
  persistence::write_batch b{std::move(rows)};
  const persistence::write_batch* one = &b;
  s.commit({&one, 1});
}

TEST_P(Audit, StatsOverviewAnswersTheRunbooksKeyMetrics) {
  srv.register_agent("ann", "specialist");
  srv.register_agent("bob", "intern");

  // A task straight to review, one blocked on the way, one done.
  const auto plan = R"("workPlan":{"bullets":["a","b","c"]})";
  const auto deliver =
      R"("deliverable":{"content":"x"},"reviewChecklist":{"items":[{"label":"ok","done":true}]})";
  const auto clean = srv.create_task(R"({"title":"clean","type":"content","assigneeIds":["ann"]})");
  srv.move_task(clean, std::string(R"({"toStatus":"in_progress",)") + plan + "}");
  srv.move_task(clean, std::string(R"({"toStatus":"review",)") + deliver + "}");
  srv.clock().advance(std::chrono::hours(2));
  srv.move_task(clean, R"({"toStatus":"done","reason":"good"})");
  const auto bumpy = srv.create_task(R"({"title":"bumpy","type":"docs","assigneeIds":["ann"]})");
  srv.move_task(bumpy, std::string(R"({"toStatus":"in_progress",)") + plan + "}");
  srv.move_task(bumpy, R"({"toStatus":"blocked","reason":"waiting"})");
  srv.move_task(bumpy, R"({"toStatus":"in_progress","reason":"unblocked"})");
  srv.move_task(bumpy, std::string(R"({"toStatus":"review",)") + deliver + "}");

  // Runs, alerts and approvals as the other parts of the system store them.
  const auto now = srv.clock().now_ms();
  run r1;
  r1.id = "run_1";
  r1.agent_id = "ann";
  r1.task_id = clean;
  r1.model = "m";
  r1.started_at = now - hour;
  r1.cost_usd = usd{1'500'000};
  run r2 = r1;
  r2.id = "run_2";
  r2.agent_id = "bob";
  r2.task_id = std::nullopt;
  r2.cost_usd = usd{250'000};
  run old = r1;
  old.id = "run_old";
  old.started_at = now - 30 * day;
  alert breach;
  breach.id = "alr_1";
  breach.severity = alert_severity::critical;
  breach.type = "budget_exceeded";
  breach.title = "over";
  breach.created_at = now;
  alert loop = breach;
  loop.id = "alr_2";
  loop.type = "loop_detected";
  loop.created_at = now - day;
  approval ap;
  ap.id = "apr_1";
  ap.requestor_id = "ann";
  ap.action_summary = "deploy";
  ap.created_at = now;
  ap.expires_at = now + day;
  put(srv.store(),
      {persistence::to_row(r1), persistence::to_row(r2), persistence::to_row(old),
       persistence::to_row(breach), persistence::to_row(loop), persistence::to_row(ap)});

  // ann heartbeats now; bob never did: stale. The overview reads the store, where heartbeats
  // are soft (coalesced) writes.
  auto hb = srv.call(verb::post, "/api/agents/ann/heartbeat", R"({"status":"working"})", op);
  ASSERT_EQ(hb.result_int(), 200u) << hb.body();
  srv.sync();
  auto r = srv.call(verb::get, "/api/stats/overview", {}, op);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  const auto s = json_of(r);
  EXPECT_EQ(s.at("window").at("days").as_int64(), 7);
  EXPECT_EQ(s.at("agents").at("total").as_int64(), 2);
  EXPECT_EQ(s.at("agents").at("active").as_int64(), 2);
  EXPECT_EQ(s.at("agents").at("stale").as_int64(), 1);
  EXPECT_EQ(s.at("agents").at("staleAgentIds").as_array(), (json::array{"bob"}));
  EXPECT_DOUBLE_EQ(s.at("agents").at("averageErrorStreak").as_double(), 0.0);

  const auto& tasks = s.at("tasks");
  EXPECT_EQ(tasks.at("completed").as_int64(), 1);
  EXPECT_EQ(tasks.at("completedPerDay").as_array().size(), 7u);
  EXPECT_EQ(tasks.at("completedPerDay").as_array().back().at("count").as_int64(), 1);
  EXPECT_EQ(tasks.at("averageTimeToCompletionMs").as_int64(), 2 * hour);
  EXPECT_EQ(tasks.at("reachedReview").as_int64(), 2);
  EXPECT_EQ(tasks.at("reachedReviewWithoutIntervention").as_int64(), 1);
  EXPECT_DOUBLE_EQ(tasks.at("reviewWithoutInterventionRate").as_double(), 0.5);

  const auto& cost = s.at("cost");
  EXPECT_DOUBLE_EQ(cost.at("total").to_number<double>(), 1.75);
  EXPECT_EQ(cost.at("runs").as_int64(), 2);
  EXPECT_DOUBLE_EQ(cost.at("perDay").as_array().back().at("spend").to_number<double>(), 1.75);
  EXPECT_DOUBLE_EQ(cost.at("byAgent").at("ann").to_number<double>(), 1.5);
  EXPECT_DOUBLE_EQ(cost.at("byAgent").at("bob").to_number<double>(), 0.25);
  EXPECT_DOUBLE_EQ(cost.at("byTaskType").at("content").to_number<double>(), 1.5);
  EXPECT_DOUBLE_EQ(cost.at("byTaskType").at("unknown").to_number<double>(), 0.25);

  const auto& inc = s.at("incidents");
  EXPECT_EQ(inc.at("budgetBreachesPerDay").as_array().back().at("count").as_int64(), 1);
  const auto& loops = inc.at("loopsDetectedPerDay").as_array();
  EXPECT_EQ(loops[loops.size() - 2].at("count").as_int64(), 1);
  EXPECT_EQ(inc.at("approvalRequestsPerDay").as_array().back().at("count").as_int64(), 1);

  auto agent_view = srv.call(verb::get, "/api/stats/overview?days=1", {}, bearer("nope"));
  EXPECT_EQ(agent_view.result_int(), 401u);
  auto one_day = srv.call(verb::get, "/api/stats/overview?days=1", {}, op);
  ASSERT_EQ(one_day.result_int(), 200u);
  EXPECT_EQ(json_of(one_day).at("tasks").at("completedPerDay").as_array().size(), 1u);
  for (const std::string_view bad : {"0", "91", "x"})
    EXPECT_EQ(
        srv.call(verb::get, "/api/stats/overview?days=" + std::string(bad), {}, op).result_int(),
        400u)
        << bad;
}

// ---- every mutation writes its audit record --------------------------------------------------

struct mutation {
  verb method;
  std::string target;
  std::string body;
  unsigned status;
  /// The audit actions the change writes, in order; empty for a refused request.
  std::vector<std::string> actions;
};

TEST_P(Audit, EveryMutatingRouteWritesItsAuditRecordAndARefusedOneWritesNone) {
  srv.register_agent("ann", "specialist");
  srv.register_agent("bob", "specialist");
  const auto task = srv.create_task(R"({"title":"t","assigneeIds":["ann"]})");
  const std::vector<mutation> cases = {
      {verb::post, "/api/agents", R"({"id":"cat","role":"intern"})", 201, {"agent.register"}},
      {verb::post, "/api/agents", R"({"id":"cat","role":"intern"})", 409, {}},
      {verb::patch, "/api/agents/ann", R"({"budgets":{"dailyCap":20}})", 200, {"agent.update"}},
      {verb::patch, "/api/agents/ann", R"({"role":"wizard"})", 400, {}},
      {verb::post, "/api/agents/bob/pause", "", 200, {"agent.pause"}},
      {verb::post, "/api/agents/bob/resume", "", 200, {"agent.resume"}},
      {verb::post, "/api/agents/bob/drain", "", 200, {"agent.drain"}},
      {verb::post, "/api/agents/bob/restart", "", 200, {"agent.restart"}},
      {verb::post, "/api/agents/bob/quarantine", "", 200, {"agent.quarantine"}},
      {verb::post, "/api/agents/nobody/pause", "", 404, {}},
      {verb::post, "/api/tasks", R"({"title":"new"})", 201, {"task.create"}},
      {verb::post, "/api/tasks", R"({"title":""})", 400, {}},
      {verb::patch, "/api/tasks/" + task, R"({"title":"renamed"})", 200, {"task.update"}},
      {verb::post,
       "/api/tasks/" + task + "/transition",
       R"({"toStatus":"in_progress","workPlan":{"bullets":["a","b","c"]}})",
       200,
       {"task.transition"}},
      {verb::post, "/api/tasks/" + task + "/transition", R"({"toStatus":"done"})", 422, {}},
      {verb::post,
       "/api/tasks/" + task + "/messages",
       R"({"type":"comment","content":"hi"})",
       201,
       {"task.message"}},
      {verb::post, "/api/emergency/pause-squad", "", 200, {}}, // one per agent, checked below
  };
  for (const auto& c : cases) {
    // The supervisors react to events on their own time (the NotificationDispatcher audits the
    // notifications of the assignment above): a tick lets each finish, so every record is
    // counted with the request that caused it.
    srv.tick();
    const auto before = audit_count(srv);
    auto r = srv.call(c.method, c.target, c.body, op);
    ASSERT_EQ(r.result_int(), c.status) << c.target << " " << c.body << ": " << r.body();
    srv.tick();
    const auto written = audit_since(srv, before);
    if (c.target == "/api/emergency/pause-squad") {
      // Every agent not already paused changes, each with its own record.
      EXPECT_FALSE(written.empty());
      for (const auto& a : written)
        EXPECT_EQ(a.action.rfind("agent.", 0), 0u) << a.action;
      continue;
    }
    std::vector<std::string> actions;
    for (const auto& a : written)
      actions.push_back(a.action);
    EXPECT_EQ(actions, c.actions) << c.target << " " << c.body;
  }
  persistence::verify_options people;
  people.operator_names = {std::string(operator_name)};
  const auto report = persistence::verify_db(srv.store(), people);
  for (const auto& p : report.problems)
    ADD_FAILURE() << p.table << " " << p.key << ": " << p.what;
}

} // namespace
} // namespace mc::e2e
