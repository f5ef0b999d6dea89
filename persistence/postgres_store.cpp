#include "persistence/postgres_store.hpp"

#include "persistence/sql_common.hpp"

#include "persistence/audit_chain.hpp"
#include "persistence/migrations.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mc::persistence {
namespace {

using namespace sql;

// pg_try_advisory_lock key of a running server ("MCSERVER") and the transaction-level key that
// serialises concurrent migrations ("MCMIGRAT").
constexpr std::int64_t server_lock_key = 0x4d43'5345'5256'4552;
constexpr std::int64_t migrate_lock_key = 0x4d43'4d49'4752'4154;
// Transaction-level key that serialises writers appending to the audit chain ("MCAUDITC").
constexpr std::int64_t audit_chain_lock_key = 0x4d43'4155'4449'5443;

// --- Row checks and grouping. sqlite_store.cpp has the same few helpers: the two stores share
// no private header so that each can be read (and replaced) on its own.

/// Rows by table, in their order within each table (tables have no foreign keys, so the order
/// across tables does not matter).
void add_to_groups(table_groups& groups, std::span<const row> rows) {
  for (const row& r : rows) {
    check_row(r);
    groups[static_cast<std::size_t>(r.table)].push_back(&r);
  }
}

// --- SQL text. Identifiers come from the catalog only; values travel as parameters, or as
// literals quoted by the connection (scan filters, which end up inside DECLARE CURSOR).

std::string_view sql_type(column_type t) {
  return t == column_type::integer ? "bigint" : "text";
}

std::string int_literal(std::int64_t v) {
  return "'" + std::to_string(v) + "'::bigint";
}

enum class write_mode : std::uint8_t { upsert, append, append_with_seq };

std::string write_sql(const table_def& d, write_mode mode, std::size_t rows) {
  std::string sql = "INSERT INTO " + quoted(d.name) + " (";
  if (mode == write_mode::append_with_seq)
    sql += "\"seq\", ";
  sql += column_list(d) + ")";
  if (mode == write_mode::append_with_seq)
    sql += " OVERRIDING SYSTEM VALUE";
  sql += " VALUES ";
  std::size_t param = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    if (mode == write_mode::append_with_seq)
      sql += "$" + std::to_string(++param) + "::bigint, ";
    for (std::size_t c = 0; c < d.columns.size(); ++c) {
      if (c > 0)
        sql += ", ";
      sql += "$" + std::to_string(++param) + "::" + std::string(sql_type(d.columns[c].type));
    }
    sql += ")";
  }
  if (mode == write_mode::upsert) {
    sql += " ON CONFLICT (" + quoted(key_column(d)) + ") DO UPDATE SET ";
    for (std::size_t c = 1; c < d.columns.size(); ++c) {
      if (c > 1)
        sql += ", ";
      sql += quoted(d.columns[c].name) + " = EXCLUDED." + quoted(d.columns[c].name);
    }
  }
  return sql;
}

std::string_view mode_name(write_mode m) {
  switch (m) {
  case write_mode::upsert:
    return "up";
  case write_mode::append:
    return "ap";
  case write_mode::append_with_seq:
    return "as";
  }
  return "";
}

// --- URL secrets.

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// The URL with every password replaced by `***` (userinfo and a `password=` query parameter),
/// and the passwords themselves, raw and percent-decoded.
std::pair<std::string, std::vector<std::string>> split_secrets(std::string_view url) {
  std::string out(url);
  std::vector<std::string> secrets;
  const auto hide = [&](std::size_t from, std::size_t len) {
    if (len == 0)
      return;
    secrets.push_back(out.substr(from, len));
    out.replace(from, len, "***");
  };
  const std::size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const std::size_t auth = scheme_end + 3;
    std::size_t auth_end = out.find_first_of("/?#", auth);
    if (auth_end == std::string::npos)
      auth_end = out.size();
    const std::size_t at = out.rfind('@', auth_end);
    if (at != std::string::npos && at >= auth) {
      const std::size_t colon = out.find(':', auth);
      if (colon != std::string::npos && colon < at)
        hide(colon + 1, at - colon - 1);
    }
  }
  const std::size_t query = out.find('?');
  if (query != std::string::npos) {
    std::size_t pos = query + 1;
    while (pos < out.size()) {
      std::size_t end = out.find('&', pos);
      if (end == std::string::npos)
        end = out.size();
      constexpr std::string_view key = "password=";
      if (out.compare(pos, key.size(), key) == 0) {
        const std::size_t len = end - pos - key.size();
        hide(pos + key.size(), len);
        end = out.find('&', pos);
        if (end == std::string::npos)
          end = out.size();
      }
      pos = end + 1;
    }
  }
  const std::size_t raw = secrets.size();
  for (std::size_t i = 0; i < raw; ++i) {
    std::string decoded = percent_decode(secrets[i]);
    if (decoded != secrets[i] && !decoded.empty())
      secrets.push_back(std::move(decoded));
  }
  return {out, secrets};
}

} // namespace

std::string redact_database_url(std::string_view url) {
  return split_secrets(url).first;
}

struct postgres_store::impl {
  std::string url;
  std::string where;
  std::vector<std::string> secrets;
  std::unique_ptr<pqxx::connection> conn;
  /// Prepared statement names this connection knows (libpqxx prepares them on first use).
  std::unordered_set<std::string> prepared;
  bool lock_held = false;
  /// The server lock was claimed and not released: claim it again after a reconnect.
  bool lock_wanted = false;
  std::uint64_t cursors = 0;

  explicit impl(std::string u) : url(std::move(u)) {
    auto [redacted, s] = split_secrets(url);
    where = std::move(redacted);
    secrets = std::move(s);
  }

  std::string scrub(std::string msg) const {
    for (const std::string& s : secrets)
      for (std::size_t p = msg.find(s); p != std::string::npos; p = msg.find(s, p + 3))
        msg.replace(p, s.size(), "***");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
      msg.pop_back();
    constexpr std::size_t max_len = 2000;
    if (msg.size() > max_len)
      msg = msg.substr(0, max_len) + "...";
    return msg;
  }

  bool connected() const noexcept { return conn != nullptr && conn->is_open(); }

  /// Translates the exception being handled into a store_error. Call only from a catch block
  /// around the store's own database work (never around a caller's callback).
  [[noreturn]] void rethrow(std::string_view doing) const {
    const auto fail = [&](store_errc code, const std::exception& e) {
      throw store_error(code,
                        "postgres " + std::string(doing) + " (" + where + "): " + scrub(e.what()));
    };
    try {
      throw;
    } catch (const store_error&) {
      throw;
    } catch (const pqxx::in_doubt_error& e) {
      fail(store_errc::unavailable, e);
    } catch (const pqxx::broken_connection& e) {
      fail(store_errc::unavailable, e);
    } catch (const pqxx::integrity_constraint_violation& e) {
      fail(store_errc::constraint, e);
    } catch (const pqxx::data_exception& e) {
      fail(store_errc::constraint, e);
    } catch (const pqxx::transaction_rollback& e) {
      fail(store_errc::unavailable, e);
    } catch (const pqxx::insufficient_resources& e) {
      fail(store_errc::unavailable, e);
    } catch (const pqxx::insufficient_privilege& e) {
      fail(store_errc::config, e);
    } catch (const pqxx::sql_error& e) {
      const std::string state = e.sqlstate();
      // 08: connection exception, 57P0x: shutdown or restart, 53: resources, 58: system error.
      const bool transient = state.starts_with("08") || state.starts_with("57P") ||
                             state.starts_with("53") || state.starts_with("58");
      fail(transient || !connected() ? store_errc::unavailable : store_errc::other, e);
    } catch (const pqxx::failure& e) {
      fail(connected() ? store_errc::other : store_errc::unavailable, e);
    } catch (const std::exception& e) {
      fail(store_errc::other, e);
    }
    throw store_error(store_errc::other, "postgres " + std::string(doing) + ": unknown error");
  }

  template <class Fn>
  auto guarded(std::string_view doing, Fn&& fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (...) {
      rethrow(doing);
    }
  }

  void connect() {
    guarded("connect", [&] {
      auto c = std::make_unique<pqxx::connection>(url);
      // libpqxx 6 would otherwise reconnect silently at the next transaction, dropping the
      // session's advisory lock without anyone noticing; reconnect() is the only way back.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      c->inhibit_reactivation(true);
#pragma GCC diagnostic pop
      {
        pqxx::nontransaction n(*c);
        n.exec("SET client_min_messages TO warning");
      }
      conn = std::move(c);
      prepared.clear();
    });
  }

  pqxx::connection& connection() {
    if (!connected())
      throw store_error(store_errc::unavailable,
                        "postgres: not connected to " + where + "; reconnect()");
    return *conn;
  }

  pqxx::result exec_maybe_prepared(pqxx::transaction_base& tx, const std::string& name,
                                   bool prepare, const std::function<std::string()>& make_sql,
                                   const std::vector<const char*>& params) {
    const auto dyn = pqxx::prepare::make_dynamic_params(params);
    if (!prepare)
      return tx.exec_params(make_sql(), dyn);
    if (!prepared.contains(name)) {
      conn->prepare(name, make_sql());
      prepared.insert(name);
    }
    return tx.exec_prepared(name, dyn);
  }

  pqxx::result exec_named(pqxx::transaction_base& tx, const std::string& name,
                          const std::function<std::string()>& make_sql,
                          const std::vector<const char*>& params) {
    return exec_maybe_prepared(tx, name, true, make_sql, params);
  }

  void write_chunk(pqxx::transaction_base& tx, table_id t, write_mode mode,
                   std::span<const row* const> rows) {
    const table_def& d = def(t);
    std::vector<const char*> params;
    params.reserve(rows.size() * (d.columns.size() + 1));
    std::deque<std::string> numbers;
    const auto number = [&](std::int64_t v) {
      numbers.push_back(std::to_string(v));
      return numbers.back().c_str();
    };
    for (const row* r : rows) {
      if (mode == write_mode::append_with_seq)
        params.push_back(number(r->seq));
      for (const cell& c : r->cells) {
        switch (c.k) {
        case cell::kind::null:
          params.push_back(nullptr);
          break;
        case cell::kind::integer:
          params.push_back(number(c.i));
          break;
        case cell::kind::text:
          params.push_back(c.s.c_str());
          break;
        }
      }
    }
    // Chunks are powers of two (write_chunks), so a handful of prepared statements per table
    // covers every size and no commit pays for planning a statement.
    const bool prepare = std::has_single_bit(rows.size());
    const std::string name = "mc_" + std::string(mode_name(mode)) + "_" + std::string(d.name) +
                             "_" + std::to_string(rows.size());
    exec_maybe_prepared(
        tx, name, prepare, [&] { return write_sql(d, mode, rows.size()); }, params);
  }

  void write_chunks(pqxx::transaction_base& tx, table_id t, write_mode mode,
                    std::span<const row* const> rows) {
    // Full chunks first, then the rest as descending powers of two (132 rows: 128 + 4).
    std::size_t i = 0;
    for (std::size_t size = postgres_store::rows_per_statement; size > 0; size /= 2)
      for (; rows.size() - i >= size; i += size)
        write_chunk(tx, t, mode, rows.subspan(i, size));
  }

  /// Moves the identity sequence past explicitly written seqs, so later appends do not collide.
  void bump_sequence(pqxx::transaction_base& tx, const table_def& d) {
    const std::string table = tx.quote(std::string(d.name));
    tx.exec("SELECT setval(s, GREATEST(COALESCE(pg_sequence_last_value(s), 1), (SELECT "
            "COALESCE(max(\"seq\"), 1) FROM " +
            quoted(d.name) + "))) FROM (SELECT pg_get_serial_sequence(" + table +
            ", 'seq')::regclass AS s) AS q");
  }

  /// The hash of the last chained audit record, read under a transaction-level lock that queues
  /// every other writer of audit rows until this transaction ends, so two writers can never
  /// append to the same tail. The read is its own statement, taken after the lock is granted:
  /// under READ COMMITTED it sees the rows of the writer that held the lock before.
  std::string audit_tail(pqxx::transaction_base& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(audit_chain_lock_key) + ")");
    const pqxx::result r =
        exec_named(tx, "mc_audit_tail",
                   [] {
                     return std::string("SELECT \"hash\" FROM \"audit\" WHERE \"hash\" IS NOT NULL "
                                        "ORDER BY \"seq\" DESC LIMIT 1");
                   },
                   {});
    return r.empty() ? std::string(chain_genesis) : r[0][0].as<std::string>();
  }

  /// Chains the new audit rows of `groups` (copies kept in `storage`), then writes everything.
  void chain_and_write(pqxx::transaction_base& tx, table_groups& groups,
                       std::vector<row>& storage) {
    chain_audit_rows(groups[static_cast<std::size_t>(table_id::audit)], storage,
                     [&] { return audit_tail(tx); });
    write_groups(tx, groups);
  }

  void write_groups(pqxx::transaction_base& tx, const table_groups& groups) {
    for (std::size_t ti = 0; ti < table_count; ++ti) {
      const std::vector<const row*>& rows = groups[ti];
      if (rows.empty())
        continue;
      const auto t = static_cast<table_id>(ti);
      const table_def& d = def(t);
      if (d.kind == table_kind::journal) {
        // Runs of new rows and of rows that carry their seq, in order.
        std::size_t begin = 0;
        while (begin < rows.size()) {
          const bool with_seq = rows[begin]->seq != 0;
          std::size_t end = begin;
          while (end < rows.size() && (rows[end]->seq != 0) == with_seq)
            ++end;
          write_chunks(tx, t, with_seq ? write_mode::append_with_seq : write_mode::append,
                       std::span(rows).subspan(begin, end - begin));
          if (with_seq)
            bump_sequence(tx, d);
          begin = end;
        }
      } else {
        // Postgres refuses an upsert that touches one key twice: keep each key's last row.
        std::vector<const row*> last;
        last.reserve(rows.size());
        std::unordered_set<std::string_view> seen;
        for (auto it = rows.rbegin(); it != rows.rend(); ++it)
          if (seen.insert((*it)->cells.front().s).second)
            last.push_back(*it);
        std::reverse(last.begin(), last.end());
        write_chunks(tx, t, write_mode::upsert, last);
      }
    }
  }
};

namespace {

row read_row(const pqxx::row& in, table_id t) {
  const table_def& d = def(t);
  row r;
  r.table = t;
  pqxx::row::size_type col = 0;
  if (d.kind == table_kind::journal)
    r.seq = in[col++].as<std::int64_t>();
  r.cells.reserve(d.columns.size());
  for (const auto& c : d.columns) {
    const pqxx::field f = in[col++];
    if (f.is_null())
      r.cells.push_back(cell::null());
    else if (c.type == column_type::integer)
      r.cells.push_back(cell::of(f.as<std::int64_t>()));
    else
      r.cells.push_back(cell::of(std::string(f.c_str(), f.size())));
  }
  return r;
}

class pg_txn final : public store_txn {
 public:
  pg_txn(postgres_store::impl& s, pqxx::transaction_base& tx, bool read_only)
      : s_(s), tx_(tx), read_only_(read_only) {}

  void write(std::span<const row> rows) override {
    writable();
    table_groups groups;
    add_to_groups(groups, rows);
    std::vector<row> chained;
    s_.guarded("write", [&] { s_.chain_and_write(tx_, groups, chained); });
  }

  void remove(table_id t, std::string_view key) override {
    writable();
    const table_def& d = def(t);
    const auto param = key_param(t, key);
    if (!param)
      return;
    s_.guarded("delete from " + std::string(d.name), [&] {
      s_.exec_named(tx_, "mc_del_" + std::string(d.name),
                    [&] { return "DELETE FROM " + quoted(d.name) + " WHERE " + key_condition(d); },
                    {param->c_str()});
    });
  }

  void clear(table_id t) override {
    writable();
    const table_def& d = def(t);
    // DELETE rather than TRUNCATE: TRUNCATE is not MVCC-safe, so a concurrent read-only
    // snapshot (a backup) would see the table empty.
    s_.guarded("clear " + std::string(d.name), [&] { tx_.exec("DELETE FROM " + quoted(d.name)); });
  }

  void scan(table_id t, const scan_filter& f, const std::function<bool(const row&)>& fn) override {
    const table_def& d = def(t);
    const std::string doing = "scan " + std::string(d.name);
    std::string where;
    const auto add = [&](const std::string& cond) {
      where += where.empty() ? " WHERE " : " AND ";
      where += cond;
    };
    if (!f.equals_column.empty()) {
      const column_def c = resolve_column(t, f.equals_column);
      if (f.equals_value.is_null()) {
        add(quoted(c.name) + " IS NULL");
      } else {
        const auto want = c.type == column_type::text ? cell::kind::text : cell::kind::integer;
        if (f.equals_value.k != want)
          throw store_error(store_errc::other, "scan filter on " + std::string(c.name) +
                                                   " compares with the wrong type");
        add(quoted(c.name) + " = " +
            (want == cell::kind::text
                 ? s_.guarded(doing, [&] { return tx_.quote(f.equals_value.s); })
                 : int_literal(f.equals_value.i)));
      }
    }
    if (!f.range_column.empty()) {
      const column_def c = resolve_column(t, f.range_column);
      if (c.type != column_type::integer)
        throw store_error(store_errc::other,
                          "scan range on " + std::string(c.name) + ", which is not an integer");
      add(quoted(c.name) + " >= " + int_literal(f.range_from) + " AND " + quoted(c.name) + " < " +
          int_literal(f.range_to));
    }
    if (f.after_seq > 0 && d.kind == table_kind::journal)
      add("\"seq\" > " + int_literal(f.after_seq));
    std::string sql = "SELECT " + select_list(d) + " FROM " + quoted(d.name) + where +
                      " ORDER BY " + quoted(key_column(d)) + (f.descending ? " DESC" : "");
    if (f.limit != 0)
      sql += " LIMIT " + std::to_string(f.limit);

    if (f.limit != 0 && f.limit <= postgres_store::scan_fetch_rows) {
      const pqxx::result res = s_.guarded(doing, [&] { return tx_.exec(sql); });
      for (const auto& r : res)
        if (!fn(read_row(r, t)))
          return;
      return;
    }
    // A cursor in this transaction: one snapshot, and only one fetch of rows in memory.
    const std::string cursor = "mc_scan_" + std::to_string(++s_.cursors);
    const std::string fetch =
        "FETCH FORWARD " + std::to_string(postgres_store::scan_fetch_rows) + " FROM " + cursor;
    s_.guarded(doing, [&] { tx_.exec("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + sql); });
    for (;;) {
      const pqxx::result res = s_.guarded(doing, [&] { return tx_.exec(fetch); });
      for (const auto& r : res) {
        if (!fn(read_row(r, t))) {
          s_.guarded(doing, [&] { tx_.exec("CLOSE " + cursor); });
          return;
        }
      }
      if (res.size() < postgres_store::scan_fetch_rows)
        break;
    }
    s_.guarded(doing, [&] { tx_.exec("CLOSE " + cursor); });
  }

  std::optional<row> get(table_id t, std::string_view key) override {
    const table_def& d = def(t);
    const auto param = key_param(t, key);
    if (!param)
      return std::nullopt;
    const pqxx::result res = s_.guarded("get from " + std::string(d.name), [&] {
      return s_.exec_named(tx_, "mc_get_" + std::string(d.name),
                           [&] {
                             return "SELECT " + select_list(d) + " FROM " + quoted(d.name) +
                                    " WHERE " + key_condition(d);
                           },
                           {param->c_str()});
    });
    if (res.empty())
      return std::nullopt;
    return read_row(res[0], t);
  }

  std::int64_t count(table_id t) override {
    const table_def& d = def(t);
    return s_.guarded("count " + std::string(d.name), [&] {
      return s_
          .exec_named(tx_, "mc_count_" + std::string(d.name),
                      [&] { return "SELECT count(*) FROM " + quoted(d.name); }, {})[0][0]
          .as<std::int64_t>();
    });
  }

 private:
  void writable() const {
    if (read_only_)
      throw store_error(store_errc::other, "write in a read-only transaction");
  }

  static std::string key_condition(const table_def& d) {
    return quoted(key_column(d)) +
           (d.kind == table_kind::journal ? " = $1::bigint" : std::string(" = $1::text"));
  }

  /// The key as a statement parameter; nothing for a journal key that is no seq.
  static std::optional<std::string> key_param(table_id t, std::string_view key) {
    if (def(t).kind != table_kind::journal)
      return std::string(key);
    const auto seq = parse_seq(key);
    if (!seq)
      return std::nullopt;
    return std::to_string(*seq);
  }

  postgres_store::impl& s_;
  pqxx::transaction_base& tx_;
  bool read_only_;
};

} // namespace

postgres_store::postgres_store(std::string url) : impl_(std::make_unique<impl>(std::move(url))) {
  impl_->connect();
}

postgres_store::~postgres_store() {
  release_server_lock();
}

std::string postgres_store::describe() const {
  return "postgres " + impl_->where;
}

int postgres_store::schema_version() {
  impl& s = *impl_;
  pqxx::connection& c = s.connection();
  return s.guarded("read the schema version", [&] {
    pqxx::work tx(c);
    if (!tx.exec("SELECT to_regclass('schema_version') IS NOT NULL")[0][0].as<bool>())
      return 0;
    const int v = tx.exec("SELECT COALESCE(max(version), 0) FROM schema_version")[0][0].as<int>();
    tx.commit();
    return v;
  });
}

int postgres_store::migrate() {
  impl& s = *impl_;
  pqxx::connection& c = s.connection();
  const std::string lock = "SELECT pg_advisory_xact_lock(" + std::to_string(migrate_lock_key) + ")";
  s.guarded("create schema_version", [&] {
    pqxx::work tx(c);
    tx.exec(lock);
    if (!tx.exec("SELECT to_regclass('schema_version') IS NOT NULL")[0][0].as<bool>())
      tx.exec("CREATE TABLE schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
              "applied_at BIGINT NOT NULL)");
    tx.commit();
  });
  const int current = schema_version();
  refuse_newer_schema(current, describe());
  for (const migration& m : migrations_for(dialect())) {
    if (m.version <= current)
      continue;
    s.guarded("migration " + std::string(m.name), [&] {
      pqxx::work tx(c);
      // Concurrent migrators queue here; a later one finds the work done.
      tx.exec(lock);
      if (tx.exec("SELECT COALESCE(max(version), 0) FROM schema_version")[0][0].as<int>() >=
          m.version)
        return;
      tx.exec(std::string(m.sql));
      tx.exec_params("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                     m.version, std::string(m.name), unix_ms_now());
      tx.commit();
    });
  }
  return schema_version();
}

void postgres_store::transact(const std::function<void(store_txn&)>& fn, bool read_only) {
  impl& s = *impl_;
  pqxx::connection& c = s.connection();
  std::unique_ptr<pqxx::transaction_base> tx =
      s.guarded("begin", [&]() -> std::unique_ptr<pqxx::transaction_base> {
        if (read_only)
          return std::make_unique<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(c);
        return std::make_unique<pqxx::work>(c);
      });
  try {
    pg_txn txn(s, *tx, read_only);
    fn(txn);
  } catch (...) {
    tx.reset(); // aborts; libpqxx swallows a failing ROLLBACK on a dead connection
    throw;
  }
  s.guarded("commit", [&] { tx->commit(); });
}

void postgres_store::commit(std::span<const write_batch* const> batches) {
  impl& s = *impl_;
  table_groups groups;
  bool any = false;
  for (const write_batch* b : batches)
    if (b != nullptr) {
      add_to_groups(groups, b->rows);
      any = any || !b->rows.empty();
    }
  if (!any)
    return;
  pqxx::connection& c = s.connection();
  std::vector<row> chained;
  s.guarded("commit", [&] {
    pqxx::work tx(c);
    s.chain_and_write(tx, groups, chained);
    tx.commit();
  });
}

bool postgres_store::reconnect() {
  impl& s = *impl_;
  // Close first: were the old session still alive, it would keep the server lock from us.
  s.conn.reset();
  s.prepared.clear();
  s.lock_held = false;
  try {
    s.connect();
    if (s.lock_wanted) {
      pqxx::nontransaction n(*s.conn);
      s.lock_held =
          n.exec("SELECT pg_try_advisory_lock(" + std::to_string(server_lock_key) + ")")[0][0]
              .as<bool>();
      // Somebody else took it while we were away: the caller sees that in try_claim.
      s.lock_wanted = s.lock_held;
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool postgres_store::try_claim_server_lock() {
  impl& s = *impl_;
  if (s.lock_held && s.connected())
    return true;
  pqxx::connection& c = s.connection();
  const bool got = s.guarded("claim the server lock", [&] {
    pqxx::nontransaction n(c);
    return n.exec("SELECT pg_try_advisory_lock(" + std::to_string(server_lock_key) + ")")[0][0]
        .as<bool>();
  });
  s.lock_held = got;
  s.lock_wanted = got;
  return got;
}

void postgres_store::release_server_lock() {
  impl& s = *impl_;
  s.lock_wanted = false;
  if (s.lock_held && s.connected()) {
    try {
      pqxx::nontransaction n(*s.conn);
      n.exec("SELECT pg_advisory_unlock(" + std::to_string(server_lock_key) + ")");
    } catch (const std::exception&) {
      // The session is gone, and the lock with it.
    }
  }
  s.lock_held = false;
}

} // namespace mc::persistence

namespace mc::persistence {

std::unique_ptr<store> postgres_store::open_another() const {
  return std::make_unique<postgres_store>(impl_->url);
}

} // namespace mc::persistence
