// The two stores as test backends: each test gets an empty SQLite directory or a fresh database
// on the shared throwaway Postgres server, plus raw access for what the store API cannot do.
#pragma once

#include "persistence/store.hpp"
#include "tests/support/pg_server.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::persistence::testing {

/// A fresh directory, removed with everything in it.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// (column name, declared SQL type) as the database reports them.
using column_list = std::vector<std::pair<std::string, std::string>>;

struct sqlite_backend {
  temp_dir dir;

  std::unique_ptr<store> open() const;
  void exec_raw(const std::string& sql) const;
  column_list columns(std::string_view table) const;
};

struct postgres_backend {
  pg_server& server;
  std::string database;

  postgres_backend();
  std::string url() const { return server.url(database); }
  std::unique_ptr<store> open() const;
  void exec_raw(const std::string& sql) const;
  column_list columns(std::string_view table) const;
};

// --- Rows and one-line store calls, so tests read as what they check.

cell text(std::string s);
cell num(std::int64_t v);
row agent(std::string id, std::string status = "active", std::int64_t updated_at = 1,
          std::string doc = "{}");
row task(std::string id, std::string status = "inbox", std::int64_t priority = 0,
         std::int64_t updated_at = 1);
row alert(std::string id, std::optional<std::string> agent_id, std::string status = "open");
row transition(std::string task_id, std::int64_t created_at, std::string doc = "{}");
/// A row of any table with every cell set: text `<column>-<n>`, integers n.
row full_row(table_id t, int n);

void write(store& s, std::vector<row> rows);
void commit(store& s, const std::vector<write_batch>& batches);
std::vector<row> scan(store& s, table_id t, const scan_filter& f = {});
std::vector<std::string> scan_keys(store& s, table_id t, const scan_filter& f = {});
std::optional<row> get(store& s, table_id t, std::string_view key);
std::int64_t count(store& s, table_id t);
/// The code of the store_error `fn` throws; a test failure when it throws none.
store_errc code_of(const std::function<void()>& fn);

} // namespace mc::persistence::testing

namespace mc::persistence {
/// Readable rows in assertion messages.
void PrintTo(const cell& c, std::ostream* os);
void PrintTo(const row& r, std::ostream* os);
} // namespace mc::persistence
