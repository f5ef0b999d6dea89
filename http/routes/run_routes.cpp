// The runs, tool calls and costs routes of SPEC §6: record and change runs and tool calls through
// the agent's actor (which commits the spend with them), list runs and report costs from the run
// ledger. Tool-call inputs are hashed and redacted here: the raw input never reaches an actor.
#include "http/routes/api_routes.hpp"

#include "actors/run_accounting.hpp"
#include "actors/run_ledger.hpp"
#include "domain/entity_json.hpp"
#include "domain/redaction.hpp"
#include "domain/run_costs.hpp"
#include "http/json_body.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace mc::http {
namespace {

namespace json = boost::json;

std::string actor_type_of(const caller& who) {
  return who.kind == caller_kind::agent ? "agent" : "operator";
}

/// The agent a POST records for: an agent records only for itself (its own id by default); an
/// operator names the agent.
std::string agent_of(const json::object& o, const caller& who) {
  std::string id;
  if (const auto* v = o.if_contains("agentId"); v && !v->is_null())
    id = from_json<std::string>(*v);
  if (id.empty()) {
    if (who.kind != caller_kind::agent)
      throw http_error(errc::invalid_input, "agentId is required");
    id = who.id;
  }
  require_acting_as(who, id);
  return id;
}

/// Resolves the task's actor when `task_id` is set (404 for an unknown task), then `next`.
void with_task(const context_ptr& ctx, const std::optional<std::string>& task_id, responder res,
               std::function<void(caf::actor, responder)> next) {
  if (!task_id) {
    next(caf::actor{}, std::move(res));
    return;
  }
  with_actor<actors::task_actor>(ctx, ctx->tasks, *task_id, std::move(res),
                                 [next](actors::task_actor t, responder r) {
                                   next(caf::actor_cast<caf::actor>(t), std::move(r));
                                 });
}

/// Asks the agent's actor with `cmd`, whose `task` is set to the actor of the task it names:
/// the agent actor charges a run through it, and checks its lease on the task with it.
template <class Atom, class Command>
void ask_agent_about_task(const context_ptr& ctx, const std::string& agent_id,
                          const std::optional<std::string>& task_id, responder res, Atom atom,
                          Command cmd) {
  with_actor<actors::agent_actor>(
      ctx, ctx->agents, agent_id, std::move(res),
      [ctx, atom, cmd, task_id](actors::agent_actor a, responder r) mutable {
        with_task(ctx, task_id, std::move(r),
                  [ctx, atom, cmd, a](caf::actor t, responder r2) mutable {
                    cmd.task = std::move(t);
                    ask_for_reply(ctx, a, std::move(r2), atom, cmd);
                  });
      });
}

void post_run(context_ptr ctx, const request& req, const caller& who, responder res) {
  json::value body = parse_json_object_body(req.body);
  const auto& o = body.as_object();
  static constexpr std::string_view known[] = {
      "agentId", "taskId",      "sessionKey",   "model",           "startedAt",
      "endedAt", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens",
      "costUsd", "status",      "error",        "idempotencyKey"};
  refuse_unknown_fields(o, known);
  actors::run_command cmd;
  cmd.draft = from_json<run>(body);
  cmd.draft.agent_id = agent_of(o, who);
  const auto* cost = o.if_contains("costUsd");
  cmd.cost_reported = cost != nullptr && !cost->is_null();
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  const auto agent_id = cmd.draft.agent_id;
  const auto task_id = cmd.draft.task_id;
  ask_agent_about_task(ctx, agent_id, task_id, settle(ctx, *claim, std::move(res)),
                       actors::record_run_atom::value, std::move(cmd));
}

actors::run_patch run_patch_of(const json::object& o) {
  static constexpr std::string_view known[] = {
      "model",   "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens",
      "costUsd", "status",      "endedAt",      "error",           "idempotencyKey"};
  refuse_unknown_fields(o, known);
  for (const auto& kv : o)
    if (kv.value().is_null() && kv.key() != "idempotencyKey")
      throw http_error(errc::invalid_input, std::string(kv.key()) + " cannot be null");
  return from_json<actors::run_patch>(json::value(o));
}

void patch_run(context_ptr ctx, const request& req, const path_params& p, const caller& who,
               responder res) {
  json::value body = parse_json_object_body(req.body);
  actors::run_patch_command cmd;
  cmd.run_id = std::string(p.get("id"));
  cmd.patch = run_patch_of(body.as_object());
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  ctx->bridge->ask_then<run>(
      ctx->ledger, settle(ctx, *claim, std::move(res)),
      [ctx, who, cmd](run& r, responder out) mutable {
        // `owned` route: an agent changes only its own runs.
        if (who.kind == caller_kind::agent && r.agent_id != who.id) {
          out(error_response(errc::forbidden,
                             "agent '" + who.id + "' may not change a run of '" + r.agent_id + "'",
                             out.request_id()));
          return;
        }
        ask_agent_about_task(ctx, r.agent_id, r.task_id, std::move(out), actors::patch_atom::value,
                             cmd);
      },
      actors::get_atom::value, actors::run_atom::value, cmd.run_id);
}

/// The host of a URL (`https://api.github.com/x` → `api.github.com`), or the text itself.
std::string host_of(std::string url) {
  if (auto scheme = url.find("://"); scheme != std::string::npos)
    url = url.substr(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string::npos)
    url = url.substr(at + 1);
  return url.substr(0, url.find(':'));
}

std::optional<std::string> string_field(const json::object& o,
                                        std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (const auto* v = o.if_contains(n); v && v->is_string())
      return std::string(v->as_string());
  return std::nullopt;
}

void post_tool_call(context_ptr ctx, const request& req, const caller& who, responder res) {
  json::value body = parse_json_object_body(req.body);
  const auto& o = body.as_object();
  static constexpr std::string_view known[] = {"agentId",  "runId",      "taskId",
                                               "toolName", "input",      "status",
                                               "error",    "retryCount", "idempotencyKey"};
  refuse_unknown_fields(o, known);
  actors::tool_call_command cmd;
  // Everything but the input, which is hashed, redacted and classified here.
  json::object rest = o;
  rest.erase("input");
  cmd.draft = from_json<tool_call>(rest);
  cmd.draft.agent_id = agent_of(o, who);
  std::string full;
  if (const auto* in = o.if_contains("input"); in && !in->is_null()) {
    full = in->is_string() ? std::string(in->as_string()) : json::serialize(*in);
    if (const auto* args = in->if_object()) {
      cmd.action.command = string_field(*args, {"command", "cmd"});
      cmd.action.path = string_field(*args, {"path", "file", "filePath", "file_path"});
      if (auto url = string_field(*args, {"url"}))
        cmd.action.domain = host_of(*url);
      else if (auto domain = string_field(*args, {"domain", "host"}))
        cmd.action.domain = domain;
    } else if (in->is_string() &&
               is_shell_tool(ctx->policy->get()->policy.risk, cmd.draft.tool_name)) {
      cmd.action.command = full; // a bare string is the command a shell tool runs
    }
  }
  cmd.draft.input_hash = hash_token(full);
  cmd.draft.input_preview = preview_of(redact_secrets(full));
  cmd.draft.risk_level = risk_level::green;
  cmd.draft.policy_decision.reset();
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  const auto agent_id = cmd.draft.agent_id;
  const auto task_id = cmd.draft.task_id;
  ask_agent_about_task(ctx, agent_id, task_id, settle(ctx, *claim, std::move(res)),
                       actors::tool_call_atom::value, std::move(cmd));
}

void patch_tool_call(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                     responder res) {
  json::value body = parse_json_object_body(req.body);
  static constexpr std::string_view known[] = {"status", "error", "retryCount", "idempotencyKey"};
  refuse_unknown_fields(body.as_object(), known);
  actors::tool_call_patch_command cmd;
  cmd.tool_call_id = std::string(p.get("id"));
  cmd.patch = from_json<actors::tool_call_patch>(body);
  cmd.actor_type = actor_type_of(who);
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  ctx->bridge->ask_then<tool_call>(
      ctx->ledger, settle(ctx, *claim, std::move(res)),
      [ctx, who, cmd](tool_call& c, responder out) {
        if (who.kind == caller_kind::agent && c.agent_id != who.id) {
          out(error_response(errc::forbidden,
                             "agent '" + who.id + "' may not change a tool call of '" + c.agent_id +
                                 "'",
                             out.request_id()));
          return;
        }
        ask_agent_about_task(ctx, c.agent_id, c.task_id, std::move(out), actors::patch_atom::value,
                             cmd);
      },
      actors::get_atom::value, actors::tool_call_atom::value, cmd.tool_call_id);
}

actors::run_query run_query_of(const request& req) {
  actors::run_query q;
  if (auto a = req.query.get("agentId"))
    q.agent_id = std::string(*a);
  if (auto t = req.query.get("taskId"))
    q.task_id = std::string(*t);
  if (auto l = req.query.get("limit"))
    q.limit = int_param("limit", *l);
  if (auto o = req.query.get("offset"))
    q.offset = int_param("offset", *o);
  if (q.limit < 1 || q.limit > 200)
    throw http_error(errc::invalid_input, "limit is between 1 and 200");
  if (q.offset < 0)
    throw http_error(errc::invalid_input, "offset cannot be negative");
  if (auto s = req.query.get("sortBy")) {
    if (*s != "cost" && *s != "startedAt")
      throw http_error(errc::invalid_input, "sortBy is one of cost, startedAt");
    q.sort_by = std::string(*s);
  }
  q.descending = descending_param(req);
  return q;
}

void daily_costs(context_ptr ctx, const request& req, responder res) {
  const auto zone = actors::spend_zone(ctx->policy->get()->policy);
  civil_date day = zone.date_at(ctx->clk->now_ms());
  if (auto d = req.query.get("date")) {
    auto parsed = parse_date_param(*d, zone);
    if (!parsed)
      throw http_error(errc::invalid_input, "date is YYYY-MM-DD or an ISO-8601 instant");
    day = *parsed;
  }
  ask_for_reply(ctx, ctx->ledger, std::move(res), actors::costs_atom::value,
                actors::daily_atom::value, to_string(day));
}

} // namespace

void add_run_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::post, "/api/runs",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                post_run(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::patch, "/api/runs/{id}",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                patch_run(ctx, req, p, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/runs",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                ask_for_reply(ctx, ctx->ledger, std::move(res), actors::list_atom::value,
                              run_query_of(req));
              });
  add_guarded(r, ctx, method::post, "/api/tool-calls",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                post_tool_call(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::patch, "/api/tool-calls/{id}",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                patch_tool_call(ctx, req, p, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/costs/agent/{id}",
              [ctx](const request&, const path_params& p, const caller&, responder res) {
                ask_for_reply(ctx, ctx->ledger, std::move(res), actors::costs_atom::value,
                              std::string(p.get("id")));
              });
  add_guarded(r, ctx, method::get, "/api/costs/daily",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                daily_costs(ctx, req, std::move(res));
              });
}

} // namespace mc::http
