// `mission-control migrate`: applies pending migrations to the configured store.
#include "app/commands.hpp"
#include "app/settings.hpp"
#include "persistence/schema.hpp"
#include "persistence/store.hpp"

#include <iostream>

namespace mc::app {

int run_migrate(const args& a) {
  boost::program_options::options_description own("migrate");
  auto cmd = parse_command(a, setting_group::store, own);
  if (cmd.help) {
    print_help("usage: mission-control migrate [options]\n\nApplies every pending schema "
               "migration (forward only, each in its own transaction).",
               setting_group::store, own);
    return 0;
  }
  auto db = persistence::open_store({cmd.values.database_url, cmd.values.data_dir});
  const int before = db->schema_version();
  const int after = db->migrate();
  std::cout << "migrate: " << db->describe() << ": schema version " << before << " -> " << after
            << " (" << (after - before) << " applied; this binary knows up to "
            << persistence::latest_schema_version() << ")\n";
  return 0;
}

} // namespace mc::app
