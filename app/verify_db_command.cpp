// `mission-control verify-db`: lists every integrity problem of the store; exit 1 when any.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "persistence/schema.hpp"
#include "persistence/security_check.hpp"
#include "persistence/store.hpp"
#include "persistence/verify_db.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <iostream>

namespace mc::app {

int run_verify_db(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("verify-db");
  own.add_options()("operator-tokens", po::value<std::string>(),
                    "MC_OPERATOR_TOKENS: its names are people, not agents, where a task's "
                    "creator, reviewer or a notification's target is checked");
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::store, own);
  } catch (const po::error& e) {
    std::cerr << "verify-db: " << e.what() << " (see mission-control verify-db --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help("usage: mission-control verify-db [options]\n\n"
               "Reads every table in one snapshot and lists every problem: schema version,\n"
               "documents that do not parse or disagree with their columns, illegal task\n"
               "statuses, missing required fields, references to agents, tasks, runs, tool calls\n"
               "or approvals that do not exist, and totalSpend / actualCost that differ from\n"
               "the sum of their runs. Read-only. Exit status 1 when it finds any problem.",
               setting_group::store, own);
    return 0;
  }
  persistence::verify_options options;
  for (const auto& t : persistence::parse_operator_tokens(cmd.values.operator_tokens))
    if (!t.malformed)
      options.operator_names.push_back(t.name);
  auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
  const auto report = persistence::verify_db(*db, options);
  std::int64_t rows = 0;
  for (const auto n : report.rows)
    rows += n;
  std::cout << "verify-db: " << db->describe() << ", schema version " << report.schema_version
            << " (expected " << report.expected_schema_version << ")\n";
  std::cout << "verify-db: audit chain: " << report.audit_chained << " records chained";
  if (report.audit_unchained > 0)
    std::cout << ", " << report.audit_unchained << " from before the chain began";
  if (!report.audit_head.empty())
    std::cout << ", head " << report.audit_head;
  std::cout << "\n";
  std::cout << "verify-db: checked " << rows << " rows in " << persistence::table_count
            << " tables: ";
  if (report.ok()) {
    std::cout << "no problems\n";
    return 0;
  }
  std::cout << report.problems.size() << (report.problems.size() == 1 ? " problem" : " problems")
            << "\n";
  for (const auto& p : report.problems) {
    const bool journal = [&] {
      for (const auto& d : persistence::all_tables())
        if (d.name == p.table)
          return d.kind == persistence::table_kind::journal;
      return false;
    }();
    std::cout << "  " << p.table << " " << (journal ? "#" : "") << p.key << ": " << p.what << "\n";
  }
  return 1;
}

} // namespace mc::app
