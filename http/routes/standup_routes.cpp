// `GET /api/standup` (SPEC §6: the latest standup, `?date=` for another day's) and
// `POST /api/standup` (one made now, on demand), answered by the StandupGenerator through the
// root supervisor.
#include "http/routes/api_routes.hpp"

#include "actors/supervisor_messages.hpp"

namespace mc::http {

void add_standup_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::get, "/api/standup",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                actors::standup_query q;
                if (auto d = req.query.get("date"))
                  q.date = std::string(*d);
                ask_for_reply(ctx, ctx->supervisors, std::move(res), actors::standup_atom::value,
                              std::move(q));
              });
  add_guarded(r, ctx, method::post, "/api/standup",
              [ctx](const request&, const path_params&, const caller& who, responder res) {
                actors::standup_query q;
                q.generate = true;
                q.actor = who.id.empty() ? "operator" : who.id;
                ask_for_reply(ctx, ctx->supervisors, std::move(res), actors::standup_atom::value,
                              std::move(q));
              });
}

} // namespace mc::http
