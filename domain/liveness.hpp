// When an agent counts as stale (SPEC §5 HeartbeatMonitor): silent for longer than the
// threshold since its last heartbeat, or since it was registered if it never sent one; what
// going stale does to its status; and when its task in progress is released.
#pragma once

#include "domain/entities.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace mc {

/// The agent's last sign of life: its last heartbeat, or its registration.
epoch_ms last_sign_of_life(const agent& a) noexcept;

/// Stale: silent for strictly longer than `stale_after_ms` at `now` (exactly the threshold is
/// still live).
bool is_stale(const agent& a, epoch_ms now, std::int64_t stale_after_ms) noexcept;

/// The agent once it went stale: an active agent becomes offline; any other status stays, so a
/// heartbeat (which brings an offline agent back to active) never lifts an operator's pause,
/// drain or quarantine. Nullopt when nothing changes.
std::optional<agent> mark_offline(const agent& a);

/// When a stale agent's task in progress is released: the grace period after the agent went
/// stale. Derived from the agent's last sign of life only, so a restarted monitor computes the
/// same time.
epoch_ms release_due_at(const agent& a, std::int64_t stale_after_ms,
                        std::int64_t release_grace_ms) noexcept;

/// `2026-02-01T17:05:00Z`.
std::string utc_text(epoch_ms t);

/// The thread message that flags a stale agent's task in progress, and whether a message is
/// that flag for `agent_id` in the staleness episode that began after `since`.
std::string stale_task_notice(const std::string& agent_id, epoch_ms last_seen, epoch_ms release_at);
bool is_stale_task_notice(const message& m, const std::string& agent_id, epoch_ms since);

} // namespace mc
