// The sub-commands of the mission-control binary (the runbook's `npm run X` → `mission-control X`).
// Each takes its arguments after the command name and returns the process exit code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mc::app {

using args = std::vector<std::string>;

int run_serve(const args& a);
int run_migrate(const args& a);
int run_backup(const args& a);
int run_restore(const args& a);
int run_verify_db(const args& a);
int run_cleanup(const args& a);
int run_archive(const args& a);
int run_security_check(const args& a);

struct command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const args&);
};

/// Every command, in the order `mission-control --help` lists them.
const std::vector<command>& commands();

} // namespace mc::app
