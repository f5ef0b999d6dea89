// The NotificationDispatcher end to end, on both stores: notifications from mentions,
// assignments, approval requests and alerts; heartbeat delivery; signed webhook deliveries to a
// real HTTP receiver on loopback, retried at 30 s, 1 m, 2 m, 4 m of manual-clock time, failed for
// good after 5 attempts with a notification_failed alert; de-duplication and expiry.
#include "tests/e2e/api_server.hpp"

#include "actors/governance_messages.hpp"
#include "supervisors/notification_dispatcher.hpp"
#include "supervisors/webhook_signature.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace mc::e2e {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view secret = "whsec_e2e-receiver-secret-0123";

/// A webhook receiver on an ephemeral loopback port, on its own thread. It answers 500 to the
/// first `failures` requests and 200 after them or, when silent, reads each request and never
/// answers. It checks every signature over the exact bytes it received.
class receiver {
 public:
  struct hit {
    std::string body;
    std::string timestamp;
    std::string event;
    bool signature_ok = false;
  };

  explicit receiver(int failures, bool silent = false) : failures_(failures), silent_(silent) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~receiver() {
    ioc_.stop();
    thread_.join();
  }
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hooks/mc";
  }
  std::vector<hit> hits() const {
    std::lock_guard lock(mu_);
    return hits_;
  }

 private:
  struct connection {
    explicit connection(net::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> req;
    beast::http::response<beast::http::string_body> res;
  };

  void accept() {
    auto c = std::make_shared<connection>(ioc_);
    acceptor_.async_accept(c->socket, [this, c](const beast::error_code& ec) {
      if (ec)
        return;
      serve(c);
      accept();
    });
  }

  void serve(const std::shared_ptr<connection>& c) {
    beast::http::async_read(
        c->socket, c->buffer, c->req, [this, c](const beast::error_code& ec, std::size_t) {
          if (ec)
            return;
          std::size_t n = 0;
          {
            std::lock_guard lock(mu_);
            hit h;
            h.body = c->req.body();
            h.timestamp = std::string(c->req[std::string(supervisors::timestamp_header)]);
            h.event = std::string(c->req["X-MC-Event"]);
            h.signature_ok = supervisors::signature_matches(
                secret, h.body, c->req[std::string(supervisors::signature_header)]);
            hits_.push_back(std::move(h));
            n = hits_.size();
            if (silent_) {
              held_.push_back(c);
              return;
            }
          }
          c->res.version(11);
          c->res.result(n <= static_cast<std::size_t>(failures_)
                            ? beast::http::status::internal_server_error
                            : beast::http::status::ok);
          c->res.body() = "{}";
          c->res.prepare_payload();
          beast::http::async_write(c->socket, c->res, [c](const beast::error_code&, std::size_t) {
            beast::error_code ignored;
            c->socket.shutdown(tcp::socket::shutdown_both, ignored);
          });
        });
  }

  net::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  int failures_;
  bool silent_;
  mutable std::mutex mu_;
  std::vector<hit> hits_;
  /// A silent receiver's connections, held open and never answered.
  std::vector<std::shared_ptr<connection>> held_;
  std::thread thread_;
};

class NotificationDispatch : public ::testing::TestWithParam<store_kind> {
 protected:
  /// The server with only the dispatcher supervising (no other supervisor reacts to the clock).
  void start(std::chrono::milliseconds webhook_timeout = 5s) {
    auto o = options_with_operator();
    o.supervisor_specs =
        std::vector<supervisors::supervisor_spec>{supervisors::notification_dispatcher()};
    o.supervision.webhook_timeout = webhook_timeout;
    srv = std::make_unique<api_server>(GetParam(), std::move(o));
  }

  json::value ok(verb v, const std::string& target, std::string body = {},
                 const header_list& as = {}) {
    auto r = srv->call(v, target, std::move(body), as);
    EXPECT_GE(r.result_int(), 200u) << target << ": " << r.body();
    EXPECT_LT(r.result_int(), 300u) << target << ": " << r.body();
    return json_of(r);
  }

  void register_webhook(const std::string& url, const std::string& events) {
    ok(verb::post, "/api/webhooks",
       R"({"url":")" + url + R"(","events":)" + events + R"(,"secret":")" + std::string(secret) +
           R"("})");
  }

  /// As a supervisor would: the alerts actor's raise message (its alert_event reaches the
  /// dispatcher before the reply does).
  alert raise(std::string type) {
    alert draft;
    draft.type = std::move(type);
    draft.title = "alert " + draft.type;
    draft.severity = alert_severity::critical;
    draft.agent_id = "ann";
    caf::scoped_actor self{srv->system()};
    alert out;
    self->request(srv->api()->alerts, std::chrono::seconds(10), actors::raise_atom::value, draft)
        .receive([&](alert& a) { out = a; }, [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    return out;
  }

  json::array notifications(const std::string& query) {
    return ok(verb::get, "/api/notifications?" + query).at("notifications").as_array();
  }

  json::array pending_in_heartbeat(const std::string& agent, const header_list& as) {
    return ok(verb::post, "/api/agents/" + agent + "/heartbeat", R"({"status":"idle"})", as)
        .at("pendingNotifications")
        .as_array();
  }

  void advance(std::chrono::milliseconds d) { srv->clock().advance(d); }

  std::unique_ptr<api_server> srv;
};

std::int64_t int_of(const json::value& v) {
  return v.to_number<std::int64_t>();
}

TEST_P(NotificationDispatch, AFailingReceiverIsRetriedOnScheduleAndGetsItOnTheFourthAttempt) {
  start();
  receiver hook(/*failures=*/3);
  register_webhook(hook.url(), R"(["alert","approval_request"])");
  const auto t0 = srv->clock().now_ms();
  const auto a = raise("budget_exceeded");
  srv->tick();
  ASSERT_EQ(hook.hits().size(), 1u);

  auto ns = notifications("target=operator");
  ASSERT_EQ(ns.size(), 1u);
  auto n = ns.at(0).as_object();
  EXPECT_EQ(n.at("type").as_string(), "alert");
  EXPECT_EQ(n.at("channel").as_string(), "webhook");
  EXPECT_EQ(n.at("refs").at(0).as_string(), a.id);
  EXPECT_EQ(n.at("status").as_string(), "pending");
  EXPECT_EQ(int_of(n.at("attempts")), 1);
  EXPECT_EQ(int_of(n.at("nextAttemptAt")), t0 + 30'000);
  EXPECT_NE(std::string(n.at("lastError").as_string()).find("HTTP 500"), std::string::npos);

  // Nothing before each delay has passed; one attempt when it has.
  const std::pair<std::chrono::milliseconds, std::size_t> steps[] = {
      {29'999ms, 1}, {1ms, 2}, {59'999ms, 2}, {1ms, 3}, {119'999ms, 3}, {1ms, 4}};
  for (const auto& [step, expected] : steps) {
    advance(step);
    srv->tick();
    EXPECT_EQ(hook.hits().size(), expected) << "after " << srv->clock().now_ms() - t0 << " ms";
  }

  n = notifications("target=operator").at(0).as_object();
  EXPECT_EQ(n.at("status").as_string(), "delivered");
  EXPECT_EQ(int_of(n.at("attempts")), 4);
  EXPECT_TRUE(n.at("nextAttemptAt").is_null());

  const auto hits = hook.hits();
  const std::int64_t sent_at[] = {t0, t0 + 30'000, t0 + 90'000, t0 + 210'000};
  for (std::size_t i = 0; i < hits.size(); ++i) {
    EXPECT_TRUE(hits[i].signature_ok) << "attempt " << i + 1;
    EXPECT_EQ(hits[i].timestamp, std::to_string(sent_at[i]));
    EXPECT_EQ(hits[i].event, "alert");
    const auto body = json::parse(hits[i].body).as_object();
    EXPECT_EQ(body.at("id").as_string(), n.at("id").as_string());
    EXPECT_EQ(int_of(body.at("attempt")), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(int_of(body.at("timestamp")), sent_at[i]);
  }

  // Delivered is the end of it.
  advance(30min);
  srv->tick();
  EXPECT_EQ(hook.hits().size(), 4u);
  EXPECT_NE(srv->supervisor_log().find("[NotificationDispatcher] Processing notifications..."),
            std::string::npos);
}

TEST_P(NotificationDispatch, ASilentReceiverFailsAfterFiveAttemptsAndRaisesOneAlert) {
  start(/*webhook_timeout=*/150ms);
  receiver hook(/*failures=*/0, /*silent=*/true);
  register_webhook(hook.url(), R"(["*"])");
  raise("loop_detected");
  srv->tick();
  for (auto step : {30s, 60s, 120s, 240s}) {
    advance(step);
    srv->tick();
  }
  EXPECT_EQ(hook.hits().size(), 6u) << "5 attempts, then the first of the failure alert's own";

  auto failed = notifications("target=operator&status=failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(int_of(failed.at(0).at("attempts")), 5);
  EXPECT_NE(std::string(failed.at(0).at("lastError").as_string()).find("timed out"),
            std::string::npos);
  auto alerts = ok(verb::get, "/api/alerts?type=notification_failed").at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(std::string(alerts.at(0).at("title").as_string())
                .find(std::string(failed.at(0).at("id").as_string())),
            std::string::npos);

  // The failure alert's own notification fails too, and raises nothing more.
  for (auto step : {30s, 60s, 120s, 240s, 480s}) {
    advance(step);
    srv->tick();
  }
  EXPECT_EQ(hook.hits().size(), 10u);
  EXPECT_EQ(notifications("target=operator&status=failed").size(), 2u);
  EXPECT_EQ(ok(verb::get, "/api/alerts?type=notification_failed").at("alerts").as_array().size(),
            1u);
}

TEST_P(NotificationDispatch, MentionsAndAssignmentsRideTheAgentsHeartbeat) {
  start();
  const auto ann = bearer(srv->register_agent("ann", "specialist"));
  const auto bob = bearer(srv->register_agent("bob", "specialist"));
  const auto task = srv->create_task(R"({"title":"Launch post","type":"content",)"
                                     R"("assigneeIds":["ann"]})");
  ok(verb::post, "/api/tasks/" + task + "/messages",
     R"({"content":"@bob can you review the draft? @nobody-here too"})", ann);
  srv->tick();

  auto mine = pending_in_heartbeat("ann", ann);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine.at(0).at("type").as_string(), "assignment");
  EXPECT_EQ(mine.at(0).at("refs").at(0).as_string(), task);
  auto theirs = pending_in_heartbeat("bob", bob);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs.at(0).at("type").as_string(), "mention");
  EXPECT_NE(std::string(theirs.at(0).at("body").as_string()).find("review the draft"),
            std::string::npos);
  EXPECT_TRUE(notifications("target=nobody-here").empty());

  // Adding bob tells bob, not ann again.
  ok(verb::patch, "/api/tasks/" + task, R"({"assigneeIds":["ann","bob"]})");
  srv->tick();
  EXPECT_EQ(pending_in_heartbeat("ann", ann).size(), 1u);
  theirs = pending_in_heartbeat("bob", bob);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs.at(1).at("type").as_string(), "assignment");
}

TEST_P(NotificationDispatch, TheSameNotificationWithinFiveMinutesIsCreatedOnce) {
  start();
  const auto ann = bearer(srv->register_agent("ann", "specialist"));
  const auto bob = bearer(srv->register_agent("bob", "specialist"));
  const auto task = srv->create_task(R"({"title":"Launch post","type":"content"})");
  auto mention = [&] {
    ok(verb::post, "/api/tasks/" + task + "/messages", R"({"content":"@bob ping"})", ann);
    srv->tick();
    return notifications("target=bob").size();
  };
  EXPECT_EQ(mention(), 1u);
  advance(4min);
  EXPECT_EQ(mention(), 1u);
  advance(60s);
  EXPECT_EQ(mention(), 1u) << "exactly five minutes after the first still counts";
  advance(1ms);
  EXPECT_EQ(mention(), 2u);
  EXPECT_EQ(pending_in_heartbeat("bob", bob).size(), 2u);
}

TEST_P(NotificationDispatch, ANewApprovalRequestIsSentToTheOperatorsWebhook) {
  start();
  receiver hook(/*failures=*/0);
  register_webhook(hook.url(), R"(["approval_request"])");
  srv->register_agent("ann", "specialist");
  const auto task = srv->create_task(R"({"title":"Send the newsletter","type":"email_marketing",)"
                                     R"("assigneeIds":["ann"]})");
  srv->move_task(task, R"({"toStatus":"in_progress","actor":"human","reason":"go",)"
                       R"("workPlan":{"bullets":["draft","check","send"]}})");
  srv->move_task(task, R"({"toStatus":"needs_approval","actor":"human",)"
                       R"("reason":"sending to 40,000 people"})");
  srv->tick();
  const auto hits = hook.hits();
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].signature_ok);
  EXPECT_EQ(hits[0].event, "approval_request");
  const auto ns = notifications("target=operator");
  ASSERT_EQ(ns.size(), 1u);
  EXPECT_EQ(ns.at(0).at("type").as_string(), "approval_request");
  EXPECT_EQ(ns.at(0).at("status").as_string(), "delivered");
  EXPECT_EQ(ns.at(0).at("refs").at(1).as_string(), task);
  // It is not subscribed to alerts.
  raise("agent_stale");
  srv->tick();
  EXPECT_EQ(hook.hits().size(), 1u);
}

TEST_P(NotificationDispatch, UndeliveredNotificationsExpireAfterADay) {
  start();
  const auto ann = bearer(srv->register_agent("ann", "specialist"));
  srv->create_task(R"({"title":"Launch post","type":"content","assigneeIds":["ann"]})");
  raise("agent_stale"); // no webhook: stays pending, untried
  srv->tick();
  EXPECT_EQ(notifications("status=pending").size(), 2u);
  EXPECT_EQ(int_of(notifications("target=operator").at(0).at("attempts")), 0);
  advance(24h - 1ms);
  srv->tick();
  EXPECT_EQ(notifications("status=pending").size(), 2u);
  advance(1ms);
  srv->tick();
  EXPECT_EQ(notifications("status=expired").size(), 2u);
  EXPECT_TRUE(pending_in_heartbeat("ann", ann).empty());
}

TEST_P(NotificationDispatch, AnHttpsWebhookIsRecordedAsUnsupported) {
  start();
  register_webhook("https://hooks.example.com/mc", R"(["alert"])");
  raise("agent_stale");
  srv->tick();
  const auto n = notifications("target=operator").at(0).as_object();
  EXPECT_EQ(int_of(n.at("attempts")), 1);
  EXPECT_NE(std::string(n.at("lastError").as_string()).find("plain http://"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Stores, NotificationDispatch, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
