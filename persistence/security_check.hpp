// `security-check` (SPEC §7): a configuration audit. The rules are pure functions of the settings
// and of file facts gathered beforehand (inspect_paths), so each rule is testable without files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::persistence {

enum class finding_severity : std::uint8_t { high, medium, info };
std::string_view to_string(finding_severity s) noexcept;

struct security_finding {
  finding_severity severity = finding_severity::info;
  std::string what;
  /// What to do about it, as a command or a setting where there is one.
  std::string fix;
};

/// One file or directory the audit looks at, as stat() saw it.
struct path_fact {
  /// "data directory", "database file", "backup directory", "backup file", "environment file".
  std::string role;
  std::filesystem::path path;
  bool exists = false;
  bool directory = false;
  std::filesystem::perms perms = std::filesystem::perms::none;
};

struct security_config {
  std::string listen;
  std::string node_listen;
  std::string database_url;
  /// MC_OPERATOR_TOKENS as given: comma-separated name:token pairs.
  std::string operator_tokens;
  std::optional<bool> require_auth;
  std::vector<path_fact> paths;
};

struct operator_token {
  std::string name;
  std::string token;
  /// The entry had no `:`.
  bool malformed = false;
};

/// Splits MC_OPERATOR_TOKENS; blanks around entries are ignored, empty entries skipped.
std::vector<operator_token> parse_operator_tokens(std::string_view text);

/// True for 127.0.0.0/8, ::1 and localhost, with or without a port (`127.0.0.1:3000`,
/// `[::1]:3000`). An empty host (`:3000`) or 0.0.0.0 listens everywhere: not loopback.
bool is_loopback_address(std::string_view host_and_port);

/// Every finding, most severe first. Tokens are never echoed, only their owners' names.
std::vector<security_finding> audit_security(const security_config& config);

/// stat()s the data directory, the SQLite database files in it (when `sqlite`), the backup
/// directory and every *.json in it, and ./.env when present.
std::vector<path_fact> inspect_paths(const std::filesystem::path& data_dir, bool sqlite,
                                     const std::filesystem::path& backup_dir);

} // namespace mc::persistence
