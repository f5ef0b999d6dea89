#include "http/routes/api_routes.hpp"

namespace mc::http {

void add_api_routes(router& r, context_ptr ctx) {
  add_health_routes(r, ctx);
  add_task_routes(r, ctx);
  add_agent_routes(r, ctx);
  add_audit_routes(r, ctx);
  add_stats_routes(r, ctx);
  add_run_routes(r, ctx);
  add_approval_routes(r, ctx);
  add_governance_routes(r, ctx);
  add_standup_routes(r, ctx);
}

} // namespace mc::http
