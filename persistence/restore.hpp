// `restore --backup=PATH`: checks a backup file completely before touching the store, then
// replaces every table's content with the file's in one transaction. Works across stores.
#pragma once

#include "persistence/backup.hpp"
#include "persistence/store.hpp"

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mc::persistence {

class restore_error : public std::runtime_error {
 public:
  enum class reason : std::uint8_t {
    /// Not a readable backup of this format, wrong checksum or counts, or a newer schema.
    invalid_backup,
    /// A server holds the target store.
    server_running,
    /// The store refused the data; the transaction rolled back, nothing changed.
    failed,
  };
  restore_error(reason r, const std::string& what) : std::runtime_error(what), reason_(r) {}
  reason why() const noexcept { return reason_; }

 private:
  reason reason_;
};

struct backup_manifest {
  int format_version = 0;
  int schema_version = 0;
  std::int64_t created_at = 0;
  std::string source;
  table_counts counts{};
  std::string checksum;
};

struct verified_backup {
  std::filesystem::path file;
  backup_manifest manifest;
  std::uintmax_t bytes = 0;
};

/// Reads the whole file once (memory stays flat) and checks the format and its version, the
/// schema version (at most this binary's), that every row fits its table's columns, the row counts
/// per table and the checksum. Throws restore_error(invalid_backup) naming the first problem.
verified_backup verify_backup(const std::filesystem::path& file);

struct restore_result {
  verified_backup backup;
  std::string target;
  int schema_version = 0;
  /// What the tables held before, and after.
  table_counts replaced{};
  table_counts restored{};
};

/// Refuses (server_running) unless it can claim the store's server lock, which it holds until
/// done; migrates the target to the latest schema; then in ONE transaction clears every catalog
/// table and writes every row of the file (journals keep their seq and order), checking on the
/// way that the file still is the one verified. Throws restore_error(failed) when the store
/// refuses a row, after the rollback.
restore_result restore_backup(store& target, const verified_backup& backup);

/// verify_backup, then the above.
restore_result restore_backup(store& target, const std::filesystem::path& file);

} // namespace mc::persistence
