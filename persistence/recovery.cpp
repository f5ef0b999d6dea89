#include "persistence/recovery.hpp"

#include "persistence/entity_rows.hpp"
#include "persistence/governance_rows.hpp"

#include <chrono>
#include <exception>

namespace mc::persistence {
namespace {

template <class T>
void load(store_txn& txn, table_id t, const scan_filter& filter, std::vector<T>& out,
          std::vector<std::string>& unreadable) {
  txn.scan(t, filter, [&](const row& r) {
    try {
      out.push_back(from_row<T>(r));
    } catch (const std::exception& e) {
      unreadable.push_back(std::string(def(t).name) + "/" + r.key() + ": " + e.what());
    }
    return true;
  });
}

scan_filter status_is(std::string_view status) {
  scan_filter f;
  f.equals_column = "status";
  f.equals_value = cell::of(std::string(status));
  return f;
}

} // namespace

recovered_state recover(store& db) {
  const auto start = std::chrono::steady_clock::now();
  recovered_state out;
  db.transact(
      [&](store_txn& txn) {
        load(txn, table_id::agents, {}, out.agents, out.unreadable);
        txn.scan(table_id::agent_credentials, {}, [&](const row& r) {
          out.agent_token_hashes.emplace_back(r.at("key").s, r.at("token_hash").s);
          return true;
        });
        out.tasks.reserve(static_cast<std::size_t>(txn.count(table_id::tasks)));
        load(txn, table_id::tasks, {}, out.tasks, out.unreadable);
        load(txn, table_id::approvals, status_is("pending"), out.pending_approvals, out.unreadable);
        load(txn, table_id::notifications, status_is("pending"), out.pending_notifications,
             out.unreadable);
        load(txn, table_id::alerts, status_is("open"), out.open_alerts, out.unreadable);
        load(txn, table_id::alerts, status_is("acknowledged"), out.open_alerts, out.unreadable);
        load(txn, table_id::approvals, {}, out.approvals, out.unreadable);
        load(txn, table_id::runs, {}, out.runs, out.unreadable);
        load(txn, table_id::tool_calls, {}, out.tool_calls, out.unreadable);
        load(txn, table_id::alerts, status_is("resolved"), out.resolved_alerts, out.unreadable);
        for (auto status : {"delivered", "failed", "expired"})
          load(txn, table_id::notifications, status_is(status), out.settled_notifications,
               out.unreadable);
        txn.scan(table_id::webhooks, {}, [&](const row& r) {
          try {
            out.webhooks.push_back(webhook_from_row(r));
          } catch (const std::exception& e) {
            out.unreadable.push_back("webhooks/" + r.key() + ": " + e.what());
          }
          return true;
        });
        // Keys are zero-padded version numbers: the last row read is the newest version.
        txn.scan(table_id::policies, {}, [&](const row& r) {
          try {
            auto v = policy_version_from_row(r);
            if (!out.policy || v.version > out.policy->version)
              out.policy = std::move(v);
          } catch (const std::exception& e) {
            out.unreadable.push_back("policies/" + r.key() + ": " + e.what());
          }
          return true;
        });
      },
      /*read_only=*/true);
  out.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  return out;
}

} // namespace mc::persistence
