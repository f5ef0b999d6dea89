// The settings of SPEC §9: every one a flag and an MC_* environment variable (the flag wins).
// Sub-commands add their own options next to the shared ones.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mc::app {

struct settings {
  std::string listen = "127.0.0.1:3000";
  std::string database_url;
  std::string data_dir = "./var";
  std::string backup_dir = "./backups";
  std::string operator_tokens;
  /// Unset: off on a loopback listener, on otherwise.
  std::optional<bool> require_auth;
  std::string timezone = "America/Los_Angeles";
  std::string node_listen = "127.0.0.1:4242";
  std::string log_format = "text";
  unsigned threads = 0;
  /// Two beat one on the 2-core machine for heartbeats and transitions (docs/PERFORMANCE.md).
  unsigned io_threads = 2;
  /// Off only for load tests and trusted single-operator setups; security-check warns.
  bool rate_limits = true;
};

/// Which groups of settings a command takes.
enum class setting_group : unsigned { store = 1, server = 2, all = 3 };

/// Parses `args` (without the program and command names) and the MC_* environment. Returns the
/// variables for the command's own options too. Throws boost::program_options::error on bad input.
struct parsed_command {
  settings values;
  boost::program_options::variables_map vars;
  bool help = false;
};

parsed_command parse_command(const std::vector<std::string>& args, setting_group groups,
                             const boost::program_options::options_description& own);

/// Prints `usage`, then the command's options and the shared ones it takes, with their variables.
void print_help(const std::string& usage, setting_group groups,
                const boost::program_options::options_description& own);

} // namespace mc::app
