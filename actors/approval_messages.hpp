// The messages of the approvals: the API's commands to the approvals actor, the approvals
// actor's commands to a task actor (which commits the approval together with the task's move),
// and the event every change of an approval publishes on the events group.
#pragma once

#include "actors/messages.hpp"
#include "domain/approval_rules.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <optional>
#include <string>

namespace mc::actors {

using decide_atom = caf::atom_constant<caf::atom("decide")>;
using request_approval_atom = caf::atom_constant<caf::atom("aprequest")>;
/// From the ApprovalExpirer: expire every pending approval past its time.
using expire_atom = caf::atom_constant<caf::atom("expire")>;

/// `POST /api/approvals`: the request as the route read it and who files it.
struct create_approval_command {
  approval draft;
  /// Whether the body named actionType / riskLevel (they have defaults in the struct).
  bool action_type_given = false;
  bool risk_level_given = false;
  /// Who asks: the agent itself, or whom the operator names (`requestorId`).
  std::string requestor;
  /// An agent asks only for a task it is assigned to; the operator for any.
  bool requested_by_agent = false;
  /// Who really calls, for the audit record: `agent` or `operator`, and the id or name.
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `POST /api/approvals/{id}/approve` and `/deny`.
struct decide_approval_command {
  std::string approval_id;
  bool approve = true;
  /// The deciding caller: the operator (by name) or an agent with its role.
  actor_kind decider_kind = actor_kind::operator_;
  std::string decider;
  std::string note;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// From the approvals actor to the approval's task actor: a new request (pending, with id and
/// expiry set) to commit with the task's move into needs_approval, or a decision (approved or
/// denied) to commit with the task's move out of it.
struct task_approval_command {
  approval subject;
  bool requested_by_agent = false;
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// What the task actor answers to a task_approval_command: the approval as committed and the
/// API's reply.
struct approval_outcome {
  approval subject;
  api_reply reply;
};

/// Published on the events group after every committed change of an approval (requested,
/// approved, denied); the notification dispatcher tells the operators of new requests.
struct approval_event {
  approval subject;
  /// The task after the change, when the approval has one.
  std::optional<mc::task> task;
};

BOOST_DESCRIBE_STRUCT(create_approval_command, (),
                      (draft, action_type_given, risk_level_given, requestor, requested_by_agent,
                       actor_type, actor, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(decide_approval_command, (),
                      (approval_id, approve, decider_kind, decider, note, idempotency_key,
                       idempotency_fingerprint, idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_approval_command, (),
                      (subject, requested_by_agent, actor_type, actor, idempotency_key,
                       idempotency_fingerprint, idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(approval_event, (), (subject, task))

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_outcome& x) {
  return f(caf::meta::type_name("approval_outcome"), x.subject, x.reply);
}

} // namespace mc::actors
