#include "domain/notification_drafts.hpp"

#include "domain/mentions.hpp"

#include <algorithm>
#include <cstdio>

namespace mc {
namespace {

/// A notification's body quotes at most this much of a message: enough to decide whether to
/// open the thread.
constexpr std::size_t excerpt_chars = 280;

std::string excerpt(const std::string& text) {
  if (text.size() <= excerpt_chars)
    return text;
  auto cut = excerpt_chars;
  // Never split a UTF-8 sequence: back up to the start of the character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U)
    --cut;
  return text.substr(0, cut) + "…";
}

std::string dollars(usd amount) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", amount.dollars());
  return buf;
}

notification draft(std::string target, notification_channel channel, notification_type type,
                   std::string title, std::string body, std::vector<std::string> refs) {
  notification n;
  n.target = std::move(target);
  n.channel = channel;
  n.type = type;
  n.title = std::move(title);
  n.body = std::move(body);
  n.refs = std::move(refs);
  return n;
}

} // namespace

std::vector<notification> mention_drafts(const task& t, const message& m) {
  std::vector<notification> out;
  for (const auto& id : merge_mentions(m.mentions, m.content)) {
    if (id == m.author)
      continue;
    out.push_back(draft(id, notification_channel::heartbeat, notification_type::mention,
                        m.author + " mentioned you on \"" + t.title + "\"", excerpt(m.content),
                        {t.id}));
  }
  return out;
}

std::vector<notification> assignment_drafts(const task& t, const std::vector<std::string>& before,
                                            const std::string& by) {
  std::vector<notification> out;
  for (const auto& id : t.assignee_ids) {
    if (id == by || std::find(before.begin(), before.end(), id) != before.end())
      continue;
    out.push_back(draft(id, notification_channel::heartbeat, notification_type::assignment,
                        "You were assigned \"" + t.title + "\"",
                        "Task " + t.id + " (" + std::string(to_string(t.type)) + ", priority " +
                            std::to_string(t.priority) + ") is " +
                            std::string(to_string(t.status)) + ".",
                        {t.id}));
  }
  return out;
}

std::optional<notification> approval_request_draft(const approval& a) {
  if (a.status != approval_status::pending || a.decided_at)
    return std::nullopt;
  std::string body = a.requestor_id + " asks for a " + std::string(to_string(a.risk_level)) + " " +
                     std::string(to_string(a.action_type)) + " approval";
  if (a.task_id)
    body += " on task " + *a.task_id;
  body += ".";
  if (!a.justification.empty())
    body += " Why: " + excerpt(a.justification);
  if (a.estimated_cost)
    body += " Estimated cost: " + dollars(*a.estimated_cost) + ".";
  std::vector<std::string> refs{a.id};
  if (a.task_id)
    refs.push_back(*a.task_id);
  return draft(std::string(operator_target), notification_channel::webhook,
               notification_type::approval_request, "Approval requested: " + a.action_summary,
               std::move(body), std::move(refs));
}

notification alert_draft(const alert& a) {
  std::vector<std::string> refs{a.id};
  if (a.task_id)
    refs.push_back(*a.task_id);
  if (a.agent_id)
    refs.push_back(*a.agent_id);
  return draft(std::string(operator_target), notification_channel::webhook,
               notification_type::alert,
               "[" + std::string(to_string(a.severity)) + "] " + a.type + ": " + a.title,
               excerpt(a.description), std::move(refs));
}

notification webhook_copy(notification n) {
  n.channel = notification_channel::webhook;
  return n;
}

} // namespace mc
