#include "actors/run_accounting.hpp"

#include "actors/field_errors.hpp"
#include "domain/budget.hpp"
#include "domain/error_streak.hpp"
#include "domain/redaction.hpp"
#include "domain/run_costs.hpp"
#include "persistence/entity_rows.hpp"

#include <boost/json/serialize.hpp>

namespace mc::actors {
namespace {

namespace json = boost::json;

bool finished(run_status s) {
  return s != run_status::running;
}

bool finished(tool_call_status s) {
  return s == tool_call_status::success || s == tool_call_status::failed ||
         s == tool_call_status::denied;
}

std::vector<field_problem> check_counts(const run& r) {
  std::vector<field_problem> problems;
  if (r.input_tokens < 0)
    problems.push_back({"inputTokens", "inputTokens cannot be negative"});
  if (r.output_tokens < 0)
    problems.push_back({"outputTokens", "outputTokens cannot be negative"});
  if (r.cache_read_tokens < 0)
    problems.push_back({"cacheReadTokens", "cacheReadTokens cannot be negative"});
  if (r.cache_write_tokens < 0)
    problems.push_back({"cacheWriteTokens", "cacheWriteTokens cannot be negative"});
  if (r.cost_usd.micros < 0)
    problems.push_back({"costUsd", "costUsd cannot be negative"});
  if (r.ended_at && *r.ended_at < r.started_at)
    problems.push_back({"endedAt", "endedAt is before startedAt"});
  return problems;
}

audit_record run_audit(std::string id, const run_charge_command& c, std::string actor_type,
                       std::string actor, std::string action, epoch_ms now,
                       std::optional<run> before) {
  audit_record a;
  a.id = std::move(id);
  a.actor_type = std::move(actor_type);
  a.actor_id = std::move(actor);
  a.action = std::move(action);
  a.at = now;
  a.agent_id = c.recorded.agent_id;
  a.task_id = c.recorded.task_id;
  if (before)
    a.before = json_text{json::serialize(json::object{{"run", to_json(*before)}})};
  a.after = json_text{
      json::serialize(json::object{{"run", to_json(c.recorded)},
                                   {"charged", c.delta.dollars()},
                                   {"costSource", to_string(c.source)},
                                   {"agentTodaySpend", c.agent_after.today_spend.dollars()},
                                   {"agentTotalSpend", c.agent_after.total_spend.dollars()},
                                   {"agentErrorStreak", c.agent_after.error_streak}})};
  return a;
}

} // namespace

local_zone spend_zone(const policy& p) {
  if (auto z = local_zone::find(p.timezone))
    return *z.zone;
  return *local_zone::find("UTC").zone;
}

std::variant<run_charge_command, caf::error> new_run_charge(const agent& current, run_command& cmd,
                                                            const price_table& prices,
                                                            const policy& p, id_generator& ids,
                                                            epoch_ms now) {
  run r = std::move(cmd.draft);
  r.agent_id = current.id;
  if (r.started_at == 0)
    r.started_at = now;
  if (r.error)
    r.error = redact_secrets(*r.error);
  auto problems = check_counts(r);
  if (r.model.empty())
    problems.push_back({"model", "model is required"});
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  r.id = ids.next(id_prefix::run);
  const auto priced = price_run(r, cmd.cost_reported, prices);
  r.cost_usd = priced.cost;
  run_charge_command c;
  c.agent_after = current;
  record_spend(c.agent_after, r.cost_usd, spend_zone(p), r.started_at);
  apply_run_outcome(c.agent_after, std::nullopt, r);
  c.agent_after.updated_at = now;
  c.today_spend = today_spend_at(c.agent_after, spend_zone(p), now);
  c.delta = r.cost_usd;
  c.source = priced.source;
  c.recorded = std::move(r);
  c.status = 201;
  c.audit = run_audit(ids.next(id_prefix::activity), c, cmd.actor_type, cmd.actor, "run.record",
                      now, std::nullopt);
  c.idempotency_key = cmd.idempotency_key;
  c.idempotency_fingerprint = cmd.idempotency_fingerprint;
  c.idempotency_expires_at = cmd.idempotency_expires_at;
  return c;
}

std::variant<run_charge_command, caf::error>
patched_run_charge(const agent& current, const run& existing, const run_patch_command& cmd,
                   const price_table& prices, const policy& p, id_generator& ids, epoch_ms now) {
  const auto& q = cmd.patch;
  run r = existing;
  bool repriced = false;
  if (q.model) {
    r.model = *q.model;
    repriced = true;
  }
  auto take = [&](const std::optional<std::int64_t>& v, std::int64_t& field) {
    if (v) {
      field = *v;
      repriced = true;
    }
  };
  take(q.input_tokens, r.input_tokens);
  take(q.output_tokens, r.output_tokens);
  take(q.cache_read_tokens, r.cache_read_tokens);
  take(q.cache_write_tokens, r.cache_write_tokens);
  if (q.ended_at)
    r.ended_at = q.ended_at;
  if (q.error)
    r.error = redact_secrets(*q.error);
  if (q.status) {
    if (finished(existing.status) && *q.status == run_status::running)
      return make_error(errc::conflict, "run " + existing.id + " is " +
                                            std::string(to_string(existing.status)) +
                                            " and cannot run again");
    r.status = *q.status;
  }
  if (q.cost_usd)
    r.cost_usd = *q.cost_usd;
  auto problems = check_counts(r);
  if (r.model.empty())
    problems.push_back({"model", "model cannot be empty"});
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  cost_source source = cost_source::reported;
  if (!q.cost_usd && repriced) {
    // New tokens without a cost: price them; a model without a price keeps the cost it had.
    auto priced = price_run(r, false, prices);
    source = priced.source;
    if (priced.source == cost_source::computed)
      r.cost_usd = priced.cost;
  }
  // A run finished without an end time ends now.
  if (finished(r.status) && !r.ended_at)
    r.ended_at = std::max(now, r.started_at);
  run_charge_command c;
  c.delta = r.cost_usd - existing.cost_usd;
  c.agent_after = current;
  if (c.delta != usd{})
    record_spend(c.agent_after, c.delta, spend_zone(p), r.started_at);
  apply_run_outcome(c.agent_after, existing.status, r);
  c.agent_after.updated_at = now;
  c.today_spend = today_spend_at(c.agent_after, spend_zone(p), now);
  c.source = source;
  c.recorded = std::move(r);
  c.status = 200;
  c.audit = run_audit(ids.next(id_prefix::activity), c, cmd.actor_type, cmd.actor, "run.update",
                      now, existing);
  c.idempotency_key = cmd.idempotency_key;
  c.idempotency_fingerprint = cmd.idempotency_fingerprint;
  c.idempotency_expires_at = cmd.idempotency_expires_at;
  return c;
}

prepared_charge prepare_charge(const run_charge_command& c, const policy& p,
                               const std::optional<mc::task>& task_before, epoch_ms now) {
  prepared_charge out;
  std::optional<task_type> type;
  usd task_spend;
  if (task_before) {
    auto t = *task_before;
    t.actual_cost += c.delta;
    t.updated_at = now;
    type = t.type;
    task_spend = t.actual_cost;
    out.task_after = std::move(t);
  }
  const auto budget =
      check_run_budget(c.agent_after, p, c.recorded.cost_usd, c.today_spend, type, task_spend);
  json::object body{{"run", to_json(c.recorded)},
                    {"costSource", to_string(c.source)},
                    {"budget", to_json(budget)},
                    {"agent", json::object{{"id", c.agent_after.id},
                                           {"todaySpend", c.today_spend.dollars()},
                                           {"totalSpend", c.agent_after.total_spend.dollars()}}}};
  if (out.task_after)
    body["task"] = json::object{{"id", out.task_after->id},
                                {"type", to_string(out.task_after->type)},
                                {"actualCost", out.task_after->actual_cost.dollars()}};
  if (budget.level != spend_level::ok)
    body["warning"] = json::object{{"level", to_string(budget.level)}, {"message", budget.warning}};
  if (c.source == cost_source::unknown_model)
    body["note"] = "no price is configured for model '" + c.recorded.model +
                   "' and the run reported no costUsd: its cost is recorded as 0";
  out.reply = api_reply{c.status, json::serialize(body)};
  out.batch.rows.push_back(persistence::to_row(c.recorded));
  out.batch.rows.push_back(persistence::to_row(c.agent_after));
  if (out.task_after)
    out.batch.rows.push_back(persistence::to_row(*out.task_after));
  out.batch.rows.push_back(persistence::to_row(c.audit));
  if (!c.idempotency_key.empty())
    out.batch.rows.push_back(
        persistence::idempotency_row(c.idempotency_key, c.idempotency_fingerprint,
                                     stored_reply(out.reply), c.idempotency_expires_at));
  return out;
}

namespace {

prepared_tool_call finish_tool_call(tool_call call, audit_record audit, std::int32_t status,
                                    json::object extra, const std::string& key,
                                    const std::string& fingerprint, epoch_ms expires_at) {
  prepared_tool_call out;
  json::object body{{"toolCall", to_json(call)}};
  for (auto& kv : extra)
    body[kv.key()] = kv.value();
  out.reply = api_reply{status, json::serialize(body)};
  out.batch.rows.push_back(persistence::to_row(call));
  out.batch.rows.push_back(persistence::to_row(audit));
  if (!key.empty())
    out.batch.rows.push_back(
        persistence::idempotency_row(key, fingerprint, stored_reply(out.reply), expires_at));
  out.call = std::move(call);
  return out;
}

audit_record tool_call_audit(std::string id, const tool_call& call, std::string actor_type,
                             std::string actor, std::string action, epoch_ms now,
                             const std::optional<tool_call>& before) {
  audit_record a;
  a.id = std::move(id);
  a.actor_type = std::move(actor_type);
  a.actor_id = std::move(actor);
  a.action = std::move(action);
  a.at = now;
  a.agent_id = call.agent_id;
  a.task_id = call.task_id;
  // The preview is redacted already; the raw input was never here.
  if (before)
    a.before = json_text{json::serialize(json::object{{"toolCall", to_json(*before)}})};
  a.after = json_text{json::serialize(json::object{{"toolCall", to_json(call)}})};
  return a;
}

} // namespace

std::variant<prepared_tool_call, caf::error> new_tool_call(const agent& a, tool_call_command& cmd,
                                                           const policy& p, id_generator& ids,
                                                           epoch_ms now) {
  auto call = std::move(cmd.draft);
  std::vector<field_problem> problems;
  if (call.tool_name.empty())
    problems.push_back({"toolName", "toolName is required"});
  if (call.retry_count < 0)
    problems.push_back({"retryCount", "retryCount cannot be negative"});
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  policy_request req;
  req.role = a.role;
  req.action = std::move(cmd.action);
  req.action.tool_name = call.tool_name;
  req.today_spend = today_spend_at(a, spend_zone(p), now);
  req.agent_overrides = {a.budgets.daily_cap, a.budgets.per_run_cap};
  const auto verdict = evaluate(req, p);
  call.id = ids.next(id_prefix::tool_call);
  call.agent_id = a.id;
  call.risk_level = verdict.risk;
  call.policy_decision = verdict.decision;
  if (call.error)
    call.error = redact_secrets(*call.error);
  // A call the policy denies is recorded as denied, whatever the agent said about it.
  if (verdict.decision == policy_decision::deny)
    call.status = tool_call_status::denied;
  call.created_at = call.updated_at = now;
  auto audit = tool_call_audit(ids.next(id_prefix::activity), call, cmd.actor_type, cmd.actor,
                               "tool_call.record", now, std::nullopt);
  json::object extra{{"decision", to_string(verdict.decision)},
                     {"risk", to_string(verdict.risk)},
                     {"reason", redact_secrets(verdict.reason)}};
  return finish_tool_call(std::move(call), std::move(audit), 201, std::move(extra),
                          cmd.idempotency_key, cmd.idempotency_fingerprint,
                          cmd.idempotency_expires_at);
}

std::variant<prepared_tool_call, caf::error> patched_tool_call(const tool_call& existing,
                                                               const tool_call_patch_command& cmd,
                                                               id_generator& ids, epoch_ms now) {
  auto call = existing;
  const auto& q = cmd.patch;
  if (q.status && *q.status != existing.status) {
    if (finished(existing.status))
      return make_error(errc::conflict, "tool call " + existing.id + " is " +
                                            std::string(to_string(existing.status)) +
                                            " and cannot become " +
                                            std::string(to_string(*q.status)));
    if (existing.policy_decision == policy_decision::deny && *q.status != tool_call_status::denied)
      return make_error(errc::conflict, "tool call " + existing.id + " was denied by the policy");
    call.status = *q.status;
  }
  if (q.error)
    call.error = redact_secrets(*q.error);
  if (q.retry_count) {
    if (*q.retry_count < 0)
      return field_error(errc::invalid_input, {{"retryCount", "retryCount cannot be negative"}});
    call.retry_count = *q.retry_count;
  }
  call.updated_at = now;
  auto audit = tool_call_audit(ids.next(id_prefix::activity), call, cmd.actor_type, cmd.actor,
                               "tool_call.update", now, existing);
  return finish_tool_call(std::move(call), std::move(audit), 200, {}, cmd.idempotency_key,
                          cmd.idempotency_fingerprint, cmd.idempotency_expires_at);
}

std::string run_list_body(const std::vector<const run*>& page, std::size_t total, bool more) {
  json::array runs;
  for (const auto* r : page)
    runs.push_back(to_json(*r));
  return json::serialize(
      json::object{{"runs", std::move(runs)}, {"total", total}, {"hasMore", more}});
}

} // namespace mc::actors
