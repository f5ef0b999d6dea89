// The NotificationDispatcher (SPEC §5): turns events into notifications (@mentions, assignments,
// approval requests, alerts), de-duplicated, and delivers the webhook ones, signed, retried on
// its ticks by the injected clock and expired after their time to live.
#pragma once

#include "supervisors/root_supervisor.hpp"

#include <chrono>

namespace mc::supervisors {

/// Spec name "NotificationDispatcher". Joins the events group; answers (tick_atom) once the
/// notifications the events before it called for are stored and the deliveries and expiries the
/// tick found due are settled and recorded.
supervisor_spec notification_dispatcher();

/// How long one webhook POST may take: the configured timeout, but at most half a tick's
/// deadline, so a silent receiver never makes the dispatcher miss its tick.
std::chrono::milliseconds delivery_timeout(const supervisor_settings& s) noexcept;

} // namespace mc::supervisors
