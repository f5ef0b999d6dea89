// The persistence actor under CAF's deterministic scheduler: group commit, bounded batches,
// retry while the database is down, bounded waits, isolation of a bad batch, soft writes.
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/persistence_actor.hpp"
#include "tests/support/faulty_store.hpp"

#include <caf/all.hpp>
#include <caf/test/dsl.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <vector>

namespace mc::persistence {
using ::test_coordinator_fixture;
namespace {

namespace fs = std::filesystem;

task make_task(const std::string& id, const std::string& title = "t") {
  task t;
  t.id = id;
  t.title = title;
  return t;
}

write_batch batch_of(const task& t) {
  write_batch b;
  b.rows.push_back(to_row(t));
  b.rows.push_back(to_row(
      transition{t.id, std::nullopt, task_status::inbox, "human", "created", std::nullopt, 1}));
  return b;
}

/// What a writer got back.
struct outcome {
  std::optional<write_ack> ack;
  std::optional<errc> error;
};

class PersistenceActor : public ::testing::Test,
                         public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  PersistenceActor() {
    dir = fs::temp_directory_path() /
          ("mc-pa-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    auto inner = open_store({"", dir.string()});
    inner->migrate();
    auto f = std::make_shared<testing::faulty_store>(std::move(inner));
    db = f.get();
    holder = f;
  }

  ~PersistenceActor() override {
    if (actor)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    drain();
    fs::remove_all(dir);
  }

  void start(persistence_config pc = {}) {
    actor = spawn_persistence(sys, holder, clock, pc, /*detached=*/false);
  }

  /// Runs every queued message, but fires no timer: time moves only when a test says so.
  void drain() {
    while (sched.try_run_once()) {
    }
  }

  /// Sends a write from a fresh client actor that records the reply.
  std::shared_ptr<outcome> write(write_batch b) {
    auto out = std::make_shared<outcome>();
    auto target = actor;
    sys.spawn([out, target, b = std::move(b)](caf::event_based_actor* client) mutable {
      client->request(target, caf::infinite, write_atom::value, std::move(b))
          .then([out](write_ack a) { out->ack = a; },
                [out](caf::error& e) {
                  out->error =
                      e.category() == errc_category ? static_cast<errc>(e.code()) : errc::internal;
                });
    });
    return out;
  }

  void soft_write(row r) { caf::anon_send(actor, soft_write_atom::value, std::move(r)); }

  persistence_status status() {
    auto st = std::make_shared<persistence_status>();
    auto target = actor;
    sys.spawn([st, target](caf::event_based_actor* client) {
      client->request(target, caf::infinite, status_atom::value)
          .then([st](persistence_status s) { *st = s; }, [](caf::error&) {});
    });
    drain();
    return *st;
  }

  std::optional<row> stored_task(const std::string& id) {
    std::optional<row> out;
    db->transact([&](store_txn& txn) { out = txn.get(table_id::tasks, id); }, true);
    return out;
  }

  std::int64_t count(table_id t) {
    std::int64_t n = 0;
    db->transact([&](store_txn& txn) { n = txn.count(t); }, true);
    return n;
  }

  static inline int counter = 0;
  fs::path dir;
  manual_clock clock{1'000'000};
  std::shared_ptr<store> holder;
  testing::faulty_store* db = nullptr;
  persistence_actor actor;
};

TEST_F(PersistenceActor, WritesWaitingTogetherShareOneCommit) {
  start();
  std::vector<std::shared_ptr<outcome>> outs;
  for (int i = 0; i < 100; ++i)
    outs.push_back(write(batch_of(make_task("tsk_" + std::to_string(i)))));
  drain();
  EXPECT_EQ(db->successful_commits, 1);
  EXPECT_EQ(db->last_commit_batches, 100u);
  for (auto& o : outs) {
    ASSERT_TRUE(o->ack.has_value());
    EXPECT_EQ(o->ack->commit_no, 1);
  }
  EXPECT_EQ(count(table_id::tasks), 100);
  EXPECT_EQ(count(table_id::transitions), 100);
}

TEST_F(PersistenceActor, BatchesAreBounded) {
  persistence_config pc;
  pc.max_batch = 10;
  start(pc);
  std::vector<std::shared_ptr<outcome>> outs;
  for (int i = 0; i < 25; ++i)
    outs.push_back(write(batch_of(make_task("tsk_" + std::to_string(i)))));
  drain();
  EXPECT_EQ(db->successful_commits, 3);
  for (auto& o : outs)
    EXPECT_TRUE(o->ack.has_value());
  EXPECT_EQ(count(table_id::tasks), 25);
}

TEST_F(PersistenceActor, NothingIsAcknowledgedWhileTheDatabaseIsDown) {
  start();
  db->down = true;
  auto o = write(batch_of(make_task("tsk_a")));
  drain();
  EXPECT_FALSE(o->ack.has_value());
  EXPECT_FALSE(o->error.has_value());
  EXPECT_TRUE(status().degraded);
  EXPECT_EQ(status().pending_writes, 1);

  // Still down at the first retry: nothing changes.
  sched.trigger_timeout();
  drain();
  EXPECT_FALSE(o->ack.has_value());

  db->down = false;
  sched.trigger_timeout();
  drain();
  ASSERT_TRUE(o->ack.has_value());
  EXPECT_TRUE(stored_task("tsk_a").has_value());
  EXPECT_FALSE(status().degraded);
}

TEST_F(PersistenceActor, WritersGiveUpAfterTheBoundedWaitAndTheirWriteNeverLands) {
  persistence_config pc;
  pc.max_wait = std::chrono::milliseconds(5000);
  start(pc);
  db->down = true;
  auto early = write(batch_of(make_task("tsk_early")));
  drain();
  clock.advance(std::chrono::milliseconds(3000));
  auto late = write(batch_of(make_task("tsk_late")));
  drain();

  clock.advance(std::chrono::milliseconds(2000)); // early has waited 5 s, late 2 s
  sched.trigger_timeout();
  drain();
  ASSERT_TRUE(early->error.has_value());
  EXPECT_EQ(*early->error, errc::unavailable);
  EXPECT_FALSE(late->error.has_value());

  db->down = false;
  sched.trigger_timeout();
  drain();
  EXPECT_TRUE(late->ack.has_value());
  EXPECT_FALSE(stored_task("tsk_early").has_value());
  EXPECT_TRUE(stored_task("tsk_late").has_value());
}

TEST_F(PersistenceActor, RetriesBackOff) {
  persistence_config pc;
  pc.retry_min = std::chrono::milliseconds(50);
  pc.retry_max = std::chrono::milliseconds(400);
  start(pc);
  db->down = true;
  write(batch_of(make_task("tsk_a")));
  drain();
  // Each retry fires only once its (growing) delay has passed.
  std::vector<int> delays;
  for (int attempt = 0; attempt < 5; ++attempt) {
    int waited = 0;
    while (sched.advance_time(std::chrono::milliseconds(10)) == 0)
      waited += 10;
    drain();
    delays.push_back(waited + 10);
  }
  EXPECT_EQ(delays, (std::vector<int>{50, 100, 200, 400, 400}));
}

TEST_F(PersistenceActor, ABadBatchFailsAloneAndTheOthersCommit) {
  start();
  auto good1 = write(batch_of(make_task("tsk_1")));
  write_batch bad;
  bad.rows.push_back(to_row(make_task("tsk_bad")));
  bad.rows.back().cells.back() = cell::null(); // doc is NOT NULL
  auto broken = write(std::move(bad));
  auto good2 = write(batch_of(make_task("tsk_2")));
  drain();
  EXPECT_TRUE(good1->ack.has_value());
  EXPECT_TRUE(good2->ack.has_value());
  ASSERT_TRUE(broken->error.has_value());
  EXPECT_EQ(*broken->error, errc::invalid_input);
  EXPECT_FALSE(stored_task("tsk_bad").has_value());
  EXPECT_EQ(count(table_id::tasks), 2);
}

TEST_F(PersistenceActor, SoftWritesAreCoalescedUntilTheInterval) {
  start();
  for (int i = 0; i < 50; ++i) {
    agent a;
    a.id = "jordan";
    a.last_heartbeat = i;
    soft_write(to_row(a));
  }
  drain();
  EXPECT_EQ(db->commit_calls, 0);
  EXPECT_EQ(status().soft_rows, 1);
  sched.trigger_timeout(); // the soft interval elapses
  drain();
  EXPECT_EQ(db->successful_commits, 1);
  std::optional<row> r;
  db->transact([&](store_txn& txn) { r = txn.get(table_id::agents, "jordan"); }, true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(from_row<agent>(*r).last_heartbeat, 49);
}

TEST_F(PersistenceActor, AWriteOfTheSameKeySupersedesSoftState) {
  start();
  agent soft;
  soft.id = "jordan";
  soft.last_heartbeat = 1;
  soft_write(to_row(soft));
  agent hard = soft;
  hard.last_heartbeat = 2;
  hard.status = agent_status::paused;
  write_batch b;
  b.rows.push_back(to_row(hard));
  auto o = write(std::move(b));
  drain();
  EXPECT_TRUE(o->ack.has_value());
  EXPECT_EQ(status().soft_rows, 0);
}

TEST_F(PersistenceActor, SyncWritesSoftStateNow) {
  start();
  agent a;
  a.id = "jordan";
  a.last_heartbeat = 7;
  soft_write(to_row(a));
  auto done = std::make_shared<bool>(false);
  auto target = actor;
  sys.spawn([done, target](caf::event_based_actor* client) {
    client->request(target, caf::infinite, sync_atom::value)
        .then([done](write_ack) { *done = true; }, [](caf::error&) {});
  });
  drain();
  EXPECT_TRUE(*done);
  EXPECT_EQ(count(table_id::agents), 1);
}

} // namespace
} // namespace mc::persistence
