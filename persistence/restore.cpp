#include "persistence/restore.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace mc::persistence {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw restore_error(restore_error::reason::invalid_backup, what);
}

/// The file in 1 MiB pieces, so a backup of any size is read with flat memory.
class chunk_reader {
 public:
  explicit chunk_reader(const fs::path& file) : in_(file, std::ios::binary), buf_(1u << 20) {
    if (!in_)
      invalid("cannot open " + file.string());
  }

  /// What is left of the current piece; empty only at the end of the file.
  std::string_view peek() {
    if (pos_ == len_) {
      in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
      if (in_.bad())
        invalid("cannot read the backup file");
      len_ = static_cast<std::size_t>(in_.gcount());
      pos_ = 0;
    }
    return {buf_.data() + pos_, len_ - pos_};
  }
  void consume(std::size_t n) noexcept {
    pos_ += n;
    offset_ += n;
  }
  std::uintmax_t offset() const noexcept { return offset_; }

  void skip_space() {
    for (std::string_view s = peek(); !s.empty() && std::isspace(static_cast<unsigned char>(s[0]));
         s = peek())
      consume(1);
  }

  /// Consumes `literal` or fails with `what`.
  void expect(std::string_view literal, const std::string& what) {
    for (const char c : literal) {
      const std::string_view s = peek();
      if (s.empty() || s[0] != c)
        invalid(what);
      consume(1);
    }
  }

 private:
  std::ifstream in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  std::uintmax_t offset_ = 0;
};

std::optional<table_id> table_named(std::string_view name) {
  for (const table_def& d : all_tables())
    if (d.name == name)
      return d.id;
  return std::nullopt;
}

std::int64_t manifest_int(const boost::json::object& m, std::string_view key) {
  const auto* v = m.if_contains(key);
  if (v == nullptr || !v->is_int64())
    invalid("the manifest's \"" + std::string(key) + "\" is missing or not an integer");
  return v->as_int64();
}

std::string manifest_text(const boost::json::object& m, std::string_view key) {
  const auto* v = m.if_contains(key);
  if (v == nullptr || !v->is_string())
    invalid("the manifest's \"" + std::string(key) + "\" is missing or not a string");
  return std::string(v->as_string());
}

backup_manifest parse_manifest(const boost::json::value& v) {
  const auto* m = v.if_object();
  if (m == nullptr)
    invalid("the manifest is not a JSON object");
  if (manifest_text(*m, "format") != backup_format)
    invalid("not a Mission Control backup (format is not \"" + std::string(backup_format) + "\")");
  backup_manifest out;
  const auto version = manifest_int(*m, "formatVersion");
  if (version != backup_format_version)
    invalid("backup format version " + std::to_string(version) + " is not one this binary reads (" +
            std::to_string(backup_format_version) + ")");
  out.format_version = static_cast<int>(version);
  const auto schema = manifest_int(*m, "schemaVersion");
  if (schema < 1 || schema > latest_schema_version())
    invalid("the backup has schema version " + std::to_string(schema) +
            (schema < 1 ? ""
                        : ", newer than this binary's " + std::to_string(latest_schema_version()) +
                              ": restore it with the version of mission-control that made it"));
  out.schema_version = static_cast<int>(schema);
  out.created_at = manifest_int(*m, "createdAt");
  out.source = manifest_text(*m, "source");
  out.checksum = manifest_text(*m, "checksum");
  if (out.checksum.size() != 7 + 64 || !out.checksum.starts_with("sha256:"))
    invalid("the manifest's checksum is not sha256:<64 hex digits>");
  const auto* counts = m->if_contains("counts");
  if (counts == nullptr || !counts->is_object())
    invalid("the manifest has no \"counts\" object");
  for (const auto& [name, n] : counts->as_object()) {
    const auto t = table_named(name);
    if (!t)
      invalid("the manifest counts an unknown table \"" + std::string(name) + "\"");
    if (!n.is_int64() || n.as_int64() < 0)
      invalid("the manifest's count of " + std::string(name) + " is not a row count");
    out.counts[static_cast<std::size_t>(*t)] = n.as_int64();
  }
  return out;
}

using row_sink = std::function<void(row&&)>;

/// SAX handler for the "tables" value: builds one row at a time and hands it to the sink, so
/// neither verification nor restore holds more than a row (plus a write batch) in memory.
class tables_handler {
 public:
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  explicit tables_handler(const row_sink* sink) : sink_(sink) {}

  table_counts counts{};

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code&) {
    if (depth_ == 0) {
      depth_ = 1;
    } else if (depth_ == 2) {
      start_row();
      depth_ = 3;
    } else if (depth_ == 1) {
      fail("the value of \"" + std::string(def(*table_).name) + "\" is not an array of rows");
    } else {
      fail(where() + " holds an object; cells are null, integers or strings");
    }
    return true;
  }

  bool on_object_end(std::size_t, error_code&) {
    if (depth_ == 3) {
      finish_row();
      depth_ = 2;
    } else {
      depth_ = 0;
    }
    return true;
  }

  bool on_array_begin(error_code&) {
    if (depth_ == 0)
      fail("\"tables\" is not an object");
    if (depth_ != 1)
      fail(depth_ == 2 ? "a row of " + std::string(def(*table_).name) + " is not an object"
                       : where() + " holds an array; cells are null, integers or strings");
    depth_ = 2;
    return true;
  }

  bool on_array_end(std::size_t, error_code&) {
    depth_ = 1;
    table_.reset();
    return true;
  }

  bool on_key_part(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }

  bool on_key(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    if (depth_ == 1)
      choose_table();
    else
      choose_column();
    key_.clear();
    return true;
  }

  bool on_string_part(string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }

  bool on_string(string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    set(cell::of(std::move(text_)));
    text_.clear();
    return true;
  }

  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t v, string_view, error_code&) {
    set(cell::of(v));
    return true;
  }
  bool on_uint64(std::uint64_t v, string_view, error_code&) {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(where() + " holds an integer beyond 64 bits");
    set(cell::of(static_cast<std::int64_t>(v)));
    return true;
  }
  bool on_double(double, string_view, error_code&) {
    fail(where() + " holds a number that is not an integer");
  }
  bool on_bool(bool, error_code&) { fail(where() + " holds a boolean"); }
  bool on_null(error_code&) {
    set(cell::null());
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  static constexpr int seq_column = -2;

  [[noreturn]] static void fail(const std::string& what) { invalid(what); }

  std::string where() const {
    if (!table_)
      return "the tables object";
    std::string w = "row " + std::to_string(counts[static_cast<std::size_t>(*table_)] + 1) +
                    " of " + std::string(def(*table_).name);
    if (column_ >= 0)
      w += ", column " + std::string(def(*table_).columns[static_cast<std::size_t>(column_)].name);
    return w;
  }

  void choose_table() {
    table_ = table_named(key_);
    if (!table_)
      fail("unknown table \"" + key_ + "\" in the backup");
    auto& seen = seen_[static_cast<std::size_t>(*table_)];
    if (seen)
      fail("table " + key_ + " appears twice in the backup");
    seen = true;
  }

  void start_row() {
    const table_def& d = def(*table_);
    row_ = row{*table_, 0, std::vector<cell>(d.columns.size())};
    have_.assign(d.columns.size(), false);
    have_seq_ = false;
    column_ = -1;
  }

  void choose_column() {
    const table_def& d = def(*table_);
    if (d.kind == table_kind::journal && key_ == "seq") {
      if (have_seq_)
        fail(where() + " has seq twice");
      column_ = seq_column;
      return;
    }
    column_ = column_index(*table_, key_);
    if (column_ < 0)
      fail(where() + " has an unknown column \"" + key_ + "\"");
    if (have_[static_cast<std::size_t>(column_)])
      fail(where() + " appears twice");
  }

  void set(cell c) {
    if (depth_ != 3 || column_ == -1)
      fail(where() + ": a value where a " + (depth_ == 1 ? "table's rows" : "row") + " should be");
    if (column_ == seq_column) {
      column_ = -1;
      if (c.k != cell::kind::integer || c.i <= 0)
        fail(where() + ": seq is not a positive integer");
      row_.seq = c.i;
      have_seq_ = true;
      return;
    }
    const auto i = static_cast<std::size_t>(column_);
    const column_def& col = def(*table_).columns[i];
    const auto want = col.type == column_type::text ? cell::kind::text : cell::kind::integer;
    // NULL passes here: whether a column takes it is the database's rule, enforced on restore.
    if (!c.is_null() && c.k != want)
      fail(where() + " holds " + (c.k == cell::kind::text ? "text" : "an integer") +
           ", the column takes " + (want == cell::kind::text ? "text" : "integers"));
    row_.cells[i] = std::move(c);
    have_[i] = true;
    column_ = -1;
  }

  /// Columns a backup made before their migration does not have: they restore as NULL (audit
  /// records from before the hash chain stay unchained, as they were).
  static bool added_later(const table_def& d, std::string_view column) {
    return d.id == table_id::audit && (column == "prev_hash" || column == "hash");
  }

  void finish_row() {
    const table_def& d = def(*table_);
    if (d.kind == table_kind::journal && !have_seq_)
      fail(where() + " has no seq");
    for (std::size_t i = 0; i < d.columns.size(); ++i)
      if (!have_[i] && !added_later(d, d.columns[i].name))
        fail(where() + " lacks column " + std::string(d.columns[i].name));
    ++counts[static_cast<std::size_t>(*table_)];
    if (sink_ != nullptr && *sink_)
      (*sink_)(std::move(row_));
  }

  const row_sink* sink_;
  int depth_ = 0;
  std::optional<table_id> table_;
  std::array<bool, table_count> seen_{};
  row row_;
  std::vector<bool> have_;
  bool have_seq_ = false;
  int column_ = -1;
  std::string key_;
  std::string text_;
};

struct read_result {
  backup_manifest manifest;
  table_counts counts{};
  std::string checksum;
  std::uintmax_t bytes = 0;
};

/// One pass over the file: the manifest, then every row to `sink` while hashing the exact bytes
/// of the "tables" value. Checks the layout; comparing with the manifest is the caller's job.
read_result read_backup(const fs::path& file, const row_sink* sink) {
  chunk_reader in(file);
  read_result out;
  in.skip_space();
  in.expect("{\"manifest\":", file.string() +
                                  " is not a Mission Control backup (it does not start with "
                                  "{\"manifest\":)");
  boost::json::stream_parser mp;
  for (;;) {
    const std::string_view s = in.peek();
    if (s.empty())
      invalid("the file ends inside the manifest");
    boost::json::error_code ec;
    const std::size_t n = mp.write_some(s, ec);
    if (ec)
      invalid("the manifest is not valid JSON: " + ec.message());
    in.consume(n);
    if (mp.done())
      break;
  }
  out.manifest = parse_manifest(mp.release());

  const std::string layout = "the manifest is not followed by \"tables\"";
  in.skip_space();
  in.expect(",", layout);
  in.skip_space();
  in.expect("\"tables\"", layout);
  in.skip_space();
  in.expect(":", layout);

  boost::json::basic_parser<tables_handler> tp(boost::json::parse_options{}, sink);
  backup_hasher hasher;
  for (;;) {
    const std::string_view s = in.peek();
    if (s.empty())
      invalid("the file ends inside the tables (is it truncated?)");
    boost::json::error_code ec;
    const std::size_t n = tp.write_some(true, s.data(), s.size(), ec);
    hasher.update(s.substr(0, n));
    in.consume(n);
    if (ec)
      invalid("the tables are not valid JSON near byte " + std::to_string(in.offset()) + ": " +
              ec.message());
    if (tp.done())
      break;
  }
  out.counts = tp.handler().counts;
  out.checksum = hasher.finish();
  in.skip_space();
  in.expect("}", "the file does not end after the tables");
  in.skip_space();
  if (!in.peek().empty())
    invalid("the file has data after the backup");
  out.bytes = in.offset();
  return out;
}

void check_against_manifest(const read_result& r) {
  if (r.checksum != r.manifest.checksum)
    invalid("checksum mismatch: the manifest says " + r.manifest.checksum +
            ", the tables hash to " + r.checksum + " (the file was changed or damaged)");
  for (const table_def& d : all_tables()) {
    const auto i = static_cast<std::size_t>(d.id);
    if (r.counts[i] != r.manifest.counts[i])
      invalid("table " + std::string(d.name) + ": the manifest counts " +
              std::to_string(r.manifest.counts[i]) + " rows, the file holds " +
              std::to_string(r.counts[i]));
  }
}

/// Holds the store's server lock for the length of a restore.
class server_lock {
 public:
  explicit server_lock(store& s) : s_(s) {
    if (!s_.try_claim_server_lock())
      throw restore_error(restore_error::reason::server_running,
                          "a server is running on this store; stop it first (" + s_.describe() +
                              ")");
  }
  ~server_lock() {
    try {
      s_.release_server_lock();
    } catch (...) {
      // The lock also ends with the process (or the connection).
    }
  }
  server_lock(const server_lock&) = delete;
  server_lock& operator=(const server_lock&) = delete;

 private:
  store& s_;
};

constexpr std::size_t rows_per_write = 500;

} // namespace

verified_backup verify_backup(const fs::path& file) {
  const read_result r = read_backup(file, nullptr);
  check_against_manifest(r);
  return {file, r.manifest, r.bytes};
}

restore_result restore_backup(store& target, const fs::path& file) {
  return restore_backup(target, verify_backup(file));
}

restore_result restore_backup(store& target, const verified_backup& backup) {
  restore_result out;
  out.backup = backup;
  const fs::path& file = backup.file;
  out.target = target.describe();
  const server_lock lock(target);
  out.schema_version = target.migrate();
  try {
    target.transact([&](store_txn& txn) {
      for (const table_def& d : all_tables()) {
        out.replaced[static_cast<std::size_t>(d.id)] = txn.count(d.id);
        txn.clear(d.id);
      }
      std::vector<row> batch;
      const row_sink sink = [&](row&& r) {
        if (!batch.empty() && (batch.back().table != r.table || batch.size() >= rows_per_write)) {
          txn.write(batch);
          batch.clear();
        }
        batch.push_back(std::move(r));
      };
      const read_result r = read_backup(file, &sink);
      if (!batch.empty())
        txn.write(batch);
      // The file was read twice: make sure the second read is the file that was verified.
      if (r.checksum != out.backup.manifest.checksum || r.counts != out.backup.manifest.counts)
        invalid("the backup file changed while it was being restored; nothing was changed");
      for (const table_def& d : all_tables()) {
        const auto i = static_cast<std::size_t>(d.id);
        out.restored[i] = txn.count(d.id);
        if (out.restored[i] != r.counts[i])
          throw restore_error(restore_error::reason::failed,
                              "table " + std::string(d.name) + " would hold " +
                                  std::to_string(out.restored[i]) + " rows, the backup has " +
                                  std::to_string(r.counts[i]) +
                                  " (duplicate keys?); nothing was changed");
      }
    });
  } catch (const store_error& e) {
    throw restore_error(restore_error::reason::failed,
                        std::string("the store refused the backup's data, nothing was changed: ") +
                            e.what());
  }
  return out;
}

} // namespace mc::persistence
