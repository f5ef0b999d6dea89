// What a recorded run means for the budgets (SPEC §4–5 BudgetMonitor's reply half) and the cost
// reports of SPEC §6 (`/api/costs/agent/{id}`, `/api/costs/daily`). Pure: the callers hand in
// the runs, the task types and the local zone.
#pragma once

#include "domain/budget.hpp"
#include "domain/entities.hpp"
#include "domain/local_day.hpp"
#include "domain/policy.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mc {

/// The caps a run is checked against, each with its spend after the run.
struct run_budget {
  /// The run's own cost against the per-run cap.
  budget_status per_run;
  /// The agent's spend today (after the run) against its daily cap.
  budget_status daily;
  /// The task's actualCost (after the run) against its type's budget, when the run has a task.
  std::optional<budget_status> task;
  /// The worst of the three.
  spend_level level = spend_level::ok;
  /// For people: which caps are near or past, empty when all are ok.
  std::string warning;
};

/// The agent's budgets override its role's policy caps (SPEC §4 overrides).
usd daily_cap_of(const agent& a, const policy& p);
usd per_run_cap_of(const agent& a, const policy& p);

/// `today_spend` is the agent's spend today after the run (already reset at local midnight).
run_budget check_run_budget(const agent& a, const policy& p, usd run_cost, usd today_spend,
                            std::optional<task_type> type, usd task_spend);

/// `{"status":…,"perRun":{spent,cap,remaining,status},"daily":{…},"task":{…}|null}`.
boost::json::object to_json(const run_budget& b);

/// A run's task type, when its task is known.
using task_type_of = std::function<std::optional<task_type>(const std::string& task_id)>;

/// `GET /api/costs/agent/{id}`: spend today, this week (from Monday) and this month in `zone`,
/// by model, by task type, the number of runs and the average per run, over the agent's runs.
boost::json::object agent_cost_report(const agent& a, const std::vector<const run*>& runs,
                                      const task_type_of& types, const local_zone& zone,
                                      epoch_ms now);

/// `GET /api/costs/daily`: the total of the runs started on local day `day`, per agent and per
/// task type (runs without a task under `none`).
boost::json::object daily_cost_report(civil_date day, const std::vector<const run*>& runs,
                                      const task_type_of& types, const local_zone& zone);

/// A `?date=` parameter (SPEC §1): `YYYY-MM-DD` names a local day; an ISO instant names the local
/// day it falls on in `zone`. Nullopt when it is neither.
std::optional<civil_date> parse_date_param(std::string_view text, const local_zone& zone);

} // namespace mc
