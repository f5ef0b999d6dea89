#include "persistence/security_check.hpp"

#include "persistence/postgres_store.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <system_error>
#include <utility>

namespace mc::persistence {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos)
      return out;
    s.remove_prefix(at + 1);
  }
}

/// A host name or address without port or brackets.
bool is_loopback_host(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost" || h.ends_with(".localhost"))
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6))
      return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

// Words that make a token guessable whatever its length: defaults from examples and docs.
constexpr std::array<std::string_view, 14> weak_words = {
    "changeme", "change-me", "secret",  "password", "passwd", "token",    "admin",
    "default",  "example",   "letmein", "qwerty",   "123456", "operator", "mission"};

/// What the audit needs from a database URL. The password test reuses the store's own redaction,
/// so "has a password" means exactly what the store would hide in its messages.
struct database_facts {
  bool password = false;
  bool remote = false;
  std::optional<std::string> sslmode;
};

database_facts database_facts_of(std::string_view url) {
  database_facts out;
  out.password = redact_database_url(url) != url;
  std::vector<std::string> hosts;
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string_view authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
      authority.remove_prefix(at + 1);
    if (!authority.empty())
      for (std::string_view h : split(authority, ',')) {
        if (h.starts_with('[')) {
          h = h.substr(1, h.find(']') - 1);
        } else {
          h = h.substr(0, h.find(':'));
        }
        hosts.emplace_back(h);
      }
  }
  if (const auto q = url.find('?'); q != std::string_view::npos) {
    std::string_view query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    for (std::string_view param : split(query, '&')) {
      const auto eq = param.find('=');
      const std::string_view key = param.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
      if (key == "sslmode")
        out.sslmode = lower(value);
      else if (key == "host") // libpq: a host parameter overrides the URL's
        hosts = {std::string(value)};
    }
  }
  for (const std::string& h : hosts) {
    // No host, or a socket directory (`/run/postgresql`, percent-encoded in URLs): local.
    const bool socket = h.empty() || h.starts_with('/') || lower(h).starts_with("%2f");
    if (!socket && !is_loopback_host(h))
      out.remote = true;
  }
  return out;
}

bool any(fs::perms p, fs::perms bits) {
  return (p & bits) != fs::perms::none;
}

constexpr fs::perms group_any = fs::perms::group_all;
constexpr fs::perms others_any = fs::perms::others_all;
constexpr fs::perms group_rw = fs::perms::group_read | fs::perms::group_write;
constexpr fs::perms others_rw = fs::perms::others_read | fs::perms::others_write;

std::string octal(fs::perms p) {
  const auto v = static_cast<unsigned>(p) & 0777u;
  std::string s = "0";
  for (int shift = 6; shift >= 0; shift -= 3)
    s += static_cast<char>('0' + ((v >> shift) & 7u));
  return s;
}

void audit_tokens(const security_config& c, std::vector<security_finding>& out) {
  const auto tokens = parse_operator_tokens(c.operator_tokens);
  std::map<std::string, std::vector<std::string>> owners;
  int index = 0;
  for (const operator_token& t : tokens) {
    ++index;
    if (t.malformed) {
      out.push_back({finding_severity::high,
                     "MC_OPERATOR_TOKENS entry " + std::to_string(index) +
                         " is not name:token (it would be nobody's token, or a token without "
                         "an owner in the audit trail)",
                     "write the entries as name:token, separated by commas"});
      continue;
    }
    const std::string who = "operator token of \"" + t.name + "\"";
    const std::string fix =
        "replace it with at least 32 random characters, e.g. `openssl rand -hex 32`";
    if (t.token.empty()) {
      out.push_back({finding_severity::high, who + " is empty", fix});
      continue;
    }
    const std::string l = lower(t.token);
    std::vector<std::string> why;
    if (l == lower(t.name))
      why.emplace_back("is the operator's name");
    // Which word stays unsaid: the report must not help anyone guess the token.
    if (std::any_of(weak_words.begin(), weak_words.end(),
                    [&](std::string_view w) { return l.find(w) != std::string::npos; }))
      why.emplace_back("contains a word common in default configurations");
    if (t.token.size() < 32)
      why.push_back("has only " + std::to_string(t.token.size()) +
                    (t.token.size() == 1 ? " character" : " characters"));
    if (std::set<char>(t.token.begin(), t.token.end()).size() < 8)
      why.emplace_back("uses fewer than 8 different characters");
    if (!why.empty()) {
      std::string text = who + " is weak: it ";
      for (std::size_t i = 0; i < why.size(); ++i)
        text += (i == 0 ? "" : i + 1 == why.size() ? " and " : ", ") + why[i];
      out.push_back({finding_severity::high, text, fix});
    }
    owners[t.token].push_back(t.name);
  }
  for (const auto& [token, names] : owners)
    if (names.size() > 1) {
      std::string list;
      for (const auto& n : names)
        list += (list.empty() ? "" : ", ") + n;
      out.push_back({finding_severity::medium,
                     "operators " + list +
                         " share one token, so the audit trail cannot tell "
                         "them apart",
                     "give every operator a token of their own"});
    }
}

void audit_listeners(const security_config& c, std::vector<security_finding>& out) {
  const bool loopback = is_loopback_address(c.listen);
  const bool no_tokens = parse_operator_tokens(c.operator_tokens).empty();
  if (!loopback) {
    if (c.require_auth == false)
      out.push_back(
          {finding_severity::high,
           "authentication is off (MC_REQUIRE_AUTH=false) on the non-loopback listener " + c.listen,
           "unset MC_REQUIRE_AUTH (or set it to true), or listen on 127.0.0.1"});
    if (no_tokens)
      out.push_back(
          {c.require_auth == false ? finding_severity::high : finding_severity::medium,
           "no operator tokens on the non-loopback listener " + c.listen +
               (c.require_auth == false ? ": nothing stands between the network and the operator "
                                          "routes"
                                        : ": operators cannot authenticate"),
           "set MC_OPERATOR_TOKENS=name:<openssl rand -hex 32>"});
    out.push_back({finding_severity::medium,
                   "the HTTP listener " + c.listen +
                       " is not loopback and serves plain HTTP: tokens cross the network in "
                       "clear text",
                   "terminate TLS in a reverse proxy (nginx, Caddy, Traefik) and set "
                   "MC_LISTEN=127.0.0.1:3000 behind it"});
  } else if (no_tokens && c.require_auth != true) {
    out.push_back({finding_severity::info,
                   "loopback listener without tokens: local requests act as the operator (fine "
                   "on a developer machine, not on a shared host)",
                   "set MC_OPERATOR_TOKENS and MC_REQUIRE_AUTH=true on shared machines"});
  }
  if (!c.node_listen.empty() && !is_loopback_address(c.node_listen))
    out.push_back({finding_severity::medium,
                   "the agent-host port " + c.node_listen +
                       " is not loopback; its CAF connections carry no TLS and no credentials",
                   "allow only the agent hosts through a firewall, or reach it over a VPN or SSH "
                   "tunnel"});
}

void audit_database(const security_config& c, std::vector<security_finding>& out) {
  if (c.database_url.empty())
    return;
  const database_facts db = database_facts_of(c.database_url);
  const bool weak_tls =
      !db.sslmode || *db.sslmode == "disable" || *db.sslmode == "allow" || *db.sslmode == "prefer";
  const std::string shown = redact_database_url(c.database_url);
  if (db.remote && weak_tls)
    out.push_back({db.password ? finding_severity::medium : finding_severity::info,
                   "the database URL " + shown + " names a remote host " +
                       (db.sslmode ? "with sslmode=" + *db.sslmode : "without sslmode") +
                       (db.password ? ": the password and all data may cross the network "
                                      "unencrypted"
                                    : ": TLS is not required"),
                   "add sslmode=verify-full (or at least sslmode=require) to MC_DATABASE_URL"});
  if (db.password)
    out.push_back({finding_severity::info,
                   "the database password is part of MC_DATABASE_URL, visible to anyone who can "
                   "read the process environment",
                   "keep it in a ~/.pgpass file (mode 0600) and drop it from the URL"});
}

void audit_paths(const security_config& c, std::vector<security_finding>& out) {
  // Files are reported per role and severity: the three SQLite files, or a directory of daily
  // backups, make one line each rather than bury everything else.
  std::map<std::pair<std::string, finding_severity>, std::vector<const path_fact*>> files;
  for (const path_fact& p : c.paths) {
    if (!p.exists)
      continue;
    if (p.directory) {
      std::optional<finding_severity> sev;
      if (any(p.perms, fs::perms::others_write))
        sev = finding_severity::high;
      else if (any(p.perms, group_any | others_any))
        sev = finding_severity::medium;
      if (sev)
        out.push_back({*sev,
                       "the " + p.role + " " + p.path.string() + " (mode " + octal(p.perms) +
                           ") is open to " +
                           (any(p.perms, others_any) ? "other users" : "its group"),
                       "chmod 700 " + p.path.string()});
      continue;
    }
    if (any(p.perms, others_rw))
      files[{p.role, finding_severity::high}].push_back(&p);
    else if (any(p.perms, group_rw))
      files[{p.role, finding_severity::medium}].push_back(&p);
  }
  for (const auto& [key, list] : files) {
    const auto& [role, sev] = key;
    const path_fact& first = *list.front();
    const bool backups = role == "backup file";
    std::string what;
    if (list.size() == 1)
      what = "the " + role + " " + first.path.string() + " (mode " + octal(first.perms) + ") is";
    else
      what = std::to_string(list.size()) + " " + role + "s (" +
             (backups ? "e.g. " + first.path.string() : [&] {
               std::string names;
               for (const path_fact* p : list)
                 names += (names.empty() ? "" : ", ") + p->path.string();
               return names;
             }()) +
             ") are";
    what += std::string(" readable or writable by ") +
            (sev == finding_severity::high ? "other users" : "the group");
    if (backups)
      what += "; backups hold every record and token hash";
    std::string fix = "chmod 600";
    if (backups && list.size() > 1)
      fix += " " + first.path.parent_path().string() + "/*.json";
    else
      for (const path_fact* p : list)
        fix += " " + p->path.string();
    out.push_back({sev, std::move(what), std::move(fix)});
  }
}

path_fact stat_path(std::string role, fs::path path) {
  path_fact f{std::move(role), std::move(path)};
  std::error_code ec;
  const fs::file_status st = fs::status(f.path, ec);
  f.exists = !ec && fs::exists(st);
  if (f.exists) {
    f.directory = fs::is_directory(st);
    f.perms = st.permissions();
  }
  return f;
}

} // namespace

std::string_view to_string(finding_severity s) noexcept {
  switch (s) {
  case finding_severity::high:
    return "high";
  case finding_severity::medium:
    return "medium";
  case finding_severity::info:
    return "info";
  }
  return "unknown";
}

std::vector<operator_token> parse_operator_tokens(std::string_view text) {
  std::vector<operator_token> out;
  for (std::string_view entry : split(text, ',')) {
    entry = trim(entry);
    if (entry.empty())
      continue;
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) {
      out.push_back({"", std::string(entry), true});
      continue;
    }
    out.push_back({std::string(trim(entry.substr(0, colon))),
                   std::string(trim(entry.substr(colon + 1))), false});
  }
  return out;
}

bool is_loopback_address(std::string_view host_and_port) {
  std::string_view host = trim(host_and_port);
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos)
      return false;
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  return !host.empty() && is_loopback_host(host);
}

std::vector<security_finding> audit_security(const security_config& config) {
  std::vector<security_finding> out;
  audit_tokens(config, out);
  audit_listeners(config, out);
  audit_database(config, out);
  audit_paths(config, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.severity < b.severity; });
  return out;
}

std::vector<path_fact> inspect_paths(const fs::path& data_dir, bool sqlite,
                                     const fs::path& backup_dir) {
  std::vector<path_fact> out;
  out.push_back(stat_path("data directory", data_dir));
  if (sqlite)
    for (const char* name :
         {"mission-control.db", "mission-control.db-wal", "mission-control.db-shm"})
      out.push_back(stat_path("database file", data_dir / name));
  out.push_back(stat_path("backup directory", backup_dir));
  std::error_code ec;
  std::vector<fs::path> backups;
  for (fs::directory_iterator it(backup_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json")
      backups.push_back(it->path());
  std::sort(backups.begin(), backups.end());
  for (auto& p : backups)
    out.push_back(stat_path("backup file", std::move(p)));
  // Compose files and shells commonly keep MC_OPERATOR_TOKENS here.
  if (fs::exists(".env", ec))
    out.push_back(stat_path("environment file", ".env"));
  return out;
}

} // namespace mc::persistence
