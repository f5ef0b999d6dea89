// The routes of the REST API that exist so far (health and tasks), wired to the actors. Each
// handler authenticates, parses, asks an actor and answers; no domain rule lives here.
#pragma once

#include "actors/task_registry.hpp"
#include "http/policy/access.hpp"
#include "http/policy/idempotency.hpp"
#include "http/policy/rate_limit.hpp"
#include "http/policy/tokens.hpp"
#include "http/router.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/actor.hpp>

#include <memory>

namespace mc::http {

struct api_context {
  caf::actor_system* sys = nullptr;
  persistence::persistence_actor db;
  caf::actor tasks;
  const clock* clk = nullptr;
  auth_settings auth;
  operator_tokens operators;
  idempotency_index idempotency;
};

void add_api_routes(router& r, std::shared_ptr<api_context> ctx);

} // namespace mc::http
