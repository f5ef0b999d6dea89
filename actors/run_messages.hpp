// The messages of runs, tool calls and costs (SPEC §2 Run/ToolCall, §6 runs and costs routes):
// the commands the routes send to an agent's actor, the charge an agent actor hands to a task
// actor so the run, the agent's spend and the task's actualCost commit in one batch, the events
// the run ledger indexes, and the ledger's queries.
#pragma once

#include "actors/entity_inspect.hpp"
#include "domain/entities.hpp"
#include "domain/model_prices.hpp"
#include "domain/policy.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mc {

// The patches live in namespace mc, beside the entities, so that JSON reads them with the
// project's mapping (camelCase, absent fields left alone) found by argument-dependent lookup.
/// `PATCH /api/runs/{id}`: only the fields present change.
struct run_patch {
  std::optional<std::string> model;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> cache_read_tokens;
  std::optional<std::int64_t> cache_write_tokens;
  std::optional<usd> cost_usd;
  std::optional<run_status> status;
  std::optional<epoch_ms> ended_at;
  std::optional<std::string> error;
};
BOOST_DESCRIBE_STRUCT(run_patch, (),
                      (model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                       cost_usd, status, ended_at, error))

/// `PATCH /api/tool-calls/{id}`: status, error (redacted), retryCount.
struct tool_call_patch {
  std::optional<tool_call_status> status;
  std::optional<std::string> error;
  std::optional<std::int32_t> retry_count;
};
BOOST_DESCRIBE_STRUCT(tool_call_patch, (), (status, error, retry_count))

} // namespace mc

namespace mc::actors {

using mc::run_patch;
using mc::tool_call_patch;

using record_run_atom = caf::atom_constant<caf::atom("recordrun")>;
using charge_atom = caf::atom_constant<caf::atom("charge")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using tool_call_atom = caf::atom_constant<caf::atom("toolcall")>;
using costs_atom = caf::atom_constant<caf::atom("costs")>;
using daily_atom = caf::atom_constant<caf::atom("daily")>;

/// `POST /api/runs`: the run as the agent reported it (the actor gives it its id) and whether
/// it carried costUsd (a reported cost wins over the price table).
struct run_command {
  mc::run draft;
  bool cost_reported = false;
  /// The task's actor (a task_actor) when the run names a task, else invalid.
  caf::actor task;
  /// `agent` or `operator`, and its id or name, for the audit record.
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

struct run_patch_command {
  std::string run_id;
  run_patch patch;
  caf::actor task;
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// From an agent actor to a task actor: commit the run, the agent's new spend and the task's
/// actualCost (+ delta) in one batch with the audit and idempotency records, and answer with
/// the run reply (whose task budget only the task actor can compute).
struct run_charge_command {
  mc::run recorded;
  mc::agent agent_after;
  usd delta;
  /// The agent's spend today after the run, for its budget status.
  usd today_spend;
  cost_source source = cost_source::reported;
  audit_record audit;
  std::int32_t status = 201;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// `POST /api/tool-calls`: the redacted call (preview and hash already taken by the route; the
/// raw input never reaches an actor) and the action the policy classifies. `action` holds the
/// command, path or host in memory only: it is never stored, logged or audited.
struct tool_call_command {
  mc::tool_call draft;
  agent_action action;
  /// The task's actor (a task_actor) when the call names a task, else invalid.
  caf::actor task;
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

struct tool_call_patch_command {
  std::string tool_call_id;
  tool_call_patch patch;
  caf::actor task;
  std::string actor_type;
  std::string actor;
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  epoch_ms idempotency_expires_at = 0;
};

/// Published once a run is durable (new or changed).
struct run_event {
  mc::run run;
};
BOOST_DESCRIBE_STRUCT(run_event, (), (run))

/// Published once a tool call is durable (new or changed).
struct tool_call_event {
  mc::tool_call call;
};
BOOST_DESCRIBE_STRUCT(tool_call_event, (), (call))

/// `GET /api/runs`.
struct run_query {
  std::optional<std::string> agent_id;
  std::optional<std::string> task_id;
  /// startedAt or cost.
  std::string sort_by = "startedAt";
  bool descending = true;
  std::int32_t limit = 50;
  std::int32_t offset = 0;
};
BOOST_DESCRIBE_STRUCT(run_query, (), (agent_id, task_id, sort_by, descending, limit, offset))

using mc::inspect;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_command& x) {
  return f(caf::meta::type_name("run_command"), x.draft, x.cost_reported, x.task, x.actor_type,
           x.actor, x.idempotency_key, x.idempotency_fingerprint, x.idempotency_expires_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_patch_command& x) {
  return f(caf::meta::type_name("run_patch_command"), x.run_id, x.patch, x.task, x.actor_type,
           x.actor, x.idempotency_key, x.idempotency_fingerprint, x.idempotency_expires_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_charge_command& x) {
  return f(caf::meta::type_name("run_charge_command"), x.recorded, x.agent_after, x.delta.micros,
           x.today_spend.micros, x.source, x.audit, x.status, x.idempotency_key,
           x.idempotency_fingerprint, x.idempotency_expires_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call_command& x) {
  return f(caf::meta::type_name("tool_call_command"), x.draft, x.action, x.task, x.actor_type,
           x.actor, x.idempotency_key, x.idempotency_fingerprint, x.idempotency_expires_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call_patch_command& x) {
  return f(caf::meta::type_name("tool_call_patch_command"), x.tool_call_id, x.patch, x.task,
           x.actor_type, x.actor, x.idempotency_key, x.idempotency_fingerprint,
           x.idempotency_expires_at);
}

} // namespace mc::actors
