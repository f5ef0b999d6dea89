// Risk classification of agent actions (SPEC §4): tool names, shell commands, file paths and
// network hosts, judged against lists that are plain data so a stored policy can change them.
#pragma once

#include "domain/enums.hpp"

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

/// A shell command refused outright. It matches when a command's program (its basename, also
/// behind wrappers such as `env`, `xargs` or `find -exec`) is `program` — a trailing `*` makes it
/// a prefix, as in `mkfs*` — and every group of `all_of` has one of its words among the
/// arguments. A short flag such as `-r` also matches inside a bundle such as `-rf`, and a long
/// one such as `--force` also matches `--force=…`.
struct shell_block_rule {
  std::string name;
  std::string program;
  std::vector<std::vector<std::string>> all_of;
  friend bool operator==(const shell_block_rule&, const shell_block_rule&) = default;
};
BOOST_DESCRIBE_STRUCT(shell_block_rule, (), (name, program, all_of))

/// A shell command on the allow list: its words start with `words` exactly (no wrapper, no
/// variable assignment in front) and none of the remaining arguments is in `forbidden_args`
/// (matched like block-rule flags), because options like `find -delete` turn a reader into a
/// writer.
struct shell_allow_rule {
  std::string name;
  std::vector<std::string> words;
  std::vector<std::string> forbidden_args;
  friend bool operator==(const shell_allow_rule&, const shell_allow_rule&) = default;
};
BOOST_DESCRIBE_STRUCT(shell_allow_rule, (), (name, words, forbidden_args))

/// Every list the classifier consults. The member initialisers are the built-in defaults.
/// Tool names compare ASCII case-insensitively; paths are workspace-relative.
struct risk_lists {
  std::vector<std::string> green_tools = {
      "read",         "read_file",     "list_files", "glob",       "grep",
      "search_files", "memory_search", "memory_get", "web_search", "comment",
      "add_comment",  "post_comment",  "doc_read",   "doc_write",  "internal_docs"};
  std::vector<std::string> yellow_tools = {"git_commit",    "git_push",    "cron",
                                           "browser",       "spawn_agent", "sessions_spawn",
                                           "spawn_subagent"};
  std::vector<std::string> red_tools = {
      "message",     "send_message",      "send_email", "email",
      "post_public", "social_post",       "tweet",      "publish",
      "deploy",      "deploy_production", "secrets",    "get_secret",
      "read_secret", "payment",           "purchase",   "spend_money"};
  /// Tools judged by their `command` (a missing command is red: nothing to check).
  std::vector<std::string> shell_tools = {"exec", "shell", "bash", "run_command", "terminal"};
  /// Tools judged by the `path` they write (a missing path is red).
  std::vector<std::string> write_tools = {"write",     "write_file",  "edit",
                                          "edit_file", "apply_patch", "create_file"};
  /// Tools judged by the `domain` they reach (a missing domain is red).
  std::vector<std::string> network_tools = {"web_fetch", "fetch", "http_request", "http_get"};

  std::vector<shell_block_rule> shell_block = {
      {"rm -rf", "rm", {{"-r", "-R", "--recursive"}, {"-f", "--force"}}},
      {"sudo", "sudo", {}},
      {"su", "su", {}},
      {"doas", "doas", {}},
      {"chmod 777", "chmod", {{"777", "0777", "a+rwx", "ugo+rwx"}}},
      {"dd", "dd", {}},
      {"mkfs", "mkfs*", {}},
      {"kill", "kill", {}},
      {"pkill", "pkill", {}},
      {"killall", "killall", {}},
  };
  std::vector<shell_allow_rule> shell_allow = {
      {"ls", {"ls"}, {}},
      {"cat", {"cat"}, {}},
      {"head", {"head"}, {}},
      {"tail", {"tail"}, {}},
      {"wc", {"wc"}, {}},
      {"grep", {"grep"}, {}},
      {"find",
       {"find"},
       {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf",
        "-fls"}},
      {"pwd", {"pwd"}, {}},
      {"echo", {"echo"}, {}},
      {"diff", {"diff"}, {}},
      {"sort", {"sort"}, {"-o", "--output"}},
      {"jq", {"jq"}, {}},
      {"git status", {"git", "status"}, {}},
      {"git diff", {"git", "diff"}, {"--output"}},
      {"git log", {"git", "log"}, {"--output"}},
      {"git add", {"git", "add"}, {}},
      {"git commit", {"git", "commit"}, {}},
      {"git checkout -b", {"git", "checkout", "-b"}, {}},
      {"npm test", {"npm", "test"}, {}},
      {"npm run lint", {"npm", "run", "lint"}, {}},
      {"npm run build", {"npm", "run", "build"}, {}},
      {"make", {"make"}, {"install", "uninstall"}},
      {"cmake --build", {"cmake", "--build"}, {}},
      {"ctest", {"ctest"}, {}},
      {"pytest", {"pytest"}, {}},
  };
  /// Programs that run the command after them, so block rules look behind them.
  std::vector<std::string> command_wrappers = {"env",   "nohup", "time",    "nice",   "timeout",
                                               "xargs", "exec",  "command", "setsid", "stdbuf"};
  /// Downloaders and interpreters: a download fed to an interpreter is `curl … | sh`.
  std::vector<std::string> fetchers = {"curl", "wget"};
  std::vector<std::string> interpreters = {"sh",      "bash", "zsh",    "dash", "ksh",
                                           "fish",    "eval", "source", ".",    "python",
                                           "python3", "perl", "ruby",   "node"};
  /// Absolute paths a shell command may name although they lie outside the workspace.
  std::vector<std::string> safe_absolute_paths = {"/dev/null", "/dev/stdout", "/dev/stderr"};

  /// Workspace directories where writes are yellow.
  std::vector<std::string> write_allowed_dirs = {"output/", "docs/", "memory/", "artifacts/"};
  /// Protected paths: `/…` is an absolute prefix, `~/…` a prefix in a home directory, anything
  /// else a name pattern (`*` wildcard) that matches any component of the path.
  std::vector<std::string> write_denied = {".env*", "~/.ssh", ".ssh", "/etc"};

  /// Hosts reachable at yellow; a subdomain of a listed host matches too.
  std::vector<std::string> network_allowlist = {"github.com", "githubusercontent.com", "npmjs.org",
                                                "pypi.org",   "pythonhosted.org",      "crates.io"};

  friend bool operator==(const risk_lists&, const risk_lists&) = default;
};
BOOST_DESCRIBE_STRUCT(risk_lists, (),
                      (green_tools, yellow_tools, red_tools, shell_tools, write_tools,
                       network_tools, shell_block, shell_allow, command_wrappers, fetchers,
                       interpreters, safe_absolute_paths, write_allowed_dirs, write_denied,
                       network_allowlist))

/// What the classifier concluded about one action.
struct risk_result {
  risk_level risk = risk_level::red;
  /// Refused outright (block list, protected path, traversal): no approval can allow it.
  /// A denied result also reports red.
  bool denied = false;
  /// The deciding rule as `family:name`, e.g. `shell.block:rm -rf` or `write.allow:docs/`.
  std::string rule;
  /// For people: the rule and what it matched.
  std::string reason;
  friend bool operator==(const risk_result&, const risk_result&) = default;
};
BOOST_DESCRIBE_STRUCT(risk_result, (), (risk, denied, rule, reason))

/// One agent action: the tool's name and whichever arguments decide its risk.
struct agent_action {
  std::string tool_name;
  std::optional<std::string> command;
  /// The file the tool reads or, for write tools, writes; workspace-relative.
  std::optional<std::string> path;
  /// A bare host name (the caller extracts it from a URL).
  std::optional<std::string> domain;
  friend bool operator==(const agent_action&, const agent_action&) = default;
};
BOOST_DESCRIBE_STRUCT(agent_action, (), (tool_name, command, path, domain))

/// By name alone; unknown tools are red because a new tool must be listed before it is trusted.
risk_result classify_tool(std::string_view tool_name, const risk_lists& lists);

/// Block list → denied, every chained/piped/substituted command on the allow list → yellow,
/// otherwise red.
risk_result classify_shell(std::string_view command, const risk_lists& lists);

/// Protected or escaping the workspace → denied, inside an allowed directory → yellow,
/// otherwise red.
risk_result classify_write_path(std::string_view path, const risk_lists& lists);

/// Reading in the workspace is green; protected paths (secrets) and anything outside are red.
risk_result classify_read_path(std::string_view path, const risk_lists& lists);

/// Allowlisted host or a subdomain of one → yellow; anything else, or no valid host name, red.
risk_result classify_domain(std::string_view host, const risk_lists& lists);

/// The tool's own verdict (by its command, path or domain for shell, write and network tools,
/// by name otherwise), made stricter by any further argument given: the most severe wins.
risk_result classify_action(const agent_action& action, const risk_lists& lists);

/// Whether `tool_name` runs shell commands (judged by its command; a bare string input to it is
/// that command). Case-insensitive.
bool is_shell_tool(const risk_lists& lists, std::string_view tool_name);

enum class path_anchor : std::uint8_t { workspace, root, home };

/// A path after lexical normalisation: no `.` or empty segments, `..` folded away.
struct lexical_path {
  path_anchor anchor = path_anchor::workspace;
  std::vector<std::string> segments;
  /// A relative (or home) path whose `..` climbs above its anchor. `/..` stays at `/`.
  bool escapes = false;
  /// `docs/a.md`, `/etc/passwd`, `~/.ssh/id_rsa`; escaping paths keep their leading `..`.
  std::string text() const;
  friend bool operator==(const lexical_path&, const lexical_path&) = default;
};

/// Pure string work, no filesystem access, so `docs/../.env` is judged as `.env`.
/// `~` and `~user` anchor at a home directory.
lexical_path normalize_path(std::string_view path);

} // namespace mc
