// `mission-control serve`: opens, claims and migrates the store, recovers the squad, starts the
// actors and the HTTP front door, and on SIGINT/SIGTERM stops accepting, finishes in-flight
// requests, flushes the persistence actor and exits 0.
#include "actors/message_types.hpp"
#include "app/commands.hpp"
#include "app/demo_seed.hpp"
#include "app/runtime.hpp"
#include "app/settings.hpp"
#include "http/routes/metrics_routes.hpp"
#include "http/server.hpp"
#include "mc/version.hpp"
#include "persistence/recovery.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <variant>

namespace mc::app {
namespace {

/// The price table file of `--model-prices`, over the built-in prices.
price_table load_price_table(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw std::invalid_argument("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_price_table(text.str());
}

/// The supervisors' settings from their flags, over the SPEC §5 defaults; a bad value is an
/// error naming its variable.
std::variant<supervisors::supervisor_settings, std::string>
supervision_from(const boost::program_options::variables_map& vars) {
  supervisors::supervisor_settings s;
  auto minutes = [&](const char* name) -> std::optional<std::int64_t> {
    if (!vars.count(name))
      return std::nullopt;
    return static_cast<std::int64_t>(vars[name].as<unsigned>()) * 60'000;
  };
  if (auto m = minutes("stale-after")) {
    if (*m == 0)
      return std::string("MC_STALE_AFTER: at least 1 minute");
    s.stale_after_ms = *m;
  }
  if (auto m = minutes("release-grace"))
    s.release_grace_ms = *m;
  if (vars.count("supervisor-tick")) {
    const auto secs = vars["supervisor-tick"].as<unsigned>();
    // The runbook's "Workers Running" check wants a line from each at least every 30 s.
    if (secs < 1 || secs > 30)
      return std::string("MC_SUPERVISOR_TICK: 1 to 30 seconds");
    s.tick_interval = std::chrono::seconds(secs);
    s.tick_deadline = std::min(s.tick_deadline, s.tick_interval);
  }
  if (vars.count("webhook-timeout")) {
    const auto secs = vars["webhook-timeout"].as<unsigned>();
    if (secs < 1)
      return std::string("MC_WEBHOOK_TIMEOUT: at least 1 second");
    s.webhook_timeout = std::chrono::seconds(secs);
  }
  if (vars.count("standup-at")) {
    const auto text = vars["standup-at"].as<std::string>();
    int h = -1, m = -1;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 ||
        m > 59)
      return "MC_STANDUP_AT: HH:MM, got '" + text + "'";
    s.standup_hour = h;
    s.standup_minute = m;
  }
  return s;
}

} // namespace

int run_serve(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("serve");
  own.add_options()("seed-demo", "load the demo squad and its tasks once (nothing happens on a "
                                 "store that has agents or tasks)")(
      "model-prices", po::value<std::string>(),
      "MC_MODEL_PRICES: JSON file of model prices per million tokens, over the built-in table")(
      "stale-after", po::value<unsigned>(),
      "MC_STALE_AFTER: minutes without a heartbeat before an agent is offline [5]")(
      "release-grace", po::value<unsigned>(),
      "MC_RELEASE_GRACE: minutes after that before its in-progress task is released [10]")(
      "standup-at", po::value<std::string>(),
      "MC_STANDUP_AT: local time (HH:MM, in the policy's zone) of the daily standup [09:00]")(
      "supervisor-tick", po::value<unsigned>(),
      "MC_SUPERVISOR_TICK: seconds between the supervisors' rounds, 1 to 30 [10]")(
      "webhook-timeout", po::value<unsigned>(),
      "MC_WEBHOOK_TIMEOUT: seconds a webhook receiver has to answer [5]");
  auto cmd = parse_command(a, setting_group::all, own);
  if (cmd.help) {
    print_help("usage: mission-control serve [options]", setting_group::all, own);
    return 0;
  }
  const auto& s = cmd.values;
  std::shared_ptr<const price_table> prices;
  if (cmd.vars.count("model-prices")) {
    const auto path = cmd.vars["model-prices"].as<std::string>();
    try {
      prices = std::make_shared<const price_table>(load_price_table(path));
    } catch (const std::exception& e) {
      std::cerr << "serve: MC_MODEL_PRICES: " << e.what() << "\n";
      return 2;
    }
  }
  auto supervision = supervision_from(cmd.vars);
  if (auto* bad = std::get_if<std::string>(&supervision)) {
    std::cerr << "serve: " << *bad << "\n";
    return 2;
  }
  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::cout << "mission-control " << mc::version << std::endl;
  const auto address = http::parse_listen_address(s.listen);
  auto operators = http::parse_operator_tokens(s.operator_tokens);
  if (!operators) {
    std::cerr << "serve: MC_OPERATOR_TOKENS: " << operators.error().message << "\n";
    return 2;
  }
  std::shared_ptr<persistence::store> db = persistence::open_store({s.database_url, s.data_dir});
  if (!db->try_claim_server_lock()) {
    std::cerr << "serve: another server is running on " << db->describe() << "\n";
    return 1;
  }
  const int version = db->migrate();
  auto state = persistence::recover(*db);
  std::cout << "serve: store " << db->describe() << " at schema version " << version
            << "; recovered " << state.entity_count() << " entities (" << state.agents.size()
            << " agents, " << state.tasks.size() << " tasks) in " << state.elapsed_ms << " ms"
            << std::endl;

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", std::max(2u, s.threads));
  cfg.set("logger.console", caf::atom("none"));
  actors::add_message_types(cfg);
  caf::actor_system sys{cfg};
  system_clock clk;
  id_generator ids{clk};

  runtime_options opts;
  opts.operators = std::move(operators.value());
  opts.auth.listener_loopback_only = address.is_loopback();
  opts.timezone = s.timezone;
  opts.auth.require_auth = s.require_auth.value_or(!address.is_loopback());
  if (!s.rate_limits)
    opts.rate_limits.limits = http::rate_limits{0, 0, 0, 0, 0, 0}; // 0: unlimited
  opts.prices = prices;
  opts.supervision = std::get<supervisors::supervisor_settings>(supervision);
  const bool empty = state.tasks.empty() && state.agents.empty();
  runtime rt{sys, db, clk, ids, std::move(state), std::move(opts)};
  if (cmd.vars.count("seed-demo") && empty)
    std::cout << "serve: demo: " << seed_demo(sys, *rt.api()) << std::endl;

  http::router routes;
  rt.add_routes(routes);
  {
    auto metrics = std::make_shared<http::api_metrics>();
    http::add_metrics_routes(routes, rt.api(), metrics);
    http::server_options so;
    so.listen = s.listen;
    so.threads = s.io_threads;
    so.log = http::access_log::to_stdout(
        http::parse_log_format(s.log_format).value_or(http::log_format::text));
    so.on_access = [metrics](const http::access_record& r) { metrics->observe(r); };
    http::server server{std::move(routes), so};
    server.start();
    std::cout << "serve: listening on http://" << server.address().to_string() << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cout << "serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": finishing in-flight requests" << std::endl;
    server.stop();
    rt.shutdown();
  } // the access log writes its last queued lines as it goes
  std::cout << "serve: stopped" << std::endl;
  return 0;
}

} // namespace mc::app
