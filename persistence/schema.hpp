// The table catalog: every table the stores know, its key and the columns a row carries, in order.
// The migration files create these tables; a contract test checks the two agree.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mc::persistence {

enum class table_id : std::uint8_t {
  // Current-state snapshots: upserted by `id`.
  agents,
  tasks,
  approvals,
  alerts,
  notifications,
  runs,
  tool_calls,
  documents,
  webhooks,
  policies,
  // Append-only journals: keyed by `seq`, which the database assigns in insertion order.
  transitions,
  messages,
  audit,
  approval_decisions,
  // Replay records for idempotent requests: upserted by `key`.
  idempotency,
  // Where `archive` moves done/canceled tasks and their threads.
  archived_tasks,
  archived_transitions,
  archived_messages,
  // Agent tokens as SHA-256 digests, keyed by agent id: apart from the agent's document, so no
  // reply that carries an agent can carry its token's hash.
  agent_credentials,
};

inline constexpr std::size_t table_count = 19;

enum class table_kind : std::uint8_t { snapshot, journal, keyed };
enum class column_type : std::uint8_t { text, integer };

struct column_def {
  std::string_view name;
  column_type type;
};

struct table_def {
  table_id id;
  std::string_view name;
  table_kind kind;
  /// The columns a row carries, in order. Journals do not list `seq` (the database assigns it);
  /// for snapshots the first column is `id`, for keyed tables `key`. `doc` holds the entity JSON.
  std::span<const column_def> columns;
};

const table_def& def(table_id t) noexcept;
std::span<const table_def> all_tables() noexcept;

/// The schema version this binary's migrations produce.
int latest_schema_version() noexcept;

} // namespace mc::persistence
