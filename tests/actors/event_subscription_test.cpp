// The events group's subscribers: a message a subscriber does not handle is dropped without
// harming whoever sent it, and a request it does not handle still gets an error.
#include "actors/event_subscription.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <string>

namespace mc::actors {
namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using go_atom = caf::atom_constant<caf::atom("go")>;

caf::behavior listener(caf::event_based_actor* self) {
  subscribe_to_events(self, caf::group{});
  return {[](ping_atom) { return true; }};
}

/// Sends the listener something it has no handler for, then pings it: the ping's answer comes
/// after any answer to the first message, so a publisher still alive to relay it has survived.
caf::behavior publisher(caf::event_based_actor* self, caf::actor to) {
  return {[self, to](go_atom) -> caf::result<bool> {
    self->send(to, std::string("an event nobody here handles"));
    auto rp = self->make_response_promise<bool>();
    self->request(to, caf::infinite, ping_atom::value).then([rp](bool ok) mutable {
      rp.deliver(ok);
    });
    return rp;
  }};
}

class EventSubscription : public ::testing::Test {
 protected:
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
};

TEST_F(EventSubscription, AnUnhandledMessageLeavesItsSenderAlive) {
  auto l = sys.spawn(listener);
  auto p = sys.spawn(publisher, l);
  caf::scoped_actor self{sys};
  self->monitor(p);
  self->send(p, go_atom::value);
  bool answered = false;
  // Either the publisher's answer or its death arrives; neither needs a clock.
  self->receive([&](bool ok) { answered = ok; },
                [&](const caf::down_msg& d) {
                  ADD_FAILURE() << "the publisher died: " << to_string(d.reason);
                });
  EXPECT_TRUE(answered);
  self->send_exit(l, caf::exit_reason::user_shutdown);
  self->send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_F(EventSubscription, AnUnhandledRequestGetsAnError) {
  auto l = sys.spawn(listener);
  caf::scoped_actor self{sys};
  caf::error got;
  self->request(l, caf::infinite, std::string("what is this?"))
      .receive([](const caf::message&) { ADD_FAILURE() << "an answer to an unhandled request"; },
               [&](const caf::error& e) { got = e; });
  EXPECT_EQ(got, caf::sec::unexpected_message);
  self->send_exit(l, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace mc::actors
