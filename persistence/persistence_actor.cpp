#include "persistence/persistence_actor.hpp"

#include "persistence/errc_caf.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace mc::persistence {
namespace {

struct pending_write {
  write_batch batch;
  /// Empty for soft rows: nobody waits for them.
  std::optional<caf::typed_response_promise<write_ack>> promise;
  std::int64_t enqueued_ms = 0;
};

struct persistence_state {
  static inline const char* name = "persistence";
  std::shared_ptr<store> db;
  const clock* clk = nullptr;
  persistence_config cfg;
  std::vector<pending_write> pending;
  std::map<std::pair<table_id, std::string>, row> soft;
  bool flush_scheduled = false;
  bool retry_scheduled = false;
  bool soft_tick_scheduled = false;
  bool degraded = false;
  std::chrono::milliseconds backoff{0};
  std::int64_t commits = 0;
  std::int64_t writes = 0;
  std::string last_error;
};

using self_ptr = persistence_actor::stateful_pointer<persistence_state>;

void answer(pending_write& w, caf::error err) {
  if (w.promise)
    w.promise->deliver(std::move(err));
}

void schedule_retry(self_ptr self) {
  auto& st = self->state;
  if (st.retry_scheduled)
    return;
  st.retry_scheduled = true;
  self->delayed_send(self, st.backoff, retry_atom::value);
  st.backoff = std::min(st.backoff * 2, st.cfg.retry_max);
}

void enter_degraded(self_ptr self, const std::string& what) {
  auto& st = self->state;
  if (!st.degraded)
    st.backoff = st.cfg.retry_min;
  st.degraded = true;
  st.last_error = what;
  schedule_retry(self);
}

/// Writes that waited longer than max_wait are answered with an error and dropped, so a write
/// reported as failed can never be committed later.
void expire_overdue(self_ptr self) {
  auto& st = self->state;
  const auto now = st.clk->now_ms();
  const auto limit = st.cfg.max_wait.count();
  auto overdue = [&](const pending_write& w) { return now - w.enqueued_ms >= limit; };
  for (auto& w : st.pending)
    if (overdue(w))
      answer(w, make_error(errc::unavailable, "database unavailable: " + st.last_error));
  std::erase_if(st.pending, overdue);
}

/// Commits the first `n` pending writes as one transaction. Returns false on a transient error
/// (the writes stay pending).
bool commit_front(self_ptr self, std::size_t n) {
  auto& st = self->state;
  std::vector<const write_batch*> batches;
  batches.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    batches.push_back(&st.pending[i].batch);
  try {
    st.db->commit(batches);
  } catch (const store_error& e) {
    if (e.transient()) {
      enter_degraded(self, e.what());
      return false;
    }
    if (n == 1) {
      answer(st.pending.front(), make_error(errc::invalid_input, e.what()));
      st.pending.erase(st.pending.begin());
      return true;
    }
    // One batch spoiled the group: commit them one by one so only that writer hears about it.
    for (std::size_t i = 0; i < n; ++i)
      if (!commit_front(self, 1))
        return false;
    return true;
  } catch (const std::exception& e) {
    enter_degraded(self, e.what());
    return false;
  }
  ++st.commits;
  st.writes += static_cast<std::int64_t>(n);
  st.degraded = false;
  st.backoff = st.cfg.retry_min;
  for (std::size_t i = 0; i < n; ++i)
    if (st.pending[i].promise)
      st.pending[i].promise->deliver(write_ack{st.commits});
  st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<std::ptrdiff_t>(n));
  return true;
}

/// Commits everything pending, max_batch writes per transaction, until done or the database
/// fails. Callers skip it while degraded; only the retry timer probes a failing database.
void flush(self_ptr self) {
  auto& st = self->state;
  while (!st.pending.empty())
    if (!commit_front(self, std::min(st.pending.size(), st.cfg.max_batch)))
      break;
}

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_scheduled || st.degraded)
    return;
  st.flush_scheduled = true;
  // Queued behind every write already in the mailbox: when it arrives, they are all pending.
  self->send(self, flush_atom::value);
}

void move_soft_rows_to_pending(self_ptr self) {
  auto& st = self->state;
  if (st.soft.empty())
    return;
  pending_write w;
  w.enqueued_ms = st.clk->now_ms();
  for (auto& [key, r] : st.soft)
    w.batch.rows.push_back(std::move(r));
  st.soft.clear();
  st.pending.push_back(std::move(w));
}

persistence_actor::behavior_type persistence_impl(self_ptr self, std::shared_ptr<store> db,
                                                  const clock* clk, persistence_config cfg) {
  auto& st = self->state;
  st.db = std::move(db);
  st.clk = clk;
  st.cfg = cfg;
  st.backoff = cfg.retry_min;
  return {
      [self](write_atom, write_batch& batch) -> caf::typed_response_promise<write_ack> {
        auto& s = self->state;
        for (const auto& r : batch.rows)
          if (!s.soft.empty())
            s.soft.erase({r.table, r.key()});
        auto rp = self->make_response_promise<write_ack>();
        s.pending.push_back({std::move(batch), rp, s.clk->now_ms()});
        if (s.degraded)
          schedule_retry(self);
        else if (s.pending.size() >= s.cfg.max_batch)
          flush(self);
        else
          schedule_flush(self);
        return rp;
      },
      [self](soft_write_atom, row& r) {
        auto& s = self->state;
        auto key = std::make_pair(r.table, r.key());
        s.soft.insert_or_assign(std::move(key), std::move(r));
        if (!s.soft_tick_scheduled) {
          s.soft_tick_scheduled = true;
          self->delayed_send(self, s.cfg.soft_interval, soft_tick_atom::value);
        }
      },
      [self](sync_atom) -> caf::typed_response_promise<write_ack> {
        auto& s = self->state;
        move_soft_rows_to_pending(self);
        auto rp = self->make_response_promise<write_ack>();
        // An empty batch at the back: answered when everything before it has committed.
        s.pending.push_back({write_batch{}, rp, s.clk->now_ms()});
        if (s.degraded)
          schedule_retry(self);
        else
          flush(self);
        return rp;
      },
      [self](status_atom) {
        auto& s = self->state;
        return persistence_status{s.degraded,
                                  static_cast<std::int64_t>(s.pending.size()),
                                  static_cast<std::int64_t>(s.soft.size()),
                                  s.commits,
                                  s.writes,
                                  s.last_error};
      },
      [self](read_atom, table_id table, const std::string& column,
             const std::string& value) -> caf::result<std::vector<row>> {
        auto& s = self->state;
        // Everything acknowledged so far is committed; flush what is queued so the read sees it.
        if (!s.degraded)
          flush(self);
        std::vector<row> out;
        try {
          scan_filter f;
          f.equals_column = column;
          f.equals_value = cell::of(value);
          s.db->transact(
              [&](store_txn& txn) {
                txn.scan(table, f, [&](const row& r) {
                  out.push_back(r);
                  return true;
                });
              },
              /*read_only=*/true);
        } catch (const std::exception& e) {
          return make_error(errc::unavailable, e.what());
        }
        return out;
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        if (!self->state.degraded)
          flush(self);
      },
      [self](retry_atom) {
        auto& s = self->state;
        s.retry_scheduled = false;
        expire_overdue(self);
        bool back = false;
        try {
          back = s.db->reconnect();
        } catch (const std::exception& e) {
          s.last_error = e.what();
        }
        if (!back) {
          schedule_retry(self);
          return;
        }
        if (s.pending.empty()) {
          s.degraded = false; // reachable again, and nothing to prove it with
          s.backoff = s.cfg.retry_min;
          return;
        }
        flush(self); // a successful commit clears `degraded`; a failure schedules the next retry
      },
      [self](soft_tick_atom) {
        auto& s = self->state;
        s.soft_tick_scheduled = false;
        move_soft_rows_to_pending(self);
        if (s.degraded)
          schedule_retry(self);
        else
          flush(self);
      },
  };
}

} // namespace

persistence_actor spawn_persistence(caf::actor_system& sys, std::shared_ptr<store> db,
                                    const clock& clk, persistence_config cfg, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(persistence_impl, std::move(db), &clk, cfg);
  return sys.spawn(persistence_impl, std::move(db), &clk, cfg);
}

} // namespace mc::persistence
