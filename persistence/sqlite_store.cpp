#include "persistence/sqlite_store.hpp"

#include "persistence/sql_common.hpp"

#include "persistence/audit_chain.hpp"
#include "persistence/migrations.hpp"
#include "persistence/sqlite_checkpointer.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mc::persistence {
namespace {

using namespace sql;

/// Rows by table, in their order within each table (tables have no foreign keys, so the order
/// across tables does not matter).
table_groups group_by_table(std::span<const write_batch* const> batches) {
  table_groups groups;
  for (const write_batch* b : batches) {
    if (b == nullptr)
      continue;
    for (const row& r : b->rows) {
      check_row(r);
      groups[static_cast<std::size_t>(r.table)].push_back(&r);
    }
  }
  return groups;
}

// --- SQLite specifics.

store_errc classify(int rc) {
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_IOERR:
  case SQLITE_FULL:
  case SQLITE_PROTOCOL:
    return store_errc::unavailable;
  case SQLITE_CONSTRAINT:
  case SQLITE_MISMATCH:
  case SQLITE_TOOBIG:
    return store_errc::constraint;
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
  case SQLITE_READONLY:
  case SQLITE_AUTH:
  case SQLITE_NOTADB:
    return store_errc::config;
  default:
    return store_errc::other;
  }
}

std::string placeholders(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s += i == 0 ? "?" : ", ?";
  return s;
}

enum op : std::size_t { op_write, op_write_seq, op_get, op_remove, op_count, op_clear, op_total };

std::string sql_for(table_id t, op o) {
  const table_def& d = def(t);
  const std::string table = quoted(d.name);
  const std::string key = quoted(key_column(d));
  switch (o) {
  case op_write:
    if (d.kind == table_kind::journal)
      return "INSERT INTO " + table + " (" + column_list(d) + ") VALUES (" +
             placeholders(d.columns.size()) + ")";
    else {
      std::string sql = "INSERT INTO " + table + " (" + column_list(d) + ") VALUES (" +
                        placeholders(d.columns.size()) + ") ON CONFLICT (" + key +
                        ") DO UPDATE SET ";
      for (std::size_t i = 1; i < d.columns.size(); ++i) {
        if (i > 1)
          sql += ", ";
        sql += quoted(d.columns[i].name) + " = excluded." + quoted(d.columns[i].name);
      }
      return sql;
    }
  case op_write_seq:
    return "INSERT INTO " + table + " (\"seq\", " + column_list(d) + ") VALUES (" +
           placeholders(d.columns.size() + 1) + ")";
  case op_get:
    return "SELECT " + select_list(d) + " FROM " + table + " WHERE " + key + " = ?";
  case op_remove:
    return "DELETE FROM " + table + " WHERE " + key + " = ?";
  case op_count:
    return "SELECT count(*) FROM " + table;
  case op_clear:
    return "DELETE FROM " + table;
  case op_total:
    break;
  }
  return {};
}

} // namespace

struct sqlite_store::impl {
  std::filesystem::path dir;
  std::filesystem::path db_path;
  std::filesystem::path lock_path;
  std::chrono::milliseconds busy_timeout;
  sqlite3* db = nullptr;
  int lock_fd = -1;
  std::array<std::array<sqlite3_stmt*, op_total>, table_count> cache{};
  std::unordered_map<std::string, sqlite3_stmt*> scan_cache;
  sqlite3_stmt* audit_tail_stmt = nullptr;
  std::unique_ptr<sqlite_checkpointer> checkpointer;

  impl(std::filesystem::path data_dir, std::chrono::milliseconds timeout)
      : dir(std::move(data_dir)), db_path(dir / "mission-control.db"),
        lock_path(dir / "mission-control.lock"), busy_timeout(timeout) {}

  ~impl() {
    close();
    unlock();
  }

  [[noreturn]] void fail(int rc, std::string_view doing) const {
    const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw store_error(classify(rc),
                      "sqlite " + std::string(doing) + ": " + msg + " (" + db_path.string() + ")");
  }

  void open() {
    std::error_code ec;
    const bool created = std::filesystem::create_directories(dir, ec);
    if (ec)
      throw store_error(store_errc::config,
                        "cannot create data directory " + dir.string() + ": " + ec.message());
    // The database holds agent token hashes and the audit trail: private by default. SQLite
    // gives its -wal and -shm files the database file's permissions.
    if (created)
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    if (const int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        fd >= 0)
      ::close(fd);
    const int rc =
        sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    try {
      if (rc != SQLITE_OK)
        fail(rc, "open");
      sqlite3_extended_result_codes(db, 1);
      sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
      // A persistent WAL file keeps its directory entry across restarts, so a commit never
      // depends on a freshly created, not yet synced directory entry.
      int persist = 1;
      sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
      std::string mode;
      query_text("PRAGMA journal_mode=WAL", mode);
      if (mode != "wal")
        throw store_error(store_errc::config, "sqlite: cannot switch " + db_path.string() +
                                                  " to WAL (mode " + mode + ")");
      exec("PRAGMA synchronous=FULL", "set synchronous");
      // Checkpoints run beside the commits, not inside them (see sqlite_checkpointer.hpp).
      checkpointer = std::make_unique<sqlite_checkpointer>(
          db, db_path, static_cast<int>(busy_timeout.count()), sqlite_checkpointer::limits{});
      sync_dir();
    } catch (...) {
      close();
      throw;
    }
  }

  /// Makes the database and WAL files' directory entries durable (they may be new).
  void sync_dir() const {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

  void close() noexcept {
    // First: its thread must not checkpoint while the connection is being closed.
    checkpointer.reset();
    for (auto& per_table : cache)
      for (auto*& st : per_table) {
        sqlite3_finalize(st);
        st = nullptr;
      }
    for (auto& [sql, st] : scan_cache)
      sqlite3_finalize(st);
    scan_cache.clear();
    sqlite3_finalize(audit_tail_stmt);
    audit_tail_stmt = nullptr;
    if (db != nullptr)
      sqlite3_close_v2(db);
    db = nullptr;
  }

  void ensure_open() const {
    if (db == nullptr)
      throw store_error(store_errc::unavailable,
                        "sqlite database " + db_path.string() + " is closed; reconnect()");
  }

  void exec(const char* sql, std::string_view doing) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
      fail(rc, doing);
  }

  void rollback_quietly() noexcept {
    if (db != nullptr && sqlite3_get_autocommit(db) == 0)
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void commit_or_rollback() {
    const int rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = sqlite3_errmsg(db);
      rollback_quietly();
      throw store_error(classify(rc), "sqlite commit: " + msg + " (" + db_path.string() + ")");
    }
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK)
      fail(rc, "prepare");
    return st;
  }

  void query_text(const char* sql, std::string& out) {
    sqlite3_stmt* st = prepare(sql);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(st, 0);
      out = p != nullptr ? reinterpret_cast<const char*>(p) : "";
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      fail(rc, sql);
  }

  void step_done(sqlite3_stmt* st, std::string_view doing) {
    const int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      fail(rc, doing);
  }

  void lock_file_close() noexcept {
    if (lock_fd >= 0)
      ::close(lock_fd);
    lock_fd = -1;
  }

  void unlock() noexcept {
    if (lock_fd >= 0)
      ::flock(lock_fd, LOCK_UN);
    lock_file_close();
  }
};

namespace {

/// A cached statement for the length of one use. A statement still stepping (a scan whose
/// callback runs the same query again) gets a private copy instead of being reset under it.
class lease {
 public:
  /// The cached statement of (table, operation).
  lease(sqlite_store::impl& s, table_id t, op o)
      : lease(s, s.cache[static_cast<std::size_t>(t)][o], [&] { return sql_for(t, o); }) {}

  template <class MakeSql>
  lease(sqlite_store::impl& s, sqlite3_stmt*& slot, MakeSql&& make_sql) {
    if (slot == nullptr)
      slot = s.prepare(make_sql());
    if (sqlite3_stmt_busy(slot) != 0) {
      owned_ = s.prepare(make_sql());
      stmt_ = owned_;
    } else {
      stmt_ = slot;
    }
  }
  ~lease() {
    if (owned_ != nullptr) {
      sqlite3_finalize(owned_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3_stmt* owned_ = nullptr;
};

void bind(sqlite_store::impl& s, sqlite3_stmt* st, int index, const cell& c) {
  int rc = SQLITE_OK;
  switch (c.k) {
  case cell::kind::null:
    rc = sqlite3_bind_null(st, index);
    break;
  case cell::kind::integer:
    rc = sqlite3_bind_int64(st, index, c.i);
    break;
  case cell::kind::text:
    if (c.s.size() > static_cast<std::size_t>(INT_MAX))
      throw store_error(store_errc::constraint, "sqlite: text cell too large");
    rc = sqlite3_bind_text(st, index, c.s.data(), static_cast<int>(c.s.size()), SQLITE_STATIC);
    break;
  }
  if (rc != SQLITE_OK)
    s.fail(rc, "bind");
}

row read_row(sqlite3_stmt* st, table_id t) {
  const table_def& d = def(t);
  row r;
  r.table = t;
  int col = 0;
  if (d.kind == table_kind::journal)
    r.seq = sqlite3_column_int64(st, col++);
  r.cells.reserve(d.columns.size());
  for (const auto& c : d.columns) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
      r.cells.push_back(cell::null());
    } else if (c.type == column_type::integer) {
      r.cells.push_back(cell::of(static_cast<std::int64_t>(sqlite3_column_int64(st, col))));
    } else {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, col));
      r.cells.push_back(cell::of(std::string(p, n)));
    }
    ++col;
  }
  return r;
}

class sqlite_txn final : public store_txn {
 public:
  sqlite_txn(sqlite_store::impl& s, bool read_only) : s_(s), read_only_(read_only) {}

  void write(std::span<const row> rows) override {
    writable();
    std::vector<const row*> ordered;
    ordered.reserve(rows.size());
    for (const row& r : rows) {
      check_row(r);
      ordered.push_back(&r);
    }
    std::vector<row> chained;
    chain_audit_rows(ordered, chained, [&] { return audit_tail(); });
    for (const row* r : ordered)
      write_one(*r);
  }

  /// The hash of the last chained audit record. A writing transaction holds SQLite's write lock
  /// from its BEGIN IMMEDIATE, so no other writer can append behind this read.
  std::string audit_tail() {
    lease st(s_, s_.audit_tail_stmt, [] {
      return std::string("SELECT \"hash\" FROM \"audit\" WHERE \"hash\" IS NOT NULL ORDER BY "
                         "\"seq\" DESC LIMIT 1");
    });
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE)
      return std::string(chain_genesis);
    if (rc != SQLITE_ROW)
      s_.fail(rc, "read the audit chain's tail");
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st.get(), 0)));
  }

  void write_one(const row& r) {
    const bool with_seq = def(r.table).kind == table_kind::journal && r.seq != 0;
    const op o = with_seq ? op_write_seq : op_write;
    lease st(s_, r.table, o);
    int index = 1;
    if (with_seq)
      bind(s_, st.get(), index++, cell::of(r.seq));
    for (const cell& c : r.cells)
      bind(s_, st.get(), index++, c);
    s_.step_done(st.get(), "write to " + std::string(def(r.table).name));
  }

  void remove(table_id t, std::string_view key) override {
    writable();
    lease st(s_, t, op_remove);
    if (!bind_key(st.get(), t, key))
      return;
    s_.step_done(st.get(), "delete from " + std::string(def(t).name));
  }

  void clear(table_id t) override {
    writable();
    lease st(s_, t, op_clear);
    s_.step_done(st.get(), "clear " + std::string(def(t).name));
  }

  void scan(table_id t, const scan_filter& f, const std::function<bool(const row&)>& fn) override {
    const table_def& d = def(t);
    std::string sql = "SELECT " + select_list(d) + " FROM " + quoted(d.name);
    std::vector<cell> args;
    std::string where;
    if (!f.equals_column.empty()) {
      const column_def c = resolve_column(t, f.equals_column);
      if (f.equals_value.is_null()) {
        where = quoted(c.name) + " IS NULL";
      } else {
        const auto want = c.type == column_type::text ? cell::kind::text : cell::kind::integer;
        if (f.equals_value.k != want)
          throw store_error(store_errc::other, "scan filter on " + std::string(c.name) +
                                                   " compares with the wrong type");
        where = quoted(c.name) + " = ?";
        args.push_back(f.equals_value);
      }
    }
    if (!f.range_column.empty()) {
      const column_def c = resolve_column(t, f.range_column);
      if (c.type != column_type::integer)
        throw store_error(store_errc::other,
                          "scan range on " + std::string(c.name) + ", which is not an integer");
      if (!where.empty())
        where += " AND ";
      where += quoted(c.name) + " >= ? AND " + quoted(c.name) + " < ?";
      args.push_back(cell::of(f.range_from));
      args.push_back(cell::of(f.range_to));
    }
    if (f.after_seq > 0 && d.kind == table_kind::journal) {
      if (!where.empty())
        where += " AND ";
      where += "\"seq\" > ?";
      args.push_back(cell::of(f.after_seq));
    }
    if (!where.empty())
      sql += " WHERE " + where;
    sql += " ORDER BY " + quoted(key_column(d)) + (f.descending ? " DESC" : "");
    if (f.limit != 0) {
      sql += " LIMIT ?";
      args.push_back(cell::of(static_cast<std::int64_t>(
          std::min<std::size_t>(f.limit, static_cast<std::size_t>(INT64_MAX)))));
    }
    lease st(s_, s_.scan_cache[sql], [&] { return sql; });
    int index = 1;
    for (const cell& a : args)
      bind(s_, st.get(), index++, a);
    for (;;) {
      const int rc = sqlite3_step(st.get());
      if (rc == SQLITE_DONE)
        return;
      if (rc != SQLITE_ROW)
        s_.fail(rc, "scan " + std::string(d.name));
      if (!fn(read_row(st.get(), t)))
        return;
    }
  }

  std::optional<row> get(table_id t, std::string_view key) override {
    lease st(s_, t, op_get);
    if (!bind_key(st.get(), t, key))
      return std::nullopt;
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE)
      return std::nullopt;
    if (rc != SQLITE_ROW)
      s_.fail(rc, "get from " + std::string(def(t).name));
    return read_row(st.get(), t);
  }

  std::int64_t count(table_id t) override {
    lease st(s_, t, op_count);
    const int rc = sqlite3_step(st.get());
    if (rc != SQLITE_ROW)
      s_.fail(rc, "count " + std::string(def(t).name));
    return sqlite3_column_int64(st.get(), 0);
  }

 private:
  void writable() const {
    if (read_only_)
      throw store_error(store_errc::other, "write in a read-only transaction");
  }

  /// False for a journal key that is no seq: no row can have it.
  bool bind_key(sqlite3_stmt* st, table_id t, std::string_view key) {
    if (def(t).kind == table_kind::journal) {
      const auto seq = parse_seq(key);
      if (!seq)
        return false;
      bind(s_, st, 1, cell::of(*seq));
    } else {
      // The caller's key outlives the statement's step; bind it without a temporary copy.
      if (sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC) !=
          SQLITE_OK)
        s_.fail(sqlite3_errcode(s_.db), "bind key");
    }
    return true;
  }

  sqlite_store::impl& s_;
  bool read_only_;
};

} // namespace

sqlite_store::sqlite_store(std::filesystem::path data_dir, std::chrono::milliseconds busy_timeout)
    : impl_(std::make_unique<impl>(std::move(data_dir), busy_timeout)) {
  impl_->open();
}

sqlite_store::~sqlite_store() = default;

const std::filesystem::path& sqlite_store::database_path() const noexcept {
  return impl_->db_path;
}

std::string sqlite_store::describe() const {
  return "sqlite " + impl_->db_path.string();
}

int sqlite_store::schema_version() {
  impl_->ensure_open();
  std::string exists;
  impl_->query_text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
                    exists);
  if (exists.empty())
    return 0;
  std::string v;
  impl_->query_text("SELECT COALESCE(MAX(version), 0) FROM schema_version", v);
  return std::stoi(v);
}

int sqlite_store::migrate() {
  impl& s = *impl_;
  s.ensure_open();
  s.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
         "NULL, applied_at BIGINT NOT NULL)",
         "create schema_version");
  const int current = schema_version();
  refuse_newer_schema(current, describe());
  for (const migration& m : migrations_for(dialect())) {
    if (m.version <= current)
      continue;
    s.exec("BEGIN IMMEDIATE", "begin migration");
    try {
      // Another process may have applied it while this one waited for the write lock.
      if (schema_version() >= m.version) {
        s.commit_or_rollback();
        continue;
      }
      const std::string sql(m.sql);
      char* err = nullptr;
      const int rc = sqlite3_exec(s.db, sql.c_str(), nullptr, nullptr, &err);
      if (rc != SQLITE_OK) {
        const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw store_error(classify(rc) == store_errc::unavailable ? store_errc::unavailable
                                                                  : store_errc::other,
                          "sqlite migration " + std::string(m.name) + " failed: " + msg);
      }
      sqlite3_stmt* st =
          s.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)");
      sqlite3_bind_int64(st, 1, m.version);
      sqlite3_bind_text(st, 2, m.name.data(), static_cast<int>(m.name.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 3, unix_ms_now());
      const int step = sqlite3_step(st);
      sqlite3_finalize(st);
      if (step != SQLITE_DONE)
        s.fail(step, "record migration");
    } catch (...) {
      s.rollback_quietly();
      throw;
    }
    s.commit_or_rollback();
  }
  return schema_version();
}

void sqlite_store::transact(const std::function<void(store_txn&)>& fn, bool read_only) {
  impl& s = *impl_;
  s.ensure_open();
  // A writer takes the write lock up front: upgrading a read transaction later could fail
  // with SQLITE_BUSY without waiting. A reader's snapshot starts at its first read.
  s.exec(read_only ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE", "begin");
  try {
    sqlite_txn txn(s, read_only);
    fn(txn);
  } catch (...) {
    s.rollback_quietly();
    throw;
  }
  s.commit_or_rollback();
}

void sqlite_store::commit(std::span<const write_batch* const> batches) {
  impl& s = *impl_;
  table_groups groups = group_by_table(batches);
  bool any = false;
  for (const auto& g : groups)
    any = any || !g.empty();
  if (!any)
    return;
  s.ensure_open();
  s.exec("BEGIN IMMEDIATE", "begin");
  try {
    sqlite_txn txn(s, false);
    std::vector<row> chained;
    chain_audit_rows(groups[static_cast<std::size_t>(table_id::audit)], chained,
                     [&] { return txn.audit_tail(); });
    for (const auto& g : groups)
      for (const row* r : g)
        txn.write_one(*r);
  } catch (...) {
    s.rollback_quietly();
    throw;
  }
  s.commit_or_rollback();
}

bool sqlite_store::reconnect() {
  impl_->close();
  try {
    impl_->open();
    return true;
  } catch (const store_error&) {
    return false;
  }
}

bool sqlite_store::try_claim_server_lock() {
  impl& s = *impl_;
  if (s.lock_fd >= 0)
    return true;
  std::error_code ec;
  std::filesystem::create_directories(s.dir, ec);
  s.lock_fd = ::open(s.lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s.lock_fd < 0)
    throw store_error(store_errc::config, "cannot open lock file " + s.lock_path.string() + ": " +
                                              std::strerror(errno));
  if (::flock(s.lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    s.lock_file_close();
    if (err == EWOULDBLOCK)
      return false;
    throw store_error(store_errc::config,
                      "cannot lock " + s.lock_path.string() + ": " + std::strerror(err));
  }
  // The holder's pid, for an operator wondering who holds it; the flock is what counts.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(s.lock_fd, 0) != 0 || ::pwrite(s.lock_fd, pid.data(), pid.size(), 0) < 0) {
    // Best effort only.
  }
  return true;
}

void sqlite_store::release_server_lock() {
  impl_->unlock();
}

std::unique_ptr<store> sqlite_store::open_another() const {
  return std::make_unique<sqlite_store>(impl_->dir, impl_->busy_timeout);
}

} // namespace mc::persistence
