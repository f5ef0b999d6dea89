#include "domain/standup.hpp"

#include "domain/enums.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace mc {
namespace {

std::string dollars(usd v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", v.dollars());
  return buf;
}

std::string task_line(const task& t) {
  return "\"" + t.title + "\" (" + t.id + ", " + std::string(to_string(t.status)) + ")";
}

bool finished(const task& t, epoch_ms since) {
  return t.status == task_status::done && t.completed_at && *t.completed_at >= since;
}

bool working(const task& t) {
  return t.status == task_status::in_progress || t.status == task_status::review ||
         t.status == task_status::assigned;
}

bool blocking(const task& t) {
  return t.status == task_status::blocked || t.status == task_status::needs_approval;
}

/// Critical first, then newest first: the alerts an operator must read at the top.
bool alert_first(const alert& a, const alert& b) {
  if (a.severity != b.severity)
    return a.severity > b.severity;
  return a.created_at > b.created_at;
}

void list_some(std::ostringstream& out, const std::vector<std::string>& lines, std::size_t max) {
  for (std::size_t i = 0; i < lines.size() && i < max; ++i)
    out << "- " << lines[i] << "\n";
  if (lines.size() > max)
    out << "- … and " << lines.size() - max << " more\n";
  if (lines.empty())
    out << "- none\n";
}

} // namespace

std::string standup_id(civil_date day) {
  return "standup-" + to_string(day);
}

document make_standup(const standup_facts& facts, std::string id, epoch_ms now) {
  std::ostringstream out;
  out << "# Daily standup " << to_string(facts.day) << " (" << facts.zone << ")\n\n";

  std::map<std::string, std::vector<const task*>> by_agent;
  std::vector<const task*> completed;
  for (const auto& t : facts.tasks) {
    if (finished(t, facts.finished_since))
      completed.push_back(&t);
    for (const auto& a : t.assignee_ids)
      by_agent[a].push_back(&t);
  }
  std::sort(completed.begin(), completed.end(), [](const task* a, const task* b) {
    return a->completed_at.value_or(0) > b->completed_at.value_or(0);
  });

  out << "## Agents\n\n";
  if (facts.agents.empty())
    out << "No agents are registered.\n\n";
  for (const auto& a : facts.agents) {
    out << "### " << (a.emoji.empty() ? "" : a.emoji + " ") << a.name << " (" << a.id << ", "
        << to_string(a.role) << ", " << to_string(a.status) << ")\n";
    std::vector<std::string> done, doing, blocked;
    for (const auto* t : by_agent[a.id]) {
      if (finished(*t, facts.finished_since))
        done.push_back(task_line(*t));
      else if (working(*t))
        doing.push_back(task_line(*t));
      else if (blocking(*t))
        blocked.push_back(task_line(*t));
    }
    out << "Finished:\n";
    list_some(out, done, standup_max_completed);
    out << "Working on:\n";
    list_some(out, doing, standup_max_completed);
    out << "Blocked:\n";
    list_some(out, blocked, standup_max_completed);
    out << "Spend today: " << dollars(a.today_spend) << "\n\n";
  }

  out << "## Completed (" << completed.size() << ")\n\n";
  std::vector<std::string> lines;
  for (const auto* t : completed)
    lines.push_back(task_line(*t));
  list_some(out, lines, standup_max_completed);

  out << "\n## Spend\n\n- Yesterday: " << dollars(facts.spent_yesterday)
      << "\n- Today so far: " << dollars(facts.spent_today) << "\n";

  out << "\n## Open approvals (" << facts.pending_approvals.size() << ")\n\n";
  lines.clear();
  for (const auto& a : facts.pending_approvals)
    lines.push_back(a.id + ": " + std::string(to_string(a.action_type)) + " by " + a.requestor_id +
                    ": " + a.action_summary);
  list_some(out, lines, standup_max_approvals);

  auto alerts = facts.open_alerts;
  std::sort(alerts.begin(), alerts.end(), alert_first);
  out << "\n## Open alerts (" << alerts.size() << ")\n\n";
  lines.clear();
  for (const auto& a : alerts)
    lines.push_back(std::string(to_string(a.severity)) + " " + a.type + ": " + a.title);
  list_some(out, lines, standup_max_alerts);

  document d;
  d.id = std::move(id);
  d.name = "Daily standup " + to_string(facts.day);
  d.type = "standup";
  d.content = out.str();
  d.created_at = now;
  return d;
}

} // namespace mc
