// Every message that crosses the actors: atoms, commands and replies as plain structs with an
// `inspect` overload, so they can cross to a remote node unchanged. Registered in one place
// (actors/message_types.cpp).
#pragma once

#include "actors/entity_inspect.hpp"
#include "domain/agent_rules.hpp"
#include "domain/entities.hpp"
#include "domain/task_state_machine.hpp"
#include "domain/task_validation.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mc::actors {

using create_atom = caf::atom_constant<caf::atom("create")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using transition_atom = caf::atom_constant<caf::atom("transit")>;
using patch_atom = caf::atom_constant<caf::atom("patch")>;
using post_atom = caf::atom_constant<caf::atom("post")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using control_atom = caf::atom_constant<caf::atom("control")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
/// A task change's answer passing through a registry after the change's event, on its way to
/// the caller (actors/view_barrier.hpp).
using barrier_atom = caf::atom_constant<caf::atom("barrier")>;

/// The idempotency record an actor commits together with the change it makes, so a replay
/// answers with exactly the bytes of the first reply.
struct idempotency_stamp {
  std::string key;
  std::string fingerprint;
  std::int64_t expires_at = 0;
};

/// The answer to an API call: the status and the JSON body the HTTP edge sends as is.
struct api_reply {
  std::int32_t status = 200;
  std::string body;
};

/// How the idempotency table keeps a reply: `{"status":N,"body":…}` (the body is JSON already).
inline std::string stored_reply(const api_reply& r) {
  return "{\"status\":" + std::to_string(r.status) + ",\"body\":" + r.body + "}";
}

struct transition_command {
  transition_request request;
  /// Status of the acting agent, when an agent acts (paused agents may not start work).
  std::optional<agent_status> actor_status;
  /// An empty key means the request carried none.
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `PATCH /api/tasks/{id}`: the fields to change (mc::task_patch, a domain type so its rule is
/// checked there), who changes them, and the idempotency record.
struct task_patch_command {
  task_patch patch;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `POST /api/tasks/{id}/messages`: the message as the route read it (author, type, content,
/// explicit mentions, artifacts, replyToId); the actor adds id, time and `@name` mentions.
struct post_message_command {
  message draft;
  /// The supervisors post `loop_summary` messages as the system; API callers never do.
  bool by_system = false;
  /// Who really posts, for the audit record (`agent` or `operator`, and the id or name): an
  /// operator may write as a named person or agent.
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// A task actor's whole state, for `GET /api/tasks/{id}`.
struct task_view {
  mc::task task;
  std::vector<transition> transitions;
  std::vector<message> messages;
  /// The task's approval requests, oldest first.
  std::vector<approval> approvals;
};

/// What task actors publish to their subscribers (the registry's indexes, the supervisors).
struct task_event {
  mc::task task;
  /// Set when the event is a move (including the creation record).
  std::optional<transition> moved;
  /// Set when the event is a new thread message.
  std::optional<message> posted;
};

/// `POST /api/tasks`: the draft as the client sent it, and who creates it.
struct create_task_command {
  mc::task draft;
  std::string creator;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `GET /api/tasks` filters, sort and page (SPEC §1 list conventions).
struct task_query {
  /// Any of these statuses; empty means all.
  std::vector<task_status> statuses;
  std::optional<task_type> type;
  std::optional<std::string> assignee_id;
  std::optional<std::int32_t> priority;
  /// Case-insensitive substring of title or description.
  std::string search;
  /// createdAt, updatedAt, priority or dueAt.
  std::string sort_by = "createdAt";
  bool descending = true;
  std::int32_t limit = 50;
  std::int32_t offset = 0;
};

/// `POST /api/agents`: the agent as the client described it, the SHA-256 of the token issued
/// for it (the token itself never reaches an actor), and who registers it.
struct register_agent_command {
  mc::agent draft;
  std::string token_hash;
  /// `operator` or `agent` (a spawner registering its sub-agent), and its name or id.
  std::string registered_by_type;
  std::string registered_by;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `PATCH /api/agents/{id}`: configuration and the runbook's "Reset Agent State" fields; only
/// the fields present change. `current_task_id` set to an empty optional inside means `null`.
struct agent_patch {
  std::optional<std::string> name;
  std::optional<std::string> emoji;
  std::optional<agent_role> role;
  std::optional<agent_status> status;
  std::optional<std::vector<task_type>> allowed_task_types;
  std::optional<agent_budgets> budgets;
  std::optional<usd> today_spend;
  std::optional<std::int32_t> error_streak;
  std::optional<bool> clear_last_error;
  std::optional<bool> set_current_task;
  std::optional<std::string> current_task_id;
  std::optional<bool> can_spawn;
  std::optional<json_text> metadata;
};

struct agent_patch_command {
  agent_patch patch;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// The operator's controls (SPEC §6): pause and quarantine stop new work, drain lets the current
/// task finish and then pauses, resume makes the agent active, restart clears its error state.
struct agent_control_command {
  agent_control control = agent_control::pause;
  std::string actor;
  std::string reason;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `POST /api/agents/{id}/heartbeat`.
struct heartbeat_command {
  /// What the agent says it is doing (`idle`, `working`, ...): soft state.
  std::string reported_status;
  std::optional<std::string> current_task_id;
  std::optional<std::string> session_key;
  /// Notification ids the agent has seen (at-least-once delivery).
  std::vector<std::string> acknowledged;
};

/// A task as an agent's heartbeat lists it.
struct assigned_task {
  std::string id;
  std::string title;
  task_status status = task_status::assigned;
  std::int32_t priority = 3;
};

/// From the agent registry to an agent actor: how the agent's open tasks changed (at spawn, all
/// of them). A change of one task sends one task, however many the agent has.
struct assignments {
  /// Open for the agent now: new, or changed.
  std::vector<assigned_task> tasks;
  /// Ids of tasks no longer open for the agent.
  std::vector<std::string> closed;
};

/// `GET /api/agents` filters and sort.
struct agent_query {
  std::vector<agent_status> statuses;
  std::optional<agent_role> role;
  /// createdAt, todaySpend, totalSpend, lastHeartbeat or errorStreak.
  std::string sort_by = "createdAt";
  bool descending = true;
  std::int32_t limit = 50;
  std::int32_t offset = 0;
};

/// What agent actors publish: the agent's state after a change (or a heartbeat).
struct agent_event {
  mc::agent agent;
  /// The status before, when this change moved it.
  std::optional<agent_status> previous_status;
  /// True for a heartbeat (soft state), false for a durable change.
  bool heartbeat = false;
};

/// `POST /api/emergency/pause-squad` and `resume-squad`.
struct squad_command {
  bool pause = true;
  std::string actor;
  std::string reason;
};

BOOST_DESCRIBE_STRUCT(transition_command, (),
                      (request, actor_status, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_patch_command, (),
                      (patch, actor, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(post_message_command, (),
                      (draft, by_system, actor_type, actor, idempotency_key,
                       idempotency_fingerprint, idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_view, (), (task, transitions, messages, approvals))
BOOST_DESCRIBE_STRUCT(task_event, (), (task, moved, posted))
BOOST_DESCRIBE_STRUCT(create_task_command, (),
                      (draft, creator, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_query, (),
                      (statuses, type, assignee_id, priority, search, sort_by, descending, limit,
                       offset))

BOOST_DESCRIBE_STRUCT(register_agent_command, (),
                      (draft, token_hash, registered_by_type, registered_by, idempotency_key,
                       idempotency_fingerprint, idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(agent_patch, (),
                      (name, emoji, role, status, allowed_task_types, budgets, today_spend,
                       error_streak, clear_last_error, set_current_task, current_task_id, can_spawn,
                       metadata))
BOOST_DESCRIBE_STRUCT(agent_patch_command, (),
                      (patch, actor, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(agent_control_command, (),
                      (control, actor, reason, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(heartbeat_command, (),
                      (reported_status, current_task_id, session_key, acknowledged))
BOOST_DESCRIBE_STRUCT(assigned_task, (), (id, title, status, priority))
BOOST_DESCRIBE_STRUCT(assignments, (), (tasks, closed))
BOOST_DESCRIBE_STRUCT(agent_query, (), (statuses, role, sort_by, descending, limit, offset))
BOOST_DESCRIBE_STRUCT(agent_event, (), (agent, previous_status, heartbeat))
BOOST_DESCRIBE_STRUCT(squad_command, (), (pause, actor, reason))

/// The described structs above travel as their JSON document (actors/entity_inspect.hpp).
using mc::inspect;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, idempotency_stamp& x) {
  return f(caf::meta::type_name("idempotency_stamp"), x.key, x.fingerprint, x.expires_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_reply& x) {
  return f(caf::meta::type_name("api_reply"), x.status, x.body);
}

} // namespace mc::actors
