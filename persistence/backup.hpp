// `backup`: every catalog table of a store, read in one consistent snapshot, as one JSON file
// named by local time. Also the backup file format that restore reads and the helpers the
// maintenance commands share.
#pragma once

#include "domain/local_day.hpp"
#include "persistence/schema.hpp"
#include "persistence/store.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace mc::persistence {

/// Rows per table, indexed by table_id.
using table_counts = std::array<std::int64_t, table_count>;
std::int64_t total(const table_counts& counts) noexcept;
/// One line per catalog table, `<indent><name>  <count>`, names aligned, for the commands.
std::string format_counts(const table_counts& counts, std::string_view indent = "  ");

// The file is `{"manifest":{…},"tables":{"agents":[{column:value,…},…],…}}`: the manifest first,
// so `head -c 2000` shows what a file holds, and the tables last, so both can be streamed.
inline constexpr std::string_view backup_format = "mission-control-backup";
inline constexpr int backup_format_version = 1;

/// Incremental SHA-256 (OpenSSL EVP) of the exact bytes of the "tables" value.
class backup_hasher {
 public:
  backup_hasher();
  ~backup_hasher();
  backup_hasher(const backup_hasher&) = delete;
  backup_hasher& operator=(const backup_hasher&) = delete;
  void update(std::string_view bytes);
  /// `sha256:<64 lower-case hex digits>`; the hasher is spent afterwards.
  std::string finish();

 private:
  evp_md_ctx_st* ctx_;
};

/// The checksum a manifest carries for these "tables" bytes.
std::string backup_checksum(std::string_view tables_json);

/// `YYYY-MM-DD-HH-MM`: the local time of `at_ms` in `zone`, the stem of a backup's file name.
std::string backup_stem(const local_zone& zone, std::int64_t at_ms);

struct backup_result {
  std::filesystem::path file;
  std::string source;
  int schema_version = 0;
  std::int64_t created_at = 0;
  table_counts counts{};
  std::uintmax_t bytes = 0;
  std::string checksum;
};

/// Writes a backup of `s` into `dir` (created 0700 when missing; the file is 0600: it holds every
/// secret hash and replayable response). Reads in ONE read-only transaction; writes a hidden temp
/// file, fsyncs it, then links it to `<stem>.json`, or `<stem>-2.json`, `-3`… when that exists, so
/// neither a half-written file nor an overwrite can appear under a backup's name. Never writes to
/// the store. Throws store_error, or std::system_error for file trouble.
backup_result write_backup(store& s, const std::filesystem::path& dir, const local_zone& zone,
                           std::int64_t now_ms);

/// Throws store_error(config or newer_schema) unless the store's schema is this binary's latest:
/// the catalog the maintenance commands read and write is the latest one.
void require_latest_schema(store& s);

} // namespace mc::persistence
