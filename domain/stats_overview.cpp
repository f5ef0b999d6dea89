#include "domain/stats_overview.hpp"

#include "domain/entity_json.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace mc {
namespace {

namespace json = boost::json;

json::value money(std::int64_t micros) {
  return json::value_from(usd{micros});
}

} // namespace

stats_overview::stats_overview(const local_zone& zone, std::int64_t now_ms, int days)
    : zone_(zone), now_(now_ms), days_(std::max(days, 1)) {
  const civil_date today = zone_.date_at(now_ms);
  for (int i = days_ - 1; i >= 0; --i) {
    const civil_date d = add_days(today, -i);
    day_names_.push_back(to_string(d));
    day_starts_.push_back(zone_.start_of_day(d));
  }
  from_ = day_starts_.front();
  for (auto* v : {&completed_per_day_, &spend_per_day_, &budget_breaches_, &loops_, &approvals_})
    v->assign(static_cast<std::size_t>(days_), 0);
}

int stats_overview::day_of(std::int64_t at_ms) const {
  if (at_ms < from_ || at_ms > now_)
    return -1;
  const auto it = std::upper_bound(day_starts_.begin(), day_starts_.end(), at_ms);
  return static_cast<int>(it - day_starts_.begin()) - 1;
}

void stats_overview::add(const agent& a) {
  ++agents_;
  if (a.status == agent_status::active)
    ++active_;
  error_streak_sum_ += a.error_streak;
  if (!a.last_heartbeat || now_ - *a.last_heartbeat > stale_after_ms)
    stale_.push_back(a.id);
}

void stats_overview::add(const task& t) {
  task_types_[t.id] = t.type;
  if (t.completed_at && t.status == task_status::done) {
    if (const int d = day_of(*t.completed_at); d >= 0) {
      ++completed_per_day_[static_cast<std::size_t>(d)];
      ++completed_;
      completion_ms_sum_ += *t.completed_at - t.created_at;
    }
  }
}

void stats_overview::add(const transition& t) {
  review_path& p = paths_[t.task_id];
  if (p.reviewed)
    return;
  if (t.to == task_status::blocked || t.to == task_status::needs_approval) {
    p.intervened = true;
  } else if (t.to == task_status::review) {
    p.reviewed = true;
    if (day_of(t.created_at) >= 0) {
      ++reached_review_;
      if (!p.intervened)
        ++without_intervention_;
    }
  }
}

void stats_overview::add(const run& r) {
  const int d = day_of(r.started_at);
  if (d < 0)
    return;
  ++runs_;
  const std::int64_t m = r.cost_usd.micros;
  spend_per_day_[static_cast<std::size_t>(d)] += m;
  spend_by_agent_[r.agent_id] += m;
  std::string type = "unknown";
  if (r.task_id)
    if (auto it = task_types_.find(*r.task_id); it != task_types_.end())
      type = std::string(to_string(it->second));
  spend_by_type_[type] += m;
}

void stats_overview::add(const alert& a) {
  const int d = day_of(a.created_at);
  if (d < 0)
    return;
  if (a.type == "budget_exceeded")
    ++budget_breaches_[static_cast<std::size_t>(d)];
  else if (a.type == "loop_detected")
    ++loops_[static_cast<std::size_t>(d)];
}

void stats_overview::add(const approval& a) {
  if (const int d = day_of(a.created_at); d >= 0)
    ++approvals_[static_cast<std::size_t>(d)];
}

json::array stats_overview::per_day_counts(const std::vector<std::int64_t>& counts) const {
  json::array out;
  for (std::size_t i = 0; i < counts.size(); ++i)
    out.push_back(json::object{{"date", day_names_[i]}, {"count", counts[i]}});
  return out;
}

json::object stats_overview::to_json() const {
  json::array stale;
  for (const auto& id : stale_)
    stale.push_back(json::value(id));
  json::object agents{
      {"total", agents_},
      {"active", active_},
      {"averageErrorStreak",
       agents_ == 0 ? 0.0 : static_cast<double>(error_streak_sum_) / static_cast<double>(agents_)},
      {"stale", static_cast<std::int64_t>(stale_.size())},
      {"staleAgentIds", std::move(stale)}};

  json::object tasks{
      {"completed", completed_},
      {"completedPerDay", per_day_counts(completed_per_day_)},
      {"averageTimeToCompletionMs",
       completed_ == 0 ? json::value(nullptr) : json::value(completion_ms_sum_ / completed_)},
      {"reachedReview", reached_review_},
      {"reachedReviewWithoutIntervention", without_intervention_},
      {"reviewWithoutInterventionRate",
       reached_review_ == 0 ? json::value(nullptr)
                            : json::value(static_cast<double>(without_intervention_) /
                                          static_cast<double>(reached_review_))}};

  json::array per_day;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < spend_per_day_.size(); ++i) {
    per_day.push_back(json::object{{"date", day_names_[i]}, {"spend", money(spend_per_day_[i])}});
    total += spend_per_day_[i];
  }
  json::object by_agent;
  for (const auto& [id, m] : spend_by_agent_)
    by_agent[id] = money(m);
  json::object by_type;
  for (const auto& [type, m] : spend_by_type_)
    by_type[type] = money(m);
  json::object cost{{"total", money(total)},
                    {"runs", runs_},
                    {"perDay", std::move(per_day)},
                    {"byAgent", std::move(by_agent)},
                    {"byTaskType", std::move(by_type)}};

  json::object incidents{{"budgetBreachesPerDay", per_day_counts(budget_breaches_)},
                         {"loopsDetectedPerDay", per_day_counts(loops_)},
                         {"approvalRequestsPerDay", per_day_counts(approvals_)}};

  return {
      {"generatedAt", now_},
      {"window",
       json::object{{"from", from_}, {"to", now_}, {"days", days_}, {"timezone", zone_.name()}}},
      {"agents", std::move(agents)},
      {"tasks", std::move(tasks)},
      {"cost", std::move(cost)},
      {"incidents", std::move(incidents)}};
}

} // namespace mc
