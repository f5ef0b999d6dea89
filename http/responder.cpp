#include "http/responder.hpp"

#include "http/error_envelope.hpp"

#include <mutex>
#include <optional>

namespace mc::http {

struct responder::state {
  std::mutex mutex;
  bool answered = false;
  bool in_handler = false;
  bool dropped_in_handler = false;
  std::string request_id;
  std::string actor;
  deliver_fn deliver;

  void send(response r) {
    if (r.actor.empty())
      r.actor = actor;
    deliver(std::move(r));
  }

  bool claim() {
    std::lock_guard lock(mutex);
    if (answered)
      return false;
    answered = true;
    return true;
  }
};

namespace {

response dropped_response(const std::string& request_id) {
  auto r = error_response(errc::internal, "the request was dropped without an answer", request_id);
  r.note = "handler dropped the responder";
  return r;
}

} // namespace

responder::responder(std::string request_id, deliver_fn deliver)
    : state_(std::make_shared<state>()) {
  state_->request_id = std::move(request_id);
  state_->deliver = std::move(deliver);
}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    responder old(std::move(*this)); // the overwritten one is dropped, as if destroyed
    state_ = std::move(other.state_);
  }
  return *this;
}

responder::~responder() {
  if (!state_)
    return;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->answered)
      return;
    if (state_->in_handler) {
      state_->dropped_in_handler = true;
      return;
    }
    state_->answered = true;
  }
  try {
    state_->send(dropped_response(state_->request_id));
  } catch (...) { // a destructor must not throw; the session's own close is the fallback
  }
}

void responder::operator()(response r) {
  auto s = std::move(state_);
  if (s && s->claim())
    s->send(std::move(r));
}

void responder::set_actor(std::string actor) {
  if (state_)
    state_->actor = std::move(actor);
}

const std::string& responder::request_id() const noexcept {
  static const std::string none;
  return state_ ? state_->request_id : none;
}

void responder::guard(responder res, const std::function<void(responder)>& body,
                      const std::function<response(std::exception_ptr)>& on_exception) {
  auto s = res.state_;
  if (!s) {
    body(std::move(res));
    return;
  }
  enter_handler(s);
  std::optional<response> failure;
  try {
    body(std::move(res));
  } catch (...) {
    failure = on_exception(std::current_exception());
  }
  leave_handler(s, failure ? &*failure : nullptr);
}

void responder::enter_handler(const std::shared_ptr<state>& s) {
  std::lock_guard lock(s->mutex);
  s->in_handler = true;
}

void responder::leave_handler(const std::shared_ptr<state>& s, response* failure) {
  bool deliver = false;
  {
    std::lock_guard lock(s->mutex);
    s->in_handler = false;
    if (!s->answered && (failure != nullptr || s->dropped_in_handler)) {
      s->answered = true;
      deliver = true;
    }
  }
  if (!deliver)
    return;
  s->send(failure != nullptr ? std::move(*failure) : dropped_response(s->request_id));
}

} // namespace mc::http
