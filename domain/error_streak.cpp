#include "domain/error_streak.hpp"

namespace mc {

bool apply_run_outcome(agent& a, std::optional<run_status> before, const run& after) {
  if (after.status == run_status::running || before == after.status)
    return false;
  if (after.status == run_status::completed) {
    const bool changed = a.error_streak != 0 || a.last_error;
    a.error_streak = 0;
    a.last_error.reset();
    return changed;
  }
  ++a.error_streak;
  a.last_error = after.error && !after.error->empty()
                     ? *after.error
                     : "run " + after.id + " " +
                           (after.status == run_status::timeout ? "timed out" : "failed");
  return true;
}

streak_level streak_level_of(std::int32_t streak, std::int32_t warn_above,
                             std::int32_t quarantine_at) noexcept {
  if (streak >= quarantine_at)
    return streak_level::quarantine;
  if (streak > warn_above)
    return streak_level::warning;
  return streak_level::none;
}

} // namespace mc
