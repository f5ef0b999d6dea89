#include "tests/persistence/store_backends.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sqlite3.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace mc::persistence::testing {
namespace fs = std::filesystem;

temp_dir::temp_dir() {
  std::string templ = (fs::temp_directory_path() / "mc-store-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
  path_ = templ;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::unique_ptr<store> sqlite_backend::open() const {
  return open_store({.database_url = "", .data_dir = dir.path().string()});
}

namespace {

struct sqlite_handle {
  sqlite3* db = nullptr;
  explicit sqlite_handle(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + file.string());
    sqlite3_busy_timeout(db, 5000);
  }
  ~sqlite_handle() { sqlite3_close_v2(db); }
  sqlite_handle(const sqlite_handle&) = delete;
  sqlite_handle& operator=(const sqlite_handle&) = delete;
};

} // namespace

void sqlite_backend::exec_raw(const std::string& sql) const {
  sqlite_handle h(dir.path() / "mission-control.db");
  char* err = nullptr;
  if (sqlite3_exec(h.db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

column_list sqlite_backend::columns(std::string_view table) const {
  sqlite_handle h(dir.path() / "mission-control.db");
  sqlite3_stmt* st = nullptr;
  const std::string sql = "SELECT name, type FROM pragma_table_info(?)";
  if (sqlite3_prepare_v2(h.db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(h.db));
  sqlite3_bind_text(st, 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  column_list out;
  while (sqlite3_step(st) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                     reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  sqlite3_finalize(st);
  return out;
}

postgres_backend::postgres_backend()
    : server(shared_pg_server()), database(server.fresh_database_name()) {
  server.create_database(database);
}

std::unique_ptr<store> postgres_backend::open() const {
  return open_store({.database_url = url(), .data_dir = ""});
}

void postgres_backend::exec_raw(const std::string& sql) const {
  pqxx::connection c(url());
  pqxx::nontransaction n(c);
  n.exec(sql);
}

column_list postgres_backend::columns(std::string_view table) const {
  pqxx::connection c(url());
  pqxx::nontransaction n(c);
  const pqxx::result r =
      n.exec_params("SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = $1 "
                    "ORDER BY ordinal_position",
                    std::string(table));
  column_list out;
  for (const auto& row : r)
    out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
  return out;
}

cell text(std::string s) {
  return cell::of(std::move(s));
}
cell num(std::int64_t v) {
  return cell::of(v);
}

row agent(std::string id, std::string status, std::int64_t updated_at, std::string doc) {
  return {table_id::agents,
          0,
          {text(std::move(id)), text(std::move(status)), text("worker"), num(updated_at),
           text(std::move(doc))}};
}

row task(std::string id, std::string status, std::int64_t priority, std::int64_t updated_at) {
  return {table_id::tasks,
          0,
          {text(id), text(std::move(status)), text("feature"), num(priority), num(1),
           num(updated_at), text("{\"id\":\"" + id + "\"}")}};
}

row alert(std::string id, std::optional<std::string> agent_id, std::string status) {
  return {table_id::alerts,
          0,
          {text(std::move(id)), text(std::move(status)), text("warning"), text("stalled"),
           cell::of(agent_id), cell::null(), num(1), text("{}")}};
}

row transition(std::string task_id, std::int64_t created_at, std::string doc) {
  return {
      table_id::transitions, 0, {text(std::move(task_id)), num(created_at), text(std::move(doc))}};
}

row full_row(table_id t, int n) {
  row r;
  r.table = t;
  for (const column_def& c : def(t).columns)
    r.cells.push_back(c.type == column_type::integer
                          ? num(n)
                          : text(std::string(c.name) + "-" + std::to_string(n)));
  return r;
}

void write(store& s, std::vector<row> rows) {
  s.transact([&](store_txn& t) { t.write(rows); });
}

void commit(store& s, const std::vector<write_batch>& batches) {
  std::vector<const write_batch*> ptrs;
  for (const auto& b : batches)
    ptrs.push_back(&b);
  s.commit(ptrs);
}

std::vector<row> scan(store& s, table_id t, const scan_filter& f) {
  std::vector<row> out;
  s.transact(
      [&](store_txn& tx) {
        tx.scan(t, f, [&](const row& r) {
          out.push_back(r);
          return true;
        });
      },
      true);
  return out;
}

std::vector<std::string> scan_keys(store& s, table_id t, const scan_filter& f) {
  std::vector<std::string> keys;
  for (const row& r : scan(s, t, f))
    keys.push_back(r.key());
  return keys;
}

std::optional<row> get(store& s, table_id t, std::string_view key) {
  std::optional<row> out;
  s.transact([&](store_txn& tx) { out = tx.get(t, key); }, true);
  return out;
}

std::int64_t count(store& s, table_id t) {
  std::int64_t n = 0;
  s.transact([&](store_txn& tx) { n = tx.count(t); }, true);
  return n;
}

store_errc code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const store_error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no store_error";
  return store_errc::other;
}

} // namespace mc::persistence::testing

namespace mc::persistence {

void PrintTo(const cell& c, std::ostream* os) {
  switch (c.k) {
  case cell::kind::null:
    *os << "NULL";
    break;
  case cell::kind::integer:
    *os << c.i;
    break;
  case cell::kind::text:
    *os << '"' << c.s << '"';
    break;
  }
}

void PrintTo(const row& r, std::ostream* os) {
  *os << def(r.table).name;
  if (r.seq != 0)
    *os << "#" << r.seq;
  *os << "(";
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    if (i > 0)
      *os << ", ";
    PrintTo(r.cells[i], os);
  }
  *os << ")";
}

} // namespace mc::persistence
