// What the NotificationDispatcher (supervisors/) asks of the notifications and webhooks actors:
// the notifications due for an attempt or past their expiry, the outcome of an attempt, and the
// webhooks that want a notification. Registered in actors/message_types.cpp.
#pragma once

#include "actors/governance_messages.hpp"

#include <string>

namespace mc::actors {

/// To the notifications actor -> std::vector<notification>: every pending notification that has
/// lapsed at `now` (any channel) or whose webhook attempt is due.
struct notification_due_query {
  epoch_ms now = 0;
};

/// To the notifications actor -> notification: what a delivery attempt or an expiry made of a
/// notification, durable and audited (`action`: notification.deliver, .retry, .fail, .expire)
/// before the reply; a heartbeat one's change is pushed to its agent first. Only status,
/// attempts, nextAttemptAt and lastError are taken. A notification settled meanwhile
/// (acknowledged) is answered as it is, and nothing is written; an unknown id is not_found.
struct notification_update_command {
  mc::notification next;
  std::string action;
};

/// To the webhooks actor -> std::vector<webhook>: the live registrations of `owner` that want
/// notifications of `type`, secrets included (they sign the deliveries; nothing else sees them).
struct webhook_match_query {
  std::string owner;
  notification_type type = notification_type::mention;
};

BOOST_DESCRIBE_STRUCT(notification_due_query, (), (now))
BOOST_DESCRIBE_STRUCT(notification_update_command, (), (next, action))
BOOST_DESCRIBE_STRUCT(webhook_match_query, (), (owner, type))

} // namespace mc::actors
