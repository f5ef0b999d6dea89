// Boot recovery: reads back every snapshot the runtime needs to rebuild itself (agents, tasks,
// pending approvals, pending notifications, open alerts) and says how long that took.
#pragma once

#include "domain/entities.hpp"
#include "domain/governance.hpp"
#include "persistence/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mc::persistence {

struct recovered_state {
  std::vector<agent> agents;
  /// (agent id, SHA-256 hex of its token) for every agent that has a token.
  std::vector<std::pair<std::string, std::string>> agent_token_hashes;
  std::vector<task> tasks;
  std::vector<approval> pending_approvals;
  std::vector<notification> pending_notifications;
  std::vector<alert> open_alerts;
  /// Rows whose document could not be read, as "table/key: problem" (verify-db explains more).
  std::vector<std::string> unreadable;
  /// Every approval, decided ones too (`GET /api/approvals?status=approved` lists them).
  std::vector<approval> approvals;
  std::int64_t elapsed_ms = 0;
  /// Every run and tool call, for the run ledger (GET /api/runs, cost reports).
  std::vector<run> runs;
  std::vector<tool_call> tool_calls;
  /// Resolved alerts and settled (non-pending) notifications, so the lists can show them too.
  std::vector<alert> resolved_alerts;
  std::vector<notification> settled_notifications;
  std::vector<webhook> webhooks;
  /// The newest stored policy version; none when the built-in default was never replaced.
  std::optional<policy_version> policy;

  std::size_t entity_count() const noexcept {
    return agents.size() + tasks.size() + pending_approvals.size() + pending_notifications.size() +
           open_alerts.size();
  }
};

/// Reads everything in one consistent read-only transaction. Timers (approval expiry, webhook
/// retries) are derived from the loaded entities' own times.
recovered_state recover(store& db);

} // namespace mc::persistence
