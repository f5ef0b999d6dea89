// How a notification travels (SPEC §5): when a webhook attempt is due, what an attempt's outcome
// does to it (the retry schedule, failure for good), expiry, which webhooks want it, the body a
// webhook receives, and de-duplication. Pure: the dispatcher does the I/O.
#pragma once

#include "domain/entities.hpp"
#include "domain/governance.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mc {

/// The webhook retry schedule: delays_ms[i] separates attempt i+1 from attempt i+2; at most
/// max_attempts attempts in all.
struct retry_schedule {
  std::vector<epoch_ms> delays_ms{30'000, 60'000, 120'000, 240'000, 480'000};
  std::int32_t max_attempts = 5;
};

/// Pending, on the webhook channel, not expired at `now`, and its nextAttemptAt (if any) reached.
bool webhook_attempt_due(const notification& n, epoch_ms now) noexcept;

/// Pending and past its expiresAt at `now` (an expiry exactly now counts).
bool notification_lapsed(const notification& n, epoch_ms now) noexcept;

/// `n` expired: no next attempt.
notification expired(notification n);

/// `n` after an attempt that every webhook wanting it accepted: delivered.
notification after_delivery(notification n);

/// `n` after a failed attempt at `now`: one more attempt counted, the error kept, and the next
/// attempt scheduled, or `failed` when the attempts or the delays are used up.
notification after_failed_attempt(notification n, std::string error, epoch_ms now,
                                  const retry_schedule& schedule);

/// Whether `n` failing for good calls for a `notification_failed` alert: approval requests and
/// alerts (unless the alert is itself a notification_failed one: the caller knows the alert).
bool failure_calls_for_alert(const notification& n) noexcept;

/// Whether `w` wants notifications of `type` for `target`: not deleted, owned by the target
/// (an agent id or `operator`), and subscribed to the type or `*`.
bool webhook_wants(const webhook& w, const std::string& target, notification_type type);

/// The JSON a webhook receives, signed byte for byte as it is sent: the notification (id, target,
/// type, title, body, refs, createdAt, expiresAt), the attempt number and the send `timestamp`
/// (also the `X-MC-Timestamp` header, so the signature covers it).
std::string webhook_body(const notification& n, std::int32_t attempt, epoch_ms timestamp);

/// De-duplication: the same target, channel, type and refs again within `window_ms` (a
/// notification exactly one window old still counts) creates nothing.
class notification_dedup {
 public:
  explicit notification_dedup(epoch_ms window_ms) : window_(window_ms) {}

  /// Whether a notification like `n` may be created at `now`; admitting it starts its window.
  bool admit(const notification& n, epoch_ms now);
  /// Forgets `n` (its creation failed), so a later event may create it.
  void forget(const notification& n);
  std::size_t size() const noexcept { return seen_.size(); }

 private:
  void drop_expired(epoch_ms now);

  epoch_ms window_;
  std::unordered_map<std::string, epoch_ms> seen_;
  // Admissions in time order, so expiry looks only at the oldest instead of every key (the
  // dispatcher admits one per assignment: thousands a second under load).
  std::deque<std::pair<epoch_ms, std::string>> admitted_;
};

} // namespace mc
