#include "actors/message_types.hpp"

#include "actors/agent_registry.hpp"
#include "actors/approval_actor.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/governance.hpp"
#include "actors/run_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "actors/task_registry.hpp"

namespace mc::actors {

void add_message_types(caf::actor_system_config& cfg) {
  // Persistence.
  cfg.add_message_type<persistence::write_ack>("mc.write_ack");
  cfg.add_message_type<persistence::persistence_status>("mc.persistence_status");
  cfg.add_message_type<persistence::row>("mc.row");
  cfg.add_message_type<std::vector<persistence::row>>("mc.rows");
  cfg.add_message_type<persistence::write_batch>("mc.write_batch");
  // Entities and replies.
  cfg.add_message_type<mc::agent>("mc.agent");
  cfg.add_message_type<mc::task>("mc.task");
  cfg.add_message_type<api_reply>("mc.api_reply");
  cfg.add_message_type<idempotency_stamp>("mc.idempotency_stamp");
  // Tasks.
  cfg.add_message_type<transition_command>("mc.transition_command");
  cfg.add_message_type<task_patch>("mc.task_patch");
  cfg.add_message_type<task_patch_command>("mc.task_patch_command");
  cfg.add_message_type<post_message_command>("mc.post_message_command");
  cfg.add_message_type<task_view>("mc.task_view");
  cfg.add_message_type<task_event>("mc.task_event");
  cfg.add_message_type<create_task_command>("mc.create_task_command");
  cfg.add_message_type<task_query>("mc.task_query");
  cfg.add_message_type<task_actor>("mc.task_actor");
  // Agents.
  cfg.add_message_type<register_agent_command>("mc.register_agent_command");
  cfg.add_message_type<agent_patch_command>("mc.agent_patch_command");
  cfg.add_message_type<agent_control_command>("mc.agent_control_command");
  cfg.add_message_type<heartbeat_command>("mc.heartbeat_command");
  cfg.add_message_type<assignments>("mc.assignments");
  cfg.add_message_type<agent_query>("mc.agent_query");
  cfg.add_message_type<agent_event>("mc.agent_event");
  cfg.add_message_type<squad_command>("mc.squad_command");
  cfg.add_message_type<agent_actor>("mc.agent_actor");
  // The HeartbeatMonitor's liveness checks and releases.
  cfg.add_message_type<liveness_check>("mc.liveness_check");
  cfg.add_message_type<liveness_verdict>("mc.liveness_verdict");
  cfg.add_message_type<release_command>("mc.release_command");
  // Approvals.
  cfg.add_message_type<create_approval_command>("mc.create_approval_command");
  cfg.add_message_type<decide_approval_command>("mc.decide_approval_command");
  cfg.add_message_type<task_approval_command>("mc.task_approval_command");
  cfg.add_message_type<approval_outcome>("mc.approval_outcome");
  cfg.add_message_type<approval_event>("mc.approval_event");
  cfg.add_message_type<approval_query>("mc.approval_query");
  cfg.add_message_type<mc::approval>("mc.approval");
  cfg.add_message_type<std::vector<mc::approval>>("mc.approvals");
  // Runs, tool calls and costs.
  cfg.add_message_type<mc::run>("mc.run");
  cfg.add_message_type<mc::tool_call>("mc.tool_call");
  cfg.add_message_type<run_command>("mc.run_command");
  cfg.add_message_type<run_patch_command>("mc.run_patch_command");
  cfg.add_message_type<run_charge_command>("mc.run_charge_command");
  cfg.add_message_type<tool_call_command>("mc.tool_call_command");
  cfg.add_message_type<tool_call_patch_command>("mc.tool_call_patch_command");
  cfg.add_message_type<run_event>("mc.run_event");
  cfg.add_message_type<tool_call_event>("mc.tool_call_event");
  cfg.add_message_type<run_query>("mc.run_query");
  // Policy, alerts, notifications, webhooks.
  cfg.add_message_type<mc::alert>("mc.alert");
  cfg.add_message_type<mc::notification>("mc.notification");
  cfg.add_message_type<alert_action_command>("mc.alert_action_command");
  cfg.add_message_type<alert_query>("mc.alert_query");
  cfg.add_message_type<alert_event>("mc.alert_event");
  cfg.add_message_type<notification_query>("mc.notification_query");
  cfg.add_message_type<notification_ack_command>("mc.notification_ack_command");
  cfg.add_message_type<pending_notifications>("mc.pending_notifications");
  cfg.add_message_type<notification_event>("mc.notification_event");
  cfg.add_message_type<webhook_create_command>("mc.webhook_create_command");
  cfg.add_message_type<webhook_delete_command>("mc.webhook_delete_command");
  cfg.add_message_type<webhook_query>("mc.webhook_query");
  cfg.add_message_type<std::vector<mc::notification>>("mc.notifications");
  cfg.add_message_type<notification_due_query>("mc.notification_due_query");
  cfg.add_message_type<notification_update_command>("mc.notification_update_command");
  cfg.add_message_type<mc::webhook>("mc.webhook");
  cfg.add_message_type<std::vector<mc::webhook>>("mc.webhooks");
  cfg.add_message_type<webhook_match_query>("mc.webhook_match_query");
  cfg.add_message_type<policy_put_command>("mc.policy_put_command");
  // Supervisors.
  cfg.add_message_type<tick_report>("mc.tick_report");
  cfg.add_message_type<tick_summary>("mc.tick_summary");
  cfg.add_message_type<standup_query>("mc.standup_query");
}

} // namespace mc::actors
