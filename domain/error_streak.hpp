// An agent's error streak (SPEC §5): consecutive runs that failed or timed out. A run that
// finishes in error adds one, a completed run ends the streak; the HeartbeatMonitor warns above
// one threshold and quarantines at another.
#pragma once

#include "domain/entities.hpp"

#include <cstdint>
#include <optional>

namespace mc {

/// Applies a run's outcome to its agent. `before` is the run's status before this change (none
/// for a new run): only a change that finishes the run counts, so correcting a finished run's
/// tokens never counts it twice. Failed or timed out: the streak grows and the run's error (or
/// a line naming the run) becomes lastError; completed: the streak and lastError are cleared.
/// Returns whether the agent changed.
bool apply_run_outcome(agent& a, std::optional<run_status> before, const run& after);

enum class streak_level : std::uint8_t { none, warning, quarantine };

/// `warning` above `warn_above` (SPEC: > 3), `quarantine` from `quarantine_at` (≥ 5).
streak_level streak_level_of(std::int32_t streak, std::int32_t warn_above,
                             std::int32_t quarantine_at) noexcept;

} // namespace mc
