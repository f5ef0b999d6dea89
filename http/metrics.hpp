// The API's Prometheus metrics: request counts and latencies fed by the server's access hook,
// and the persistence actor's status sampled at scrape time. prometheus-cpp stays in metrics.cpp.
#pragma once

#include "http/access_log.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mc::http {

/// The persistence actor's status as /metrics exposes it. A plain struct so that mc_http need
/// not know the persistence layer; the route copies persistence_status into it.
struct persistence_gauges {
  bool degraded = false;
  std::int64_t pending_writes = 0;
  std::int64_t soft_rows = 0;
  std::int64_t commits = 0;
  std::int64_t writes = 0;
};

/// Thread-safe: `observe` runs on every I/O thread, `render` on whichever thread answers a
/// scrape.
class api_metrics {
 public:
  api_metrics();
  ~api_metrics();
  api_metrics(const api_metrics&) = delete;
  api_metrics& operator=(const api_metrics&) = delete;

  /// One finished request (server_options::on_access). Labels are the matched route pattern,
  /// never the raw path, and a fixed set of methods, so the number of series stays bounded
  /// however clients spell their requests.
  void observe(const access_record& r);

  /// The latest persistence status; gauges keep the last value until the next call.
  void set_persistence(const persistence_gauges& g);
  /// The persistence actor did not answer a status request: degraded, other gauges unchanged.
  void set_persistence_unanswered();

  /// Every metric in the Prometheus text format (version 0.0.4).
  std::string render() const;

  /// The `route` label of a request: its pattern, or "unmatched".
  static std::string_view route_label(std::string_view route) noexcept;
  /// The `method` label: a standard method's name, or "other".
  static std::string_view method_label(std::string_view method) noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The Content-Type of `render`'s output.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4";

} // namespace mc::http
