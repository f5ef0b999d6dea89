// Entities to rows and back: the row's filter columns are taken from the entity and its JSON
// document goes into `doc`. The one place that knows which table holds which entity.
#pragma once

#include "domain/entities.hpp"
#include "persistence/row.hpp"

namespace mc::persistence {

row to_row(const agent& x);
row to_row(const task& x);
row to_row(const approval& x);
row to_row(const alert& x);
row to_row(const notification& x);
row to_row(const run& x);
row to_row(const tool_call& x);
row to_row(const document& x);
row to_row(const transition& x);
row to_row(const message& x);
/// The same rows from the entity's JSON text (its to_json, serialized) when the caller has made
/// it anyway, e.g. for a reply: a move then serializes its task once.
row to_row(const task& x, std::string doc);
row to_row(const transition& x, std::string doc);
row to_row(const audit_record& x);

row idempotency_row(std::string key, std::string fingerprint, std::string response,
                    std::int64_t expires_at);

/// An agent's token digest (SHA-256 hex), keyed by the agent id.
row credential_row(std::string agent_id, std::string token_hash, std::int64_t created_at);

/// The entity in a row's `doc`. Throws json_mapping_error or a parse error on a bad document.
template <class T>
T from_row(const row& r);

} // namespace mc::persistence
