// The server on a real loopback socket with a Beast client: routing, limits, keep-alive,
// pipelining, answers from other threads, streaming, graceful shutdown and timeouts. No test
// sleeps: each waits for an event (a response, a close, a handler call) with a generous bound.
#include "http/error_envelope.hpp"
#include "http/json_body.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace mc::http {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::client;
using verb = test::bhttp::verb;

std::string text(const json::value& v) {
  return json::value_to<std::string>(v);
}

json::object error_of(const test::string_response& r) {
  return json::parse(r.body()).as_object().at("error").as_object();
}

/// A value one thread sets and another waits for, with a bound.
template <class T>
class mailbox {
 public:
  void put(T v) {
    {
      std::lock_guard lock(m_);
      items_.push_back(std::move(v));
    }
    cv_.notify_all();
  }
  std::optional<T> take(std::chrono::milliseconds bound = test::event_bound) {
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, bound, [&] { return !items_.empty(); }))
      return std::nullopt;
    T v = std::move(items_.front());
    items_.erase(items_.begin());
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    opts.listen = "127.0.0.1:0";
    opts.log = access_log::to_function(log_format::text, [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    });
    opts.on_access = [this](const access_record& r) {
      std::lock_guard lock(log_mutex);
      records.push_back({std::string(r.route), r.status, std::string(r.actor)});
    };
    routes.get("/hello", [](const request& req, const path_params&, responder r) {
      auto res = json_response(json::object{{"hello", "world"}, {"loopback", req.is_loopback()}});
      res.actor = "operator:test";
      r(std::move(res));
    });
    routes.patch("/hello", [](const request&, const path_params&, responder r) {
      r(json_response(json::object()));
    });
    routes.post("/api/tasks/{id}/transition",
                [](const request& req, const path_params& p, responder r) {
                  auto body = parse_json_object_body(req.body);
                  r(json_response(json::object{{"id", p["id"]}, {"body", body}}));
                });
    routes.get("/query", [](const request& req, const path_params&, responder r) {
      json::object o;
      for (const auto& [k, v] : req.query) {
        auto& slot = o[k];
        if (slot.is_null())
          slot = json::array();
        slot.as_array().emplace_back(v);
      }
      r(json_response(o));
    });
    routes.post("/echo", [](const request& req, const path_params&, responder r) {
      r(json_response(json::object{{"size", req.body.size()}}));
    });
  }

  ~ServerTest() override {
    if (srv)
      srv->stop();
  }

  void start() {
    srv = std::make_unique<server>(std::move(routes), opts);
    srv->start();
    ASSERT_NE(srv->port(), 0);
  }

  struct seen {
    std::string route;
    unsigned status;
    std::string actor;
  };

  server_options opts;
  router routes;
  std::unique_ptr<server> srv;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  std::vector<seen> records;
};

// ---- routing --------------------------------------------------------------------------------

TEST_F(ServerTest, AnswersJsonWithARequestId) {
  start();
  client c(srv->port());
  auto res = c.get("/hello");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[test::bhttp::field::content_type], "application/json");
  auto body = json::parse(res.body());
  EXPECT_EQ(body.at("hello"), "world");
  EXPECT_EQ(body.at("loopback"), true);
  EXPECT_EQ(std::string(res["X-Request-Id"]).rfind("req_", 0), 0u);
}

TEST_F(ServerTest, KeepsAWellFormedIncomingRequestIdAndReplacesABadOne) {
  start();
  client c(srv->port());
  auto kept = c.request(verb::get, "/nope", {}, {{"X-Request-Id", "trace-123"}});
  EXPECT_EQ(kept["X-Request-Id"], "trace-123");
  EXPECT_EQ(error_of(kept).at("requestId"), "trace-123");
  auto replaced = c.request(verb::get, "/hello", {}, {{"X-Request-Id", "bad id!"}});
  EXPECT_EQ(std::string(replaced["X-Request-Id"]).rfind("req_", 0), 0u);
}

TEST_F(ServerTest, UnknownPathIs404Envelope) {
  start();
  client c(srv->port());
  auto res = c.get("/api/nothing");
  EXPECT_EQ(res.result_int(), 404);
  auto err = error_of(res);
  EXPECT_EQ(err.at("code"), "NOT_FOUND");
  EXPECT_EQ(text(err.at("requestId")), std::string(res["X-Request-Id"]));
  EXPECT_TRUE(err.at("details").is_object());
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  start();
  client c(srv->port());
  auto res = c.request(verb::delete_, "/hello");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[test::bhttp::field::allow], "GET, HEAD, PATCH");
  EXPECT_EQ(error_of(res).at("code"), "METHOD_NOT_ALLOWED");
}

TEST_F(ServerTest, PathParamsAreDecodedAndHandedOver) {
  start();
  client c(srv->port());
  auto res =
      c.request(verb::post, "/api/tasks/tsk%5F1%20x/transition", R"({"toStatus":"assigned"})",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(res.result_int(), 200) << res.body();
  auto body = json::parse(res.body());
  EXPECT_EQ(body.at("id"), "tsk_1 x");
  EXPECT_EQ(body.at("body").at("toStatus"), "assigned");
}

TEST_F(ServerTest, QueryParamsAreMultiValuedAndDecoded) {
  start();
  client c(srv->port());
  auto res = c.get("/query?status=blocked,needs_approval&tag=a&tag=b%20c&q=hello+world&e=%C3%A9");
  ASSERT_EQ(res.result_int(), 200);
  auto o = json::parse(res.body()).as_object();
  EXPECT_EQ(o.at("status"), json::array{"blocked,needs_approval"});
  EXPECT_EQ(o.at("tag"), (json::array{"a", "b c"}));
  EXPECT_EQ(o.at("q"), json::array{"hello world"});
  EXPECT_EQ(o.at("e"), json::array{"\xC3\xA9"});
}

TEST_F(ServerTest, HeadAnswersWithHeadersOnly) {
  start();
  client c(srv->port());
  c.write_raw(test::raw_request(verb::head, "/hello"));
  auto raw = c.read_some_raw();
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(raw.find("Content-Length: "), std::string::npos); // the GET body's length
  EXPECT_EQ(raw.substr(raw.size() - 4), "\r\n\r\n");          // nothing after the header
  auto after = c.get("/hello");                               // and the connection is still usable
  EXPECT_EQ(after.result_int(), 200);
}

// ---- bodies and limits ----------------------------------------------------------------------

TEST_F(ServerTest, BadJsonIs400WithRequestId) {
  start();
  client c(srv->port());
  auto res = c.request(verb::post, "/api/tasks/t1/transition", "{not json");
  EXPECT_EQ(res.result_int(), 400);
  auto err = error_of(res);
  EXPECT_EQ(err.at("code"), "VALIDATION_ERROR");
  EXPECT_EQ(text(err.at("requestId")), std::string(res["X-Request-Id"]));
  EXPECT_FALSE(std::string(err.at("requestId").as_string()).empty());
}

TEST_F(ServerTest, TooDeepJsonIs400) {
  start();
  client c(srv->port());
  std::string deep = std::string(40, '[') + std::string(40, ']');
  auto res = c.request(verb::post, "/api/tasks/t1/transition", deep);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(std::string(error_of(res).at("message").as_string()).find("deeper than 32"),
            std::string::npos);
}

TEST_F(ServerTest, EmptyBodyPostParsesAsEmptyObject) {
  start();
  client c(srv->port());
  auto res = c.request(verb::post, "/api/tasks/t1/transition");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(json::parse(res.body()).at("body"), json::object());
}

TEST_F(ServerTest, BodyOverOneMebibyteIs413AndCloses) {
  start();
  client c(srv->port());
  auto small = c.request(verb::post, "/echo", std::string(1024 * 1024, 'x'));
  EXPECT_EQ(small.result_int(), 200); // exactly the limit is fine
  auto res = c.request(verb::post, "/echo", std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(error_of(res).at("code"), "PAYLOAD_TOO_LARGE");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.wait_for_close());
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413Too) {
  start();
  client c(srv->port());
  std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk = "100000\r\n" + std::string(0x100000, 'x') + "\r\n";
  c.write_raw(head + chunk + "1\r\nx\r\n0\r\n\r\n");
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 413);
}

TEST_F(ServerTest, HugeHeadersAre431) {
  start();
  client c(srv->port());
  auto res = c.request(verb::get, "/hello", {}, {{"X-Big", std::string(20 * 1024, 'h')}});
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_EQ(error_of(res).at("code"), "HEADERS_TOO_LARGE");
  EXPECT_TRUE(c.wait_for_close());
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimAnswer) {
  start();
  client c(srv->port());
  c.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_some_raw(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.write_raw("hello");
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(json::parse(res.body()).at("size"), 5);
}

TEST_F(ServerTest, MalformedTargetIs400AndTheConnectionLives) {
  start();
  client c(srv->port());
  c.write_raw("GET hello HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(error_of(res).at("code"), "VALIDATION_ERROR");
  EXPECT_EQ(c.get("/hello").result_int(), 200);
}

TEST_F(ServerTest, GarbageIs400AndCloses) {
  start();
  client c(srv->port());
  c.write_raw("THIS IS NOT HTTP\r\n\r\n");
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(c.wait_for_close());
}

// ---- connections ----------------------------------------------------------------------------

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  client c(srv->port());
  for (int i = 0; i < 5; ++i) {
    auto res = c.get("/hello");
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(srv->stats().connections_accepted, 1u);
}

TEST_F(ServerTest, Http10ClosesAfterTheAnswer) {
  start();
  client c(srv->port());
  auto res = c.request(verb::get, "/hello", {}, {}, 10);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(c.wait_for_close());
}

TEST_F(ServerTest, PipelinedAnswersKeepRequestOrder) {
  // /pipe/1 is held until /pipe/3 arrives, then answered last, from another thread.
  std::mutex m;
  responder first;
  std::thread late;
  routes.get("/pipe/{n}", [&](const request&, const path_params& p, responder r) {
    const std::string n(p["n"]);
    auto answer = [](std::string_view which) { return json_response(json::object{{"n", which}}); };
    if (n == "1") {
      std::lock_guard lock(m);
      first = std::move(r);
      return;
    }
    r(answer(n));
    if (n == "3") {
      std::lock_guard lock(m);
      late = std::thread([held = std::move(first), answer]() mutable { held(answer("1")); });
    }
  });
  start();
  client c(srv->port());
  c.write_raw(test::raw_request(verb::get, "/pipe/1") + test::raw_request(verb::get, "/pipe/2") +
              test::raw_request(verb::get, "/pipe/3"));
  for (const char* want : {"1", "2", "3"}) {
    auto res = c.read();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(text(json::parse(res.body()).at("n")), want);
  }
  late.join();
}

TEST_F(ServerTest, ResponderCalledFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex m;
  routes.get("/async", [&](const request& req, const path_params&, responder r) {
    std::lock_guard lock(m);
    workers.emplace_back([r = std::move(r), id = req.id]() mutable {
      r(json_response(json::object{{"from", "worker"}, {"id", id}}));
    });
  });
  start();
  client c(srv->port());
  for (int i = 0; i < 3; ++i) {
    auto res = c.get("/async");
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(text(json::parse(res.body()).at("id")), std::string(res["X-Request-Id"]));
  }
  std::lock_guard lock(m);
  for (auto& w : workers)
    w.join();
}

TEST_F(ServerTest, DroppedResponderIs500) {
  routes.get("/drop", [](const request&, const path_params&, responder r) {
    std::thread([r = std::move(r)] {}).join(); // dropped on another thread
  });
  start();
  client c(srv->port());
  auto res = c.get("/drop");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(error_of(res).at("code"), "INTERNAL_ERROR");
  EXPECT_EQ(c.get("/hello").result_int(), 200); // the connection survives
}

TEST_F(ServerTest, HandlerExceptionsBecomeEnvelopes) {
  routes.post("/conflict", [](const request&, const path_params&, responder) {
    throw http_error(errc::conflict, "idempotency key reused with another request");
  });
  start();
  client c(srv->port());
  auto res = c.request(verb::post, "/conflict", "{}");
  EXPECT_EQ(res.result_int(), 409);
  EXPECT_EQ(error_of(res).at("code"), "CONFLICT");
}

TEST_F(ServerTest, StreamedBodyArrivesCompleteAndChunked) {
  constexpr int pieces = 50'000;
  routes.get("/export", [](const request&, const path_params&, responder r) {
    auto i = std::make_shared<int>(-1);
    r(streaming_response([i]() -> std::optional<std::string> {
      const int n = (*i)++;
      if (n == -1)
        return std::string("[");
      if (n == pieces)
        return std::string("]");
      if (n > pieces)
        return std::nullopt;
      return (n == 0 ? "" : ",") + std::to_string(n);
    }));
  });
  start();
  client c(srv->port());
  auto res = c.get("/export");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.chunked());
  auto arr = json::parse(res.body()).as_array();
  ASSERT_EQ(arr.size(), static_cast<std::size_t>(pieces));
  EXPECT_EQ(arr.back(), pieces - 1);
  EXPECT_EQ(c.get("/hello").result_int(), 200); // framing intact: the next request works
}

TEST_F(ServerTest, FailingStreamCutsTheConnection) {
  routes.get("/broken", [](const request&, const path_params&, responder r) {
    auto n = std::make_shared<int>(0);
    r(streaming_response([n]() -> std::optional<std::string> {
      if ((*n)++ < 3)
        return std::string(100'000, 'x');
      throw std::runtime_error("cursor lost");
    }));
  });
  start();
  client c(srv->port());
  c.write_raw(test::raw_request(verb::get, "/broken"));
  EXPECT_THROW(c.read(), std::runtime_error); // no last chunk: the client sees a cut body
}

// ---- shutdown and timeouts ------------------------------------------------------------------

TEST_F(ServerTest, GracefulStopAnswersTheRequestInFlight) {
  mailbox<responder> held;
  routes.get("/slow",
             [&](const request&, const path_params&, responder r) { held.put(std::move(r)); });
  start();
  client busy(srv->port());
  client idle(srv->port());
  EXPECT_EQ(idle.get("/hello").result_int(), 200);
  busy.write_raw(test::raw_request(verb::get, "/slow"));
  auto r = held.take();
  ASSERT_TRUE(r);

  srv->begin_stop();
  EXPECT_TRUE(test::connection_refused(srv->port()));
  EXPECT_TRUE(idle.wait_for_close()); // idle connections go at once
  auto stopped = std::async(std::launch::async, [&] { srv->stop(); });
  EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout); // still draining

  (*r)(json_response(json::object{{"late", true}}));
  auto res = busy.read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive()); // the last answer says the connection is closing
  EXPECT_EQ(stopped.wait_for(test::event_bound), std::future_status::ready);
  EXPECT_TRUE(busy.wait_for_close());
}

TEST_F(ServerTest, StopGivesUpOnAHandlerAfterTheDrainTime) {
  opts.drain_timeout = 100ms;
  mailbox<responder> held;
  routes.get("/never",
             [&](const request&, const path_params&, responder r) { held.put(std::move(r)); });
  start();
  client c(srv->port());
  c.write_raw(test::raw_request(verb::get, "/never"));
  auto r = held.take();
  ASSERT_TRUE(r);
  auto stopped = std::async(std::launch::async, [&] { srv->stop(); });
  EXPECT_EQ(stopped.wait_for(test::event_bound), std::future_status::ready);
  EXPECT_TRUE(c.wait_for_close());
  (*r)(json_response(json::object())); // after the server is gone: harmless
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  opts.idle_timeout = 100ms;
  start();
  client c(srv->port());
  EXPECT_EQ(c.get("/hello").result_int(), 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_for_close());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 90ms);
}

TEST_F(ServerTest, IdleTimeoutDoesNotCutARequestBeingHandled) {
  opts.idle_timeout = 100ms;
  mailbox<responder> held;
  routes.get("/slow",
             [&](const request&, const path_params&, responder r) { held.put(std::move(r)); });
  start();
  client c(srv->port());
  c.write_raw(test::raw_request(verb::get, "/slow"));
  auto r = held.take();
  ASSERT_TRUE(r);
  // Wait for a later event than the idle timeout, on another connection: a timed-out idle one.
  client other(srv->port());
  EXPECT_TRUE(other.wait_for_close());
  (*r)(json_response(json::object()));
  EXPECT_EQ(c.read().result_int(), 200);
}

TEST_F(ServerTest, SlowRequestIsClosedAfterTheReadTimeout) {
  opts.read_timeout = 100ms;
  start();
  client c(srv->port());
  c.write_raw("GET /hello HTTP/1.1\r\nHost: x\r\n"); // the header never ends
  EXPECT_TRUE(c.wait_for_close());
}

// ---- observability and threads --------------------------------------------------------------

TEST_F(ServerTest, LogsOneLinePerRequestWithRouteStatusAndActor) {
  start();
  {
    client c(srv->port());
    c.get("/hello");
    c.get("/missing");
  }
  srv->stop();
  std::lock_guard lock(log_mutex);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].route, "/hello");
  EXPECT_EQ(records[0].status, 200u);
  EXPECT_EQ(records[0].actor, "operator:test");
  EXPECT_EQ(records[1].route, "");
  EXPECT_EQ(records[1].status, 404u);
  auto access_lines = std::count_if(log_lines.begin(), log_lines.end(),
                                    [](const std::string& l) { return l.rfind("GET ", 0) == 0; });
  EXPECT_EQ(access_lines, 2);
  auto stats = srv->stats();
  EXPECT_EQ(stats.responses, 2u);
  EXPECT_EQ(stats.by_class[2], 1u);
  EXPECT_EQ(stats.by_class[4], 1u);
  EXPECT_EQ(stats.connections_open, 0u);
}

TEST_F(ServerTest, SeveralIoThreadsServeConcurrentClients) {
  opts.threads = 2;
  start();
  std::vector<std::future<int>> clients;
  for (int t = 0; t < 4; ++t)
    clients.push_back(std::async(std::launch::async, [port = srv->port()] {
      client c(port);
      int ok = 0;
      for (int i = 0; i < 50; ++i)
        ok += c.get("/hello").result_int() == 200;
      return ok;
    }));
  for (auto& f : clients)
    EXPECT_EQ(f.get(), 50);
  srv->stop(); // counts are taken once an answer is fully written: let the last ones land
  EXPECT_EQ(srv->stats().by_status, (std::vector<std::pair<unsigned, std::uint64_t>>{{200, 200}}));
}

TEST_F(ServerTest, ListensOnIpv6Loopback) {
  opts.listen = "[::1]:0";
  srv = std::make_unique<server>(std::move(routes), opts);
  try {
    srv->start();
  } catch (const std::system_error& e) {
    srv.reset();
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  client c(srv->port(), "::1");
  auto res = c.get("/hello");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(json::parse(res.body()).at("loopback"), true);
}

TEST_F(ServerTest, BindFailureIsReported) {
  start();
  server_options again = opts;
  again.listen = "127.0.0.1:" + std::to_string(srv->port());
  server second(router{}, again);
  EXPECT_THROW(second.start(), std::system_error);
}

} // namespace
} // namespace mc::http
