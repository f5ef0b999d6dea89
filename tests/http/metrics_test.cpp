// api_metrics alone: what observed requests and persistence samples look like in the Prometheus
// text format, that labels stay bounded, and that concurrent observers lose no count.
#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mc::http {
namespace {

access_record record(std::string_view method, std::string_view route, std::string_view path,
                     unsigned status, double latency_ms) {
  access_record r;
  r.method = method;
  r.route = route;
  r.path = path;
  r.status = status;
  r.latency_ms = latency_ms;
  r.request_id = "req_1";
  return r;
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

TEST(ApiMetrics, CountsRequestsByMethodRouteAndStatus) {
  api_metrics m;
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_01HZX", 200, 1.2));
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_01HZY", 200, 0.3));
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_missing", 404, 0.2));
  m.observe(record("POST", "/api/tasks", "/api/tasks", 201, 4));
  const auto text = m.render();

  EXPECT_NE(text.find("# TYPE mc_http_requests_total counter"), std::string::npos) << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="GET",route="/api/tasks/{id}",status="200"})"),
      2.0)
      << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="GET",route="/api/tasks/{id}",status="404"})"),
      1.0)
      << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="POST",route="/api/tasks",status="201"})"), 1.0)
      << text;
}

TEST(ApiMetrics, DurationsAreAHistogramPerRouteInSeconds) {
  api_metrics m;
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_1", 200, 0.3));  // 0.0003 s
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_2", 200, 3));    // 0.003 s
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_3", 200, 7000)); // beyond 5 s
  const auto text = m.render();

  EXPECT_NE(text.find("# TYPE mc_http_request_duration_seconds histogram"), std::string::npos);
  const std::string bucket = R"(mc_http_request_duration_seconds_bucket{route="/api/tasks/{id}",)";
  EXPECT_EQ(sample(text, bucket + R"(le="0.0005"})"), 1.0) << text;
  EXPECT_EQ(sample(text, bucket + R"(le="0.001"})"), 1.0) << text;
  EXPECT_EQ(sample(text, bucket + R"(le="0.005"})"), 2.0) << text;
  EXPECT_EQ(sample(text, bucket + R"(le="5"})"), 2.0) << text;
  EXPECT_EQ(sample(text, bucket + R"(le="+Inf"})"), 3.0) << text;
  EXPECT_EQ(sample(text, R"(mc_http_request_duration_seconds_count{route="/api/tasks/{id}"})"),
            3.0);
  auto sum = sample(text, R"(mc_http_request_duration_seconds_sum{route="/api/tasks/{id}"})");
  ASSERT_TRUE(sum);
  EXPECT_NEAR(*sum, 7.0033, 1e-9);
}

TEST(ApiMetrics, LabelsNeverCarryRawPathsOrUnknownMethods) {
  api_metrics m;
  m.observe(record("GET", "/api/tasks/{id}", "/api/tasks/tsk_SECRETID", 200, 1));
  m.observe(record("GET", "", "/no/such/path/abc123", 404, 1));
  m.observe(record("BREW", "", "/coffee", 405, 1));
  m.observe(record("-", "", "/", 400, 1)); // a request the server could not parse
  const auto text = m.render();

  for (auto raw : {"tsk_SECRETID", "/no/such", "abc123", "coffee", "BREW"})
    EXPECT_EQ(text.find(raw), std::string::npos) << raw << " leaked into\n" << text;
  EXPECT_EQ(sample(text, R"(mc_http_requests_total{method="GET",route="unmatched",status="404"})"),
            1.0)
      << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="other",route="unmatched",status="405"})"), 1.0)
      << text;
  EXPECT_EQ(
      sample(text, R"(mc_http_requests_total{method="other",route="unmatched",status="400"})"), 1.0)
      << text;
}

TEST(ApiMetrics, LabelHelpers) {
  EXPECT_EQ(api_metrics::route_label(""), "unmatched");
  EXPECT_EQ(api_metrics::route_label("/api/agents/{id}/pause"), "/api/agents/{id}/pause");
  for (auto m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    EXPECT_EQ(api_metrics::method_label(m), m);
  EXPECT_EQ(api_metrics::method_label("get"), "other");
  EXPECT_EQ(api_metrics::method_label("PROPFIND"), "other");
}

TEST(ApiMetrics, PersistenceGaugesShowTheLatestSample) {
  api_metrics m;
  auto text = m.render();
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 0.0) << text;
  EXPECT_NE(text.find("# TYPE mc_persistence_pending_writes gauge"), std::string::npos);

  m.set_persistence({true, 7, 3, 120, 4000});
  text = m.render();
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 1.0) << text;
  EXPECT_EQ(sample(text, "mc_persistence_pending_writes"), 7.0);
  EXPECT_EQ(sample(text, "mc_persistence_soft_rows"), 3.0);
  EXPECT_EQ(sample(text, "mc_persistence_commits"), 120.0);
  EXPECT_EQ(sample(text, "mc_persistence_writes"), 4000.0);

  m.set_persistence({false, 0, 0, 121, 4001});
  text = m.render();
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 0.0);
  EXPECT_EQ(sample(text, "mc_persistence_pending_writes"), 0.0);
  EXPECT_EQ(sample(text, "mc_persistence_commits"), 121.0);

  // A status request that went unanswered: degraded, and the last known figures stay.
  m.set_persistence_unanswered();
  text = m.render();
  EXPECT_EQ(sample(text, "mc_persistence_degraded"), 1.0);
  EXPECT_EQ(sample(text, "mc_persistence_commits"), 121.0);
}

TEST(ApiMetrics, ConcurrentObserversLoseNoCount) {
  api_metrics m;
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&m, t] {
      // Two routes per thread, so series are created concurrently as well as incremented.
      const std::string route = "/r" + std::to_string(t % 2);
      for (int i = 0; i < per_thread; ++i) {
        m.observe(record("GET", route, "/x", 200, 1));
        if (i % 100 == 0)
          (void)m.render(); // scrapes race with observers too
      }
    });
  for (auto& t : pool)
    t.join();
  const auto text = m.render();
  for (int r = 0; r < 2; ++r) {
    const std::string route = "/r" + std::to_string(r);
    EXPECT_EQ(sample(text, "mc_http_requests_total{method=\"GET\",route=\"" + route +
                               "\",status=\"200\"}"),
              threads / 2 * per_thread);
    EXPECT_EQ(sample(text, "mc_http_request_duration_seconds_count{route=\"" + route + "\"}"),
              threads / 2 * per_thread);
  }
}

} // namespace
} // namespace mc::http
