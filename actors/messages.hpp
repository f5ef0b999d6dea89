// Every message that crosses the actors: atoms, commands and replies as plain structs with an
// `inspect` overload, so they can cross to a remote node unchanged. Registered in one place
// (actors/message_types.cpp).
#pragma once

#include "actors/entity_inspect.hpp"
#include "domain/entities.hpp"
#include "domain/task_state_machine.hpp"

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

/// Non-state fields of a task (SPEC §6 PATCH): only the fields present change.
struct task_patch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::int32_t> priority;
  std::optional<std::vector<std::string>> assignee_ids;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> reviewer_id;
  std::optional<epoch_ms> due_at;
};

/// A task actor's whole state, for `GET /api/tasks/{id}`.
struct task_view {
  mc::task task;
  std::vector<transition> transitions;
  std::vector<message> messages;
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

enum class agent_control : std::uint8_t { pause, resume, quarantine, drain, restart };

BOOST_DESCRIBE_STRUCT(transition_command, (),
                      (request, actor_status, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_patch, (),
                      (title, description, priority, assignee_ids, labels, reviewer_id, due_at))
BOOST_DESCRIBE_STRUCT(task_view, (), (task, transitions, messages))
BOOST_DESCRIBE_STRUCT(task_event, (), (task, moved, posted))
BOOST_DESCRIBE_STRUCT(create_task_command, (),
                      (draft, creator, idempotency_key, idempotency_fingerprint,
                       idempotency_expires_at))
BOOST_DESCRIBE_STRUCT(task_query, (),
                      (statuses, type, assignee_id, priority, search, sort_by, descending, limit,
                       offset))

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
