// The running system wired together: the persistence actor, the event group, the task and agent
// registries and the API context, built from a store and what boot recovery read back. `serve`
// and the end-to-end tests build it the same way.
#pragma once

#include "domain/model_prices.hpp"
#include "http/routes/api_routes.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "supervisors/root_supervisor.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace mc::app {

struct runtime_options {
  http::auth_settings auth;
  http::operator_tokens operators;
  persistence::persistence_config persistence;
  http::rate_limiter::options rate_limits;
  /// Run the persistence actor on its own thread (its store calls block); tests under the
  /// test coordinator pass false.
  bool detached_persistence = true;
  /// The zone date parameters (audit export, stats) are read in (SPEC §9 MC_TIMEZONE).
  std::string timezone = "America/Los_Angeles";
  /// Prices runs that report tokens without a cost (`--model-prices`); null: the built-in table.
  std::shared_ptr<const price_table> prices;
  /// The supervisors' thresholds and intervals (SPEC §5 defaults).
  supervisors::supervisor_settings supervision;
  /// Which supervisors run: null means all of them (supervisors/all_supervisors.hpp).
  std::optional<std::vector<supervisors::supervisor_spec>> supervisor_specs;
  /// Tick the supervisors on a real-time timer; tests tick them by hand after moving the clock.
  bool supervisor_timer = true;
  /// Where the supervisors log their lines; null: a logger on standard output.
  std::shared_ptr<spdlog::logger> supervisor_log;
};

class runtime {
 public:
  runtime(caf::actor_system& sys, std::shared_ptr<persistence::store> db, const clock& clk,
          id_generator& ids, persistence::recovered_state recovered, runtime_options opts);
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  const http::context_ptr& api() const noexcept { return ctx_; }
  /// The root supervisor: (tick_atom) ticks every supervisor and answers when all are done.
  const caf::actor& supervisors() const noexcept { return ctx_->supervisors; }
  /// Registers every API route on `r`.
  void add_routes(http::router& r) const;
  /// Flushes every acknowledged and soft write and stops the actors; the server must be stopped
  /// first. Safe to call twice.
  void shutdown();

 private:
  caf::actor_system& sys_;
  http::context_ptr ctx_;
  bool stopped_ = false;
};

} // namespace mc::app
