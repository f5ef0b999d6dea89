#include "app/settings.hpp"

#include <boost/program_options/parsers.hpp>

#include <iostream>
#include <thread>

namespace po = boost::program_options;

namespace mc::app {
namespace {

bool has(setting_group groups, setting_group g) {
  return (static_cast<unsigned>(groups) & static_cast<unsigned>(g)) != 0;
}

po::options_description shared_options(setting_group groups) {
  po::options_description d("settings (each also an MC_* environment variable; the flag wins)");
  if (has(groups, setting_group::store))
    d.add_options()("database-url", po::value<std::string>(),
                    "MC_DATABASE_URL: postgres://... ; empty = embedded SQLite in the data dir")(
        "data-dir", po::value<std::string>(), "MC_DATA_DIR: SQLite file and local state [./var]")(
        "backup-dir", po::value<std::string>(), "MC_BACKUP_DIR: where backups go [./backups]")(
        "timezone", po::value<std::string>(),
        "MC_TIMEZONE: IANA zone for daily budgets and standups [America/Los_Angeles]");
  if (has(groups, setting_group::server))
    d.add_options()("listen", po::value<std::string>(), "MC_LISTEN: HTTP address [127.0.0.1:3000]")(
        "operator-tokens", po::value<std::string>(),
        "MC_OPERATOR_TOKENS: comma-separated name:token pairs")(
        "require-auth", po::value<bool>(),
        "MC_REQUIRE_AUTH: true/false [off on a loopback listener, on otherwise]")(
        "node-listen", po::value<std::string>(),
        "MC_NODE_LISTEN: CAF port for agent hosts [127.0.0.1:4242]")(
        "log-format", po::value<std::string>(), "MC_LOG_FORMAT: text or json [text]")(
        "threads", po::value<unsigned>(), "MC_THREADS: actor worker threads [number of cores]")(
        "io-threads", po::value<unsigned>(), "MC_IO_THREADS: HTTP I/O threads [2]")(
        "rate-limits", po::value<bool>(),
        "MC_RATE_LIMITS: per-token rate limits of SPEC §6, true/false [true]");
  return d;
}

std::string env_to_option(const std::string& env) {
  if (env.rfind("MC_", 0) != 0)
    return {};
  std::string out;
  for (char c : env.substr(3))
    out.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

} // namespace

parsed_command parse_command(const std::vector<std::string>& args, setting_group groups,
                             const po::options_description& own) {
  po::options_description all;
  all.add(own).add(shared_options(groups));
  all.add_options()("help,h", "show this help");

  parsed_command out;
  po::store(po::command_line_parser(args).options(all).run(), out.vars);
  // Stored second, so a flag given on the command line wins over the environment.
  auto known = [&](const std::string& env) {
    auto name = env_to_option(env);
    // An empty name would match every option ("ambiguous"): PATH and friends are not ours.
    if (name.empty() || name == "help")
      return std::string{};
    return all.find_nothrow(name, false) != nullptr ? name : std::string{};
  };
  po::store(po::parse_environment(all, known), out.vars);
  po::notify(out.vars);

  auto& s = out.values;
  auto text = [&](const char* name, std::string& field) {
    if (out.vars.count(name))
      field = out.vars[name].as<std::string>();
  };
  text("listen", s.listen);
  text("database-url", s.database_url);
  text("data-dir", s.data_dir);
  text("backup-dir", s.backup_dir);
  text("operator-tokens", s.operator_tokens);
  text("timezone", s.timezone);
  text("node-listen", s.node_listen);
  text("log-format", s.log_format);
  if (out.vars.count("require-auth"))
    s.require_auth = out.vars["require-auth"].as<bool>();
  if (out.vars.count("rate-limits"))
    s.rate_limits = out.vars["rate-limits"].as<bool>();
  s.threads = out.vars.count("threads") ? out.vars["threads"].as<unsigned>()
                                        : std::max(1u, std::thread::hardware_concurrency());
  if (out.vars.count("io-threads"))
    s.io_threads = std::max(1u, out.vars["io-threads"].as<unsigned>());
  out.help = out.vars.count("help") > 0;
  return out;
}

void print_help(const std::string& usage, setting_group groups,
                const po::options_description& own) {
  std::cout << usage << "\n\n";
  if (!own.options().empty())
    std::cout << own << "\n";
  std::cout << shared_options(groups) << "  -h [ --help ]          show this help\n";
}

} // namespace mc::app
