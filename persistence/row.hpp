// A row as the stores see it: the cells of one table's columns in catalog order. Entities become
// rows in entity_rows.hpp; the stores never look inside `doc`.
#pragma once

#include "persistence/schema.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::persistence {

struct cell {
  enum class kind : std::uint8_t { null, integer, text };
  kind k = kind::null;
  std::int64_t i = 0;
  std::string s;

  static cell null() { return {}; }
  static cell of(std::int64_t v) { return {kind::integer, v, {}}; }
  static cell of(std::string v) { return {kind::text, 0, std::move(v)}; }
  static cell of(const std::optional<std::string>& v) { return v ? of(*v) : null(); }
  static cell of(const std::optional<std::int64_t>& v) { return v ? of(*v) : null(); }
  bool is_null() const noexcept { return k == kind::null; }
  friend bool operator==(const cell&, const cell&) = default;
};

struct row {
  table_id table = table_id::agents;
  /// Journals only: the position the database gave the row (0 when writing a new one).
  std::int64_t seq = 0;
  /// One cell per catalog column, in catalog order.
  std::vector<cell> cells;

  /// The cell of a named column; throws std::out_of_range for a column the table lacks.
  const cell& at(std::string_view column) const;
  /// The row's key as text: `id`/`key` for snapshots and keyed tables, the seq for journals.
  std::string key() const;
  friend bool operator==(const row&, const row&) = default;
};

/// One writer's write: everything in it commits together or not at all.
struct write_batch {
  std::vector<row> rows;
};

/// Position of a named column in a table's catalog order, or -1.
int column_index(table_id t, std::string_view column) noexcept;

} // namespace mc::persistence
