// The root supervisor (SPEC §5): spawns every supervisor, ticks them on a timer, restarts one
// that dies and raises `worker_missed` when one dies or misses its tick; `GET /health` reports
// `workers: degraded` until that supervisor answers a tick again.
#pragma once

#include "actors/worker_health.hpp"
#include "supervisors/supervisor_environment.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mc::supervisors {

/// How to (re)start one supervisor. The name is its log tag and its key in /health.
struct supervisor_spec {
  std::string name;
  std::function<caf::actor(caf::actor_system&, const supervisor_environment&)> spawn;
  /// Ticked only once every other supervisor has answered (or missed) the same tick: the
  /// NotificationDispatcher, so that a tick also delivers the notices of the alerts it raised.
  bool ticks_last = false;
};

/// Messages:
/// - (tick_atom) -> tick_summary: ticks every supervisor now (those with `ticks_last` after the
///   others) and answers when each answered or missed its deadline (tests tick this way after
///   moving the manual clock);
/// - (get_atom, std::string name) -> caf::actor: the supervisor running under that name now, or
///   errc::not_found;
/// - (standup_atom, standup_query): handed to the `StandupGenerator`.
/// With `timer` set it also ticks itself every settings.tick_interval of real time; the work a
/// tick does reads the injected clock, never the timer.
caf::actor spawn_root_supervisor(caf::actor_system& sys, supervisor_environment env,
                                 std::vector<supervisor_spec> specs,
                                 std::shared_ptr<actors::worker_health> health, bool timer);

} // namespace mc::supervisors
