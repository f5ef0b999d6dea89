// The LoopDetector (SPEC §5): watches every thread message, move and tool call, keeps the sliding
// windows of domain/loop_windows per task, and contains a loop once per type until the task is
// unblocked: a loop_summary on the thread (and as a Document), the task blocked, a loop_detected
// alert, the operator notified; a tool retry loop also quarantines its agent.
#pragma once

#include "supervisors/root_supervisor.hpp"

namespace mc::supervisors {

/// Spec name "LoopDetector". Answers (tick_atom) once every containment started by events that
/// arrived before the tick is durable, with the number of loops it contained since the last tick.
supervisor_spec loop_detector();

} // namespace mc::supervisors
