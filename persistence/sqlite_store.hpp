// The embedded store: one SQLite file in the data directory (WAL, synchronous=FULL), with the
// server lock as an flock on a file beside it. sqlite3.h stays in the .cpp.
#pragma once

#include "persistence/store.hpp"

#include <chrono>
#include <filesystem>
#include <memory>

namespace mc::persistence {

class sqlite_store final : public store {
 public:
  /// How long a statement waits for another connection's write lock before it reports
  /// `unavailable`.
  static constexpr std::chrono::milliseconds default_busy_timeout{5000};

  /// Opens `<data_dir>/mission-control.db`, creating the directory and the file if missing.
  /// Throws store_error (config when the directory or file cannot be created).
  explicit sqlite_store(std::filesystem::path data_dir,
                        std::chrono::milliseconds busy_timeout = default_busy_timeout);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  std::string_view dialect() const noexcept override { return "sqlite"; }
  std::string describe() const override;
  int schema_version() override;
  int migrate() override;
  void transact(const std::function<void(store_txn&)>& fn, bool read_only = false) override;
  void commit(std::span<const write_batch* const> batches) override;
  bool reconnect() override;
  bool try_claim_server_lock() override;
  void release_server_lock() override;
  std::unique_ptr<store> open_another() const override;

  const std::filesystem::path& database_path() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

} // namespace mc::persistence
