// `serve --seed-demo`: a demo squad (a lead, specialists, an intern) and tasks in every status on
// an empty store, so a new user sees something at once and every runbook command has something
// to act on.
#pragma once

#include "http/routes/route_support.hpp"

#include <caf/actor_system.hpp>

#include <string>

namespace mc::app {

/// Registers the demo agents and creates the demo tasks through the registries (durably, like
/// any client would), and says what it did, including each demo agent's token (shown once).
std::string seed_demo(caf::actor_system& sys, http::api_context& api);

} // namespace mc::app
