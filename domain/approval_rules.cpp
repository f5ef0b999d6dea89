#include "domain/approval_rules.hpp"

#include <algorithm>

namespace mc {
namespace {

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

template <class T>
bool contains(const std::vector<T>& xs, const T& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

std::vector<field_problem> validate_approval_request(const approval& draft, bool action_type_given,
                                                     bool risk_level_given, epoch_ms now) {
  std::vector<field_problem> out;
  if (!action_type_given)
    out.push_back({"actionType", "actionType is required (tool_exec, budget_override, "
                                 "state_transition or spawn)"});
  if (!risk_level_given)
    out.push_back({"riskLevel", "riskLevel is required (yellow or red)"});
  else if (draft.risk_level == risk_level::green)
    out.push_back({"riskLevel", "green actions need no approval: riskLevel is yellow or red"});
  if (blank(draft.action_summary))
    out.push_back({"actionSummary", "actionSummary is required"});
  else if (draft.action_summary.size() > 2000)
    out.push_back({"actionSummary", "actionSummary is at most 2000 characters"});
  if (blank(draft.justification))
    out.push_back({"justification", "justification is required"});
  else if (draft.justification.size() > 8000)
    out.push_back({"justification", "justification is at most 8000 characters"});
  if (draft.estimated_cost && draft.estimated_cost->micros < 0)
    out.push_back({"estimatedCost", "estimatedCost may not be negative"});
  if (draft.resume_status && (*draft.resume_status == task_status::needs_approval ||
                              *draft.resume_status == task_status::inbox))
    out.push_back({"resumeStatus", "resumeStatus is where the approved task goes: assigned, "
                                   "in_progress, review, blocked, done or canceled"});
  if (draft.expires_at != 0 && draft.expires_at <= now)
    out.push_back({"expiresAt", "expiresAt must be in the future"});
  return out;
}

approval file_approval(approval draft, std::string id, std::string requestor, epoch_ms now) {
  approval a = std::move(draft);
  a.id = std::move(id);
  a.requestor_id = std::move(requestor);
  a.status = approval_status::pending;
  a.decided_by.reset();
  a.decision_note.reset();
  a.decided_at.reset();
  a.created_at = now;
  if (a.expires_at == 0)
    a.expires_at = now + approval_ttl_ms;
  return a;
}

decision_check check_decision(const approval& a, const approval_decider& who,
                              bool lead_may_decide) {
  if (a.status != approval_status::pending)
    return {decision_refusal::already_decided,
            "approval " + a.id + " is already " + std::string(to_string(a.status))};
  switch (who.kind) {
  case actor_kind::operator_:
    return {};
  case actor_kind::lead:
    if (who.id == a.requestor_id)
      return {decision_refusal::forbidden, "an agent may not decide its own approval request"};
    if (!lead_may_decide)
      return {decision_refusal::forbidden,
              "the policy lets only the operator decide approvals (leadMayDecideApprovals is off)"};
    return {};
  default:
    return {decision_refusal::forbidden,
            std::string(to_string(who.kind)) + " '" + who.id + "' may not decide approvals"};
  }
}

approval decide_approval(approval a, bool approve, const std::string& who, std::string note,
                         epoch_ms now) {
  a.status = approve ? approval_status::approved : approval_status::denied;
  a.decided_by = who;
  a.decision_note = std::move(note);
  a.decided_at = now;
  return a;
}

bool is_overdue(const approval& a, epoch_ms now) noexcept {
  return a.status == approval_status::pending && a.expires_at <= now;
}

approval expire_approval(approval a, epoch_ms now) {
  a.status = approval_status::expired;
  a.decided_by = "system";
  a.decision_note = "expired undecided";
  a.decided_at = now;
  return a;
}

task_status task_target_after(const approval& decided) {
  if (decided.status == approval_status::approved)
    return decided.resume_status.value_or(task_status::in_progress);
  return task_status::blocked;
}

std::string decision_reason(const approval& decided) {
  std::string out = "approval " + decided.id + " " + std::string(to_string(decided.status)) +
                    " by " + decided.decided_by.value_or("");
  if (decided.decision_note && !blank(*decided.decision_note))
    out += ": " + *decided.decision_note;
  return out;
}

bool is_urgent(const approval& a, epoch_ms now) noexcept {
  return a.status == approval_status::pending && a.expires_at <= now + approval_urgent_ms;
}

bool matches(const approval& a, const approval_query& q) noexcept {
  if (!q.statuses.empty() && !contains(q.statuses, a.status))
    return false;
  if (q.task_id && a.task_id != q.task_id)
    return false;
  if (q.requestor_id && a.requestor_id != *q.requestor_id)
    return false;
  if (!q.risk_levels.empty() && !contains(q.risk_levels, a.risk_level))
    return false;
  if (!q.action_types.empty() && !contains(q.action_types, a.action_type))
    return false;
  return true;
}

bool listed_before(const approval& a, const approval& b) noexcept {
  const bool pa = a.status == approval_status::pending, pb = b.status == approval_status::pending;
  if (pa != pb)
    return pa;
  if (pa) {
    if (a.expires_at != b.expires_at)
      return a.expires_at < b.expires_at;
    return a.id < b.id;
  }
  if (a.created_at != b.created_at)
    return a.created_at > b.created_at;
  return a.id > b.id;
}

approval_page list_approvals(const std::vector<const approval*>& all, const approval_query& q,
                             epoch_ms now) {
  approval_page page;
  std::vector<const approval*> hits;
  for (const auto* a : all) {
    if (is_urgent(*a, now))
      ++page.urgent;
    if (matches(*a, q))
      hits.push_back(a);
  }
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = std::min(hits.size(), static_cast<std::size_t>(std::max(q.offset, 0)));
  const auto end = std::min(hits.size(), offset + limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                    [](const approval* a, const approval* b) { return listed_before(*a, *b); });
  page.items.assign(hits.begin() + static_cast<std::ptrdiff_t>(offset),
                    hits.begin() + static_cast<std::ptrdiff_t>(end));
  page.total = hits.size();
  page.has_more = end < hits.size();
  return page;
}

} // namespace mc
