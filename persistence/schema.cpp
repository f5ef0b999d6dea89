#include "persistence/schema.hpp"

#include <array>

namespace mc::persistence {
namespace {

using ct = column_type;

constexpr column_def agents_cols[] = {{"id", ct::text},
                                      {"status", ct::text},
                                      {"role", ct::text},
                                      {"updated_at", ct::integer},
                                      {"doc", ct::text}};
constexpr column_def tasks_cols[] = {
    {"id", ct::text},          {"status", ct::text},        {"type", ct::text},
    {"priority", ct::integer}, {"created_at", ct::integer}, {"updated_at", ct::integer},
    {"doc", ct::text}};
constexpr column_def approvals_cols[] = {{"id", ct::text},
                                         {"status", ct::text},
                                         {"task_id", ct::text},
                                         {"expires_at", ct::integer},
                                         {"created_at", ct::integer},
                                         {"doc", ct::text}};
constexpr column_def alerts_cols[] = {
    {"id", ct::text},       {"status", ct::text},  {"severity", ct::text},      {"type", ct::text},
    {"agent_id", ct::text}, {"task_id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def notifications_cols[] = {{"id", ct::text},
                                             {"status", ct::text},
                                             {"target", ct::text},
                                             {"next_attempt_at", ct::integer},
                                             {"created_at", ct::integer},
                                             {"doc", ct::text}};
constexpr column_def runs_cols[] = {{"id", ct::text},
                                    {"agent_id", ct::text},
                                    {"task_id", ct::text},
                                    {"started_at", ct::integer},
                                    {"cost_micros", ct::integer},
                                    {"doc", ct::text}};
constexpr column_def tool_calls_cols[] = {{"id", ct::text},
                                          {"agent_id", ct::text},
                                          {"task_id", ct::text},
                                          {"created_at", ct::integer},
                                          {"doc", ct::text}};
constexpr column_def documents_cols[] = {
    {"id", ct::text}, {"type", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def webhooks_cols[] = {
    {"id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def policies_cols[] = {
    {"id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def transitions_cols[] = {
    {"task_id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def messages_cols[] = {
    {"id", ct::text}, {"task_id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def audit_cols[] = {
    {"id", ct::text},  {"at", ct::integer},     {"task_id", ct::text}, {"agent_id", ct::text},
    {"doc", ct::text}, {"prev_hash", ct::text}, {"hash", ct::text}};
constexpr column_def approval_decisions_cols[] = {
    {"approval_id", ct::text}, {"created_at", ct::integer}, {"doc", ct::text}};
constexpr column_def idempotency_cols[] = {{"key", ct::text},
                                           {"fingerprint", ct::text},
                                           {"response", ct::text},
                                           {"expires_at", ct::integer}};

constexpr column_def agent_credentials_cols[] = {
    {"key", ct::text}, {"token_hash", ct::text}, {"created_at", ct::integer}};

constexpr std::array<table_def, table_count> tables = {{
    {table_id::agents, "agents", table_kind::snapshot, agents_cols},
    {table_id::tasks, "tasks", table_kind::snapshot, tasks_cols},
    {table_id::approvals, "approvals", table_kind::snapshot, approvals_cols},
    {table_id::alerts, "alerts", table_kind::snapshot, alerts_cols},
    {table_id::notifications, "notifications", table_kind::snapshot, notifications_cols},
    {table_id::runs, "runs", table_kind::snapshot, runs_cols},
    {table_id::tool_calls, "tool_calls", table_kind::snapshot, tool_calls_cols},
    {table_id::documents, "documents", table_kind::snapshot, documents_cols},
    {table_id::webhooks, "webhooks", table_kind::snapshot, webhooks_cols},
    {table_id::policies, "policies", table_kind::snapshot, policies_cols},
    {table_id::transitions, "transitions", table_kind::journal, transitions_cols},
    {table_id::messages, "messages", table_kind::journal, messages_cols},
    {table_id::audit, "audit", table_kind::journal, audit_cols},
    {table_id::approval_decisions, "approval_decisions", table_kind::journal,
     approval_decisions_cols},
    {table_id::idempotency, "idempotency", table_kind::keyed, idempotency_cols},
    {table_id::archived_tasks, "archived_tasks", table_kind::snapshot, tasks_cols},
    {table_id::archived_transitions, "archived_transitions", table_kind::journal, transitions_cols},
    {table_id::archived_messages, "archived_messages", table_kind::journal, messages_cols},
    {table_id::agent_credentials, "agent_credentials", table_kind::keyed, agent_credentials_cols},
}};

} // namespace

const table_def& def(table_id t) noexcept {
  return tables[static_cast<std::size_t>(t)];
}

std::span<const table_def> all_tables() noexcept {
  return tables;
}

} // namespace mc::persistence
