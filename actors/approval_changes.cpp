#include "actors/approval_changes.hpp"

#include "actors/replay_record.hpp"

#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace mc::actors {
namespace {

namespace json = boost::json;

json_text status_json(task_status s) {
  return json_text{"{\"status\":\"" + std::string(to_string(s)) + "\"}"};
}

audit_record move_audit(const task& before, const transition& moved, const std::string& actor_type,
                        std::string id) {
  audit_record a;
  a.id = std::move(id);
  a.actor_type = actor_type;
  a.actor_id = moved.actor;
  a.action = "task.transition";
  a.at = moved.created_at;
  a.task_id = before.id;
  a.reason = moved.reason;
  a.before = status_json(moved.from.value_or(before.status));
  a.after = status_json(moved.to);
  return a;
}

void put_approval(std::vector<approval>& all, const approval& a) {
  auto it = std::find_if(all.begin(), all.end(), [&](const approval& x) { return x.id == a.id; });
  if (it == all.end())
    all.push_back(a);
  else
    *it = a;
}

transition_context context_for(const task_environment& env, std::optional<approval_status> s) {
  transition_context ctx;
  ctx.approval = s;
  const auto active = env.policy->get();
  ctx.max_review_cycles = active->policy.max_review_cycles;
  ctx.lead_may_complete = active->policy.lead_may_complete_review;
  return ctx;
}

} // namespace

std::optional<approval_status> latest_approval_status(const task_view& v) {
  if (v.approvals.empty())
    return std::nullopt;
  // Ids are time-sortable: the latest request has the greatest id.
  return std::max_element(v.approvals.begin(), v.approvals.end(),
                          [](const approval& a, const approval& b) { return a.id < b.id; })
      ->status;
}

approval approval_for_move(const task& before, const transition& moved, std::string id,
                           epoch_ms now) {
  approval a;
  a.task_id = before.id;
  a.action_type = approval_action::state_transition;
  a.risk_level = risk_level::yellow;
  a.action_summary = "Task " + before.id + " (" + before.title + ") moved from " +
                     std::string(to_string(before.status)) + " to needs_approval";
  a.justification = moved.reason.empty() ? std::string("no reason given") : moved.reason;
  a.resume_status = before.status;
  return file_approval(std::move(a), std::move(id), moved.actor, now);
}

audit_record request_audit(const approval& a, const std::string& actor_type,
                           const std::string& actor, std::string id) {
  audit_record r;
  r.id = std::move(id);
  r.actor_type = actor_type;
  r.actor_id = actor;
  r.action = "approval.request";
  r.at = a.created_at;
  r.task_id = a.task_id;
  r.reason = a.justification;
  r.after = json_text{json::serialize(json::object{{"approvalId", a.id},
                                                   {"actionType", to_string(a.action_type)},
                                                   {"riskLevel", to_string(a.risk_level)},
                                                   {"requestorId", a.requestor_id},
                                                   {"status", "pending"}})};
  return r;
}

audit_record decision_audit(const approval& decided, const std::string& actor_type,
                            std::string id) {
  audit_record r;
  r.id = std::move(id);
  r.actor_type = actor_type;
  r.actor_id = decided.decided_by.value_or("");
  switch (decided.status) {
  case approval_status::approved:
    r.action = "approval.approve";
    break;
  case approval_status::expired:
    r.action = "approval.expire";
    break;
  default:
    r.action = "approval.deny";
  }
  r.at = decided.decided_at.value_or(0);
  r.task_id = decided.task_id;
  r.reason = decided.decision_note;
  r.before =
      json_text{json::serialize(json::object{{"approvalId", decided.id}, {"status", "pending"}})};
  r.after = json_text{json::serialize(
      json::object{{"approvalId", decided.id}, {"status", to_string(decided.status)}})};
  return r;
}

persistence::row decision_row(const approval& decided) {
  json::object doc{{"approvalId", decided.id},
                   {"decision", to_string(decided.status)},
                   {"decidedBy", decided.decided_by.value_or("")},
                   {"note", decided.decision_note.value_or("")},
                   {"at", decided.decided_at.value_or(0)}};
  if (decided.task_id)
    doc["taskId"] = *decided.task_id;
  using persistence::cell;
  return {persistence::table_id::approval_decisions,
          0,
          {cell::of(decided.id), cell::of(decided.decided_at.value_or(0)),
           cell::of(json::serialize(doc))}};
}

std::variant<task_approval_change, caf::error>
plan_approval_request(const task_view& v, const task_approval_command& cmd,
                      const task_environment& env) {
  const auto& t = v.task;
  auto a = cmd.subject;
  if (cmd.requested_by_agent && std::find(t.assignee_ids.begin(), t.assignee_ids.end(),
                                          a.requestor_id) == t.assignee_ids.end())
    return make_error(errc::forbidden, "agent '" + a.requestor_id +
                                           "' may only request approval for a task assigned to it");
  const auto latest = latest_approval_status(v);
  task_approval_change change;
  change.next = v;
  if (t.status == task_status::needs_approval) {
    if (latest == approval_status::pending)
      return make_error(errc::conflict, "task " + t.id + " already waits for a pending approval");
  } else {
    transition_request req;
    req.to = task_status::needs_approval;
    // Filing a request moves the task as the system would (SPEC §3: any → needs_approval), in
    // the requestor's name.
    req.actor = {actor_kind::system, a.requestor_id};
    req.reason = "approval requested: " + a.action_summary;
    auto result = apply_transition(t, req, context_for(env, latest), a.created_at);
    if (auto* refused = std::get_if<transition_verdict>(&result)) {
      const auto code = refused->outcome == refusal::forbidden ? errc::forbidden : errc::refused;
      return caf::error{static_cast<std::uint8_t>(code), errc_category,
                        caf::make_message("task " + t.id + " cannot wait for approval from " +
                                              std::string(to_string(t.status)) + ": " +
                                              refused->failures.front().message,
                                          refusal_details(*refused))};
    }
    auto out = std::move(std::get<transition_outcome>(result));
    if (!a.resume_status)
      a.resume_status = t.status;
    change.batch.rows.push_back(persistence::to_row(out.next));
    change.batch.rows.push_back(persistence::to_row(out.record));
    change.batch.rows.push_back(persistence::to_row(
        move_audit(t, out.record, cmd.actor_type, env.ids->next(id_prefix::activity))));
    change.next.task = out.next;
    change.next.transitions.push_back(out.record);
    change.moved = out.record;
  }
  change.batch.rows.push_back(persistence::to_row(a));
  change.batch.rows.push_back(persistence::to_row(
      request_audit(a, cmd.actor_type, cmd.actor, env.ids->next(id_prefix::activity))));
  put_approval(change.next.approvals, a);
  change.reply = {201, json::serialize(json::object{{"approval", to_json(a)},
                                                    {"task", to_json(change.next.task)}})};
  add_replay_record(change.batch, cmd, change.reply);
  change.subject = std::move(a);
  return change;
}

task_approval_change plan_approval_decision(const task_view& v, const task_approval_command& cmd,
                                            const task_environment& env) {
  const auto& t = v.task;
  const auto& a = cmd.subject;
  task_approval_change change;
  change.next = v;
  change.subject = a;
  json::object body;
  body["approval"] = to_json(a);
  // The decision moves the task only while it waits for this very approval.
  auto waiting_for = [&] {
    if (t.status != task_status::needs_approval)
      return false;
    for (const auto& x : v.approvals)
      if (x.id > a.id && x.status == approval_status::pending)
        return false;
    return true;
  };
  json::value moved = nullptr;
  // An expired approval leaves its task waiting for the operator.
  if (a.status != approval_status::expired && waiting_for()) {
    transition_request req;
    req.to = task_target_after(a);
    req.actor = {actor_kind::operator_, a.decided_by.value_or("operator")};
    req.reason = decision_reason(a);
    auto result = apply_transition(t, req, context_for(env, a.status), a.decided_at.value_or(0));
    if (auto* refused = std::get_if<transition_verdict>(&result)) {
      body["taskMoveRefused"] = json::parse(refusal_details(*refused));
    } else {
      auto out = std::move(std::get<transition_outcome>(result));
      change.batch.rows.push_back(persistence::to_row(out.next));
      change.batch.rows.push_back(persistence::to_row(out.record));
      change.batch.rows.push_back(persistence::to_row(
          move_audit(t, out.record, cmd.actor_type, env.ids->next(id_prefix::activity))));
      change.next.task = out.next;
      change.next.transitions.push_back(out.record);
      change.moved = out.record;
      moved = to_json(out.record);
    }
  }
  change.batch.rows.push_back(persistence::to_row(a));
  change.batch.rows.push_back(decision_row(a));
  change.batch.rows.push_back(
      persistence::to_row(decision_audit(a, cmd.actor_type, env.ids->next(id_prefix::activity))));
  put_approval(change.next.approvals, a);
  body["task"] = to_json(change.next.task);
  body["transition"] = std::move(moved);
  change.reply = {200, json::serialize(body)};
  add_replay_record(change.batch, cmd, change.reply);
  return change;
}

} // namespace mc::actors
