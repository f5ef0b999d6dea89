#include "http/routes/metrics_routes.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>

namespace mc::http {
namespace {

// Under Prometheus' default 10 s scrape timeout: a persistence actor stuck in a long commit
// shows as degraded while the request metrics stay scrapeable.
constexpr std::chrono::seconds status_timeout{5};

response text_of(const api_metrics& m) {
  response out;
  out.body = m.render();
  out.content_type = std::string(metrics_content_type);
  return out;
}

} // namespace

void add_metrics_routes(router& r, context_ptr ctx, std::shared_ptr<api_metrics> m) {
  add_guarded(r, ctx, method::get, "/metrics",
              [ctx, m](const request&, const path_params&, const caller&, responder res) {
                auto shared = std::make_shared<responder>(std::move(res));
                ctx->sys->spawn([ctx, m, shared](caf::event_based_actor* self) {
                  self->request(ctx->db, status_timeout, persistence::status_atom::value)
                      .then(
                          [m, shared](persistence::persistence_status& st) {
                            m->set_persistence({st.degraded, st.pending_writes, st.soft_rows,
                                                st.commits, st.writes});
                            (*shared)(text_of(*m));
                          },
                          [m, shared](caf::error&) {
                            m->set_persistence_unanswered();
                            (*shared)(text_of(*m));
                          });
                });
              });
}

} // namespace mc::http
