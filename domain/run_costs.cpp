#include "domain/run_costs.hpp"

#include "domain/date_range.hpp"

#include <boost/json/array.hpp>

#include <cstdio>
#include <map>

namespace mc {
namespace {

namespace json = boost::json;

json::object status_json(const budget_status& s) {
  return json::object{{"spent", s.spent.dollars()},
                      {"cap", s.cap.dollars()},
                      {"remaining", s.remaining.dollars()},
                      {"status", to_string(s.level)}};
}

void note(run_budget& b, const budget_status& s, const std::string& what) {
  if (s.level == spend_level::ok)
    return;
  if (static_cast<int>(s.level) > static_cast<int>(b.level))
    b.level = s.level;
  if (!b.warning.empty())
    b.warning += "; ";
  const auto pct = s.cap.micros > 0 ? s.spent.micros * 100 / s.cap.micros : 100;
  b.warning += what + (s.level == spend_level::exceeded ? " exceeded: $"
                                                        : " at " + std::to_string(pct) + "%: $");
  // Cents are enough for a person; the numbers themselves are in the budget object.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f of $%.2f", s.spent.dollars(), s.cap.dollars());
  b.warning += buf;
}

struct tally {
  usd cost;
  std::int64_t runs = 0;
  std::int64_t tokens = 0;
  void add(const run& r) {
    cost += r.cost_usd;
    ++runs;
    tokens += r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens;
  }
  json::object to_json() const {
    return json::object{{"cost", cost.dollars()}, {"runs", runs}, {"tokens", tokens}};
  }
};

json::object tallies(const std::map<std::string, tally>& m) {
  json::object o;
  for (const auto& [k, t] : m)
    o[k] = t.to_json();
  return o;
}

std::string type_name(const run& r, const task_type_of& types) {
  if (!r.task_id)
    return "none";
  if (auto t = types(*r.task_id))
    return std::string(to_string(*t));
  return "unknown";
}

} // namespace

usd daily_cap_of(const agent& a, const policy& p) {
  return a.budgets.daily_cap.value_or(p.roles.of(a.role).daily_cap);
}

usd per_run_cap_of(const agent& a, const policy& p) {
  return a.budgets.per_run_cap.value_or(p.roles.of(a.role).per_run_cap);
}

run_budget check_run_budget(const agent& a, const policy& p, usd run_cost, usd today_spend,
                            std::optional<task_type> type, usd task_spend) {
  run_budget b;
  b.per_run = budget_status_of(run_cost, per_run_cap_of(a, p));
  b.daily = budget_status_of(today_spend, daily_cap_of(a, p));
  note(b, b.per_run, "per-run cap");
  note(b, b.daily, "daily budget");
  if (type) {
    b.task = budget_status_of(task_spend, p.task_budgets.of(*type));
    note(b, *b.task, std::string(to_string(*type)) + " task budget");
  }
  return b;
}

json::object to_json(const run_budget& b) {
  json::object o{{"status", to_string(b.level)},
                 {"perRun", status_json(b.per_run)},
                 {"daily", status_json(b.daily)},
                 {"task", b.task ? json::value(status_json(*b.task)) : json::value(nullptr)}};
  return o;
}

json::object agent_cost_report(const agent& a, const std::vector<const run*>& runs,
                               const task_type_of& types, const local_zone& zone, epoch_ms now) {
  const auto day = zone.start_of_day_containing(now);
  const auto week = zone.start_of_week_containing(now);
  const auto month = zone.start_of_month_containing(now);
  usd today, this_week, this_month, total;
  std::map<std::string, tally> by_model, by_type;
  for (const auto* r : runs) {
    total += r->cost_usd;
    if (r->started_at >= day)
      today += r->cost_usd;
    if (r->started_at >= week)
      this_week += r->cost_usd;
    if (r->started_at >= month)
      this_month += r->cost_usd;
    by_model[r->model.empty() ? "unknown" : r->model].add(*r);
    by_type[type_name(*r, types)].add(*r);
  }
  const auto n = static_cast<std::int64_t>(runs.size());
  const usd average{n > 0 ? (total.micros + n / 2) / n : 0};
  return json::object{{"agentId", a.id},
                      {"timezone", zone.name()},
                      {"today", today.dollars()},
                      {"week", this_week.dollars()},
                      {"month", this_month.dollars()},
                      {"total", total.dollars()},
                      {"todaySpend", a.today_spend.dollars()},
                      {"totalSpend", a.total_spend.dollars()},
                      {"byModel", tallies(by_model)},
                      {"byTaskType", tallies(by_type)},
                      {"runs", n},
                      {"averagePerRun", average.dollars()}};
}

json::object daily_cost_report(civil_date day, const std::vector<const run*>& runs,
                               const task_type_of& types, const local_zone& zone) {
  const auto from = zone.start_of_day(day);
  const auto to = zone.start_of_day(add_days(day, 1));
  usd total;
  std::int64_t count = 0;
  std::map<std::string, tally> by_agent, by_type;
  for (const auto* r : runs) {
    if (r->started_at < from || r->started_at >= to)
      continue;
    total += r->cost_usd;
    ++count;
    by_agent[r->agent_id].add(*r);
    by_type[type_name(*r, types)].add(*r);
  }
  return json::object{{"date", to_string(day)},
                      {"timezone", zone.name()},
                      {"from", from},
                      {"to", to},
                      {"total", total.dollars()},
                      {"runs", count},
                      {"byAgent", tallies(by_agent)},
                      {"byTaskType", tallies(by_type)}};
}

std::optional<civil_date> parse_date_param(std::string_view text, const local_zone& zone) {
  if (auto d = parse_civil_date(text))
    return d;
  if (auto at = parse_iso_instant(text))
    return zone.date_at(*at);
  return std::nullopt;
}

} // namespace mc
