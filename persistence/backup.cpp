#include "persistence/backup.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <date/tz.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>
#include <system_error>
#include <utility>

namespace mc::persistence {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// The counts and checksum are known only once every table streamed out, so the manifest is
/// written last, into this much space held at the top of the file (JSON allows the padding
/// spaces). A manifest needs well under 1 KiB.
constexpr std::size_t manifest_room = 2048;
constexpr std::string_view file_head = "{\"manifest\":";
constexpr std::string_view tables_key = ",\"tables\":";

/// A file written through a buffer, removed again unless `keep` is called.
class temp_file {
 public:
  explicit temp_file(const fs::path& dir) {
    std::string templ = (dir / ".backup-XXXXXX.tmp").string();
    fd_ = ::mkstemps(templ.data(), 4); // mode 0600
    if (fd_ < 0)
      throw_errno("cannot create a temporary file in " + dir.string());
    path_ = templ;
  }
  ~temp_file() {
    if (fd_ >= 0)
      ::close(fd_);
    if (!kept_)
      ::unlink(path_.c_str());
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const fs::path& path() const noexcept { return path_; }
  std::uintmax_t size() const noexcept { return size_; }

  void write(std::string_view s) {
    buf_.append(s);
    size_ += s.size();
    if (buf_.size() >= (1u << 20))
      flush();
  }

  void flush() {
    std::string_view rest = buf_;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0) {
        if (errno == EINTR)
          continue;
        throw_errno("cannot write " + path_.string());
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    buf_.clear();
  }

  void write_at(std::uintmax_t offset, std::string_view s) {
    flush();
    std::size_t done = 0;
    while (done < s.size()) {
      const ssize_t n =
          ::pwrite(fd_, s.data() + done, s.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR)
          continue;
        throw_errno("cannot write " + path_.string());
      }
      done += static_cast<std::size_t>(n);
    }
  }

  void sync_and_close() {
    flush();
    if (::fsync(fd_) != 0)
      throw_errno("cannot fsync " + path_.string());
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      throw_errno("cannot close " + path_.string());
  }

  void keep() noexcept { kept_ = true; }

 private:
  fs::path path_;
  int fd_ = -1;
  std::string buf_;
  std::uintmax_t size_ = 0;
  bool kept_ = false;
};

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw_errno("cannot open " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    throw_errno("cannot fsync " + dir.string());
}

void ensure_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    return;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::system_error(ec, "cannot create backup directory " + dir.string());
  // Only a directory made here is tightened: an operator's existing choice is left alone (and
  // security-check reports it).
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
}

/// Gives the finished temp file its final name without ever replacing an existing file: link()
/// fails with EEXIST instead of overwriting, whatever another process does at the same moment.
/// Returns the name, and whether the temp file is gone (the fallback renames it).
std::pair<fs::path, bool> publish(const temp_file& tmp, const fs::path& dir,
                                  const std::string& stem) {
  for (int n = 1;; ++n) {
    const fs::path target = dir / (stem + (n == 1 ? "" : "-" + std::to_string(n)) + ".json");
    if (::link(tmp.path().c_str(), target.c_str()) == 0)
      return {target, false};
    if (errno == EEXIST)
      continue;
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
      throw_errno("cannot create " + target.string());
    // A file system without hard links: check, then rename (only a racing writer can slip in).
    std::error_code ec;
    if (fs::exists(target, ec))
      continue;
    if (::rename(tmp.path().c_str(), target.c_str()) != 0)
      throw_errno("cannot create " + target.string());
    return {target, true};
  }
}

boost::json::object row_json(const row& r) {
  boost::json::object o;
  const table_def& d = def(r.table);
  o.reserve(d.columns.size() + 1);
  if (d.kind == table_kind::journal)
    o.emplace("seq", r.seq);
  for (std::size_t i = 0; i < d.columns.size(); ++i) {
    const cell& c = r.cells[i];
    switch (c.k) {
    case cell::kind::null:
      o.emplace(d.columns[i].name, nullptr);
      break;
    case cell::kind::integer:
      o.emplace(d.columns[i].name, c.i);
      break;
    case cell::kind::text:
      o.emplace(d.columns[i].name, c.s);
      break;
    }
  }
  return o;
}

} // namespace

std::int64_t total(const table_counts& counts) noexcept {
  return std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
}

std::string format_counts(const table_counts& counts, std::string_view indent) {
  std::size_t width = 0;
  for (const table_def& d : all_tables())
    width = std::max(width, d.name.size());
  std::string out;
  for (const table_def& d : all_tables()) {
    out += indent;
    out += d.name;
    out += std::string(width + 2 - d.name.size(), ' ');
    out += std::to_string(counts[static_cast<std::size_t>(d.id)]);
    out += '\n';
  }
  return out;
}

backup_hasher::backup_hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: cannot start SHA-256");
}

backup_hasher::~backup_hasher() {
  EVP_MD_CTX_free(ctx_);
}

void backup_hasher::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 update failed");
}

std::string backup_hasher::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, digest, &len) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 final failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

std::string backup_checksum(std::string_view tables_json) {
  backup_hasher h;
  h.update(tables_json);
  return h.finish();
}

std::string backup_stem(const local_zone& zone, std::int64_t at_ms) {
  using namespace std::chrono;
  // local_zone answers in dates; the hour and minute come from the same tz database zone.
  const date::time_zone* tz = date::locate_zone(zone.name());
  const auto local = tz->to_local(date::sys_time<milliseconds>(milliseconds(at_ms)));
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<minutes> hm(date::floor<minutes>(local - day));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u-%02d-%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hm.hours().count()), static_cast<int>(hm.minutes().count()));
  return buf;
}

void require_latest_schema(store& s) {
  const int v = s.schema_version();
  const int latest = latest_schema_version();
  if (v == latest)
    return;
  if (v > latest)
    throw store_error(store_errc::newer_schema,
                      s.describe() + " has schema version " + std::to_string(v) +
                          ", newer than this binary's " + std::to_string(latest) +
                          ": use a newer mission-control");
  throw store_error(store_errc::config, s.describe() + " has schema version " + std::to_string(v) +
                                            ", this binary's is " + std::to_string(latest) +
                                            ": run `mission-control migrate` first");
}

backup_result write_backup(store& s, const fs::path& dir, const local_zone& zone,
                           std::int64_t now_ms) {
  require_latest_schema(s);
  backup_result out;
  out.source = std::string(s.dialect());
  out.schema_version = s.schema_version();
  out.created_at = now_ms;

  ensure_dir(dir);
  temp_file tmp(dir);
  tmp.write(file_head);
  tmp.write(std::string(manifest_room, ' '));
  tmp.write(tables_key);

  backup_hasher hasher;
  const auto emit = [&](std::string_view bytes) {
    tmp.write(bytes);
    hasher.update(bytes);
  };
  // One read-only transaction: every table comes from the same snapshot, while writers go on.
  s.transact(
      [&](store_txn& txn) {
        emit("{");
        bool first_table = true;
        for (const table_def& d : all_tables()) {
          emit(first_table ? "\"" : ",\"");
          first_table = false;
          emit(d.name);
          emit("\":[");
          std::int64_t n = 0;
          txn.scan(d.id, {}, [&](const row& r) {
            if (n++ > 0)
              emit(",");
            emit(boost::json::serialize(row_json(r)));
            return true;
          });
          out.counts[static_cast<std::size_t>(d.id)] = n;
          emit("]");
        }
        emit("}");
      },
      true);
  tmp.write("}\n");
  out.checksum = hasher.finish();

  boost::json::object counts;
  for (const table_def& d : all_tables())
    counts.emplace(d.name, out.counts[static_cast<std::size_t>(d.id)]);
  boost::json::object manifest;
  manifest.emplace("format", backup_format);
  manifest.emplace("formatVersion", backup_format_version);
  manifest.emplace("schemaVersion", out.schema_version);
  manifest.emplace("createdAt", out.created_at);
  manifest.emplace("source", out.source);
  manifest.emplace("counts", std::move(counts));
  manifest.emplace("checksum", out.checksum);
  const std::string text = boost::json::serialize(manifest);
  if (text.size() > manifest_room)
    throw std::length_error("backup manifest larger than the room kept for it");
  tmp.write_at(file_head.size(), text);
  out.bytes = tmp.size();
  tmp.sync_and_close();

  const auto [file, moved] = publish(tmp, dir, backup_stem(zone, now_ms));
  out.file = file;
  if (!moved)
    ::unlink(tmp.path().c_str());
  tmp.keep();
  sync_dir(dir);
  return out;
}

} // namespace mc::persistence
