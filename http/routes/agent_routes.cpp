// The agent routes of SPEC §6: register (the token is shown once), list, get with stats, edit
// (including the runbook's "Reset Agent State" body), the operator's controls, heartbeats, and
// the emergency squad controls.
#include "http/routes/api_routes.hpp"

#include "actors/agent_registry.hpp"
#include "domain/entity_json.hpp"
#include "domain/policy.hpp"
#include "http/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mc::http {
namespace {

namespace json = boost::json;
using actors::api_reply;

const json::object& object_body(const json::value& body) {
  if (!body.is_object())
    throw http_error(errc::invalid_input, "the body must be a JSON object");
  return body.as_object();
}

/// An empty body is `{}`: the runbook's control lines send none.
json::value body_or_empty(const request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return json::object{};
  return parse_json_body(req.body);
}

void register_agent(context_ptr ctx, const request& req, const caller& who, responder res) {
  auto body = parse_json_body(req.body);
  const auto& o = object_body(body);
  actors::register_agent_command cmd;
  cmd.draft = from_json<agent>(body);
  // Unless the body says otherwise, an agent may spawn as its role's policy allows.
  if (!o.contains("canSpawn"))
    cmd.draft.can_spawn = ctx->policy->get()->policy.roles.of(cmd.draft.role).can_spawn;
  if (who.kind == caller_kind::agent) {
    // A spawner registers its own sub-agents only.
    if (!cmd.draft.parent_agent_id)
      cmd.draft.parent_agent_id = who.id;
    require_acting_as(who, *cmd.draft.parent_agent_id);
  }
  cmd.registered_by_type = who.kind == caller_kind::agent ? "agent" : "operator";
  cmd.registered_by = who.id;
  auto token = generate_agent_token();
  if (!token)
    throw http_error(token.error().code, token.error().message);
  cmd.token_hash = token->hash;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  // The token joins the answer after the reservation is settled, so neither the replay index
  // nor the stored reply ever holds it: a replay answers without it.
  const auto id = res.request_id();
  auto client = std::make_shared<responder>(std::move(res));
  responder show_token(id, [ctx, client, token = token.value(), spawn = cmd.draft.can_spawn,
                            agent_id = cmd.draft.id](response out) {
    if (out.status == 201) {
      ctx->agent_tokens.put({agent_id, token.hash, spawn});
      auto shown = json::parse(out.body).as_object();
      shown["token"] = token.token;
      shown["tokenNotice"] = "store this token now: it is shown once and kept only as a hash";
      out.body = json::serialize(shown);
    }
    (*client)(std::move(out));
  });
  ask_for_reply(ctx, ctx->agents, settle(ctx, *claim, std::move(show_token)),
                actors::create_atom::value, cmd);
}

actors::agent_query agent_query_of(const request& req) {
  actors::agent_query q;
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      q.statuses.push_back(enum_param<agent_status>("status", part));
  if (auto r = req.query.get("role"))
    q.role = enum_param<agent_role>("role", *r);
  if (auto s = req.query.get("sortBy")) {
    static constexpr std::string_view keys[] = {"createdAt", "todaySpend", "totalSpend",
                                                "lastHeartbeat", "errorStreak"};
    if (std::find(std::begin(keys), std::end(keys), *s) == std::end(keys))
      throw http_error(errc::invalid_input, "sortBy is one of createdAt, todaySpend, "
                                            "totalSpend, lastHeartbeat, errorStreak");
    q.sort_by = std::string(*s);
  }
  q.descending = descending_param(req);
  if (auto l = req.query.get("limit"))
    q.limit = int_param("limit", *l);
  if (auto o = req.query.get("offset"))
    q.offset = int_param("offset", *o);
  return q;
}

/// `PATCH /api/agents/{id}`: the fields an operator may set, with `null` meaning "clear" where
/// that makes sense (`currentTaskId`, `lastError`).
actors::agent_patch patch_of(const json::object& o) {
  static constexpr std::string_view known[] = {
      "name",     "emoji",      "role",          "status",    "allowedTaskTypes",
      "budgets",  "todaySpend", "errorStreak",   "lastError", "currentTaskId",
      "canSpawn", "metadata",   "idempotencyKey"};
  for (const auto& kv : o)
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      throw http_error(errc::invalid_input,
                       "unknown or read-only field '" + std::string(kv.key()) + "'");
  actors::agent_patch p;
  auto field = [&](std::string_view name) { return o.if_contains(name); };
  if (auto* v = field("name"))
    p.name = from_json<std::string>(*v);
  if (auto* v = field("emoji"))
    p.emoji = from_json<std::string>(*v);
  if (auto* v = field("role"))
    p.role = from_json<agent_role>(*v);
  if (auto* v = field("status"))
    p.status = from_json<agent_status>(*v);
  if (auto* v = field("allowedTaskTypes"))
    p.allowed_task_types = from_json<std::vector<task_type>>(*v);
  if (auto* v = field("budgets"))
    p.budgets = from_json<agent_budgets>(*v);
  if (auto* v = field("todaySpend"))
    p.today_spend = from_json<usd>(*v);
  if (auto* v = field("errorStreak"))
    p.error_streak = from_json<std::int32_t>(*v);
  if (auto* v = field("lastError")) {
    if (!v->is_null())
      throw http_error(errc::invalid_input, "lastError can only be cleared (null)");
    p.clear_last_error = true;
  }
  if (auto* v = field("currentTaskId")) {
    p.set_current_task = true;
    if (!v->is_null())
      p.current_task_id = from_json<std::string>(*v);
  }
  if (auto* v = field("canSpawn"))
    p.can_spawn = from_json<bool>(*v);
  if (auto* v = field("metadata")) {
    if (!v->is_object())
      throw http_error(errc::invalid_input, "metadata must be an object");
    p.metadata = json_text{json::serialize(*v)};
  }
  return p;
}

void patch_agent(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                 responder res) {
  auto body = parse_json_body(req.body);
  actors::agent_patch_command cmd;
  cmd.patch = patch_of(object_body(body));
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  const auto can_spawn = cmd.patch.can_spawn;
  std::string id(p.get("id"));
  auto out = settle(ctx, *claim, std::move(res));
  if (can_spawn) {
    // The token index answers canSpawn for the spawner route; keep it in step with the edit.
    auto inner = std::make_shared<responder>(std::move(out));
    out = responder(inner->request_id(), [ctx, id, spawn = *can_spawn, inner](response r) {
      if (r.status == 200)
        ctx->agent_tokens.set_can_spawn(id, spawn);
      (*inner)(std::move(r));
    });
  }
  with_actor<actors::agent_actor>(
      ctx, ctx->agents, id, std::move(out), [ctx, cmd](actors::agent_actor a, responder r) {
        ask_for_reply(ctx, a, std::move(r), actors::patch_atom::value, cmd);
      });
}

void control_agent(context_ptr ctx, agent_control control, const request& req, const path_params& p,
                   const caller& who, responder res) {
  auto body = body_or_empty(req);
  const auto& o = object_body(body);
  actors::agent_control_command cmd;
  cmd.control = control;
  cmd.actor = who.id;
  if (auto* r = o.if_contains("reason"))
    cmd.reason = from_json<std::string>(*r);
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  with_actor<actors::agent_actor>(
      ctx, ctx->agents, std::string(p.get("id")), settle(ctx, *claim, std::move(res)),
      [ctx, cmd](actors::agent_actor a, responder r) {
        ask_for_reply(ctx, a, std::move(r), actors::control_atom::value, cmd);
      });
}

void heartbeat(context_ptr ctx, const request& req, const path_params& p, responder res) {
  auto body = body_or_empty(req);
  const auto& o = object_body(body);
  actors::heartbeat_command cmd;
  if (auto* s = o.if_contains("status"))
    cmd.reported_status = from_json<std::string>(*s);
  if (auto* t = o.if_contains("currentTaskId"))
    cmd.current_task_id = t->is_null() ? std::string{} : from_json<std::string>(*t);
  if (auto* k = o.if_contains("sessionKey"))
    cmd.session_key = from_json<std::string>(*k);
  // Notification ids the agent has seen: acked (durably) before the reply lists what is left.
  for (const char* name : {"acknowledgedNotifications", "ackNotificationIds"})
    if (auto* a = o.if_contains(name))
      for (auto& id : from_json<std::vector<std::string>>(*a))
        cmd.acknowledged.push_back(std::move(id));
  with_actor<actors::agent_actor>(ctx, ctx->agents, std::string(p.get("id")), std::move(res),
                                  [ctx, cmd](actors::agent_actor a, responder r) {
                                    ask_for_reply(ctx, a, std::move(r),
                                                  actors::heartbeat_atom::value, cmd);
                                  });
}

void squad(context_ptr ctx, bool pause, const request& req, const caller& who, responder res) {
  auto body = body_or_empty(req);
  const auto& o = object_body(body);
  actors::squad_command cmd;
  cmd.pause = pause;
  cmd.actor = who.id;
  if (auto* r = o.if_contains("reason"))
    cmd.reason = from_json<std::string>(*r);
  ask_for_reply(ctx, ctx->agents, std::move(res), actors::squad_atom::value, cmd);
}

} // namespace

void ask_agent_snapshot(const context_ptr& ctx, const std::string& agent_id, responder res,
                        std::function<void(const agent&, responder)> next) {
  ctx->bridge->ask_then<agent>(ctx->agents, std::move(res),
                               std::function<void(agent&, responder)>(
                                   [next](agent& a, responder out) { next(a, std::move(out)); }),
                               actors::snapshot_atom::value, agent_id);
}

void add_agent_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::post, "/api/agents",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                register_agent(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/agents",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                ask_for_reply(ctx, ctx->agents, std::move(res), actors::list_atom::value,
                              agent_query_of(req));
              });
  add_guarded(r, ctx, method::get, "/api/agents/{id}",
              [ctx](const request&, const path_params& p, const caller&, responder res) {
                ask_for_reply(ctx, ctx->agents, std::move(res), actors::get_atom::value,
                              actors::snapshot_atom::value, std::string(p.get("id")));
              });
  add_guarded(r, ctx, method::patch, "/api/agents/{id}",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                patch_agent(ctx, req, p, who, std::move(res));
              });
  for (auto control : {agent_control::quarantine, agent_control::pause, agent_control::resume,
                       agent_control::drain, agent_control::restart}) {
    add_guarded(
        r, ctx, method::post, "/api/agents/{id}/" + std::string(to_string(control)),
        [ctx, control](const request& req, const path_params& p, const caller& who, responder res) {
          control_agent(ctx, control, req, p, who, std::move(res));
        });
  }
  add_guarded(r, ctx, method::post, "/api/agents/{id}/heartbeat",
              [ctx](const request& req, const path_params& p, const caller&, responder res) {
                heartbeat(ctx, req, p, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/emergency/pause-squad",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                squad(ctx, true, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/emergency/resume-squad",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                squad(ctx, false, req, who, std::move(res));
              });
}

} // namespace mc::http
