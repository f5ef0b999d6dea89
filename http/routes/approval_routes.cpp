// The approval routes of SPEC §6: an agent's request (its task → needs_approval), the list with
// its filters and `urgentCount`, and the operator's approve / deny, wired to the approvals actor.
#include "http/routes/api_routes.hpp"

#include "actors/approval_actor.hpp"
#include "domain/entity_json.hpp"
#include "http/json_body.hpp"

#include <algorithm>

namespace mc::http {
namespace {

namespace json = boost::json;

template <class T>
std::optional<T> optional_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  try {
    return from_json<T>(*v);
  } catch (const json_mapping_error& e) {
    throw json_mapping_error(std::string(name), e.problem());
  }
}

void request_approval(context_ptr ctx, const request& req, const caller& who, responder res) {
  json::value body = parse_json_object_body(req.body);
  const auto& o = body.as_object();
  static constexpr std::string_view known[] = {"taskId",        "toolCallId",    "requestorId",
                                               "actionType",    "actionSummary", "riskLevel",
                                               "justification", "estimatedCost", "rollbackPlan",
                                               "resumeStatus",  "expiresAt",     "idempotencyKey"};
  refuse_unknown_fields(o, known);
  actors::create_approval_command cmd;
  auto& d = cmd.draft;
  d.task_id = optional_field<std::string>(o, "taskId");
  d.tool_call_id = optional_field<std::string>(o, "toolCallId");
  if (auto v = optional_field<approval_action>(o, "actionType")) {
    d.action_type = *v;
    cmd.action_type_given = true;
  }
  if (auto v = optional_field<risk_level>(o, "riskLevel")) {
    d.risk_level = *v;
    cmd.risk_level_given = true;
  }
  d.action_summary = optional_field<std::string>(o, "actionSummary").value_or("");
  d.justification = optional_field<std::string>(o, "justification").value_or("");
  d.estimated_cost = optional_field<usd>(o, "estimatedCost");
  d.rollback_plan = optional_field<std::string>(o, "rollbackPlan");
  d.resume_status = optional_field<task_status>(o, "resumeStatus");
  d.expires_at = optional_field<epoch_ms>(o, "expiresAt").value_or(0);
  // An agent asks as itself; an operator may file a request on an agent's behalf.
  cmd.requestor = optional_field<std::string>(o, "requestorId").value_or(who.id);
  require_acting_as(who, cmd.requestor);
  cmd.requested_by_agent = who.kind == caller_kind::agent;
  cmd.actor_type = who.kind == caller_kind::agent ? "agent" : "operator";
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  ask_for_reply(ctx, ctx->approvals, settle(ctx, *claim, std::move(res)),
                actors::create_atom::value, cmd);
}

approval_query approval_query_of(const request& req) {
  approval_query q;
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      q.statuses.push_back(enum_param<approval_status>("status", part));
  if (auto s = req.query.get("riskLevel"))
    for (const auto& part : split_commas(*s))
      q.risk_levels.push_back(enum_param<risk_level>("riskLevel", part));
  if (auto s = req.query.get("actionType"))
    for (const auto& part : split_commas(*s))
      q.action_types.push_back(enum_param<approval_action>("actionType", part));
  if (auto t = req.query.get("taskId"))
    q.task_id = std::string(*t);
  if (auto r = req.query.get("requestorId"))
    q.requestor_id = std::string(*r);
  if (auto l = req.query.get("limit"))
    q.limit = int_param("limit", *l);
  if (auto o = req.query.get("offset"))
    q.offset = int_param("offset", *o);
  if (q.limit < 1 || q.limit > 200)
    throw http_error(errc::invalid_input, "limit is 1 to 200");
  if (q.offset < 0)
    throw http_error(errc::invalid_input, "offset is 0 or more");
  return q;
}

/// `POST /api/approvals/{id}/approve|deny` with the runbook's `{"approver":…,"decision":…}`
/// (`decision` is the note; the body may be empty). The operator may name who decided; an agent
/// (a lead, where the policy allows it) decides only as itself.
void decide(context_ptr ctx, const request& req, const path_params& p, const caller& who,
            responder res, bool approve) {
  json::value body = parse_json_object_body(req.body);
  const auto& o = body.as_object();
  static constexpr std::string_view known[] = {"approver", "decision", "idempotencyKey"};
  refuse_unknown_fields(o, known);
  actors::decide_approval_command cmd;
  cmd.approval_id = std::string(p.get("id"));
  cmd.approve = approve;
  cmd.decider = optional_field<std::string>(o, "approver").value_or(who.id);
  if (cmd.decider.empty())
    throw http_error(errc::invalid_input, "approver may not be empty");
  require_acting_as(who, cmd.decider);
  cmd.note = optional_field<std::string>(o, "decision").value_or("");
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  auto out = settle(ctx, *claim, std::move(res));
  if (who.kind != caller_kind::agent) {
    ask_for_reply(ctx, ctx->approvals, std::move(out), actors::decide_atom::value, cmd);
    return;
  }
  // An agent decides with its role (a lead, where the policy allows it; never its own request).
  ask_agent_snapshot(
      ctx, who.id, std::move(out), [ctx, cmd](const agent& a, responder next) mutable {
        cmd.decider_kind = actor_kind_of(a.role);
        ask_for_reply(ctx, ctx->approvals, std::move(next), actors::decide_atom::value, cmd);
      });
}

} // namespace

void add_approval_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::post, "/api/approvals",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                request_approval(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/approvals",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                ask_for_reply(ctx, ctx->approvals, std::move(res), actors::list_atom::value,
                              approval_query_of(req));
              });
  add_guarded(r, ctx, method::post, "/api/approvals/{id}/approve",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                decide(ctx, req, p, who, std::move(res), true);
              });
  add_guarded(r, ctx, method::post, "/api/approvals/{id}/deny",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                decide(ctx, req, p, who, std::move(res), false);
              });
}

} // namespace mc::http
