// The rules for agents outside the task state machine: what a new agent must look like, and
// what the operator's controls (pause, resume, quarantine, drain, restart) do to an agent.
#pragma once

#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/task_validation.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace mc {

/// Every problem of an agent draft; empty when it may be registered.
std::vector<field_problem> validate_new_agent(const agent& draft);

/// Problems of budgets as an edit sets them (caps are positive when present).
std::vector<field_problem> validate_budgets(const agent_budgets& b);

enum class agent_control : std::uint8_t { pause, resume, quarantine, drain, restart };
BOOST_DESCRIBE_ENUM(agent_control, pause, resume, quarantine, drain, restart)

struct control_outcome {
  agent next;
  /// False when the control left the agent as it was (pausing a paused agent): still a success.
  bool changed = false;
  /// Restart: the agent's host should restart its session (told in the next heartbeat reply).
  bool restart_requested = false;
};

/// Applies a control. `has_work_in_progress`: the agent has a task in progress (drain lets it
/// finish: the agent is `drained` until then, `paused` after). Quarantine is lifted only by
/// resume: pause, drain and restart leave a quarantined agent quarantined, so a runbook step
/// never lets a runaway agent loose by accident.
control_outcome apply_control(const agent& a, agent_control c, bool has_work_in_progress);

/// A drained agent whose work is finished becomes paused; nullopt when nothing changes.
std::optional<agent> settle_drain(const agent& a, bool has_work_in_progress);

/// Agents that may start or claim new work.
constexpr bool may_start_work(agent_status s) noexcept {
  return s == agent_status::active;
}

} // namespace mc
