#include "domain/governance.hpp"

#include "domain/local_day.hpp"

#include <algorithm>
#include <cctype>

namespace mc {
namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void no_empty_entries(std::vector<field_problem>& out, std::string_view field,
                      const std::vector<std::string>& list) {
  for (const auto& s : list)
    if (blank(s)) {
      out.push_back({std::string(field), std::string(field) + " has an empty entry"});
      return;
    }
}

} // namespace

std::vector<field_problem> validate_policy(const policy& p) {
  std::vector<field_problem> out;
  for (auto role : {agent_role::intern, agent_role::specialist, agent_role::lead}) {
    const auto& r = p.roles.of(role);
    const std::string field = "roles." + std::string(to_string(role));
    if (r.daily_cap.micros < 0)
      out.push_back({field + ".dailyCap", "dailyCap cannot be negative"});
    if (r.per_run_cap.micros < 0)
      out.push_back({field + ".perRunCap", "perRunCap cannot be negative"});
    if (r.per_run_cap > r.daily_cap)
      out.push_back({field + ".perRunCap", "perRunCap cannot exceed dailyCap"});
  }
  for (auto type : all_values<task_type>())
    if (p.task_budgets.of(type).micros < 0)
      out.push_back(
          {"taskBudgets." + camel_case_of(to_string(type)), "a budget cannot be negative"});
  if (p.spawn.max_active_agents < 1)
    out.push_back({"spawn.maxActiveAgents", "maxActiveAgents must be at least 1"});
  if (p.spawn.max_subagents_per_task < 0)
    out.push_back({"spawn.maxSubagentsPerTask", "maxSubagentsPerTask cannot be negative"});
  if (p.spawn.max_depth < 0)
    out.push_back({"spawn.maxDepth", "maxDepth cannot be negative"});
  if (p.spawn.subagent_ttl_ms <= 0)
    out.push_back({"spawn.subagentTtlMs", "subagentTtlMs must be positive"});
  if (p.max_review_cycles < 1)
    out.push_back({"maxReviewCycles", "maxReviewCycles must be at least 1"});
  if (!local_zone::find(p.timezone))
    out.push_back({"timezone", "unknown time zone '" + p.timezone + "'"});
  const auto& r = p.risk;
  no_empty_entries(out, "risk.greenTools", r.green_tools);
  no_empty_entries(out, "risk.yellowTools", r.yellow_tools);
  no_empty_entries(out, "risk.redTools", r.red_tools);
  no_empty_entries(out, "risk.shellTools", r.shell_tools);
  no_empty_entries(out, "risk.writeTools", r.write_tools);
  no_empty_entries(out, "risk.networkTools", r.network_tools);
  no_empty_entries(out, "risk.writeAllowedDirs", r.write_allowed_dirs);
  no_empty_entries(out, "risk.writeDenied", r.write_denied);
  no_empty_entries(out, "risk.networkAllowlist", r.network_allowlist);
  for (const auto& rule : r.shell_block)
    if (blank(rule.program)) {
      out.push_back({"risk.shellBlock", "a block rule needs a program"});
      break;
    }
  for (const auto& rule : r.shell_allow)
    if (rule.words.empty() || std::any_of(rule.words.begin(), rule.words.end(),
                                          [](const std::string& w) { return blank(w); })) {
      out.push_back({"risk.shellAllow", "an allow rule needs its words"});
      break;
    }
  return out;
}

std::string camel_case_of(std::string_view snake) {
  std::string out;
  bool up = false;
  for (char c : snake) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

std::vector<field_problem> validate_new_alert(const alert& draft) {
  std::vector<field_problem> out;
  if (blank(draft.type))
    out.push_back({"type", "an alert needs a type"});
  if (blank(draft.title))
    out.push_back({"title", "an alert needs a title"});
  return out;
}

std::variant<alert, alert_refusal> acknowledge_alert(const alert& a, const std::string& who,
                                                     epoch_ms now) {
  if (a.resolved || a.status == alert_status::resolved)
    return alert_refusal{errc::conflict, "alert " + a.id + " is already resolved"};
  if (a.status == alert_status::acknowledged)
    return alert_refusal{errc::conflict, "alert " + a.id + " is already acknowledged by " +
                                             a.acknowledged_by.value_or("someone")};
  alert next = a;
  next.status = alert_status::acknowledged;
  next.acknowledged_by = who;
  next.acknowledged_at = now;
  return next;
}

std::variant<alert, alert_refusal> resolve_alert(const alert& a, const std::string& who,
                                                 const std::string& note, epoch_ms now) {
  if (a.resolved || a.status == alert_status::resolved)
    return alert_refusal{errc::conflict, "alert " + a.id + " is already resolved"};
  if (blank(note))
    return alert_refusal{errc::invalid_input, "a resolution note is required"};
  alert next = a;
  if (!next.acknowledged_by) {
    next.acknowledged_by = who;
    next.acknowledged_at = now;
  }
  next.status = alert_status::resolved;
  next.resolved = true;
  next.resolved_at = now;
  next.resolution_note = note;
  return next;
}

bool matches(const alert& a, const alert_filter& f) {
  if (f.resolved && a.resolved != *f.resolved)
    return false;
  if (!f.severities.empty() &&
      std::find(f.severities.begin(), f.severities.end(), a.severity) == f.severities.end())
    return false;
  if (!f.types.empty() && std::find(f.types.begin(), f.types.end(), a.type) == f.types.end())
    return false;
  if (f.agent_id && a.agent_id != f.agent_id)
    return false;
  if (!f.statuses.empty() &&
      std::find(f.statuses.begin(), f.statuses.end(), a.status) == f.statuses.end())
    return false;
  return true;
}

std::vector<field_problem> validate_new_notification(const notification& draft) {
  std::vector<field_problem> out;
  if (blank(draft.target))
    out.push_back({"target", "a notification needs a target (an agent id or operator)"});
  if (blank(draft.title))
    out.push_back({"title", "a notification needs a title"});
  return out;
}

bool heartbeat_pending(const notification& n, epoch_ms now) noexcept {
  return n.channel == notification_channel::heartbeat && n.status == notification_status::pending &&
         (n.expires_at == 0 || n.expires_at > now);
}

std::optional<notification> acknowledge_notification(const notification& n) {
  if (n.status == notification_status::delivered)
    return std::nullopt;
  notification next = n;
  next.status = notification_status::delivered;
  next.next_attempt_at.reset();
  return next;
}

bool matches(const notification& n, const notification_filter& f) {
  if (f.target && n.target != *f.target)
    return false;
  if (!f.statuses.empty() &&
      std::find(f.statuses.begin(), f.statuses.end(), n.status) == f.statuses.end())
    return false;
  return true;
}

const std::vector<std::string>& webhook_event_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out{"*"};
    for (auto t : all_values<notification_type>())
      out.emplace_back(to_string(t));
    return out;
  }();
  return names;
}

std::vector<field_problem> validate_webhook(const webhook& w) {
  std::vector<field_problem> out;
  // The full syntax is checked with Boost.URL at the HTTP edge; the rule here is the scheme and
  // that an authority follows it.
  const auto text = lower(w.url);
  const auto sep = text.find("://");
  const auto scheme = sep == std::string::npos ? std::string{} : text.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    out.push_back({"url", "url must be an absolute http or https URL"});
  } else {
    const auto authority = text.substr(sep + 3, text.find_first_of("/?#", sep + 3) - (sep + 3));
    const auto host =
        authority.substr(authority.find('@') == std::string::npos ? 0 : authority.find('@') + 1);
    if (host.empty() || host.front() == ':')
      out.push_back({"url", "url must name a host"});
  }
  if (w.events.empty())
    out.push_back({"events", "events must list at least one event"});
  const auto& known = webhook_event_names();
  for (const auto& e : w.events)
    if (std::find(known.begin(), known.end(), e) == known.end()) {
      std::string list;
      for (const auto& k : known)
        list += (list.empty() ? "" : ", ") + k;
      out.push_back({"events", "unknown event '" + e + "' (one of " + list + ")"});
      break;
    }
  if (!w.secret.empty() && (w.secret.size() < 16 || w.secret.size() > 256))
    out.push_back({"secret", "a secret has 16 to 256 characters"});
  return out;
}

bool may_manage(const webhook& w, const std::optional<std::string>& agent_caller) noexcept {
  return !agent_caller || w.owner == *agent_caller;
}

} // namespace mc
