// The runbook's "Key Metrics" (Monitoring) as one pure aggregation: fed the stored agents, tasks,
// transitions, runs, alerts and approvals, it answers GET /api/stats/overview's document.
// Definitions (docs/DECISIONS.md, "Audit trail"):
// - the window is the last `days` local days (in the configured zone) up to now, today included;
//   "per day" series list every day of the window, oldest first, zeros included;
// - stale: an agent whose last heartbeat is missing or older than 5 minutes (any status);
// - completed: a task whose completedAt falls in the window (done, live or archived); time to
//   completion is completedAt - createdAt;
// - reached review without intervention: of the tasks whose first move to review falls in the
//   window, those that were never blocked or sent to needs_approval before it;
// - spend: the runs that started in the window, by day, agent and task type (`unknown` for a run
//   without a task, or whose task is gone);
// - incidents: budget_exceeded and loop_detected alerts, and approvals, by the day they were
//   created.
#pragma once

#include "domain/entities.hpp"
#include "domain/local_day.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace mc {

class stats_overview {
 public:
  static constexpr std::int64_t stale_after_ms = 5 * 60'000;

  /// Precondition: days >= 1.
  stats_overview(const local_zone& zone, std::int64_t now_ms, int days);

  // Feed tasks before runs (a run's task type comes from its task) and transitions in seq order.
  void add(const agent& a);
  void add(const task& t);
  void add(const transition& t);
  void add(const run& r);
  void add(const alert& a);
  void add(const approval& a);

  boost::json::object to_json() const;

 private:
  /// The window's day index of an instant, or -1 outside it.
  int day_of(std::int64_t at_ms) const;
  boost::json::array per_day_counts(const std::vector<std::int64_t>& counts) const;

  local_zone zone_;
  std::int64_t now_;
  int days_;
  std::int64_t from_;
  std::vector<std::string> day_names_;
  std::vector<std::int64_t> day_starts_;

  std::int64_t agents_ = 0;
  std::int64_t active_ = 0;
  std::int64_t error_streak_sum_ = 0;
  std::vector<std::string> stale_;

  std::unordered_map<std::string, task_type> task_types_;
  std::vector<std::int64_t> completed_per_day_;
  std::int64_t completion_ms_sum_ = 0;
  std::int64_t completed_ = 0;

  struct review_path {
    bool reviewed = false;
    bool intervened = false;
  };
  std::unordered_map<std::string, review_path> paths_;
  std::int64_t reached_review_ = 0;
  std::int64_t without_intervention_ = 0;

  std::vector<std::int64_t> spend_per_day_;
  std::map<std::string, std::int64_t> spend_by_agent_;
  std::map<std::string, std::int64_t> spend_by_type_;
  std::int64_t runs_ = 0;

  std::vector<std::int64_t> budget_breaches_;
  std::vector<std::int64_t> loops_;
  std::vector<std::int64_t> approvals_;
};

} // namespace mc
