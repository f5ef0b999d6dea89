#include "http/routes/api_routes.hpp"

#include "domain/entity_json.hpp"
#include "http/json_body.hpp"
#include "http/routes/actor_bridge.hpp"

#include <boost/json/serialize.hpp>

namespace mc::http {
namespace {

namespace json = boost::json;
using actors::api_reply;

response from_reply(const api_reply& r) {
  response out;
  out.status = static_cast<unsigned>(r.status);
  out.body = r.body;
  return out;
}

/// Who calls, or the 401 envelope.
std::optional<caller> identify(const api_context& ctx, const request& req, responder& res) {
  auto who = authenticate(req.headers.get("Authorization"), req.is_loopback(), ctx.auth,
                          ctx.operators, [](std::string_view) { return std::nullopt; });
  if (!who) {
    res(error_response(who.error().code, who.error().message, req.id));
    return std::nullopt;
  }
  return who.value();
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    if (!part.empty())
      out.emplace_back(part);
    if (comma == std::string_view::npos)
      break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

template <class E>
E parse_or_throw(std::string_view field, std::string_view text) {
  if (auto v = parse_enum<E>(text))
    return *v;
  throw http_error(errc::invalid_input,
                   "unknown " + std::string(field) + " '" + std::string(text) + "'");
}

std::int32_t int_or_throw(std::string_view field, std::string_view text) {
  try {
    std::size_t used = 0;
    auto v = std::stoi(std::string(text), &used);
    if (used == text.size())
      return v;
  } catch (const std::exception&) {
  }
  throw http_error(errc::invalid_input, std::string(field) + " must be a whole number");
}

actors::task_query task_query_of(const request& req) {
  actors::task_query q;
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      q.statuses.push_back(parse_or_throw<task_status>("status", part));
  if (auto t = req.query.get("type"))
    q.type = parse_or_throw<task_type>("type", *t);
  if (auto a = req.query.get("assigneeId"))
    q.assignee_id = std::string(*a);
  if (auto p = req.query.get("priority"))
    q.priority = int_or_throw("priority", *p);
  if (auto s = req.query.get("search"))
    q.search = std::string(*s);
  if (auto l = req.query.get("limit"))
    q.limit = int_or_throw("limit", *l);
  if (auto o = req.query.get("offset"))
    q.offset = int_or_throw("offset", *o);
  if (auto s = req.query.get("sortBy")) {
    if (*s != "createdAt" && *s != "updatedAt" && *s != "priority" && *s != "dueAt")
      throw http_error(errc::invalid_input,
                       "sortBy is one of createdAt, updatedAt, priority, dueAt");
    q.sort_by = std::string(*s);
  }
  if (auto o = req.query.get("order")) {
    if (*o != "asc" && *o != "desc")
      throw http_error(errc::invalid_input, "order is asc or desc");
    q.descending = *o == "desc";
  }
  return q;
}

/// Idempotent replay (SPEC §1): answers a replay or a conflict itself and returns nothing;
/// otherwise the key (possibly empty) the actor should record with its change.
std::optional<std::string> reserve_key(api_context& ctx, const request& req, const caller& who,
                                       const json::value& body, std::string& fingerprint,
                                       responder& res) {
  auto key = idempotency_key_of(req.headers.get("X-Idempotency-Key"), &body);
  if (!key) {
    res(error_response(key.error().code, key.error().message, req.id));
    return std::nullopt;
  }
  if (!key.value())
    return std::string{};
  fingerprint = request_fingerprint(req.method_text, req.target, &body, rate_key(who));
  auto r = ctx.idempotency.reserve(*key.value(), fingerprint, ctx.clk->now_ms());
  switch (r.kind) {
  case reservation_kind::fresh:
    return *key.value();
  case reservation_kind::replay: {
    response out;
    out.status = static_cast<unsigned>(r.status);
    out.body = r.body;
    out.headers.emplace_back("Idempotent-Replayed", "true");
    res(std::move(out));
    return std::nullopt;
  }
  case reservation_kind::full:
    res(error_response(errc::unavailable, r.message, req.id));
    return std::nullopt;
  default:
    res(error_response(errc::conflict, r.message, req.id));
    return std::nullopt;
  }
}

/// Settles the reservation with the actor's answer, then answers the client.
std::function<void(response)> settle(std::shared_ptr<api_context> ctx, std::string key,
                                     responder res) {
  auto shared = std::make_shared<responder>(std::move(res));
  return [ctx, key, shared](response out) {
    if (!key.empty()) {
      if (out.status < 300)
        ctx->idempotency.complete(key, static_cast<int>(out.status), out.body,
                                  ctx->idempotency.expiry_for(ctx->clk->now_ms()));
      else
        ctx->idempotency.release(key);
    }
    (*shared)(std::move(out));
  };
}

void health(std::shared_ptr<api_context> ctx, const request& req, responder res) {
  ask_actor<persistence::persistence_status>(
      *ctx->sys, ctx->db, std::move(res),
      [ctx](persistence::persistence_status& st) {
        const bool ok = !st.degraded;
        json::object services{
            {"api", "ok"}, {"database", ok ? "ok" : "degraded"}, {"workers", "ok"}};
        return json_response(json::object{{"status", ok ? "ok" : "degraded"},
                                          {"timestamp", ctx->clk->now_ms()},
                                          {"services", std::move(services)}},
                             ok ? 200 : 503);
      },
      persistence::status_atom::value);
  (void)req;
}

void create_task(std::shared_ptr<api_context> ctx, const request& req, responder res) {
  auto who = identify(*ctx, req, res);
  if (!who)
    return;
  auto body = parse_json_body(req.body);
  actors::create_task_command cmd;
  cmd.draft = from_json<task>(body);
  cmd.creator = who->id;
  std::string fingerprint;
  auto key = reserve_key(*ctx, req, *who, body, fingerprint, res);
  if (!key)
    return;
  cmd.idempotency_key = *key;
  cmd.idempotency_fingerprint = fingerprint;
  cmd.idempotency_expires_at = ctx->idempotency.expiry_for(ctx->clk->now_ms());
  auto done = settle(ctx, *key, std::move(res));
  ask_actor<api_reply>(
      *ctx->sys, ctx->tasks, responder(req.id, done), [](api_reply& r) { return from_reply(r); },
      actors::create_atom::value, cmd);
}

void list_tasks(std::shared_ptr<api_context> ctx, const request& req, responder res) {
  if (!identify(*ctx, req, res))
    return;
  ask_actor<api_reply>(
      *ctx->sys, ctx->tasks, std::move(res), [](api_reply& r) { return from_reply(r); },
      actors::list_atom::value, task_query_of(req));
}

/// Finds the task's actor, then hands it to `next` (which answers through `res`).
void with_task(std::shared_ptr<api_context> ctx, const std::string& id, responder res,
               std::function<void(actors::task_actor, responder)> next) {
  auto shared = std::make_shared<responder>(std::move(res));
  ctx->sys->spawn([=](caf::event_based_actor* self) {
    self->request(ctx->tasks, actor_timeout, actors::get_atom::value, id)
        .then([=](actors::task_actor& t) { next(t, std::move(*shared)); },
              [=](caf::error& e) { (*shared)(error_from_actor(e, shared->request_id())); });
  });
}

void get_task(std::shared_ptr<api_context> ctx, const request& req, const path_params& p,
              responder res) {
  if (!identify(*ctx, req, res))
    return;
  with_task(ctx, std::string(p.get("id")), std::move(res),
            [ctx](actors::task_actor t, responder r) {
              ask_actor<actors::task_view>(
                  *ctx->sys, t, std::move(r),
                  [](actors::task_view& v) {
                    json::array transitions, messages;
                    for (const auto& x : v.transitions)
                      transitions.push_back(to_json(x));
                    for (const auto& m : v.messages)
                      messages.push_back(to_json(m));
                    return json_response(json::object{{"task", to_json(v.task)},
                                                      {"transitions", std::move(transitions)},
                                                      {"messages", std::move(messages)},
                                                      {"runs", json::array{}},
                                                      {"approvals", json::array{}}});
                  },
                  actors::get_atom::value);
            });
}

void transition_task(std::shared_ptr<api_context> ctx, const request& req, const path_params& p,
                     responder res) {
  auto who = identify(*ctx, req, res);
  if (!who)
    return;
  auto body = parse_json_body(req.body);
  if (!body.is_object() || !body.as_object().contains("toStatus"))
    throw http_error(errc::invalid_input, "toStatus is required");
  actors::transition_command cmd;
  auto& r = cmd.request;
  const auto& o = body.as_object();
  r.to = from_json<task_status>(o.at("toStatus"));
  r.reason = o.contains("reason") ? std::string(o.at("reason").as_string()) : std::string{};
  // The operator may act as a named human or as the system; agents come with agent tokens.
  std::string named = o.contains("actor") && o.at("actor").is_string()
                          ? std::string(o.at("actor").as_string())
                          : who->id;
  r.actor = {named == "system" ? actor_kind::system : actor_kind::operator_, named};
  if (o.contains("assigneeIds"))
    r.assignee_ids = from_json<std::vector<std::string>>(o.at("assigneeIds"));
  if (o.contains("workPlan"))
    r.work_plan = from_json<work_plan>(o.at("workPlan"));
  if (o.contains("deliverable"))
    r.deliverable = from_json<deliverable>(o.at("deliverable"));
  if (o.contains("reviewChecklist"))
    r.review_checklist = from_json<review_checklist>(o.at("reviewChecklist"));
  std::string fingerprint;
  auto key = reserve_key(*ctx, req, *who, body, fingerprint, res);
  if (!key)
    return;
  r.idempotency_key = key->empty() ? std::nullopt : std::optional<std::string>(*key);
  cmd.idempotency_key = *key;
  cmd.idempotency_fingerprint = fingerprint;
  cmd.idempotency_expires_at = ctx->idempotency.expiry_for(ctx->clk->now_ms());
  auto done = settle(ctx, *key, std::move(res));
  with_task(ctx, std::string(p.get("id")), responder(req.id, done),
            [ctx, cmd](actors::task_actor t, responder out) {
              ask_actor<api_reply>(
                  *ctx->sys, t, std::move(out), [](api_reply& x) { return from_reply(x); },
                  actors::transition_atom::value, cmd);
            });
}

} // namespace

response error_from_actor(const caf::error& e, const std::string& request_id) {
  if (e.category() == errc_category) {
    const auto code = static_cast<errc>(e.code());
    const auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string>()) {
      auto details = json::parse(ctx.get_as<std::string>(1));
      if (details.is_object())
        return error_response(code, ctx.get_as<std::string>(0), request_id, details.as_object());
    }
    if (ctx.match_elements<std::string>())
      return error_response(code, ctx.get_as<std::string>(0), request_id);
    return error_response(code, std::string(to_string(code)), request_id);
  }
  if (e == caf::sec::request_timeout)
    return error_response(errc::timeout, "the actor did not answer in time", request_id);
  return error_response(errc::internal, "internal error", request_id);
}

void add_api_routes(router& r, std::shared_ptr<api_context> ctx) {
  r.add(method::get, "/health", [ctx](const request& req, const path_params&, responder res) {
    health(ctx, req, std::move(res));
  });
  r.add(method::post, "/api/tasks", [ctx](const request& req, const path_params&, responder res) {
    create_task(ctx, req, std::move(res));
  });
  r.add(method::get, "/api/tasks", [ctx](const request& req, const path_params&, responder res) {
    list_tasks(ctx, req, std::move(res));
  });
  r.add(method::get, "/api/tasks/{id}",
        [ctx](const request& req, const path_params& p, responder res) {
          get_task(ctx, req, p, std::move(res));
        });
  r.add(method::post, "/api/tasks/{id}/transition",
        [ctx](const request& req, const path_params& p, responder res) {
          transition_task(ctx, req, p, std::move(res));
        });
}

} // namespace mc::http
