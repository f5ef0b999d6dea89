// `mission-control security-check`: audits the configuration; exit 1 on any high finding.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "persistence/security_check.hpp"

#include <boost/program_options/errors.hpp>

#include <iostream>

namespace mc::app {

int run_security_check(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("security-check");
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::all, own);
  } catch (const po::error& e) {
    std::cerr << "security-check: " << e.what() << " (see mission-control security-check --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help("usage: mission-control security-check [options]\n\n"
               "Audits the settings the server would run with (pass the same flags or MC_*\n"
               "variables): weak or default operator tokens, authentication off or impossible\n"
               "on a non-loopback listener, plain HTTP beyond loopback, database TLS, and the\n"
               "permissions of the data directory, database files, backups and ./.env.\n"
               "Exit status 1 when any finding is high.",
               setting_group::all, own);
    return 0;
  }
  const auto& s = cmd.values;
  persistence::security_config config{s.listen,          s.node_listen,  s.database_url,
                                      s.operator_tokens, s.require_auth, {}};
  config.paths = persistence::inspect_paths(s.data_dir, s.database_url.empty(), s.backup_dir);
  const auto findings = persistence::audit_security(config);
  int counts[3] = {0, 0, 0};
  for (const auto& f : findings)
    ++counts[static_cast<int>(f.severity)];
  std::cout << "security-check: " << findings.size() << " findings: " << counts[0] << " high, "
            << counts[1] << " medium, " << counts[2] << " info\n";
  for (const auto& f : findings)
    std::cout << "  [" << persistence::to_string(f.severity) << "] " << f.what << "\n"
              << "      fix: " << f.fix << "\n";
  if (counts[0] > 0) {
    std::cout << "security-check: FAILED (high findings)\n";
    return 1;
  }
  std::cout << "security-check: passed (no high findings)\n";
  return 0;
}

} // namespace mc::app
