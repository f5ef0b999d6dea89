// The production store: PostgreSQL through libpqxx 6.4, with group commits sent as multi-row
// statements and the server lock as a session-level advisory lock. libpqxx stays in the .cpp.
#pragma once

#include "persistence/store.hpp"

#include <memory>
#include <string>

namespace mc::persistence {

class postgres_store final : public store {
 public:
  /// Rows per multi-row statement (Postgres allows 65535 parameters; tables have <= 8 columns).
  static constexpr std::size_t rows_per_statement = 256; // a power of two (write_chunks)
  /// Rows fetched per round trip while a scan streams.
  static constexpr std::size_t scan_fetch_rows = 1000;

  /// Connects to `url` (`postgres://…` or `postgresql://…`, handed to libpq as is).
  /// Throws store_error (unavailable when the server cannot be reached).
  explicit postgres_store(std::string url);
  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  std::string_view dialect() const noexcept override { return "postgres"; }
  std::string describe() const override;
  int schema_version() override;
  int migrate() override;
  void transact(const std::function<void(store_txn&)>& fn, bool read_only = false) override;
  void commit(std::span<const write_batch* const> batches) override;
  bool reconnect() override;
  bool try_claim_server_lock() override;
  void release_server_lock() override;
  std::unique_ptr<store> open_another() const override;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// `url` with its password replaced by `***`, for logs and messages.
std::string redact_database_url(std::string_view url);

} // namespace mc::persistence
