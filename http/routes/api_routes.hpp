// The REST API of SPEC §6 wired to the actors: one file per group of routes, each handler
// guarded (authentication, the route table, rate limits), parsing, asking an actor, answering.
#pragma once

#include "actors/agent_registry.hpp"
#include "actors/task_registry.hpp"
#include "http/routes/route_support.hpp"

namespace mc::http {

/// Every route that exists so far.
void add_api_routes(router& r, context_ptr ctx);

void add_health_routes(router& r, context_ptr ctx);
void add_task_routes(router& r, context_ptr ctx);
void add_agent_routes(router& r, context_ptr ctx);
void add_audit_routes(router& r, context_ptr ctx);
void add_stats_routes(router& r, context_ptr ctx);
void add_run_routes(router& r, context_ptr ctx);
void add_approval_routes(router& r, context_ptr ctx);
void add_governance_routes(router& r, context_ptr ctx);
void add_standup_routes(router& r, context_ptr ctx);

/// Asks the agent registry for the agent's current snapshot (404 when unknown) and hands it to
/// `next`, which answers through the responder it is given.
void ask_agent_snapshot(const context_ptr& ctx, const std::string& agent_id, responder res,
                        std::function<void(const agent&, responder)> next);

} // namespace mc::http
