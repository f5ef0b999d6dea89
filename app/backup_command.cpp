// `mission-control backup`: one consistent JSON snapshot of the store under the backup directory.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "domain/clock.hpp"
#include "domain/local_day.hpp"
#include "persistence/backup.hpp"
#include "persistence/store.hpp"

#include <boost/program_options/errors.hpp>

#include <iostream>

namespace mc::app {

int run_backup(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("backup");
  parsed_command cmd;
  try {
    cmd = parse_command(a, setting_group::store, own);
  } catch (const po::error& e) {
    std::cerr << "backup: " << e.what() << " (see mission-control backup --help)\n";
    return 2;
  }
  if (cmd.help) {
    print_help(
        "usage: mission-control backup [options]\n\n"
        "Writes every table of the store, read in one consistent snapshot, to\n"
        "<backup-dir>/YYYY-MM-DD-HH-MM.json (local time in the configured timezone; -2, -3...\n"
        "when that name exists). The file starts with a manifest: schema version, row\n"
        "counts and a SHA-256 checksum. Read-only: safe while the server runs.",
        setting_group::store, own);
    return 0;
  }
  const auto zone = local_zone::find(cmd.values.timezone);
  if (!zone) {
    std::cerr << "backup: " << zone.error << "\n";
    return 2;
  }
  auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
  const auto r =
      persistence::write_backup(*db, cmd.values.backup_dir, *zone.zone, system_clock{}.now_ms());
  std::cout << "backup: " << db->describe() << " (schema version " << r.schema_version << ") -> "
            << r.file.string() << "\n"
            << persistence::format_counts(r.counts) << "backup: " << persistence::total(r.counts)
            << " rows, " << r.bytes << " bytes, " << r.checksum << "\n";
  return 0;
}

} // namespace mc::app
