// The BudgetMonitor's rules (SPEC §4–5): which caps a recorded run broke (per-run, daily in the
// policy's zone, the task type's budget), what a task may cost once the operator approved an
// override, and what the containment says: the budget_override request, the alert and the
// operator's notification. Pure: the supervisor looks the facts up and acts on the answer.
#pragma once

#include "domain/entities.hpp"
#include "domain/money.hpp"
#include "domain/policy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

enum class budget_breach_kind : std::uint8_t { per_run, daily, task };

/// `per-run cap`, `daily budget`, `task budget`.
std::string_view to_string(budget_breach_kind k) noexcept;

/// One cap a spend went past (strictly above it: classify_spend's rule).
struct budget_breach {
  budget_breach_kind kind = budget_breach_kind::daily;
  usd spent;
  usd cap;
  friend bool operator==(const budget_breach&, const budget_breach&) = default;
};

/// What a task may cost: its type's budget, plus the estimatedCost of every approved
/// budget_override request on it (approving one grants that much more).
usd task_allowance(const task& t, const std::vector<approval>& approvals, const policy& p);

/// The caps a run broke. `today_spend` is the agent's spend on the current local day
/// (today_spend_at); caps are resolved through the override layers (the agent's budgets over its
/// role's policy caps). The per-run cap is checked only when `check_run_cost` (a run counts once:
/// a later change of a run that already tripped it does not trip it again). The task budget is
/// checked when the run's task is given, against `allowance` (task_allowance).
std::vector<budget_breach> budget_breaches(const run& r, bool check_run_cost, const agent& a,
                                           usd today_spend, const task* t, usd allowance,
                                           const policy& p);

/// Everything the containment of one exceed episode tells the operator.
struct containment_facts {
  agent who;
  run trigger;
  std::vector<budget_breach> breaches;
  /// The task held for approval (the run's, or the agent's task in progress), if any.
  std::optional<task> held;
  /// What the held task may cost (task_allowance), and its type's budget alone.
  usd task_budget;
  usd type_budget;
  /// The agent's latest runs, newest first (at most 3 are shown).
  std::vector<run> recent;
};

/// How many of the agent's latest runs the request shows.
inline constexpr std::size_t containment_recent_runs = 3;

/// The budget_override request (pending fields are the approvals actor's): red, for the held
/// task when there is one, requested on behalf of the agent. Its summary names the breaches,
/// its justification carries the last 3 runs' cost and the task (title, type, actual cost vs
/// budget) and what to do. When the task budget broke, `estimatedCost` is one more budget of the
/// task's type: what approving grants the task (task_allowance).
approval budget_override_request(const containment_facts& f);

/// Whether a request is one budget_override_request wrote (its summary names its requestor the
/// way that function does): how the BudgetMonitor knows its own requests after a restart.
bool filed_by_budget_monitor(const approval& a);

/// The `budget_exceeded` alert: critical for a daily or task budget, error for a per-run cap
/// alone (one expensive run; the agent is paused all the same).
alert budget_alert(const containment_facts& f, const std::string& approval_id);

/// Why the agent is paused (its control's reason and audit record).
std::string pause_reason(const containment_facts& f);

} // namespace mc
