#include "domain/task_validation.hpp"

#include "domain/ids.hpp"
#include "domain/task_lease.hpp"
#include "domain/task_state_machine.hpp"

#include <algorithm>
#include <cctype>

namespace mc {
namespace {

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

void check_title(const std::string& title, std::vector<field_problem>& out) {
  if (blank(title))
    out.push_back({"title", "a task needs a title"});
  else if (title.size() > 200)
    out.push_back({"title", "a title has at most 200 characters"});
}

void check_description(const std::string& d, std::vector<field_problem>& out) {
  if (d.size() > 20'000)
    out.push_back({"description", "a description has at most 20000 characters"});
}

void check_priority(std::int32_t p, std::vector<field_problem>& out) {
  if (p < 1 || p > 4)
    out.push_back({"priority", "priority is 1 (critical) to 4 (low)"});
}

void check_agent_ids(const char* field, const std::vector<std::string>& ids,
                     std::vector<field_problem>& out) {
  for (const auto& id : ids)
    if (!is_valid_agent_id(id))
      out.push_back({field, "'" + id + "' is not an agent id"});
}

void check_labels(const std::vector<std::string>& labels, std::vector<field_problem>& out) {
  if (labels.size() > 20)
    out.push_back({"labels", "a task has at most 20 labels"});
}

/// First occurrence wins, order kept: clients compare lists, and the first assignee leads.
std::vector<std::string> without_duplicates(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in)
    if (std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(s);
  return out;
}

} // namespace

std::vector<field_problem> validate_new_task(const task& draft) {
  std::vector<field_problem> out;
  check_title(draft.title, out);
  check_description(draft.description, out);
  check_priority(draft.priority, out);
  check_agent_ids("assigneeIds", draft.assignee_ids, out);
  check_labels(draft.labels, out);
  return out;
}

bool is_empty(const task_patch& p) noexcept {
  return !p.title && !p.description && !p.priority && !p.assignee_ids && !p.labels &&
         !p.reviewer_id && !p.due_at && !p.clear_reviewer && !p.clear_due_at;
}

std::variant<task, edit_refusal> apply_task_patch(const task& current, const task_patch& p,
                                                  epoch_ms now) {
  edit_refusal bad;
  auto& out = bad.problems;
  if (is_empty(p))
    out.push_back({"", "the patch names no field to change"});
  if (p.title)
    check_title(*p.title, out);
  if (p.description)
    check_description(*p.description, out);
  if (p.priority)
    check_priority(*p.priority, out);
  if (p.assignee_ids) {
    check_agent_ids("assigneeIds", *p.assignee_ids, out);
    if (p.assignee_ids->size() > 10)
      out.push_back({"assigneeIds", "a task has at most 10 assignees"});
  }
  if (p.labels)
    check_labels(without_duplicates(*p.labels), out);
  if (p.reviewer_id && !is_valid_agent_id(*p.reviewer_id))
    out.push_back({"reviewerId", "'" + *p.reviewer_id + "' is not an agent id"});
  if (p.reviewer_id && p.clear_reviewer)
    out.push_back({"reviewerId", "reviewerId is either set or cleared"});
  if (p.due_at && p.clear_due_at)
    out.push_back({"dueAt", "dueAt is either set or cleared"});
  if (p.due_at && *p.due_at < 0)
    out.push_back({"dueAt", "dueAt is milliseconds since the epoch"});
  if (!out.empty())
    return bad;

  // The values are fine; whether the task's state allows them is a conflict, not bad input.
  if (p.assignee_ids) {
    const auto status = std::string(to_string(current.status));
    if (is_terminal(current.status)) {
      out.push_back({"assigneeIds", "a " + status + " task cannot be reassigned"});
    } else if (p.assignee_ids->empty() && current.status != task_status::inbox) {
      out.push_back({"assigneeIds", "a task in " + status +
                                        " needs an assignee: move it to inbox with POST "
                                        "/api/tasks/{id}/transition instead"});
    }
  }
  if (!out.empty()) {
    bad.code = errc::conflict;
    return bad;
  }

  task next = current;
  if (p.title)
    next.title = *p.title;
  if (p.description)
    next.description = *p.description;
  if (p.priority)
    next.priority = *p.priority;
  if (p.assignee_ids) {
    next.assignee_ids = without_duplicates(*p.assignee_ids);
    renew_leases(next, next.assignee_ids);
  }
  if (p.labels)
    next.labels = without_duplicates(*p.labels);
  if (p.reviewer_id)
    next.reviewer_id = *p.reviewer_id;
  if (p.clear_reviewer)
    next.reviewer_id.reset();
  if (p.due_at)
    next.due_at = *p.due_at;
  if (p.clear_due_at)
    next.due_at.reset();
  next.updated_at = now;
  return next;
}

std::optional<edit_refusal> validate_new_message(const task& t, const std::vector<message>& thread,
                                                 const message& draft, poster who) {
  edit_refusal bad;
  auto& out = bad.problems;
  if (who == poster::caller &&
      (draft.type == message_type::loop_summary || draft.type == message_type::work_plan)) {
    out.push_back({"type", std::string(to_string(draft.type)) +
                               " messages are posted by the system, not through the API"});
    bad.code = errc::forbidden;
    return bad;
  }
  if (blank(draft.content) && draft.artifacts.empty())
    out.push_back({"content", "a message needs content or artifacts"});
  if (draft.content.size() > max_message_bytes)
    out.push_back({"content", "a message has at most " + std::to_string(max_message_bytes) +
                                  " bytes of content"});
  if (blank(draft.author) || draft.author.size() > 64)
    out.push_back({"author", "an author is a name of 1 to 64 characters"});
  if (draft.artifacts.size() > 50)
    out.push_back({"artifacts", "a message has at most 50 artifacts"});
  for (const auto& a : draft.artifacts)
    if (blank(a) || a.size() > 2048)
      out.push_back({"artifacts", "an artifact is a reference of 1 to 2048 characters"});
  check_agent_ids("mentions", draft.mentions, out);
  if (draft.reply_to_id && std::none_of(thread.begin(), thread.end(), [&](const message& m) {
        return m.id == *draft.reply_to_id;
      }))
    out.push_back({"replyToId", "no message " + *draft.reply_to_id + " in this task's thread"});
  if (!out.empty())
    return bad;
  if (is_terminal(t.status)) {
    out.push_back(
        {"", "the task is " + std::string(to_string(t.status)) + ": its thread is closed"});
    bad.code = errc::conflict;
    return bad;
  }
  return std::nullopt;
}

} // namespace mc
