// The task registry: creates tasks (durably, before it answers), spawns and finds their actors,
// and keeps the in-memory index that `GET /api/tasks` filters, sorts and pages, current from
// the task actors' events.
#pragma once

#include "actors/task_actor.hpp"

#include <caf/actor.hpp>

#include <vector>

namespace mc::actors {

/// Messages it handles (a dynamically typed actor, because it joins the task event group):
/// - (create_atom, create_task_command) -> api_reply 201 `{"task":…}`, or errc::invalid_input
///   with the field problems as JSON details;
/// - (get_atom, std::string id) -> task_actor, or errc::not_found;
/// - (list_atom, task_query) -> api_reply `{"tasks":[…],"total":N,"hasMore":bool}`;
/// - task_event (from the group) keeps the index current.
caf::actor spawn_task_registry(caf::actor_system& sys, task_environment env,
                               std::vector<task> recovered);

} // namespace mc::actors
