// `mission-control archive --older-than=90d`: moves finished tasks and their threads out of the
// live tables.
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

int run_archive(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("archive");
  own.add_options()("older-than", po::value<std::string>()->default_value("90d"),
                    "age limit on the task's last update: a number and m, h, d or w")(
      "dry-run", po::bool_switch(), "count what would move, change nothing");
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::store, own);
  } catch (const po::error& e) {
    std::cerr << "archive: " << e.what() << " (see mission-control archive --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help("usage: mission-control archive [--older-than=90d] [--dry-run] [options]\n\n"
               "In one transaction, moves done and canceled tasks last updated before the limit\n"
               "to archived_tasks, and their transitions and messages to archived_transitions\n"
               "and archived_messages, where backups, verify-db and exports still read them.\n"
               "Runs, tool calls, approvals and alerts stay. Writes one audit record.",
               setting_group::store, own);
    return 0;
  }
  const std::string age = cmd.vars["older-than"].as<std::string>();
  const auto older_than = parse_age_ms(age);
  if (!older_than) {
    std::cerr << "archive: --older-than=" << age
              << " is not an age (a number and m, h, d or w, e.g. 90d)\n";
    return 2;
  }
  const bool dry = cmd.vars["dry-run"].as<bool>();
  auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
  const auto r = persistence::archive(*db, system_clock{}.now_ms(), *older_than, dry);
  const auto cutoff =
      date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(r.cutoff_ms));
  std::cout << "archive: " << db->describe() << ": " << (dry ? "would move " : "moved ") << r.tasks
            << (r.tasks == 1 ? " task" : " tasks") << " (done or canceled, last updated more than "
            << format_age(*older_than) << " ago, before " << date::format("%FT%TZ", cutoff) << ")"
            << (dry ? " [dry run]" : "") << "\n"
            << "  tasks        " << r.tasks << "\n"
            << "  transitions  " << r.transitions << "\n"
            << "  messages     " << r.messages << "\n";
  return 0;
}

} // namespace mc::app
