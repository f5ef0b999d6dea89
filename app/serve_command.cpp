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

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

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

} // namespace

int run_serve(const args& a) {
  namespace po = boost::program_options;
  po::options_description own("serve");
  own.add_options()("seed-demo", "load the demo squad and its tasks once (nothing happens on a "
                                 "store that has agents or tasks)")(
      "model-prices", po::value<std::string>(),
      "MC_MODEL_PRICES: JSON file of model prices per million tokens, over the built-in table");
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
  const bool empty = state.tasks.empty() && state.agents.empty();
  runtime rt{sys, db, clk, ids, std::move(state), std::move(opts)};
  if (cmd.vars.count("seed-demo") && empty)
    std::cout << "serve: demo: " << seed_demo(sys, *rt.api()) << std::endl;

  http::router routes;
  rt.add_routes(routes);
  auto metrics = std::make_shared<http::api_metrics>();
  http::add_metrics_routes(routes, rt.api(), metrics);
  http::server_options so;
  so.listen = s.listen;
  so.threads = 1;
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
  std::cout << "serve: stopped" << std::endl;
  return 0;
}

} // namespace mc::app
