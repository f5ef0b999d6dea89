// Entry point of the mission-control binary: finds the sub-command and runs it. Errors that
// escape a command become one readable line and exit code 1, never a crash.
#include "app/commands.hpp"
#include "mc/version.hpp"

#include <exception>
#include <iostream>

namespace mc::app {

const std::vector<command>& commands() {
  static const std::vector<command> all = {
      {"serve", "run the control plane (HTTP API, actors, supervisors)", run_serve},
      {"migrate", "apply pending schema migrations and print the schema version", run_migrate},
      {"backup", "write a consistent JSON backup of the store to the backup dir", run_backup},
      {"restore", "replace the store's content with a verified backup (--backup=PATH)",
       run_restore},
      {"verify-db", "check schema, integrity and counters; list every problem", run_verify_db},
      {"cleanup", "delete old notifications, resolved alerts, expired idempotency keys",
       run_cleanup},
      {"archive", "move old done/canceled tasks and their threads to archive tables", run_archive},
      {"security-check", "audit tokens, listeners, TLS and file permissions", run_security_check},
  };
  return all;
}

namespace {

void usage(std::ostream& out) {
  out << "usage: mission-control <command> [options]   (mission-control <command> --help)\n\n"
         "commands:\n";
  for (const auto& c : commands())
    out << "  " << c.name << std::string(16 - std::min<std::size_t>(15, c.name.size()), ' ')
        << c.summary << "\n";
  out << "  version         print the version\n";
}

} // namespace
} // namespace mc::app

int main(int argc, char** argv) {
  using namespace mc::app;
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  if (name == "version" || name == "--version") {
    std::cout << "mission-control " << mc::version << "\n";
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != name)
      continue;
    args rest(argv + 2, argv + argc);
    // The runbook's `npm run restore -- --backup=…` passes npm's `--` along.
    if (!rest.empty() && rest.front() == "--")
      rest.erase(rest.begin());
    try {
      return c.run(rest);
    } catch (const std::exception& e) {
      std::cerr << "mission-control " << name << ": " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "mission-control: unknown command '" << name << "'\n\n";
  usage(std::cerr);
  return 2;
}
