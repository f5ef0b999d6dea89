// One actor per task: it owns the task's state, applies the domain state machine, persists every
// change through the persistence actor before it replies, and publishes what happened.
#pragma once

#include "actors/active_policy.hpp"
#include "actors/approval_messages.hpp"
#include "actors/liveness_messages.hpp"
#include "actors/messages.hpp"
#include "actors/run_messages.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/actor_addr.hpp>
#include <caf/duration.hpp>
#include <caf/group.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <vector>

namespace mc::actors {

using task_actor = caf::typed_actor<
    caf::replies_to<get_atom>::with<task_view>,
    /// Replies `{"task":…,"transition":…}`; refusals are errc::refused (422) or
    /// errc::forbidden (403) errors whose context carries the failed guards and
    /// the allowed targets as JSON.
    caf::replies_to<transition_atom, transition_command>::with<api_reply>,
    /// Replies `{"task":…}`; a bad value is errc::invalid_input (400), an edit
    /// the task's state does not allow errc::conflict (409), both with the
    /// problems as JSON `{"errors":[{field,message}]}` in the context.
    caf::replies_to<patch_atom, task_patch_command>::with<api_reply>,
    /// Replies 201 `{"message":…}` with the mentions resolved; refusals as for
    /// a patch, plus errc::forbidden for a type reserved to the system.
    caf::replies_to<post_atom, post_message_command>::with<api_reply>,
    /// From the approvals actor (actors/approval_changes.hpp): a request moves
    /// the task into needs_approval, a decision out of it, each committed with
    /// the approval in one batch.
    caf::replies_to<request_approval_atom, task_approval_command>::with<approval_outcome>,
    caf::replies_to<decide_atom, task_approval_command>::with<approval_outcome>,
    /// From an agent actor: a run's cost, committed with the task's new actualCost
    /// in one batch (actors/run_accounting.hpp); replies the run reply.
    caf::replies_to<charge_atom, run_charge_command>::with<api_reply>,
    /// From the HeartbeatMonitor: releases the task in progress from its stale assignees
    /// (domain/task_lease.hpp); errc::conflict when it is not theirs in progress any more.
    /// Reports of an agent whose lease expired (moves, messages, runs) are errc::conflict too.
    caf::replies_to<release_atom, release_command>::with<api_reply>>;

/// What every task actor shares: its collaborators and the policy knobs the rules need.
struct task_environment {
  persistence::persistence_actor db;
  /// Where task_events go (the registry and the supervisors subscribe).
  caf::group events;
  /// The subscribers whose view of tasks a change's answer must not outrun (the registries; see
  /// actors/view_barrier.hpp). Empty: answered as soon as the change is durable.
  std::vector<caf::actor_addr> views;
  const clock* clk = nullptr;
  id_generator* ids = nullptr;
  policy_ptr policy = std::make_shared<active_policy>();
  /// How long the actor waits for the persistence actor: no limit, because the persistence
  /// actor answers every write within its max_wait (an error while the database is down), and a
  /// finite timeout would cost a timer on CAF's clock thread per write.
  caf::duration write_timeout = caf::infinite;
};

/// Spawns the actor of a task that is already durable (created earlier, or recovered at boot).
/// A recovered task's transitions and messages stay in the store until the first `get` needs
/// them (`history_loaded = false`), so boot reads only snapshots.
task_actor spawn_task_actor(caf::actor_system& sys, task_environment env, task_view state,
                            bool history_loaded = true);

/// The JSON body of a refused transition's error context: failed guards and allowed targets.
std::string refusal_details(const transition_verdict& v);

} // namespace mc::actors
