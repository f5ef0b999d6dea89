// The approval rules (SPEC §2 Approval, §3 needs_approval): what a request must carry, who may
// decide it, what a decision does to the approval and to its task, expiry and urgency, and the
// filters and order of `GET /api/approvals`. Pure: the actors look the facts up and call this.
#pragma once

#include "domain/entities.hpp"
#include "domain/task_validation.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mc {

/// How long a request stays pending unless it says otherwise (SPEC: 24 h).
inline constexpr epoch_ms approval_ttl_ms = 24LL * 60 * 60 * 1000;
/// A pending approval expiring within this is urgent (`urgentCount`).
inline constexpr epoch_ms approval_urgent_ms = 60LL * 60 * 1000;

/// Every problem of a request as the client sent it; empty when it may be filed. actionType is
/// required, riskLevel must be yellow or red (green needs no approval), actionSummary and
/// justification are required (≤ 2,000 and 8,000 characters), an estimated cost is not negative,
/// a resumeStatus names a status a task can be approved into (not needs_approval or inbox) and
/// an expiry is in the future.
std::vector<field_problem> validate_approval_request(const approval& draft, bool action_type_given,
                                                     bool risk_level_given, epoch_ms now);

/// The request as it is stored: id, requestor, pending, created now, expiring at the draft's
/// `expiresAt` when it set one, else now + approval_ttl_ms; decision fields cleared.
approval file_approval(approval draft, std::string id, std::string requestor, epoch_ms now);

/// Who decides (the route tells): the operator, or an agent with its role.
struct approval_decider {
  actor_kind kind = actor_kind::operator_;
  std::string id;
};

enum class decision_refusal : std::uint8_t {
  none,
  /// Not pending any more (HTTP 409).
  already_decided,
  /// This decider may not decide it (HTTP 403).
  forbidden,
};

struct decision_check {
  decision_refusal outcome = decision_refusal::none;
  std::string message;
  bool allowed() const noexcept { return outcome == decision_refusal::none; }
};

/// The operator may decide any pending approval; a lead agent only where the policy allows it
/// (`lead_may_decide`); other agents never; and no agent its own request.
decision_check check_decision(const approval& a, const approval_decider& who, bool lead_may_decide);

/// The approval after the decision (approved or denied), decided by `who` at `now` with `note`.
/// Call only after check_decision allowed it.
approval decide_approval(approval a, bool approve, const std::string& who, std::string note,
                         epoch_ms now);

/// Pending and past its expiresAt at `now`: the ApprovalExpirer expires it.
bool is_overdue(const approval& a, epoch_ms now) noexcept;

/// The approval once it expired undecided: `expired`, closed at `now` by the system. Its task is
/// not moved (SPEC §5: it stays in needs_approval for the operator).
approval expire_approval(approval a, epoch_ms now);

/// Where a decision sends the approval's task: approved → `resumeStatus` (where the task was
/// headed; in_progress when the request named none), denied → blocked.
task_status task_target_after(const approval& decided);

/// The reason the task's move records for a decision.
std::string decision_reason(const approval& decided);

/// Pending and expiring within approval_urgent_ms of now (or already past its time).
bool is_urgent(const approval& a, epoch_ms now) noexcept;

/// `GET /api/approvals` filters and page (SPEC §1 list conventions).
struct approval_query {
  std::vector<approval_status> statuses;
  std::optional<std::string> task_id;
  std::optional<std::string> requestor_id;
  std::vector<mc::risk_level> risk_levels;
  std::vector<approval_action> action_types;
  std::int32_t limit = 50;
  std::int32_t offset = 0;
  friend bool operator==(const approval_query&, const approval_query&) = default;
};
BOOST_DESCRIBE_STRUCT(approval_query, (),
                      (statuses, task_id, requestor_id, risk_levels, action_types, limit, offset))

bool matches(const approval& a, const approval_query& q) noexcept;

/// Pending first (soonest to expire first), then the others newest first; ties by id.
bool listed_before(const approval& a, const approval& b) noexcept;

struct approval_page {
  std::vector<const approval*> items;
  std::size_t total = 0;
  bool has_more = false;
  /// Pending approvals expiring within the hour, over every approval (not only the filtered
  /// ones): the dashboard's badge.
  std::size_t urgent = 0;
};

/// The page of `all` the query asks for, in listed_before order.
approval_page list_approvals(const std::vector<const approval*>& all, const approval_query& q,
                             epoch_ms now);

} // namespace mc
