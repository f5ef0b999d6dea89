// `serve --seed-demo`: a few demo tasks on an empty store, so a new user sees something at once
// and the runbook's task commands have something to act on. Agents join when they can register.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>

namespace mc::app {

/// Creates the demo tasks through the registry (durably, like any client would) and says what
/// it did.
std::string seed_demo_tasks(caf::actor_system& sys, const caf::actor& tasks);

} // namespace mc::app
