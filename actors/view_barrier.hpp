// Read-your-writes across actors: a task change is answered only once the actors that keep a
// view of tasks from its event (the registries' indexes, the agents' open-task lists) have it.
#pragma once

#include "actors/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <utility>
#include <vector>

namespace mc::actors {

/// Sends the answer of a change on through `views` instead of straight to the caller: the first
/// live view gets `(barrier_atom, the other views, answer)` as a delegation of `rp`, handles it
/// after every message sent to it before (the change's event, published just before), and
/// passes it on the same way (`pass_barrier`); the last one answers the caller. An event group
/// puts an event in every subscriber's mailbox before `anon_send` returns, so each view has the
/// change, and whatever it sent on (an agent's new open-task list) is queued ahead of the
/// caller's next request. Views are weak addresses (task actors must not keep their registry
/// alive); one that is gone is skipped: the change is durable either way.
template <class Promise, class Answer>
void answer_through(Promise& rp, std::vector<caf::actor_addr> views, Answer answer) {
  while (!views.empty()) {
    auto next = caf::actor_cast<caf::actor>(views.front());
    views.erase(views.begin());
    if (next) {
      rp.delegate(next, barrier_atom::value, std::move(views),
                  caf::make_message(std::move(answer)));
      return;
    }
  }
  rp.deliver(std::move(answer));
}

/// A view's handler of the barrier: passes the answer on to the remaining views, if any.
template <class Self>
void pass_barrier(Self* self, std::vector<caf::actor_addr>& rest, caf::message& answer) {
  auto rp = self->make_response_promise();
  answer_through(rp, std::move(rest), std::move(answer));
}

} // namespace mc::actors
