// The store interface the persistence actor, boot recovery and the maintenance commands use;
// sqlite_store and postgres_store implement it. All calls block: use it only off the actor threads
// (the persistence actor is detached) or from the CLI.
#pragma once

#include "persistence/row.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mc::persistence {

enum class store_errc : std::uint8_t {
  /// The database cannot be reached or is busy; the same work may succeed later.
  unavailable = 1,
  /// The database's schema is newer than this binary knows.
  newer_schema,
  /// A row violates the schema (e.g. a key conflict on a journal).
  constraint,
  /// Bad configuration (URL, path, permissions).
  config,
  other,
};

const char* to_string(store_errc e) noexcept;

class store_error : public std::runtime_error {
 public:
  store_error(store_errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  store_errc code() const noexcept { return code_; }
  bool transient() const noexcept { return code_ == store_errc::unavailable; }

 private:
  store_errc code_;
};

/// Which rows a scan returns. Rows always come in key order (seq for journals).
struct scan_filter {
  /// Only rows whose `equals_column` holds `equals_value` (empty name: no such condition).
  std::string_view equals_column;
  cell equals_value;
  /// Only rows with range_from <= `range_column` < range_to (an integer column).
  std::string_view range_column;
  std::int64_t range_from = std::numeric_limits<std::int64_t>::min();
  std::int64_t range_to = std::numeric_limits<std::int64_t>::max();
  /// At most this many rows; 0 means all.
  std::size_t limit = 0;
  /// Journals only, when positive: only rows with seq > after_seq (keyset paging).
  std::int64_t after_seq = 0;
  /// Rows come in key order; this reverses it (with limit 1: the last matching row).
  bool descending = false;
};

/// The operations available inside one transaction.
class store_txn {
 public:
  virtual ~store_txn() = default;
  /// Snapshots and keyed tables are upserted by key (within one call the last row of a key
  /// wins); journal rows are appended in order.
  virtual void write(std::span<const row> rows) = 0;
  /// Deletes by key (for journals the key is the seq in decimal). Missing keys are ignored.
  virtual void remove(table_id t, std::string_view key) = 0;
  virtual void clear(table_id t) = 0;
  /// Streams matching rows to `fn` until it returns false; memory stays flat for large tables.
  virtual void scan(table_id t, const scan_filter& filter,
                    const std::function<bool(const row&)>& fn) = 0;
  virtual std::optional<row> get(table_id t, std::string_view key) = 0;
  virtual std::int64_t count(table_id t) = 0;
};

class store {
 public:
  virtual ~store() = default;
  /// `sqlite` or `postgres`: also the name of the migrations folder.
  virtual std::string_view dialect() const noexcept = 0;
  /// Where the data lives, for logs and messages (never a password).
  virtual std::string describe() const = 0;
  /// 0 for a database no migration has touched.
  virtual int schema_version() = 0;
  /// Applies every pending migration, each in its own transaction, and returns the version.
  /// Throws store_error(newer_schema) when the database is ahead of this binary.
  virtual int migrate() = 0;
  /// Runs `fn` in one transaction: committed when it returns, rolled back when it throws.
  /// A read-only transaction sees one consistent snapshot (backup relies on it). Inside `fn`
  /// use only the store_txn: other calls on this store throw (one transaction per connection).
  virtual void transact(const std::function<void(store_txn&)>& fn, bool read_only = false) = 0;
  /// Writes many batches in ONE transaction with one commit (group commit); rows of one table
  /// go out as multi-row statements. Throws store_error; nothing is written when it throws,
  /// except when the connection drops during COMMIT itself: then the outcome is unknown and it
  /// is reported as `unavailable` (snapshots are upserts, so a retry rewrites them harmlessly).
  virtual void commit(std::span<const write_batch* const> batches) = 0;
  /// Tries to reconnect after an `unavailable` error; true when the database answers again.
  virtual bool reconnect() = 0;
  /// A running server's exclusive claim on this store, so `restore` can refuse to run under it.
  /// False when another process holds it. Released by release_server_lock or process exit.
  virtual bool try_claim_server_lock() = 0;
  virtual void release_server_lock() = 0;
  /// A second, independent connection to the same database (for reads that must not queue
  /// behind the writer, e.g. the audit export). Throws store_error(config) where unsupported.
  virtual std::unique_ptr<store> open_another() const {
    throw store_error(store_errc::config, "this store cannot open a second connection");
  }
};

struct store_config {
  /// Empty: the embedded SQLite store in `data_dir`; `postgres://…` or `postgresql://…`: Postgres.
  std::string database_url;
  std::string data_dir = "./var";
};

/// Opens (and creates, for SQLite) the configured store. Does not migrate. Throws store_error.
std::unique_ptr<store> open_store(const store_config& cfg);

} // namespace mc::persistence
