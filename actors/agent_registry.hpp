// The agent registry: registers agents (durably, with their token's hash), spawns and finds
// their actors, keeps the index `GET /api/agents` lists from and each agent's open tasks (from
// the task events), and fans the emergency squad controls out to every agent.
#pragma once

#include "actors/agent_actor.hpp"

#include <caf/actor.hpp>

#include <vector>

namespace mc::actors {

using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using squad_atom = caf::atom_constant<caf::atom("squad")>;

/// Messages it handles (dynamically typed, because it joins the event group):
/// - (create_atom, register_agent_command) -> api_reply 201 `{"agent":…}`; errc::invalid_input,
///   or errc::conflict for an id already taken;
/// - (get_atom, std::string id) -> agent_actor, or errc::not_found;
/// - (snapshot_atom, std::string id) -> agent (the index's copy), or errc::not_found;
/// - (get_atom, snapshot_atom, std::string id) -> api_reply `{"agent":…,"stats":…,
///   "currentTask":…,"recentRuns":[]}`;
/// - (list_atom, agent_query) -> api_reply `{"agents":[…],"total":N,"hasMore":bool}`;
/// - (squad_atom, squad_command) -> api_reply `{"paused"|"resumed":N,"agents":[ids]}`;
/// - task_event and agent_event (from the group) keep the indexes current.
caf::actor spawn_agent_registry(caf::actor_system& sys, agent_environment env,
                                std::vector<agent> recovered, const std::vector<task>& tasks);

/// The list answer for a query over agents: filter, sort, page.
std::string list_agents(const std::vector<const agent*>& all, const agent_query& q);

} // namespace mc::actors
