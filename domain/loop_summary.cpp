#include "domain/loop_summary.hpp"

#include "domain/age_text.hpp"

#include <algorithm>

namespace mc {
namespace {

constexpr std::size_t quote_bytes = 160;

/// One line of at most `quote_bytes`, cut on a UTF-8 character boundary.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(std::min(text.size(), quote_bytes));
  for (char c : text)
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  if (out.size() <= quote_bytes)
    return out;
  std::size_t cut = quote_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
    --cut;
  out.resize(cut);
  return out + "…";
}

std::string what_tripped(const loop_check& c) {
  const auto n = std::to_string(c.count);
  const auto limit = std::to_string(c.threshold);
  switch (c.kind) {
  case loop_kind::comment_flood:
    return n + " messages on this task within " + format_age(c.window_ms) + " (the limit is " +
           limit + ")";
  case loop_kind::ping_pong:
    return n + " alternating messages between " + c.first_agent + " and " + c.second_agent +
           " within " + format_age(c.window_ms) + " (the limit is " + limit + ")";
  case loop_kind::review_cycles:
    return n + " review cycles (the limit is " + limit + ")";
  case loop_kind::retry_loop:
    return n + " failed calls of tool " + c.tool + " by " + c.agent +
           " with the same error within " + format_age(c.window_ms) + " (" + limit +
           " make a loop): " + one_line(c.error);
  }
  return n;
}

std::string resolution(const loop_check& c) {
  switch (c.kind) {
  case loop_kind::comment_flood:
    return "The thread is growing faster than the work: read it, settle the open question in one "
           "comment (or narrow the task), then unblock it.";
  case loop_kind::ping_pong:
    return c.first_agent + " and " + c.second_agent +
           " keep answering each other: decide between their approaches, or reassign the task to "
           "one of them, then unblock it.";
  case loop_kind::review_cycles:
    return "The deliverable went back to work " + std::to_string(c.count) +
           " times: make the acceptance criteria and the review checklist explicit, or change "
           "the assignee or the reviewer, then unblock it.";
  case loop_kind::retry_loop:
    return c.agent + " is quarantined: fix what makes " + c.tool +
           " fail (tool, permissions or input), then resume the agent and unblock the task.";
  }
  return {};
}

std::string next_action(const loop_report_input& in, bool blocked) {
  const auto& t = in.subject;
  std::string out;
  if (!t.id.empty()) {
    out += "curl " + in.api_base + "/api/tasks/" + t.id + "/timeline\n";
    if (blocked)
      // A key per loop: the runbook's fixed key would replay the first unblock the next time.
      out += "curl -X POST " + in.api_base + "/api/tasks/" + t.id +
             "/transition -d '{\"toStatus\": \"assigned\", \"actor\": \"human\", \"reason\": "
             "\"Clarified requirements: use approach X\", \"idempotencyKey\": \"unblock-" +
             t.id + "-" + std::to_string(in.transitions.size()) + "\"}'\n";
    out += "curl -X PATCH " + in.api_base + "/api/tasks/" + t.id +
           " -d '{\"assigneeIds\": [\"{newAgentId}\"]}'\n";
  }
  if (in.check.kind == loop_kind::retry_loop)
    out += "curl -X POST " + in.api_base + "/api/agents/" + in.check.agent + "/resume\n";
  return out;
}

std::string task_line(const loop_report_input& in, bool blocked) {
  const auto& t = in.subject;
  if (t.id.empty())
    return "Task: none (the calls named no task).";
  std::string line = "Task: " + t.id + " \"" + one_line(t.title) + "\", ";
  if (in.blocks_task)
    return line + "moved from " + std::string(to_string(t.status)) + " to blocked.";
  if (blocked)
    return line + "blocked.";
  return line + "left " + std::string(to_string(t.status)) +
         " (blocked cannot be reached from there).";
}

template <class T>
auto last_n(const std::vector<T>& all, std::size_t n) {
  return all.size() > n ? all.end() - static_cast<std::ptrdiff_t>(n) : all.begin();
}

} // namespace

bool counts_toward_loops(const message& m) noexcept {
  return m.type != message_type::loop_summary && m.type != message_type::work_plan &&
         m.author != "system";
}

bool sent_back_from_review(const transition& t) noexcept {
  if (t.from != task_status::review)
    return false;
  // The state machine's wording for that block (domain/task_state_machine.cpp); the test pins it.
  return t.to == task_status::in_progress ||
         (t.to == task_status::blocked && t.reason.starts_with("review cycle limit reached"));
}

alert_severity loop_severity(loop_kind kind) noexcept {
  return kind == loop_kind::retry_loop ? alert_severity::critical : alert_severity::warning;
}

loop_report describe_loop(const loop_report_input& in) {
  const auto& c = in.check;
  const auto& t = in.subject;
  const auto kind = std::string(to_string(c.kind));
  const bool blocked = in.blocks_task || (!t.id.empty() && t.status == task_status::blocked);
  const auto tripped = what_tripped(c);
  loop_report out;
  out.next_action = next_action(in, blocked);
  out.block_reason = "loop detected (" + kind + "): " + tripped;

  std::string s = "Loop detected: " + kind + "\n";
  s += "What tripped: " + tripped + ".\n";
  s += task_line(in, blocked) + "\n";
  if (!in.transitions.empty()) {
    s += "Last transitions:\n";
    for (auto it = last_n(in.transitions, loop_summary_recent); it != in.transitions.end(); ++it) {
      s += "- " + (it->from ? std::string(to_string(*it->from)) + " → " : "created in ") +
           std::string(to_string(it->to)) + " by " + it->actor;
      s += it->reason.empty() ? "\n" : ": " + one_line(it->reason) + "\n";
    }
  }
  std::vector<message> said;
  std::copy_if(in.messages.begin(), in.messages.end(), std::back_inserter(said),
               counts_toward_loops);
  if (!said.empty()) {
    s += "Who said what (last " + std::to_string(std::min(said.size(), loop_summary_recent)) +
         " of " + std::to_string(said.size()) + " messages):\n";
    for (auto it = last_n(said, loop_summary_recent); it != said.end(); ++it)
      s += "- " + it->author + " (" + std::string(to_string(it->type)) +
           "): " + one_line(it->content) + "\n";
  }
  s += "Proposed resolution: " + resolution(c) + "\n";
  s += "Next action:\n" + out.next_action;
  out.summary = s;

  const auto where = t.id.empty() ? "agent " + c.agent : "task " + t.id;
  out.alert.severity = loop_severity(c.kind);
  out.alert.type = "loop_detected";
  out.alert.title = "Loop detected: " + kind + " on " + where;
  out.alert.description =
      "What tripped: " + tripped + ". " + task_line(in, blocked) + " " + resolution(c);
  if (!t.id.empty())
    out.alert.task_id = t.id;
  if (c.kind == loop_kind::retry_loop)
    out.alert.agent_id = c.agent;

  out.doc.name = "Loop summary: " + kind + " on " + where;
  out.doc.type = "loop_summary";
  out.doc.content = out.summary;
  return out;
}

} // namespace mc
