// `verify-db` (SPEC §7): reads every table in one snapshot and lists every problem it finds —
// schema version, documents that do not parse or disagree with their columns, illegal statuses,
// missing required fields, dangling references, spend counters that disagree with the runs.
#pragma once

#include "persistence/backup.hpp"
#include "persistence/store.hpp"

#include <string>
#include <vector>

namespace mc::persistence {

struct db_problem {
  std::string table;
  /// The row's key: `id`/`key`, or the seq for journals.
  std::string key;
  std::string what;
  friend bool operator==(const db_problem&, const db_problem&) = default;
};

struct verify_options {
  /// Names that stand for people, not agents, where a reference may name either (task creator
  /// and reviewer, notification target). `human`, `operator` and `system` always count.
  std::vector<std::string> operator_names;
};

struct verify_report {
  int schema_version = 0;
  int expected_schema_version = 0;
  table_counts rows{};
  std::vector<db_problem> problems;
  /// The audit hash chain: records on it, records from before it began, and the hash of its
  /// last record (empty when none).
  std::int64_t audit_chained = 0;
  std::int64_t audit_unchained = 0;
  std::string audit_head;
  bool ok() const noexcept { return problems.empty(); }
};

/// Never writes. Throws store_error only when the store cannot be read at all.
///
/// Required fields (present, not null, not an empty string):
///   agents: id, name, role, status          tasks/archived_tasks: id, title, type, status
///   runs: id, agentId, model, status        approvals: id, requestorId, actionType, status
///   tool_calls: id, agentId, toolName, status   alerts: id, severity, type, title, status
///   notifications: id, target, channel, type, status   documents: id, name, type
///   transitions: taskId, to, actor          messages: id, taskId, type, author
///   audit: id, actorType, actorId, action, at   webhooks, policies, approval_decisions: a JSON
///   object document.
/// Counters: an agent's totalSpend and a task's actualCost must equal the sum of costUsd of their
/// runs. todaySpend is not checked: operators reset it (runbook "Reset Agent State").
/// Audit chain (audit_chain.hpp): every record after the chain began is hashed, links to the one
/// before it and matches its hash: a deleted, edited, inserted or moved record is a problem.
/// Records from before the chain (schema < 3) are counted, not problems. Deleting records at the
/// very end leaves a shorter valid chain: compare audit_head with one noted down elsewhere.
/// References are checked where the field must name a stored entity; audit records are history
/// and may name entities that never came to exist (a refused registration), so they are not.
verify_report verify_db(store& s, const verify_options& options = {});

} // namespace mc::persistence
