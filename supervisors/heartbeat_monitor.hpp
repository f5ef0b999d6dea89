// The HeartbeatMonitor (SPEC §5): on every tick, agents silent for longer than the threshold go
// offline with an `agent_stale` alert and their task in progress is flagged, then released for
// reassignment after the grace period; on every agent change, an error streak past the warning
// threshold raises a warning and one at the quarantine threshold quarantines the agent.
#pragma once

#include "supervisors/root_supervisor.hpp"

namespace mc::supervisors {

/// Spec name "HeartbeatMonitor". Answers (tick_atom) once the round's writes are acknowledged;
/// reacts to agent_event from the events group (error streaks).
supervisor_spec heartbeat_monitor();

} // namespace mc::supervisors
