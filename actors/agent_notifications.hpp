// The agent actor's side of notifications: it keeps the pending heartbeat notifications the
// notifications actor pushes (newest push wins) and lists them in heartbeat replies.
#pragma once

#include "actors/governance_messages.hpp"

#include <boost/json/array.hpp>

#include <cstdint>
#include <vector>

namespace mc::actors {

/// Takes `p` unless an equal or newer push was already taken.
void adopt_pending(std::vector<notification>& pending, std::int64_t& seq, pending_notifications p);

/// `pendingNotifications` of a heartbeat reply: the ones still due at `now`.
boost::json::array pending_notifications_json(const std::vector<notification>& pending,
                                              epoch_ms now);

} // namespace mc::actors
