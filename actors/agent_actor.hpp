// One actor per agent: it owns the agent's state (status, budgets, spend, heartbeat), applies the
// controls and edits, persists every durable change before it replies, writes heartbeats as soft
// state, and answers heartbeats with the agent's open tasks.
#pragma once

#include "actors/active_policy.hpp"
#include "actors/governance_messages.hpp"
#include "actors/liveness_messages.hpp"
#include "actors/messages.hpp"
#include "actors/run_messages.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/actor.hpp>
#include <caf/duration.hpp>
#include <caf/group.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>

namespace mc::actors {

/// An agent actor's own timer: send the heartbeat state a coalescing window held back.
using soft_flush_atom = caf::atom_constant<caf::atom("softflush")>;

using agent_actor =
    caf::typed_actor<caf::replies_to<get_atom>::with<agent>,
                     /// Replies `{"agent":…}`; a bad edit is errc::invalid_input.
                     caf::replies_to<patch_atom, agent_patch_command>::with<api_reply>,
                     /// Replies `{"agent":…,"control":…,"changed":bool}`; an unknown control is
                     /// invalid_input.
                     caf::replies_to<control_atom, agent_control_command>::with<api_reply>,
                     /// Replies `{"acknowledged":true,"status":…,"assignedTasks":[…],…}`.
                     caf::replies_to<heartbeat_atom, heartbeat_command>::with<api_reply>,
                     /// From the registry: the agent's open tasks changed.
                     caf::reacts_to<assignments>, caf::reacts_to<soft_flush_atom>,
                     /// Runs and tool calls (actors/run_accounting.hpp): 201/200 with the run
                     /// (and its budget) or the tool call; committed with the agent's spend.
                     caf::replies_to<record_run_atom, run_command>::with<api_reply>,
                     caf::replies_to<patch_atom, run_patch_command>::with<api_reply>,
                     caf::replies_to<tool_call_atom, tool_call_command>::with<api_reply>,
                     caf::replies_to<patch_atom, tool_call_patch_command>::with<api_reply>,
                     /// From the notifications actor, through the registry: the agent's
                     /// pending heartbeat notifications now.
                     caf::reacts_to<pending_notifications>,
                     /// From the HeartbeatMonitor: applies the agent's staleness (an active
                     /// agent silent too long goes offline, durably) and tells what it found.
                     caf::replies_to<liveness_atom, liveness_check>::with<liveness_verdict>>;

/// What every agent actor shares.
struct agent_environment {
  persistence::persistence_actor db;
  /// Where agent_events go (the registry and the supervisors subscribe).
  caf::group events;
  const clock* clk = nullptr;
  id_generator* ids = nullptr;
  policy_ptr policy = std::make_shared<active_policy>();
  /// How long the actor waits for the persistence actor: no limit, because the persistence
  /// actor answers every write within its max_wait (an error while the database is down), and a
  /// finite timeout would cost a timer on CAF's clock thread per write.
  caf::duration write_timeout = caf::infinite;
  /// Heartbeat soft state (the snapshot row and the heartbeat event) leaves the actor at most
  /// once per window; 0 sends it on every heartbeat. The runtime shortens the persistence
  /// actor's soft interval by the same amount, so the SPEC §8 bound still holds.
  std::chrono::milliseconds soft_coalesce{0};
  /// The run ledger (actors/run_ledger.hpp): where a run or tool call to change is read back.
  caf::actor ledger;
  /// Prices runs that report tokens without a cost.
  std::shared_ptr<const price_table> prices =
      std::make_shared<const price_table>(default_price_table());
  /// The notifications actor: a heartbeat's acknowledged ids go there (none: they are ignored).
  caf::actor notifications;
};

/// Spawns the actor of an agent that is already durable.
agent_actor spawn_agent_actor(caf::actor_system& sys, agent_environment env, agent state,
                              assignments open_tasks);

/// `{"agent":…}` with the fields an API client sees.
std::string agent_body(const agent& a);

} // namespace mc::actors
