// The entities of SPEC §2 as plain structs. Field names are the wire names in snake_case; the
// JSON mapping (entity_json.hpp) turns them into camelCase. Money is usd, times are epoch ms.
#pragma once

#include "domain/enums.hpp"
#include "domain/money.hpp"

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mc {

using epoch_ms = std::int64_t;

/// An opaque JSON document kept as text (agent/task metadata, audit before/after), so entities
/// stay cheap to copy into actor messages and need no JSON headers.
struct json_text {
  std::string text = "{}";
  friend bool operator==(const json_text&, const json_text&) = default;
};

struct agent_budgets {
  std::optional<usd> daily_cap;
  std::optional<usd> per_run_cap;
  friend bool operator==(const agent_budgets&, const agent_budgets&) = default;
};
BOOST_DESCRIBE_STRUCT(agent_budgets, (), (daily_cap, per_run_cap))

struct agent {
  std::string id;
  std::string name;
  std::string emoji;
  agent_role role = agent_role::specialist;
  agent_status status = agent_status::active;
  std::vector<task_type> allowed_task_types;
  agent_budgets budgets;
  usd today_spend;
  /// The local calendar day (YYYY-MM-DD) that today_spend counts; a new day starts at zero.
  std::string spend_day;
  usd total_spend;
  std::int32_t error_streak = 0;
  std::optional<std::string> last_error;
  std::optional<epoch_ms> last_heartbeat;
  std::optional<std::string> current_task_id;
  std::optional<std::string> host;
  bool can_spawn = false;
  std::optional<std::string> parent_agent_id;
  json_text metadata;
  epoch_ms created_at = 0;
  epoch_ms updated_at = 0;
  friend bool operator==(const agent&, const agent&) = default;
};
BOOST_DESCRIBE_STRUCT(agent, (),
                      (id, name, emoji, role, status, allowed_task_types, budgets, today_spend,
                       spend_day, total_spend, error_streak, last_error, last_heartbeat,
                       current_task_id, host, can_spawn, parent_agent_id, metadata, created_at,
                       updated_at))

struct work_plan {
  std::vector<std::string> bullets;
  std::optional<usd> estimated_cost;
  std::optional<std::string> estimated_duration;
  friend bool operator==(const work_plan&, const work_plan&) = default;
};
BOOST_DESCRIBE_STRUCT(work_plan, (), (bullets, estimated_cost, estimated_duration))

struct deliverable {
  std::string content;
  std::vector<std::string> artifacts;
  friend bool operator==(const deliverable&, const deliverable&) = default;
};
BOOST_DESCRIBE_STRUCT(deliverable, (), (content, artifacts))

struct checklist_item {
  std::string label;
  bool done = false;
  friend bool operator==(const checklist_item&, const checklist_item&) = default;
};
BOOST_DESCRIBE_STRUCT(checklist_item, (), (label, done))

struct review_checklist {
  std::vector<checklist_item> items;
  friend bool operator==(const review_checklist&, const review_checklist&) = default;
};
BOOST_DESCRIBE_STRUCT(review_checklist, (), (items))

/// Attached when a task enters review: what its runs cost so far.
struct cost_summary {
  usd total_cost;
  std::int64_t runs = 0;
  std::int64_t tokens = 0;
  friend bool operator==(const cost_summary&, const cost_summary&) = default;
};
BOOST_DESCRIBE_STRUCT(cost_summary, (), (total_cost, runs, tokens))

/// An assignee whose claim on a task expired when the system released the task from it
/// (domain/task_lease.hpp), and when.
struct expired_lease {
  std::string agent_id;
  epoch_ms expired_at = 0;
  friend bool operator==(const expired_lease&, const expired_lease&) = default;
};
BOOST_DESCRIBE_STRUCT(expired_lease, (), (agent_id, expired_at))

struct task {
  std::string id;
  std::string title;
  std::string description;
  task_type type = task_type::engineering;
  task_status status = task_status::inbox;
  std::int32_t priority = 3;
  std::vector<std::string> assignee_ids;
  std::optional<std::string> reviewer_id;
  std::string creator_id;
  std::optional<std::string> parent_task_id;
  std::vector<std::string> labels;
  std::optional<epoch_ms> due_at;
  std::optional<mc::work_plan> work_plan;
  std::optional<mc::deliverable> deliverable;
  std::optional<mc::review_checklist> review_checklist;
  std::optional<mc::cost_summary> cost_summary;
  std::int32_t review_cycles = 0;
  std::optional<usd> estimated_cost;
  usd actual_cost;
  /// Who signed the task off as done, and their decision note.
  std::optional<std::string> approved_by;
  std::optional<std::string> approval_note;
  std::optional<epoch_ms> started_at;
  std::optional<epoch_ms> submitted_at;
  std::optional<epoch_ms> completed_at;
  json_text metadata;
  epoch_ms created_at = 0;
  epoch_ms updated_at = 0;
  /// Assignees whose reports on the task are refused until it is assigned to them again.
  std::vector<expired_lease> expired_leases;
  friend bool operator==(const task&, const task&) = default;
};
BOOST_DESCRIBE_STRUCT(task, (),
                      (id, title, description, type, status, priority, assignee_ids, reviewer_id,
                       creator_id, parent_task_id, labels, due_at, work_plan, deliverable,
                       review_checklist, cost_summary, review_cycles, estimated_cost, actual_cost,
                       approved_by, approval_note, started_at, submitted_at, completed_at, metadata,
                       created_at, updated_at, expired_leases))

struct transition {
  std::string task_id;
  /// Empty for the creation record.
  std::optional<task_status> from;
  task_status to = task_status::inbox;
  std::string actor;
  std::string reason;
  std::optional<std::string> idempotency_key;
  epoch_ms created_at = 0;
  friend bool operator==(const transition&, const transition&) = default;
};
BOOST_DESCRIBE_STRUCT(transition, (),
                      (task_id, from, to, actor, reason, idempotency_key, created_at))

struct message {
  std::string id;
  std::string task_id;
  message_type type = message_type::comment;
  std::string author;
  std::string content;
  std::vector<std::string> artifacts;
  std::vector<std::string> mentions;
  std::optional<std::string> reply_to_id;
  epoch_ms created_at = 0;
  friend bool operator==(const message&, const message&) = default;
};
BOOST_DESCRIBE_STRUCT(message, (),
                      (id, task_id, type, author, content, artifacts, mentions, reply_to_id,
                       created_at))

struct run {
  std::string id;
  std::string agent_id;
  std::optional<std::string> task_id;
  std::optional<std::string> session_key;
  std::string model;
  epoch_ms started_at = 0;
  std::optional<epoch_ms> ended_at;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  usd cost_usd;
  run_status status = run_status::running;
  std::optional<std::string> error;
  friend bool operator==(const run&, const run&) = default;
};
BOOST_DESCRIBE_STRUCT(run, (),
                      (id, agent_id, task_id, session_key, model, started_at, ended_at,
                       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd,
                       status, error))

struct tool_call {
  std::string id;
  std::optional<std::string> run_id;
  std::string agent_id;
  std::optional<std::string> task_id;
  std::string tool_name;
  mc::risk_level risk_level = mc::risk_level::green;
  std::string input_preview;
  std::string input_hash;
  tool_call_status status = tool_call_status::pending;
  std::optional<std::string> error;
  std::int32_t retry_count = 0;
  std::optional<mc::policy_decision> policy_decision;
  epoch_ms created_at = 0;
  epoch_ms updated_at = 0;
  friend bool operator==(const tool_call&, const tool_call&) = default;
};
BOOST_DESCRIBE_STRUCT(tool_call, (),
                      (id, run_id, agent_id, task_id, tool_name, risk_level, input_preview,
                       input_hash, status, error, retry_count, policy_decision, created_at,
                       updated_at))

struct approval {
  std::string id;
  std::optional<std::string> task_id;
  std::optional<std::string> tool_call_id;
  std::string requestor_id;
  approval_action action_type = approval_action::tool_exec;
  std::string action_summary;
  mc::risk_level risk_level = mc::risk_level::yellow;
  std::string justification;
  std::optional<usd> estimated_cost;
  std::optional<std::string> rollback_plan;
  /// Where the task goes once approved (the state it was headed to).
  std::optional<task_status> resume_status;
  approval_status status = approval_status::pending;
  std::optional<std::string> decided_by;
  std::optional<std::string> decision_note;
  std::optional<epoch_ms> decided_at;
  epoch_ms expires_at = 0;
  epoch_ms created_at = 0;
  friend bool operator==(const approval&, const approval&) = default;
};
BOOST_DESCRIBE_STRUCT(approval, (),
                      (id, task_id, tool_call_id, requestor_id, action_type, action_summary,
                       risk_level, justification, estimated_cost, rollback_plan, resume_status,
                       status, decided_by, decision_note, decided_at, expires_at, created_at))

struct alert {
  std::string id;
  alert_severity severity = alert_severity::warning;
  /// An open set (budget_exceeded, loop_detected, agent_stale, ...), so text rather than enum.
  std::string type;
  std::string title;
  std::string description;
  std::optional<std::string> agent_id;
  std::optional<std::string> task_id;
  std::optional<std::string> run_id;
  alert_status status = alert_status::open;
  bool resolved = false;
  std::optional<std::string> acknowledged_by;
  std::optional<epoch_ms> acknowledged_at;
  std::optional<epoch_ms> resolved_at;
  std::optional<std::string> resolution_note;
  epoch_ms created_at = 0;
  friend bool operator==(const alert&, const alert&) = default;
};
BOOST_DESCRIBE_STRUCT(alert, (),
                      (id, severity, type, title, description, agent_id, task_id, run_id, status,
                       resolved, acknowledged_by, acknowledged_at, resolved_at, resolution_note,
                       created_at))

struct notification {
  std::string id;
  /// An agent id, or `operator`.
  std::string target;
  notification_channel channel = notification_channel::heartbeat;
  notification_type type = notification_type::mention;
  std::string title;
  std::string body;
  std::vector<std::string> refs;
  notification_status status = notification_status::pending;
  std::int32_t attempts = 0;
  std::optional<epoch_ms> next_attempt_at;
  std::optional<std::string> last_error;
  epoch_ms expires_at = 0;
  epoch_ms created_at = 0;
  friend bool operator==(const notification&, const notification&) = default;
};
BOOST_DESCRIBE_STRUCT(notification, (),
                      (id, target, channel, type, title, body, refs, status, attempts,
                       next_attempt_at, last_error, expires_at, created_at))

struct audit_record {
  std::string id;
  /// agent, operator or system.
  std::string actor_type;
  std::string actor_id;
  std::string action;
  epoch_ms at = 0;
  std::optional<std::string> task_id;
  std::optional<std::string> agent_id;
  std::optional<std::string> reason;
  /// ok or refused.
  std::string result = "ok";
  std::optional<std::string> error;
  std::optional<json_text> before;
  std::optional<json_text> after;
  friend bool operator==(const audit_record&, const audit_record&) = default;
};
BOOST_DESCRIBE_STRUCT(audit_record, (),
                      (id, actor_type, actor_id, action, at, task_id, agent_id, reason, result,
                       error, before, after))

struct document {
  std::string id;
  std::string name;
  /// standup, loop_summary or backup_manifest.
  std::string type;
  std::string content;
  epoch_ms created_at = 0;
  friend bool operator==(const document&, const document&) = default;
};
BOOST_DESCRIBE_STRUCT(document, (), (id, name, type, content, created_at))

} // namespace mc
