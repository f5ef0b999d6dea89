// The governance rules of SPEC §2 and §4–5 that are not the policy evaluator itself: what a stored
// policy must look like, the alert life cycle (acknowledge, resolve), notifications (expiry,
// acknowledgement, who sees them) and webhook registrations. Pure: no I/O, no actors.
#pragma once

#include "domain/entities.hpp"
#include "domain/policy.hpp"
#include "domain/task_validation.hpp"

#include <boost/describe/class.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mc {

inline constexpr std::string_view webhook_id_prefix = "whk_";

/// A registered webhook (SPEC §6 `POST /api/webhooks`). The secret signs deliveries
/// (`X-MC-Signature`); it is shown once, in the creation reply, and never listed.
struct webhook {
  std::string id;
  std::string url;
  /// Notification types delivered to it (mention, assignment, approval_request, alert, digest),
  /// or `*` for every one.
  std::vector<std::string> events;
  std::string secret;
  /// `operator` or the agent id that registered it; agents see and delete only their own.
  std::string owner;
  epoch_ms created_at = 0;
  /// Set when it was deleted: the row stays as a tombstone and is not restored.
  std::optional<epoch_ms> deleted_at;
  friend bool operator==(const webhook&, const webhook&) = default;
};
BOOST_DESCRIBE_STRUCT(webhook, (), (id, url, events, secret, owner, created_at, deleted_at))

/// One stored version of the policy (`PUT /api/policy`); every version is kept.
struct policy_version {
  std::int64_t version = 0;
  epoch_ms activated_at = 0;
  std::string activated_by;
  mc::policy policy;
  friend bool operator==(const policy_version&, const policy_version&) = default;
};
BOOST_DESCRIBE_STRUCT(policy_version, (), (version, activated_at, activated_by, policy))

// ---- policy -------------------------------------------------------------------------------------

/// Every problem of a policy document; empty when it may be activated. Money is never negative,
/// a per-run cap never exceeds its daily cap, counts are positive, the time zone exists, and the
/// risk lists name no empty entry.
std::vector<field_problem> validate_policy(const policy& p);

/// `email_marketing` → `emailMarketing` (field names in problems).
std::string camel_case_of(std::string_view snake);

// ---- alerts -------------------------------------------------------------------------------------

/// Every problem of an alert raised by a supervisor (type and title are required).
std::vector<field_problem> validate_new_alert(const alert& draft);

/// Why an alert action was refused: invalid_input (400) or conflict (409).
struct alert_refusal {
  errc code = errc::conflict;
  std::string message;
};

/// open → acknowledged, by `who`. A resolved or already acknowledged alert is a conflict.
std::variant<alert, alert_refusal> acknowledge_alert(const alert& a, const std::string& who,
                                                     epoch_ms now);

/// open or acknowledged → resolved with a note (required: invalid_input without one). An
/// unacknowledged alert is acknowledged by the same person at the same time. A resolved alert is
/// a conflict.
std::variant<alert, alert_refusal> resolve_alert(const alert& a, const std::string& who,
                                                 const std::string& note, epoch_ms now);

/// `GET /api/alerts` filters.
struct alert_filter {
  std::optional<bool> resolved;
  std::vector<alert_severity> severities;
  std::vector<std::string> types;
  std::optional<std::string> agent_id;
  std::vector<alert_status> statuses;
  friend bool operator==(const alert_filter&, const alert_filter&) = default;
};
BOOST_DESCRIBE_STRUCT(alert_filter, (), (resolved, severities, types, agent_id, statuses))

bool matches(const alert& a, const alert_filter& f);

// ---- notifications ------------------------------------------------------------------------------

/// How long an undelivered notification lives (SPEC §5: expire after 24 h).
inline constexpr epoch_ms notification_ttl_ms = 24LL * 60 * 60 * 1000;

/// Every problem of a new notification (target and title required).
std::vector<field_problem> validate_new_notification(const notification& draft);

/// Whether `n` is due in its target's next heartbeat reply at `now`: a pending heartbeat-channel
/// notification that has not expired.
bool heartbeat_pending(const notification& n, epoch_ms now) noexcept;

/// The notification once its target acknowledged it: pending → delivered. Acknowledging twice
/// changes nothing (delivery is at least once); nullopt means "unchanged".
std::optional<notification> acknowledge_notification(const notification& n);

/// `GET /api/notifications` filters.
struct notification_filter {
  /// An agent id or `operator`; an agent caller is always restricted to itself.
  std::optional<std::string> target;
  std::vector<notification_status> statuses;
  friend bool operator==(const notification_filter&, const notification_filter&) = default;
};
BOOST_DESCRIBE_STRUCT(notification_filter, (), (target, statuses))

bool matches(const notification& n, const notification_filter& f);

// ---- webhooks -----------------------------------------------------------------------------------

/// The event names a webhook may subscribe to: the notification types, and `*`.
const std::vector<std::string>& webhook_event_names();

/// Problems of a registration: an absolute http(s) URL with a host, at least one known event,
/// a secret (when given) of 16 to 256 characters.
std::vector<field_problem> validate_webhook(const webhook& w);

/// Whether `caller` (an agent id, or empty for an operator) may see or delete `w`.
bool may_manage(const webhook& w, const std::optional<std::string>& agent_caller) noexcept;

} // namespace mc
