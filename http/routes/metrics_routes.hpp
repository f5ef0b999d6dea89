// `GET /metrics`: the Prometheus scrape endpoint, operator-only like every other route behind the
// guard. The counters it shows are fed by the server's access hook (api_metrics::observe).
#pragma once

#include "http/metrics.hpp"
#include "http/routes/route_support.hpp"

#include <memory>

namespace mc::http {

/// Registers `GET /metrics`, which samples the persistence actor's status into `m` and answers
/// with every metric in the text format.
void add_metrics_routes(router& r, context_ptr ctx, std::shared_ptr<api_metrics> m);

} // namespace mc::http
