// `mission-control cleanup --older-than=30d`: deletes what the store no longer needs to keep.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "domain/age_text.hpp"
#include "domain/clock.hpp"
#include "persistence/retention.hpp"
#include "persistence/store.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <date/date.h>

#include <chrono>
#include <iostream>

namespace mc::app {

int run_cleanup(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("cleanup");
  own.add_options()("older-than", po::value<std::string>()->default_value("30d"),
                    "age limit: a number and m, h, d or w (90m, 12h, 30d, 2w)")(
      "dry-run", po::bool_switch(), "count what would go, change nothing");
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::store, own);
  } catch (const po::error& e) {
    std::cerr << "cleanup: " << e.what() << " (see mission-control cleanup --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help("usage: mission-control cleanup [--older-than=30d] [--dry-run] [options]\n\n"
               "In one transaction, deletes notifications that were delivered or expired and\n"
               "resolved alerts, both older than the limit, and idempotency keys past their\n"
               "expiry. Writes one audit record with the counts.",
               setting_group::store, own);
    return 0;
  }
  const std::string age = cmd.vars["older-than"].as<std::string>();
  const auto older_than = parse_age_ms(age);
  if (!older_than) {
    std::cerr << "cleanup: --older-than=" << age
              << " is not an age (a number and m, h, d or w, e.g. 30d)\n";
    return 2;
  }
  const bool dry = cmd.vars["dry-run"].as<bool>();
  auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
  const auto r = persistence::cleanup(*db, system_clock{}.now_ms(), *older_than, dry);
  const auto cutoff =
      date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(r.cutoff_ms));
  std::cout << "cleanup: " << db->describe() << ": " << (dry ? "would delete " : "deleted ")
            << r.total() << " rows older than " << format_age(*older_than) << " (before "
            << date::format("%FT%TZ", cutoff) << ")" << (dry ? " [dry run]" : "") << "\n"
            << "  notifications (delivered or expired)  " << r.notifications << "\n"
            << "  alerts (resolved)                     " << r.alerts << "\n"
            << "  idempotency keys (expired)            " << r.idempotency_keys << "\n";
  return 0;
}

} // namespace mc::app
