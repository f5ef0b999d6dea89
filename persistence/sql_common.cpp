#include "persistence/sql_common.hpp"

#include "persistence/schema.hpp"

#include <charconv>
#include <chrono>

namespace mc::persistence::sql {

/// What the database would not catch by itself: wrong cell count or kind, and a missing key
/// (SQLite accepts NULL in a TEXT PRIMARY KEY).
void check_row(const row& r) {
  if (static_cast<std::size_t>(r.table) >= table_count)
    throw store_error(store_errc::constraint, "row for an unknown table");
  const table_def& d = def(r.table);
  if (r.cells.size() != d.columns.size())
    throw store_error(store_errc::constraint, "table " + std::string(d.name) + " takes " +
                                                  std::to_string(d.columns.size()) +
                                                  " cells, the row has " +
                                                  std::to_string(r.cells.size()));
  for (std::size_t i = 0; i < d.columns.size(); ++i) {
    const cell& c = r.cells[i];
    if (c.is_null())
      continue;
    const auto want =
        d.columns[i].type == column_type::text ? cell::kind::text : cell::kind::integer;
    if (c.k != want)
      throw store_error(store_errc::constraint,
                        "column " + std::string(d.columns[i].name) + " of table " +
                            std::string(d.name) + " holds " +
                            (want == cell::kind::text
                                 ? "text"
                                 : "integers")); // Postgres text cannot hold NUL (libpq would cut
                                                 // the value short): refuse it in both stores.
    if (c.k == cell::kind::text && c.s.find('\0') != std::string::npos)
      throw store_error(store_errc::constraint, "column " + std::string(d.columns[i].name) +
                                                    " of table " + std::string(d.name) +
                                                    " holds a NUL character");
  }
  if (d.kind != table_kind::journal && r.cells.front().k != cell::kind::text)
    throw store_error(store_errc::constraint,
                      "a row of table " + std::string(d.name) + " needs a text key");
  if (d.kind == table_kind::journal && r.seq < 0)
    throw store_error(store_errc::constraint, "negative seq for journal " + std::string(d.name));
}

/// A filter's column; journals also accept `seq`.
column_def resolve_column(table_id t, std::string_view column) {
  const table_def& d = def(t);
  if (d.kind == table_kind::journal && column == "seq")
    return {"seq", column_type::integer};
  const int i = column_index(t, column);
  if (i < 0)
    throw store_error(store_errc::other,
                      "table " + std::string(d.name) + " has no column " + std::string(column));
  return d.columns[static_cast<std::size_t>(i)];
}

std::string_view key_column(const table_def& d) {
  return d.kind == table_kind::journal ? std::string_view("seq") : d.columns.front().name;
}

std::optional<std::int64_t> parse_seq(std::string_view key) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  if (ec != std::errc{} || end != key.data() + key.size())
    return std::nullopt;
  return v;
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string quoted(std::string_view name) {
  // Appended rather than `"\"" + std::string(name)`: GCC 12 at -O3 flags that with a false
  // -Wrestrict, which -Werror turns into a failed Release build.
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  out += name;
  out += '"';
  return out;
}

std::string column_list(const table_def& d) {
  std::string s;
  for (const auto& c : d.columns) {
    if (!s.empty())
      s += ", ";
    s += quoted(c.name);
  }
  return s;
}

std::string select_list(const table_def& d) {
  return d.kind == table_kind::journal ? "\"seq\", " + column_list(d) : column_list(d);
}

void refuse_newer_schema(int current, const std::string& where) {
  if (current > latest_schema_version())
    throw store_error(store_errc::newer_schema,
                      "database schema version " + std::to_string(current) +
                          " is newer than this binary's latest version " +
                          std::to_string(latest_schema_version()) + " (" + where + ")");
}

} // namespace mc::persistence::sql
