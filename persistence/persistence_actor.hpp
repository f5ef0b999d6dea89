// The persistence actor's interface: writers send a batch and get a reply only once it is
// committed. It drains every waiting write into one transaction (group commit), retries with
// backoff while the database is down, and coalesces soft state such as heartbeat timestamps.
#pragma once

#include "domain/clock.hpp"
#include "persistence/row.hpp"
#include "persistence/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mc::persistence {

using write_atom = caf::atom_constant<caf::atom("write")>;
using soft_write_atom = caf::atom_constant<caf::atom("softwrite")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using soft_tick_atom = caf::atom_constant<caf::atom("softtick")>;
using read_atom = caf::atom_constant<caf::atom("read")>;

/// The reply to a write: it is durable. `commit_no` counts the commits that carried writes.
struct write_ack {
  std::int64_t commit_no = 0;
};

struct persistence_status {
  /// True while the database is failing; `/health` reports `database: degraded`.
  bool degraded = false;
  std::int64_t pending_writes = 0;
  std::int64_t soft_rows = 0;
  std::int64_t commits = 0;
  std::int64_t writes = 0;
  std::string last_error;
};

using persistence_actor = caf::typed_actor<
    /// A write: replies once committed, or with an error (errc::unavailable after max_wait while
    /// the database is down, errc::invalid_input when the database rejects this very batch).
    caf::replies_to<write_atom, write_batch>::with<write_ack>,
    /// Soft state: the latest row per key is written at least every soft_interval. A later
    /// write of the same key supersedes it.
    caf::reacts_to<soft_write_atom, row>,
    /// Writes every soft row and every pending write now; replies when they are committed.
    caf::replies_to<sync_atom>::with<write_ack>,
    caf::replies_to<status_atom>::with<persistence_status>,
    /// The rows of a table whose text column equals a value, in key order (a task's journal
    /// when its actor first needs it). Reads wait behind the writes already queued.
    caf::replies_to<read_atom, table_id, std::string, std::string>::with<std::vector<row>>,
    // The actor's own timers.
    caf::reacts_to<flush_atom>, caf::reacts_to<retry_atom>, caf::reacts_to<soft_tick_atom>>;

struct persistence_config {
  /// Writes per commit at most.
  std::size_t max_batch = 1024;
  /// While the database is down, a write waits this long for a commit before it is answered
  /// with an error. Keep it below the writers' request timeout.
  std::chrono::milliseconds max_wait{5000};
  std::chrono::milliseconds retry_min{50};
  std::chrono::milliseconds retry_max{2000};
  /// How often soft state (heartbeats) reaches the database (SPEC §8: at least every 10 s).
  std::chrono::milliseconds soft_interval{10000};
};

/// Spawns the actor; `detached` gives it its own thread (production: its calls block). Tests
/// under CAF's test coordinator pass false so the coordinator drives it.
persistence_actor spawn_persistence(caf::actor_system& sys, std::shared_ptr<store> db,
                                    const clock& clk, persistence_config cfg, bool detached = true);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_ack& x) {
  return f(caf::meta::type_name("write_ack"), x.commit_no);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persistence_status& x) {
  return f(caf::meta::type_name("persistence_status"), x.degraded, x.pending_writes, x.soft_rows,
           x.commits, x.writes, x.last_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cell& x) {
  return f(caf::meta::type_name("cell"), x.k, x.i, x.s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, row& x) {
  return f(caf::meta::type_name("row"), x.table, x.seq, x.cells);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_batch& x) {
  return f(caf::meta::type_name("write_batch"), x.rows);
}

} // namespace mc::persistence
