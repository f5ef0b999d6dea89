// The approvals actor: owns every approval, files requests and records decisions (through the
// approval's task actor, which commits the approval with the task's move), and keeps the index
// `GET /api/approvals` filters, current from the approval events on the events group.
#pragma once

#include "actors/approval_messages.hpp"
#include "actors/task_actor.hpp"

#include <caf/actor.hpp>

#include <vector>

namespace mc::actors {

struct approval_environment {
  persistence::persistence_actor db;
  /// Where approval_events go; the actor also listens there for approvals that task moves
  /// filed (→ needs_approval through a transition).
  caf::group events;
  /// The task registry, to find an approval's task actor.
  caf::actor tasks;
  const clock* clk = nullptr;
  id_generator* ids = nullptr;
  policy_ptr policy = std::make_shared<active_policy>();
  /// Longer than the task actor's own write timeout, since a request waits for it.
  std::chrono::milliseconds write_timeout{15000};
};

/// Messages it handles (a dynamically typed actor, because it joins the events group):
/// - (create_atom, create_approval_command) -> api_reply 201 `{"approval":…,"task":…}`;
///   errc::invalid_input with the field problems, errc::not_found for an unknown task, and the
///   task actor's refusals (403, 409, 422);
/// - (decide_atom, decide_approval_command) -> api_reply `{"approval":…,"task":…,
///   "transition":…}`; errc::not_found, errc::conflict when already decided (or being
///   decided), errc::forbidden for a decider the rules refuse;
/// - (list_atom, approval_query) -> api_reply `{"approvals":[…],"total":N,"hasMore":bool,
///   "urgentCount":N}`;
/// - approval_event (from the group) keeps the index current; other events are ignored.
caf::actor spawn_approval_actor(caf::actor_system& sys, approval_environment env,
                                std::vector<approval> recovered);

} // namespace mc::actors
