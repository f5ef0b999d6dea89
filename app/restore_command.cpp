// `mission-control restore --backup=PATH`: replaces the store's content with a verified backup.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "persistence/restore.hpp"
#include "persistence/store.hpp"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <date/date.h>

#include <chrono>
#include <iostream>

namespace mc::app {

int run_restore(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("restore");
  own.add_options()("backup", po::value<std::string>(), "the backup file to restore (required)");
  const std::string usage =
      "usage: mission-control restore --backup=PATH [options]\n\n"
      "Checks the backup file completely (format, schema version, row counts, checksum), refuses\n"
      "while a server runs on the store, migrates the store to this binary's schema, then\n"
      "replaces every table's content with the backup's in ONE transaction: all or nothing.\n"
      "The backup may come from the other kind of store (SQLite <-> PostgreSQL).";
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::store, own);
  } catch (const po::error& e) {
    std::cerr << "restore: " << e.what() << " (see mission-control restore --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help(usage, setting_group::store, own);
    return 0;
  }
  if (!cmd.vars.count("backup") || cmd.vars["backup"].as<std::string>().empty()) {
    std::cerr << "restore: --backup=PATH is required (see mission-control restore --help)\n";
    return 2;
  }
  const std::string file = cmd.vars["backup"].as<std::string>();
  try {
    // The file is checked before the store is even opened (opening SQLite creates its files).
    const auto backup = persistence::verify_backup(file);
    const auto& m = backup.manifest;
    const auto made =
        date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(m.created_at));
    std::cout << "restore: verified " << file << ": " << m.source << " backup of "
              << date::format("%FT%TZ", made) << ", schema version " << m.schema_version << ", "
              << persistence::total(m.counts) << " rows, " << backup.bytes << " bytes, "
              << m.checksum << "\n"
              << std::flush;
    auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
    const auto r = persistence::restore_backup(*db, backup);
    std::cout << "restore: " << r.target << " (schema version " << r.schema_version
              << "): replaced " << persistence::total(r.replaced) << " rows with "
              << persistence::total(r.restored) << " rows\n"
              << persistence::format_counts(r.restored);
    return 0;
  } catch (const persistence::restore_error& e) {
    using reason = persistence::restore_error::reason;
    switch (e.why()) {
    case reason::invalid_backup:
      std::cerr << "restore: " << file << " is not a usable backup: " << e.what()
                << "\nrestore: nothing was changed\n";
      break;
    case reason::server_running:
      std::cerr << "restore: refused: " << e.what() << "\n";
      break;
    case reason::failed:
      std::cerr << "restore: failed: " << e.what() << "\n";
      break;
    }
    return 1;
  }
}

} // namespace mc::app
