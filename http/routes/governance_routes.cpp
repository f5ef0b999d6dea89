// The governance routes of SPEC §4 and §6: the policy (read, replace, evaluate an action), alerts
// (list with counts, acknowledge, resolve), notifications (list, ack) and webhooks (register,
// list, delete). Handlers parse and check who may see what; the actors own the rules.
#include "http/routes/api_routes.hpp"

#include "actors/governance.hpp"
#include "domain/budget.hpp"
#include "domain/entity_json.hpp"
#include "domain/governance.hpp"
#include "http/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace mc::http {
namespace {

namespace json = boost::json;
using actors::api_reply;

const json::object& object_of(const json::value& body) {
  if (!body.is_object())
    throw http_error(errc::invalid_input, "the body must be a JSON object");
  return body.as_object();
}

/// An empty body is `{}` (acknowledge, ack and delete usually send none).
json::value body_or_empty(const request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return json::object{};
  return parse_json_body(req.body);
}

template <class Cmd>
void stamp(Cmd& cmd, const idempotency_claim& claim) {
  cmd.idempotency_key = claim.key;
  cmd.idempotency_fingerprint = claim.fingerprint;
  cmd.idempotency_expires_at = claim.expires_at;
}

std::string actor_type_of(const caller& who) {
  return who.kind == caller_kind::agent ? "agent" : "operator";
}

std::optional<std::string> agent_of(const caller& who) {
  if (who.kind == caller_kind::agent)
    return who.id;
  return std::nullopt;
}

void page_params(const request& req, std::int32_t& limit, std::int32_t& offset) {
  if (auto l = req.query.get("limit")) {
    limit = int_param("limit", *l);
    if (limit < 1 || limit > 200)
      throw http_error(errc::invalid_input, "limit is between 1 and 200");
  }
  if (auto o = req.query.get("offset")) {
    offset = int_param("offset", *o);
    if (offset < 0)
      throw http_error(errc::invalid_input, "offset cannot be negative");
  }
}

// ---- policy -------------------------------------------------------------------------------------

/// Copies `patch` into `base`, object members recursively; anything else is replaced.
void deep_merge(json::object& base, const json::object& patch) {
  for (const auto& kv : patch) {
    auto* mine = base.if_contains(kv.key());
    if (mine && mine->is_object() && kv.value().is_object())
      deep_merge(mine->as_object(), kv.value().as_object());
    else
      base[kv.key()] = kv.value();
  }
}

/// `PUT /api/policy`: the body is the policy document (or `{"policy":{…}}`). Members it leaves
/// out keep their current values, so `{"roles":{"intern":{"dailyCap":3}}}` changes one cap.
void put_policy(context_ptr ctx, const request& req, const caller& who, responder res) {
  auto body = parse_json_body(req.body);
  const auto& o = object_of(body);
  const json::object* doc = &o;
  if (auto* wrapped = o.if_contains("policy")) {
    if (!wrapped->is_object())
      throw http_error(errc::invalid_input, "policy must be an object");
    doc = &wrapped->as_object();
  }
  auto current = to_json(ctx->policy->get()->policy).as_object();
  json::object patch;
  for (const auto& kv : *doc) {
    if (kv.key() == "idempotencyKey" || (doc == &o && kv.key() == "policy"))
      continue;
    if (!current.contains(kv.key()))
      throw http_error(errc::invalid_input, "unknown policy field '" + std::string(kv.key()) + "'");
    patch[kv.key()] = kv.value();
  }
  deep_merge(current, patch);
  actors::policy_put_command cmd;
  cmd.policy = from_json<policy>(current);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  stamp(cmd, *claim);
  ask_for_reply(ctx, ctx->policies, settle(ctx, *claim, std::move(res)), actors::put_atom::value,
                cmd);
}

/// The host of an http(s) URL, for network tools described by `url`.
std::string host_of(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->encoded_host().empty())
    throw http_error(errc::invalid_input, "url must be an absolute URL with a host");
  return std::string(u->encoded_host());
}

struct evaluation_input {
  std::string agent_id;
  policy_request request;
};

/// `POST /api/policy/evaluate` body: `agentId` (an agent evaluates for itself; the operator
/// names the agent), `toolName` (or `tool`, or an `action` object), `command`, `path`, `domain`
/// or `url`, `estimatedCost`, `taskType`, `taskSpend`.
evaluation_input evaluation_of(const json::object& o, const caller& who) {
  evaluation_input in;
  if (auto* a = o.if_contains("agentId"))
    in.agent_id = from_json<std::string>(*a);
  if (who.kind == caller_kind::agent) {
    if (in.agent_id.empty())
      in.agent_id = who.id;
    require_acting_as(who, in.agent_id);
  } else if (in.agent_id.empty()) {
    throw http_error(errc::invalid_input, "agentId is required: whose action is evaluated?");
  }
  auto& action = in.request.action;
  if (auto* a = o.if_contains("action"))
    action = from_json<agent_action>(*a);
  for (const char* name : {"toolName", "tool"})
    if (auto* t = o.if_contains(name))
      action.tool_name = from_json<std::string>(*t);
  if (auto* c = o.if_contains("command"))
    action.command = from_json<std::string>(*c);
  if (auto* p = o.if_contains("path"))
    action.path = from_json<std::string>(*p);
  if (auto* d = o.if_contains("domain"))
    action.domain = from_json<std::string>(*d);
  if (auto* u = o.if_contains("url"))
    action.domain = host_of(from_json<std::string>(*u));
  if (action.tool_name.empty())
    throw http_error(errc::invalid_input, "toolName is required");
  if (auto* c = o.if_contains("estimatedCost"))
    in.request.estimated_cost = from_json<usd>(*c);
  if (in.request.estimated_cost.micros < 0)
    throw http_error(errc::invalid_input, "estimatedCost cannot be negative");
  if (auto* t = o.if_contains("taskType"))
    in.request.task_type = from_json<task_type>(*t);
  if (auto* s = o.if_contains("taskSpend"))
    in.request.task_spend = from_json<usd>(*s);
  return in;
}

std::string_view level_name(spend_level l) {
  switch (l) {
  case spend_level::ok:
    return "ok";
  case spend_level::approaching_limit:
    return "approaching_limit";
  case spend_level::exceeded:
    return "exceeded";
  }
  return "ok";
}

json::value money_or_null(const std::optional<usd>& v) {
  return v ? json::value_from(*v) : json::value(nullptr);
}

/// SPEC §4's answer: `{decision, risk, rule, reason, violations, budget}`.
json::object evaluation_json(const policy_evaluation& e) {
  json::array violations;
  for (const auto& v : e.violations)
    violations.push_back(to_json(v));
  const auto& b = e.budget;
  json::object budget{{"dailyCap", json::value_from(b.daily_cap)},
                      {"dailyCapFrom", to_string(b.daily_cap_from)},
                      {"todaySpend", json::value_from(b.today_spend)},
                      {"remaining", json::value_from(b.remaining)},
                      {"perRunCap", json::value_from(b.per_run_cap)},
                      {"perRunCapFrom", to_string(b.per_run_cap_from)},
                      {"level", level_name(b.level)},
                      {"taskBudget", money_or_null(b.task_budget)},
                      {"taskRemaining", money_or_null(b.task_remaining)}};
  return json::object{{"decision", to_string(e.decision)},
                      {"risk", to_string(e.risk)},
                      {"rule", e.rule},
                      {"reason", e.reason},
                      {"violations", std::move(violations)},
                      {"budget", std::move(budget)}};
}

void evaluate_policy(context_ptr ctx, const request& req, const caller& who, responder res) {
  auto body = parse_json_body(req.body);
  auto in = evaluation_of(object_of(body), who);
  ask_agent_snapshot(
      ctx, in.agent_id, std::move(res), [ctx, in](const agent& a, responder r) mutable {
        const auto active = ctx->policy->get();
        const auto& p = active->policy;
        const auto now = ctx->clk->now_ms();
        auto& request = in.request;
        request.role = a.role;
        auto zone = local_zone::find(p.timezone);
        request.today_spend = zone ? today_spend_at(a, *zone.zone, now) : a.today_spend;
        request.agent_overrides = {a.budgets.daily_cap, a.budgets.per_run_cap};
        auto out = evaluation_json(evaluate(request, p));
        out["agentId"] = a.id;
        out["policyVersion"] = active->number;
        r(from_reply(api_reply{200, json::serialize(out)}));
      });
}

// ---- alerts -------------------------------------------------------------------------------------

actors::alert_query alert_query_of(const request& req) {
  actors::alert_query q;
  auto& f = q.filter;
  if (auto r = req.query.get("resolved")) {
    if (*r != "true" && *r != "false")
      throw http_error(errc::invalid_input, "resolved is true or false");
    f.resolved = *r == "true";
  }
  if (auto s = req.query.get("severity"))
    for (const auto& part : split_commas(*s))
      f.severities.push_back(enum_param<alert_severity>("severity", part));
  if (auto t = req.query.get("type"))
    f.types = split_commas(*t);
  if (auto a = req.query.get("agentId"))
    f.agent_id = std::string(*a);
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      f.statuses.push_back(enum_param<alert_status>("status", part));
  q.descending = descending_param(req);
  page_params(req, q.limit, q.offset);
  return q;
}

/// `{"note":…}` or `{"resolutionNote":…}`: required to resolve, optional to acknowledge.
void alert_action(context_ptr ctx, bool resolve, const request& req, const path_params& p,
                  const caller& who, responder res) {
  auto body = body_or_empty(req);
  const auto& o = object_of(body);
  actors::alert_action_command cmd;
  cmd.id = std::string(p.get("id"));
  cmd.resolve = resolve;
  cmd.actor = who.id;
  for (const char* name : {"note", "resolutionNote"})
    if (auto* n = o.if_contains(name); n && !n->is_null())
      cmd.note = from_json<std::string>(*n);
  if (resolve && cmd.note.find_first_not_of(" \t\r\n") == std::string::npos)
    throw http_error(errc::invalid_input,
                     "resolving an alert needs a note (note or resolutionNote)");
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  stamp(cmd, *claim);
  ask_for_reply(ctx, ctx->alerts, settle(ctx, *claim, std::move(res)), cmd);
}

// ---- notifications ------------------------------------------------------------------------------

actors::notification_query notification_query_of(const request& req, const caller& who) {
  actors::notification_query q;
  if (auto t = req.query.get("target"))
    q.filter.target = std::string(*t);
  if (who.kind == caller_kind::agent) {
    // An agent sees its own notifications only.
    if (q.filter.target && *q.filter.target != who.id)
      throw http_error(errc::forbidden,
                       "agent '" + who.id + "' may only list its own notifications");
    q.filter.target = who.id;
  }
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      q.filter.statuses.push_back(enum_param<notification_status>("status", part));
  q.descending = descending_param(req);
  page_params(req, q.limit, q.offset);
  return q;
}

void ack_notification(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                      responder res) {
  auto body = body_or_empty(req);
  object_of(body);
  actors::notification_ack_command cmd;
  cmd.id = std::string(p.get("id"));
  cmd.agent = agent_of(who);
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  stamp(cmd, *claim);
  ask_for_reply(ctx, ctx->notifications, settle(ctx, *claim, std::move(res)), cmd);
}

// ---- webhooks -----------------------------------------------------------------------------------

/// `whsec_` + 43 random base64url characters (OpenSSL's CSPRNG, through the token generator).
std::string generate_webhook_secret() {
  auto token = generate_agent_token();
  if (!token)
    throw http_error(token.error().code, token.error().message);
  return "whsec_" + token->token.substr(4);
}

void create_webhook(context_ptr ctx, const request& req, const caller& who, responder res) {
  auto body = parse_json_body(req.body);
  const auto& o = object_of(body);
  static constexpr std::string_view known[] = {"url", "events", "secret", "idempotencyKey"};
  for (const auto& kv : o)
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      throw http_error(errc::invalid_input, "unknown field '" + std::string(kv.key()) + "'");
  actors::webhook_create_command cmd;
  if (auto* u = o.if_contains("url")) {
    cmd.draft.url = from_json<std::string>(*u);
    auto parsed = boost::urls::parse_absolute_uri(cmd.draft.url);
    if (!parsed || !parsed->has_authority())
      throw http_error(errc::invalid_input, "url must be an absolute http or https URL");
  }
  if (auto* e = o.if_contains("events"))
    cmd.draft.events = e->is_string() ? split_commas(from_json<std::string>(*e))
                                      : from_json<std::vector<std::string>>(*e);
  if (auto* s = o.if_contains("secret"); s && !s->is_null())
    cmd.draft.secret = from_json<std::string>(*s);
  const bool generated = cmd.draft.secret.empty();
  if (generated)
    cmd.draft.secret = generate_webhook_secret();
  cmd.draft.owner = who.kind == caller_kind::agent ? who.id : "operator";
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  stamp(cmd, *claim);
  // The secret joins the reply after the reservation is settled, so neither the replay index nor
  // the stored reply holds it: it is shown once, in this reply.
  const auto id = res.request_id();
  auto client = std::make_shared<responder>(std::move(res));
  responder show_secret(id, [client, secret = cmd.draft.secret, generated](response out) {
    if (out.status == 201) {
      auto shown = json::parse(out.body).as_object();
      shown["secret"] = secret;
      shown["secretGenerated"] = generated;
      shown["secretNotice"] = "store this secret now: it signs deliveries and is never shown again";
      out.body = json::serialize(shown);
    }
    (*client)(std::move(out));
  });
  ask_for_reply(ctx, ctx->webhooks, settle(ctx, *claim, std::move(show_secret)),
                actors::create_atom::value, cmd);
}

void delete_webhooks(context_ptr ctx, const request& req, std::optional<std::string> id,
                     const caller& who, responder res) {
  auto body = body_or_empty(req);
  object_of(body);
  actors::webhook_delete_command cmd;
  cmd.id = std::move(id);
  if (!cmd.id) {
    auto url = req.query.get("url");
    if (!url || url->empty())
      throw http_error(errc::invalid_input,
                       "DELETE /api/webhooks needs ?url=: every webhook of yours for that URL "
                       "is deleted");
    cmd.url = std::string(*url);
  }
  cmd.agent = agent_of(who);
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  stamp(cmd, *claim);
  ask_for_reply(ctx, ctx->webhooks, settle(ctx, *claim, std::move(res)), cmd);
}

} // namespace

void add_governance_routes(router& r, context_ptr ctx) {
  for (auto pattern : {"/api/policy", "/api/policy/active"})
    add_guarded(r, ctx, method::get, pattern,
                [ctx](const request&, const path_params&, const caller&, responder res) {
                  res(from_reply(api_reply{200, actors::policy_body(*ctx->policy->get())}));
                });
  add_guarded(r, ctx, method::put, "/api/policy",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                put_policy(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/policy/evaluate",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                evaluate_policy(ctx, req, who, std::move(res));
              });

  add_guarded(r, ctx, method::get, "/api/alerts",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                ask_for_reply(ctx, ctx->alerts, std::move(res), actors::list_atom::value,
                              alert_query_of(req));
              });
  add_guarded(r, ctx, method::post, "/api/alerts/{id}/acknowledge",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                alert_action(ctx, false, req, p, who, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/alerts/{id}/resolve",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                alert_action(ctx, true, req, p, who, std::move(res));
              });

  add_guarded(r, ctx, method::get, "/api/notifications",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                ask_for_reply(ctx, ctx->notifications, std::move(res), actors::list_atom::value,
                              notification_query_of(req, who));
              });
  add_guarded(r, ctx, method::post, "/api/notifications/{id}/ack",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                ack_notification(ctx, req, p, who, std::move(res));
              });

  add_guarded(r, ctx, method::post, "/api/webhooks",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                create_webhook(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/webhooks",
              [ctx](const request&, const path_params&, const caller& who, responder res) {
                ask_for_reply(ctx, ctx->webhooks, std::move(res), actors::list_atom::value,
                              actors::webhook_query{agent_of(who)});
              });
  add_guarded(r, ctx, method::delete_, "/api/webhooks/{id}",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                delete_webhooks(ctx, req, std::string(p.get("id")), who, std::move(res));
              });
  add_guarded(r, ctx, method::delete_, "/api/webhooks",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                delete_webhooks(ctx, req, std::nullopt, who, std::move(res));
              });
}

} // namespace mc::http
