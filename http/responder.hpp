// The one-shot reply channel a handler receives: move it anywhere (an actor's reply callback on
// a CAF worker thread), call it once with the response. Dropping it uncalled answers 500.
#pragma once

#include "http/response.hpp"

#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace mc::http {

/// Move-only and thread-safe: it may be called from any thread. The first call wins; calling
/// consumes it, so a later call on the same object does nothing. If it is destroyed uncalled,
/// the client gets a 500 envelope instead of a hung connection.
class responder {
 public:
  using deliver_fn = std::function<void(response)>;

  responder() noexcept = default;
  /// `deliver` runs exactly once, on the thread that answers (or drops) the request.
  responder(std::string request_id, deliver_fn deliver);
  responder(responder&&) noexcept = default;
  responder& operator=(responder&& other) noexcept;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder();

  void operator()(response r);

  /// True while this object still owes the answer.
  explicit operator bool() const noexcept { return state_ != nullptr; }
  /// Who acts ("operator:alice", "agent:jordan"), for the access log of whatever answer this
  /// request gets, including one the router makes from a handler's exception.
  void set_actor(std::string actor);

  /// The request id, for building an error envelope far from the request.
  const std::string& request_id() const noexcept;

  /// Runs `body` with the responder the way the router runs a handler, wherever that happens
  /// (the router, or an actor reply's continuation): if `body` drops the responder or throws,
  /// the request is settled once `body` is done, a throw with `on_exception`'s answer rather
  /// than the drop's 500. An empty responder runs `body` unguarded.
  static void guard(responder res, const std::function<void(responder)>& body,
                    const std::function<response(std::exception_ptr)>& on_exception);

 private:
  struct state;
  // While `guard` runs a body, a drop or an exception is settled when the body is done, so a
  // body that throws answers with its exception, not with the drop's 500.
  static void enter_handler(const std::shared_ptr<state>& s);
  static void leave_handler(const std::shared_ptr<state>& s, response* failure);

  std::shared_ptr<state> state_;
};

} // namespace mc::http
