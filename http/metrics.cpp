#include "http/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <mutex>
#include <unordered_map>

namespace mc::http {

namespace {

// Roughly ×2–2.5 steps: sub-millisecond answers from memory up to a slow database commit; a
// request slower than 5 s is already a failure, +Inf counts it.
const prometheus::Histogram::BucketBoundaries duration_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

} // namespace

struct api_metrics::impl {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("mc_http_requests_total")
          .Help("HTTP requests answered, by method, matched route and status")
          .Register(registry);
  prometheus::Family<prometheus::Histogram>& durations =
      prometheus::BuildHistogram()
          .Name("mc_http_request_duration_seconds")
          .Help("From a request's last byte to its response's last byte, by matched route")
          .Register(registry);
  prometheus::Gauge& pending_writes =
      gauge("mc_persistence_pending_writes", "Durable writes waiting for their commit");
  prometheus::Gauge& soft_rows =
      gauge("mc_persistence_soft_rows", "Soft-state rows waiting for their periodic write");
  prometheus::Gauge& commits =
      gauge("mc_persistence_commits", "Commits since the persistence actor started");
  prometheus::Gauge& writes =
      gauge("mc_persistence_writes",
            "Writes (batches and soft rows) committed since the persistence actor started");
  prometheus::Gauge& degraded =
      gauge("mc_persistence_degraded", "1 while the database is failing or does not answer");

  // Family::Add builds a new metric before it looks the labels up, so the hot path keeps its
  // own index of the series it has already created.
  std::mutex mutex;
  std::unordered_map<std::string, prometheus::Counter*> counter_by_key;
  std::unordered_map<std::string, prometheus::Histogram*> histogram_by_route;

  prometheus::Gauge& gauge(const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  }
};

api_metrics::api_metrics() : impl_(std::make_unique<impl>()) {}

api_metrics::~api_metrics() = default;

std::string_view api_metrics::route_label(std::string_view route) noexcept {
  return route.empty() ? std::string_view("unmatched") : route;
}

std::string_view api_metrics::method_label(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 7> known = {"GET",   "HEAD",   "POST",   "PUT",
                                                            "PATCH", "DELETE", "OPTIONS"};
  for (auto k : known)
    if (method == k)
      return k;
  return "other";
}

void api_metrics::observe(const access_record& r) {
  const auto method = method_label(r.method);
  const auto route = route_label(r.route);
  const auto status = std::to_string(r.status);
  std::string key;
  key.reserve(method.size() + route.size() + status.size() + 2);
  key.append(method).append(1, ' ').append(route).append(1, ' ').append(status);

  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    auto& c = impl_->counter_by_key[key];
    if (!c)
      c = &impl_->requests.Add(
          {{"method", std::string(method)}, {"route", std::string(route)}, {"status", status}});
    counter = c;
    auto& h = impl_->histogram_by_route[std::string(route)];
    if (!h)
      h = &impl_->durations.Add({{"route", std::string(route)}}, duration_buckets);
    histogram = h;
  }
  // Both are thread-safe on their own; the lock only guards the index.
  counter->Increment();
  histogram->Observe(r.latency_ms / 1000.0);
}

void api_metrics::set_persistence(const persistence_gauges& g) {
  impl_->degraded.Set(g.degraded ? 1 : 0);
  impl_->pending_writes.Set(static_cast<double>(g.pending_writes));
  impl_->soft_rows.Set(static_cast<double>(g.soft_rows));
  impl_->commits.Set(static_cast<double>(g.commits));
  impl_->writes.Set(static_cast<double>(g.writes));
}

void api_metrics::set_persistence_unanswered() {
  impl_->degraded.Set(1);
}

std::string api_metrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

} // namespace mc::http
