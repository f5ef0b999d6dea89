// `cleanup` and `archive` (SPEC §7): what the store may forget, and what it moves out of the live
// tables. Each runs in one transaction and reports counts; `dry_run` only counts.
#pragma once

#include "persistence/store.hpp"

#include <cstdint>

namespace mc::persistence {

struct cleanup_result {
  /// Rows created before this instant were old enough.
  std::int64_t cutoff_ms = 0;
  bool dry_run = false;
  std::int64_t notifications = 0;
  std::int64_t alerts = 0;
  std::int64_t idempotency_keys = 0;
  std::int64_t total() const noexcept { return notifications + alerts + idempotency_keys; }
};

/// Deletes notifications that are delivered or expired and were created before now - older_than;
/// resolved alerts resolved (or, without resolvedAt, created) before the cutoff; idempotency
/// records whose expiry has passed (their own 24 h, whatever older_than says). Writes one audit
/// record of what it deleted, when it deleted anything.
cleanup_result cleanup(store& s, std::int64_t now_ms, std::int64_t older_than_ms,
                       bool dry_run = false);

struct archive_result {
  std::int64_t cutoff_ms = 0;
  bool dry_run = false;
  std::int64_t tasks = 0;
  std::int64_t transitions = 0;
  std::int64_t messages = 0;
};

/// Moves done and canceled tasks last updated before now - older_than to archived_tasks, and
/// their transitions and messages to archived_transitions / archived_messages, appended in their
/// original order (the archive journals number rows themselves; createdAt orders across tables).
/// Runs, tool calls, approvals and alerts stay where they are and may point at archived tasks.
/// Writes one audit record when it moved anything. Meant to run beside a live server: the tasks
/// it moves are terminal, so nothing changes them again (verify-db reports a task found in both
/// tables, should one be written after all).
archive_result archive(store& s, std::int64_t now_ms, std::int64_t older_than_ms,
                       bool dry_run = false);

} // namespace mc::persistence
