// The bridge from HTTP handlers to actors: replies become responses, error replies and thrown
// continuations become the SPEC envelope, and one lane keeps serving after any of them.
#include "http/routes/actor_bridge.hpp"

#include "domain/errc.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <future>
#include <string>

namespace mc::http {
namespace {

using namespace std::chrono_literals;

/// Doubles an int; answers a string with an mc::errc error naming it.
caf::behavior doubler(caf::event_based_actor*) {
  return {
      [](int x) { return x * 2; },
      [](const std::string& why) -> caf::result<int> { return make_error(errc::conflict, why); },
  };
}

struct answer {
  std::promise<response> promise;
  std::future<response> future = promise.get_future();

  responder make(std::string request_id = "req_test") {
    return responder(std::move(request_id),
                     [this](response r) { promise.set_value(std::move(r)); });
  }
  response get() { return future.get(); }
};

class actor_bridge_test : public ::testing::Test {
 protected:
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor target = sys.spawn(doubler);
  // One lane: every request below shares it, so a failure that ended the lane would show.
  actor_bridge bridge{sys, 1, 15s};

  void TearDown() override {
    bridge.stop();
    caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  }

  response ask_int(int x) {
    answer a;
    bridge.ask<int>(target, a.make(), std::function<response(int&)>([](int& r) {
                      response out;
                      out.body = std::to_string(r);
                      return out;
                    }),
                    x);
    return a.get();
  }
};

TEST_F(actor_bridge_test, a_reply_becomes_the_response) {
  auto r = ask_int(21);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "42");
}

TEST_F(actor_bridge_test, an_error_reply_becomes_the_envelope_with_the_request_id) {
  answer a;
  bridge.ask<int>(target, a.make("req_conflict"),
                  std::function<response(int&)>([](int&) { return response{}; }),
                  std::string("taken"));
  auto r = a.get();
  EXPECT_EQ(r.status, 409u);
  EXPECT_NE(r.body.find("taken"), std::string::npos);
  EXPECT_NE(r.body.find("req_conflict"), std::string::npos);
  EXPECT_EQ(ask_int(1).body, "2") << "the lane serves on after an error reply";
}

TEST_F(actor_bridge_test, a_continuation_may_ask_again_with_the_responder) {
  answer a;
  bridge.ask_then<int>(
      target, a.make(), std::function<void(int&, responder)>([this](int& r, responder out) {
        bridge.ask<int>(target, std::move(out), std::function<response(int&)>([](int& again) {
                          response res;
                          res.body = std::to_string(again);
                          return res;
                        }),
                        r);
      }),
      5);
  EXPECT_EQ(a.get().body, "20");
}

TEST_F(actor_bridge_test, a_continuation_that_throws_answers_with_its_error) {
  answer a;
  bridge.ask_then<int>(target, a.make(), std::function<void(int&, responder)>([](int&, responder) {
                         throw http_error(errc::forbidden, "not yours");
                       }),
                       1);
  auto r = a.get();
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("not yours"), std::string::npos);
  EXPECT_EQ(ask_int(4).body, "8") << "the lane serves on after a thrown continuation";
}

TEST_F(actor_bridge_test, a_gone_actor_is_an_error_not_a_hang) {
  auto gone = sys.spawn(doubler);
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  // Wait until it is gone for sure: a scoped request would hang on a living actor otherwise.
  {
    caf::scoped_actor self{sys};
    self->wait_for(gone);
  }
  answer a;
  bridge.ask<int>(gone, a.make(), std::function<response(int&)>([](int&) { return response{}; }),
                  1);
  auto r = a.get();
  EXPECT_GE(r.status, 500u);
}

} // namespace
} // namespace mc::http
