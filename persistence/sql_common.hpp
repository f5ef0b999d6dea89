// What both SQL stores need and must agree on: the checks a row passes before any SQL, rows
// grouped by table, and the catalog-derived names and column lists of their statements.
#pragma once

#include "persistence/row.hpp"
#include "persistence/store.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::persistence::sql {

/// Rows by table, in their order within each table (tables have no foreign keys, so the order
/// across tables does not matter).
using table_groups = std::array<std::vector<const row*>, table_count>;

/// What the database would not catch by itself: wrong cell count or kind, a missing key, a NUL
/// character in text. Throws store_error(constraint).
void check_row(const row& r);
/// A filter column of a scan, checked against the catalog (journals also accept `seq`).
column_def resolve_column(table_id t, std::string_view column);
std::string_view key_column(const table_def& d);
/// A journal key (the seq in decimal), or nothing when it is not one.
std::optional<std::int64_t> parse_seq(std::string_view key);
std::int64_t unix_ms_now();
/// Throws store_error(newer_schema) when the database is ahead of this binary's migrations.
void refuse_newer_schema(int current, const std::string& where);
/// A double-quoted SQL identifier.
std::string quoted(std::string_view name);
/// The row's columns in catalog order, quoted and comma separated.
std::string column_list(const table_def& d);
/// column_list, preceded by `seq` for journals: what a scan reads back.
std::string select_list(const table_def& d);

} // namespace mc::persistence::sql
