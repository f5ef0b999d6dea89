// `GET /health` (SPEC §6): the API answers, the database is writable, the workers run.
#include "http/routes/api_routes.hpp"

#include "http/json_body.hpp"

namespace mc::http {

void add_health_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::get, "/health",
              [ctx](const request&, const path_params&, const caller&, responder res) {
                ask_actor<persistence::persistence_status>(
                    ctx, ctx->db, std::move(res),
                    [ctx](persistence::persistence_status& st) {
                      const bool db_ok = !st.degraded;
                      const bool workers_ok = ctx->workers->all_ok();
                      const bool ok = db_ok && workers_ok;
                      boost::json::object services{{"api", "ok"},
                                                   {"database", db_ok ? "ok" : "degraded"},
                                                   {"workers", workers_ok ? "ok" : "degraded"}};
                      return json_response(boost::json::object{{"status", ok ? "ok" : "degraded"},
                                                               {"timestamp", ctx->clk->now_ms()},
                                                               {"services", std::move(services)}},
                                           ok ? 200 : 503);
                    },
                    persistence::status_atom::value);
              });
}

} // namespace mc::http
