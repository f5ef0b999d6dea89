// What the NotificationDispatcher notifies about (SPEC §5): the notifications a thread message, a
// change of assignees, a new approval request and a raised alert call for. Pure: whether a
// mentioned agent exists, and the de-duplication window, are the dispatcher's concern.
#pragma once

#include "domain/entities.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mc {

/// The notifications' target for the people running the squad.
inline constexpr std::string_view operator_target = "operator";

/// One `mention` (heartbeat channel) per agent the message mentions, its author excepted. Refs
/// are the task alone, so a burst of mentions on one task de-duplicates to one notification.
std::vector<notification> mention_drafts(const task& t, const message& m);

/// One `assignment` (heartbeat channel) per assignee of `t` not in `before`, except `by` (an agent
/// that assigned itself needs no telling). Refs: the task.
std::vector<notification> assignment_drafts(const task& t, const std::vector<std::string>& before,
                                            const std::string& by);

/// An `approval_request` for the operator (webhook channel) when `a` is a new request (pending,
/// undecided). Refs: the approval, then its task if any.
std::optional<notification> approval_request_draft(const approval& a);

/// An `alert` for the operator (webhook channel). Refs: the alert, then its task and agent if any.
notification alert_draft(const alert& a);

/// The same notification on the webhook channel: for an agent that registered webhooks, beside
/// the heartbeat one.
notification webhook_copy(notification n);

} // namespace mc
