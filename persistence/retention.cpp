#include "persistence/retention.hpp"

#include "domain/age_text.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "persistence/backup.hpp"
#include "persistence/entity_rows.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace mc::persistence {
namespace {

std::int64_t cutoff_of(std::int64_t now_ms, std::int64_t older_than_ms) {
  const auto lowest = std::numeric_limits<std::int64_t>::min();
  return older_than_ms > 0 && now_ms < lowest + older_than_ms ? lowest : now_ms - older_than_ms;
}

scan_filter with_status(std::string_view status, std::string_view range_column,
                        std::int64_t before) {
  scan_filter f;
  f.equals_column = "status";
  f.equals_value = cell::of(std::string(status));
  f.range_column = range_column;
  f.range_to = before;
  return f;
}

std::vector<std::string> keys_of(store_txn& txn, table_id t, const scan_filter& f) {
  std::vector<std::string> keys;
  txn.scan(t, f, [&](const row& r) {
    keys.push_back(r.key());
    return true;
  });
  return keys;
}

/// Every mutation leaves an audit record (SPEC §2); these are run by an operator from the CLI.
void audit(store_txn& txn, std::int64_t now_ms, std::string action, std::int64_t older_than_ms,
           boost::json::object counts) {
  manual_clock at(now_ms);
  id_generator ids(at);
  audit_record a;
  a.id = ids.next(id_prefix::activity);
  a.actor_type = "operator";
  a.actor_id = "cli";
  a.action = std::move(action);
  a.at = now_ms;
  a.reason = "older than " + format_age(older_than_ms);
  a.after = json_text{boost::json::serialize(counts)};
  const row r = to_row(a);
  txn.write({&r, 1});
}

} // namespace

cleanup_result cleanup(store& s, std::int64_t now_ms, std::int64_t older_than_ms, bool dry_run) {
  require_latest_schema(s);
  cleanup_result out;
  out.cutoff_ms = cutoff_of(now_ms, older_than_ms);
  out.dry_run = dry_run;
  s.transact(
      [&](store_txn& txn) {
        // Keys first, deletes after: a scan is never open over rows being deleted.
        std::vector<std::string> notifications;
        for (const auto status : {notification_status::delivered, notification_status::expired}) {
          auto keys = keys_of(txn, table_id::notifications,
                              with_status(to_string(status), "created_at", out.cutoff_ms));
          notifications.insert(notifications.end(), keys.begin(), keys.end());
        }
        std::vector<std::string> alerts;
        // resolvedAt >= createdAt, so alerts created after the cutoff cannot qualify.
        txn.scan(table_id::alerts,
                 with_status(to_string(alert_status::resolved), "created_at", out.cutoff_ms),
                 [&](const row& r) {
                   try {
                     const auto a = from_row<alert>(r);
                     if (a.resolved_at.value_or(a.created_at) < out.cutoff_ms)
                       alerts.push_back(r.key());
                   } catch (const std::exception&) {
                     // An unreadable alert stays for verify-db to report.
                   }
                   return true;
                 });
        scan_filter expired;
        expired.range_column = "expires_at";
        expired.range_to = now_ms;
        const auto idempotency = keys_of(txn, table_id::idempotency, expired);

        out.notifications = static_cast<std::int64_t>(notifications.size());
        out.alerts = static_cast<std::int64_t>(alerts.size());
        out.idempotency_keys = static_cast<std::int64_t>(idempotency.size());
        if (dry_run || out.total() == 0)
          return;
        for (const auto& k : notifications)
          txn.remove(table_id::notifications, k);
        for (const auto& k : alerts)
          txn.remove(table_id::alerts, k);
        for (const auto& k : idempotency)
          txn.remove(table_id::idempotency, k);
        audit(txn, now_ms, "cleanup", older_than_ms,
              {{"notifications", out.notifications},
               {"alerts", out.alerts},
               {"idempotencyKeys", out.idempotency_keys}});
      },
      dry_run);
  return out;
}

archive_result archive(store& s, std::int64_t now_ms, std::int64_t older_than_ms, bool dry_run) {
  require_latest_schema(s);
  archive_result out;
  out.cutoff_ms = cutoff_of(now_ms, older_than_ms);
  out.dry_run = dry_run;
  s.transact(
      [&](store_txn& txn) {
        std::vector<std::string> ids;
        for (const auto status : {task_status::done, task_status::canceled}) {
          auto keys = keys_of(txn, table_id::tasks,
                              with_status(to_string(status), "updated_at", out.cutoff_ms));
          ids.insert(ids.end(), keys.begin(), keys.end());
        }
        std::sort(ids.begin(), ids.end());
        out.tasks = static_cast<std::int64_t>(ids.size());

        const std::pair<table_id, table_id> threads[] = {
            {table_id::transitions, table_id::archived_transitions},
            {table_id::messages, table_id::archived_messages}};
        for (const std::string& id : ids) {
          for (const auto& [from, to] : threads) {
            scan_filter of_task;
            of_task.equals_column = "task_id";
            of_task.equals_value = cell::of(id);
            std::vector<row> rows;
            txn.scan(from, of_task, [&](const row& r) {
              rows.push_back(r);
              return true;
            });
            (from == table_id::transitions ? out.transitions : out.messages) +=
                static_cast<std::int64_t>(rows.size());
            if (dry_run || rows.empty())
              continue;
            // Appended in their original order under new seqs: SQLite hands a deleted journal
            // row's seq out again, so original seqs could collide in the archive later.
            std::vector<std::string> seqs;
            for (row& r : rows) {
              seqs.push_back(std::to_string(r.seq));
              r.table = to;
              r.seq = 0;
            }
            txn.write(rows);
            for (const std::string& seq : seqs)
              txn.remove(from, seq);
          }
          if (dry_run)
            continue;
          if (auto t = txn.get(table_id::tasks, id)) {
            t->table = table_id::archived_tasks;
            txn.write({&*t, 1});
            txn.remove(table_id::tasks, id);
          }
        }
        if (!dry_run && out.tasks > 0)
          audit(
              txn, now_ms, "archive", older_than_ms,
              {{"tasks", out.tasks}, {"transitions", out.transitions}, {"messages", out.messages}});
      },
      dry_run);
  return out;
}

} // namespace mc::persistence
