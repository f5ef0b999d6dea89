// What an approval does to the rows and to its task, as plans the actors commit: a request moves
// the task into needs_approval, a decision moves it out, each in one write batch with the
// approval row, the decision journal, the transition, the audit records and the idempotency
// record. Built here, committed by the task actor (or the approvals actor for an approval
// without a task); nothing here sends a message.
#pragma once

#include "actors/approval_messages.hpp"
#include "actors/task_actor.hpp"
#include "persistence/row.hpp"

#include <caf/error.hpp>

#include <optional>
#include <string>
#include <variant>

namespace mc::actors {

/// A change of a task and its approval, ready to commit: once the batch is durable the actor
/// adopts `next`, publishes `moved` (when set) and the approval, and answers `reply`.
struct task_approval_change {
  persistence::write_batch batch;
  task_view next;
  std::optional<transition> moved;
  approval subject;
  api_reply reply;
};

/// Status of the task's latest approval, if it has one (the state machine's context).
std::optional<approval_status> latest_approval_status(const task_view& v);

/// The `state_transition` approval a move into needs_approval files (requested by whoever moved
/// the task, headed back to where the task came from).
approval approval_for_move(const task& before, const transition& moved, std::string id,
                           epoch_ms now);

/// The audit record of filing an approval.
audit_record request_audit(const approval& a, const std::string& actor_type,
                           const std::string& actor, std::string id);
/// The audit record of deciding one.
audit_record decision_audit(const approval& decided, const std::string& actor_type, std::string id);
/// The approval_decisions journal row of a decision.
persistence::row decision_row(const approval& decided);

/// `POST /api/approvals` for this task: the task moves into needs_approval with the request.
/// Refused with errc::forbidden when an agent asks for a task not assigned to it, errc::conflict
/// when the task already waits for a pending approval, and as the state machine says otherwise.
std::variant<task_approval_change, caf::error>
plan_approval_request(const task_view& v, const task_approval_command& cmd,
                      const task_environment& env);

/// A decision of one of this task's approvals (or its expiry, which moves nothing): recorded,
/// and the task, while it waits in needs_approval for this approval, moves to where the decision
/// sends it (by the decider, as the operator moves it). A move the state machine refuses leaves the
/// task where it is and the reply says why (`taskMoveRefused`); the decision stands.
task_approval_change plan_approval_decision(const task_view& v, const task_approval_command& cmd,
                                            const task_environment& env);

} // namespace mc::actors
