// What every supervisor shares: the actors it watches and commands, the clock, the policy in
// force, its thresholds and its logger. app/runtime builds it once; a restarted supervisor gets
// the same one, so a restart loses only in-memory windows, never configuration.
#pragma once

#include "actors/active_policy.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "domain/loop_windows.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/actor.hpp>
#include <caf/group.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace mc::supervisors {

/// Thresholds and intervals of SPEC §5 (the policy holds the rest: review cycles, time zone,
/// budgets). Every one has a `serve` flag and an MC_* variable (app/settings).
struct supervisor_settings {
  /// How often the root supervisor ticks every supervisor (each logs its line per tick, so this
  /// stays under the runbook's 30 s).
  std::chrono::milliseconds tick_interval{10'000};
  /// A supervisor that has not answered its tick by then missed it (worker_missed).
  std::chrono::milliseconds tick_deadline{5'000};

  /// HeartbeatMonitor: an agent silent this long is stale (offline + agent_stale alert).
  std::int64_t stale_after_ms = 5 * 60'000;
  /// ...and its in-progress task is released for reassignment this long after that.
  std::int64_t release_grace_ms = 10 * 60'000;
  /// Error streak above this: warning alert; at quarantine_streak: quarantine + critical alert.
  std::int32_t error_streak_warning = 3;
  std::int32_t error_streak_quarantine = 5;

  /// LoopDetector windows and thresholds (the review cycle limit comes from the policy).
  loop_config loops;

  /// NotificationDispatcher: webhook retry delays (one per retry; attempts = delays + 1 is
  /// capped by max_attempts), the delivery timeout, de-duplication window and expiry.
  std::vector<std::int64_t> retry_delays_ms{30'000, 60'000, 120'000, 240'000, 480'000};
  std::int32_t max_attempts = 5;
  std::chrono::milliseconds webhook_timeout{5'000};
  std::int64_t dedup_window_ms = 5 * 60'000;
  std::int64_t notification_ttl_ms = 24 * 60 * 60'000;

  /// StandupGenerator: local time of the daily standup, in the policy's time zone.
  std::int32_t standup_hour = 9;
  std::int32_t standup_minute = 0;
};

struct supervisor_environment {
  persistence::persistence_actor db;
  /// The events group every actor publishes on; event-driven supervisors join it.
  caf::group events;
  const clock* clk = nullptr;
  id_generator* ids = nullptr;
  actors::policy_ptr policy = std::make_shared<actors::active_policy>();
  /// The actors of actors/: registries (agents, tasks), approvals, the governance actors and the
  /// run ledger. Supervisors act only through their messages, as the API does.
  caf::actor agents;
  caf::actor tasks;
  caf::actor approvals;
  caf::actor alerts;
  caf::actor notifications;
  caf::actor webhooks;
  caf::actor ledger;
  supervisor_settings settings;
  /// Where the supervisors' lines go (`[HeartbeatMonitor] Checking agent liveness...`).
  std::shared_ptr<spdlog::logger> log;
};

/// Logs `[tag] text` at info level (nothing when the environment has no logger).
void log_line(const supervisor_environment& env, std::string_view tag, std::string_view text);

} // namespace mc::supervisors
