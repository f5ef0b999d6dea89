// `GET /metrics` through a real server on an ephemeral loopback port, the actors and a real
// SQLite store, wired as `serve` wires it: the access hook feeds api_metrics, the route samples
// the persistence actor. Only operators may scrape.
#include "app/runtime.hpp"
#include "http/metrics.hpp"
#include "http/routes/metrics_routes.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>

namespace mc::http {
namespace {

namespace fs = std::filesystem;
using test::client;
using test::bhttp::verb;

constexpr std::string_view operator_token = "op-secret-token-1";

caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.console", caf::atom("none"));
  return cfg;
}

/// The value of the sample whose name and labels are exactly `series`, if there is one.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

class MetricsRoute : public ::testing::Test {
 protected:
  MetricsRoute() : sys(quiet(cfg)) {
    dir = fs::temp_directory_path() /
          ("mc-metrics-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    db = persistence::open_store({"", dir.string()});
    db->migrate();
    app::runtime_options opts;
    opts.operators = parse_operator_tokens("ops:" + std::string(operator_token)).value();
    opts.auth.require_auth = true; // so that a tokenless request is refused, not the operator
    rt = std::make_unique<app::runtime>(sys, db, clk, ids, persistence::recover(*db),
                                        std::move(opts));
    agent_token = generate_agent_token().value().token;
    rt->api()->agent_tokens.put({"agent_scout", hash_token(agent_token), false});

    router routes;
    rt->add_routes(routes);
    add_metrics_routes(routes, rt->api(), metrics);
    server_options so;
    so.listen = "127.0.0.1:0";
    so.log = access_log::disabled();
    so.on_access = [this](const access_record& r) {
      metrics->observe(r);
      std::lock_guard lock(mutex);
      ++accessed;
      cv.notify_all();
    };
    srv = std::make_unique<server>(std::move(routes), so);
    srv->start();
  }

  ~MetricsRoute() override {
    srv->stop();
    rt->shutdown();
    sys.await_all_actors_done();
    fs::remove_all(dir);
  }

  test::string_response call(verb v, std::string target, std::string_view token = operator_token,
                             std::string body = {}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty())
      headers.emplace_back("Authorization", "Bearer " + std::string(token));
    client c(srv->port());
    return c.request(v, target, std::move(body), std::move(headers));
  }

  /// The access hook runs after the answer's last byte is written, so a client can read an
  /// answer before it is counted: scrape only once every earlier request has been.
  test::string_response scrape(std::string_view token = operator_token) {
    std::unique_lock lock(mutex);
    const bool counted =
        cv.wait_for(lock, test::event_bound, [this] { return accessed == requests_made; });
    EXPECT_TRUE(counted) << accessed << " of " << requests_made << " requests counted";
    lock.unlock();
    return counted_call(verb::get, "/metrics", token);
  }

  test::string_response counted_call(verb v, std::string target,
                                     std::string_view token = operator_token,
                                     std::string body = {}) {
    {
      std::lock_guard lock(mutex);
      ++requests_made;
    }
    return call(v, std::move(target), token, std::move(body));
  }

  static inline int counter = 0;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  system_clock clk;
  id_generator ids{clk};
  fs::path dir;
  std::shared_ptr<persistence::store> db;
  std::unique_ptr<app::runtime> rt;
  std::shared_ptr<api_metrics> metrics = std::make_shared<api_metrics>();
  std::string agent_token;
  std::unique_ptr<server> srv;

  std::mutex mutex;
  std::condition_variable cv;
  int requests_made = 0;
  int accessed = 0;
};

TEST_F(MetricsRoute, AnOperatorScrapesRequestCountsAndLatenciesByRoute) {
  ASSERT_EQ(counted_call(verb::get, "/health").result_int(), 200u);
  ASSERT_EQ(counted_call(verb::get, "/health").result_int(), 200u);
  ASSERT_EQ(counted_call(verb::get, "/api/tasks/tsk_nosuchtask").result_int(), 404u);
  ASSERT_EQ(counted_call(verb::get, "/no/such/place").result_int(), 404u);

  auto r = scrape();
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(std::string(r["Content-Type"]), metrics_content_type);
  const auto& text = r.body();
  EXPECT_EQ(sample(text, R"(mc_http_requests_total{method="GET",route="/health",status="200"})"),
            2.0)
      << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="GET",route="/api/tasks/{id}",status="404"})"),
      1.0)
      << text;
  EXPECT_EQ(sample(text, R"(mc_http_requests_total{method="GET",route="unmatched",status="404"})"),
            1.0)
      << text;
  EXPECT_EQ(sample(text, R"(mc_http_request_duration_seconds_bucket{route="/health",le="+Inf"})"),
            2.0)
      << text;
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 0.0) << text;
  for (auto raw : {"tsk_nosuchtask", "/no/such/place"})
    EXPECT_EQ(text.find(raw), std::string::npos) << raw << " leaked into\n" << text;

  // The scrape itself is counted like any request, under its own route.
  auto again = scrape();
  EXPECT_EQ(
      sample(again.body(), R"(mc_http_requests_total{method="GET",route="/metrics",status="200"})"),
      1.0)
      << again.body();
}

TEST_F(MetricsRoute, PersistenceGaugesComeFromThePersistenceActor) {
  auto created = counted_call(verb::post, "/api/tasks", operator_token, R"({"title":"Count me"})");
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  // 201 means the task's rows were committed, so the actor's counters already include them.
  const auto text = scrape().body();
  auto commits = sample(text, "mc_persistence_commits");
  auto writes = sample(text, "mc_persistence_writes");
  ASSERT_TRUE(commits && writes) << text;
  EXPECT_GE(*commits, 1.0);
  EXPECT_GE(*writes, 1.0);
  EXPECT_TRUE(sample(text, "mc_persistence_pending_writes")) << text;
  EXPECT_TRUE(sample(text, "mc_persistence_soft_rows")) << text;
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 0.0);
}

TEST_F(MetricsRoute, OnlyOperatorsMayScrape) {
  EXPECT_EQ(scrape("").result_int(), 401u);
  EXPECT_EQ(scrape("not-a-known-token").result_int(), 401u);
  auto as_agent = scrape(agent_token);
  EXPECT_EQ(as_agent.result_int(), 403u);
  EXPECT_EQ(as_agent.body().find("mc_http_requests_total"), std::string::npos);

  const auto text = scrape().body();
  EXPECT_EQ(sample(text, R"(mc_http_requests_total{method="GET",route="/metrics",status="401"})"),
            2.0)
      << text;
  EXPECT_EQ(sample(text, R"(mc_http_requests_total{method="GET",route="/metrics",status="403"})"),
            1.0)
      << text;
}

} // namespace
} // namespace mc::http
