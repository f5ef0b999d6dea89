// An assignee's claim on a task is a lease (SPEC §5 HeartbeatMonitor): when its agent goes
// stale, the system releases the task in progress back to `assigned` for reassignment and the
// lease expires; from then on that agent's reports on the task are refused until it is
// assigned the task again. The one move the system makes outside the SPEC §3 matrix.
#pragma once

#include "domain/task_state_machine.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mc {

/// Releases a task in progress whose assignees `stale` went silent: back to `assigned` (the
/// assignees stay, so the operator sees who had it), their leases expire, and the move is
/// recorded as the system's with `reason`. Refused (with why) unless the task is in progress
/// and every agent named is one of its assignees.
std::variant<transition_outcome, std::string> release_task(const task& t,
                                                           const std::vector<std::string>& stale,
                                                           const std::string& reason, epoch_ms now);

/// Why `agent_id` may no longer report on `t` (its lease expired), or nullopt when it may.
std::optional<std::string> lease_refusal(const task& t, const std::string& agent_id);

/// An assignment renews the lease of every agent it names: called whenever a task's
/// assignees are set (an edit, or a move into `assigned`).
void renew_leases(task& t, const std::vector<std::string>& assignees);

} // namespace mc
