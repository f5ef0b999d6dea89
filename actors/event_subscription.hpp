// How an actor listens to the events group: every actor's events travel on the one group, so a
// subscriber handles the kinds it knows and ignores the rest.
#pragma once

#include <caf/group.hpp>
#include <caf/message.hpp>
#include <caf/result.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>

namespace mc::actors {

/// Joins `events` (when set). A message this actor has no handler for is dropped without a
/// word when it was merely sent; CAF's own `drop` would answer its sender with an
/// unexpected_message error, and an event-based sender without an error handler dies of it.
/// A request still gets that error, so its sender is not left waiting.
template <class Self>
void subscribe_to_events(Self* self, const caf::group& events) {
  self->set_default_handler(
      [](caf::scheduled_actor* me, caf::message_view&) -> caf::result<caf::message> {
        if (me->current_message_id().is_request())
          return caf::sec::unexpected_message;
        return caf::message{};
      });
  if (events)
    self->join(events);
}

} // namespace mc::actors
