// The bridge from a Beast handler to an actor: one short-lived actor per request makes the CAF
// request and answers through the responder from CAF's thread (the responder posts back to the
// connection). Never a blocking scoped_actor on an Asio thread.
#pragma once

#include "http/error_envelope.hpp"
#include "http/responder.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <boost/json/parse.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace mc::http {

/// The SPEC envelope for an actor's error: mc::errc with its message and, when the actor sent
/// them, JSON details; a missed reply is 503.
response error_from_actor(const caf::error& e, const std::string& request_id);

inline constexpr std::chrono::seconds actor_timeout{15};

template <class Reply, class Handle, class... Ts>
void ask_actor(caf::actor_system& sys, Handle to, responder res,
               std::function<response(Reply&)> on_reply, Ts... msg) {
  auto shared = std::make_shared<responder>(std::move(res));
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, actor_timeout, msg...)
        .then(
            [=](Reply& r) {
              auto out = on_reply(r);
              (*shared)(std::move(out));
            },
            [=](caf::error& e) { (*shared)(error_from_actor(e, shared->request_id())); });
  });
}

} // namespace mc::http
