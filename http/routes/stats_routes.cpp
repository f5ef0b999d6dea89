// GET /api/stats/overview: the runbook's key metrics (domain/stats_overview.hpp), computed from
// the database in one read-only transaction on the reader thread — never on an I/O thread or an
// actor. Heartbeat times are soft state (SPEC §8), so "stale" may lag by the soft-write interval.
#include "domain/stats_overview.hpp"
#include "http/error_envelope.hpp"
#include "http/routes/api_routes.hpp"
#include "http/routes/audit_services.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/store.hpp"

#include <boost/json/value.hpp>

namespace mc::http {
namespace {

using persistence::row;
using persistence::table_id;

constexpr int default_days = 7;
constexpr int max_days = 90;

template <class T>
void feed(persistence::store_txn& txn, table_id t, stats_overview& s) {
  txn.scan(t, {}, [&](const row& r) {
    try {
      s.add(persistence::from_row<T>(r));
    } catch (const std::exception&) {
      // A row that does not parse is verify-db's business; the overview skips it.
    }
    return true;
  });
}

void overview(const context_ptr& ctx, const request& req, responder res) {
  int days = default_days;
  if (auto d = req.query.get("days")) {
    days = int_param("days", *d);
    if (days < 1 || days > max_days)
      throw http_error(errc::invalid_input, "days must be 1 to " + std::to_string(max_days));
  }
  const std::int64_t now = ctx->clk->now_ms();
  auto shared = std::make_shared<responder>(std::move(res));
  const auto svc = ctx->audit;
  const bool queued = svc->reader->post([svc, shared, now, days](persistence::store* db) {
    if (db == nullptr) {
      (*shared)(
          error_response(errc::unavailable, "the database is unavailable", shared->request_id()));
      return;
    }
    stats_overview s(svc->zone, now, days);
    try {
      db->transact(
          [&](persistence::store_txn& txn) {
            feed<agent>(txn, table_id::agents, s);
            feed<task>(txn, table_id::tasks, s);
            feed<task>(txn, table_id::archived_tasks, s);
            feed<transition>(txn, table_id::transitions, s);
            feed<transition>(txn, table_id::archived_transitions, s);
            feed<run>(txn, table_id::runs, s);
            feed<alert>(txn, table_id::alerts, s);
            feed<approval>(txn, table_id::approvals, s);
          },
          true);
    } catch (const std::exception& e) {
      (*shared)(error_response(errc::unavailable,
                               std::string("reading the statistics failed: ") + e.what(),
                               shared->request_id()));
      throw;
    }
    (*shared)(json_response(s.to_json()));
  });
  if (!queued)
    (*shared)(error_response(errc::unavailable, "the server is stopping", shared->request_id()));
}

} // namespace

void add_stats_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::get, "/api/stats/overview",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                overview(ctx, req, std::move(res));
              });
}

} // namespace mc::http
