// How an actor listens to the events group: every actor's events travel on the one group, so a
// subscriber handles the kinds it knows and must drop the rest silently.
#pragma once

#include <caf/group.hpp>
#include <caf/scheduled_actor.hpp> // caf::drop

namespace mc::actors {

/// Joins `events` (when set) and makes every message this actor has no handler for a silent
/// drop instead of CAF's default report on stderr.
template <class Self>
void subscribe_to_events(Self* self, const caf::group& events) {
  self->set_default_handler(caf::drop);
  if (events)
    self->join(events);
}

} // namespace mc::actors
