// The BudgetMonitor (SPEC §4–5): reacts to every recorded run; past the per-run cap, the daily
// cap or the task type's budget it pauses the agent, holds its task for a budget_override
// approval, raises `budget_exceeded` and tells the operator, once per exceed episode. Approving
// that request resumes the agent.
#pragma once

#include "supervisors/root_supervisor.hpp"

namespace mc::supervisors {

/// Spec name "BudgetMonitor". Answers (tick_atom) with the number of containments and resumes
/// made since the last tick, once every reaction to the events before the tick is durable.
supervisor_spec budget_monitor();

} // namespace mc::supervisors
