// Postgres stopped and restarted under load: the persistence actor reports degraded, keeps every
// write pending instead of acknowledging it, and recovers by itself once the server is back.
// No acknowledged write is lost. The test waits on events (a failed commit, a commit after the
// restart), never on a sleep.
#include "persistence/entity_rows.hpp"
#include "persistence/persistence_actor.hpp"
#include "tests/support/pg_server.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

namespace mc::persistence {
namespace {

const auto* const pg_env = ::testing::AddGlobalTestEnvironment(new testing::pg_environment);

using go_atom = caf::atom_constant<caf::atom("go")>;

/// Counts commit outcomes of a real store and lets the test wait for them.
class observed_store final : public store {
 public:
  explicit observed_store(std::unique_ptr<store> inner) : inner_(std::move(inner)) {}

  std::string_view dialect() const noexcept override { return inner_->dialect(); }
  std::string describe() const override { return inner_->describe(); }
  int schema_version() override { return inner_->schema_version(); }
  int migrate() override { return inner_->migrate(); }
  void transact(const std::function<void(store_txn&)>& fn, bool ro) override {
    inner_->transact(fn, ro);
  }
  void commit(std::span<const write_batch* const> batches) override {
    try {
      inner_->commit(batches);
    } catch (...) {
      note(false);
      throw;
    }
    note(true);
  }
  bool reconnect() override { return inner_->reconnect(); }
  bool try_claim_server_lock() override { return inner_->try_claim_server_lock(); }
  void release_server_lock() override { inner_->release_server_lock(); }

  /// Waits until `pred(failures, successes)` holds; false after a generous safety bound.
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(60),
                        [&] { return pred(failures_, successes_); });
  }
  int successes() {
    std::lock_guard lock(mutex_);
    return successes_;
  }

 private:
  void note(bool ok) {
    {
      std::lock_guard lock(mutex_);
      ++(ok ? successes_ : failures_);
    }
    cv_.notify_all();
  }

  std::unique_ptr<store> inner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int failures_ = 0;
  int successes_ = 0;
};

struct ledger {
  std::mutex mutex;
  std::set<std::int64_t> acked;
  std::atomic<std::int64_t> next{1};
  std::atomic<bool> stop{false};
};

write_batch batch_for(std::int64_t n) {
  task t;
  t.id = "tsk_" + std::to_string(n);
  t.title = "outage write";
  return write_batch{{to_row(t), to_row(transition{t.id, std::nullopt, task_status::inbox, "t",
                                                   "created", std::nullopt, n})}};
}

caf::behavior writer(caf::event_based_actor* self, persistence_actor db, ledger* l) {
  self->send(self, go_atom::value);
  return {[=](go_atom) {
    if (l->stop) {
      self->quit();
      return;
    }
    const auto n = l->next++;
    self->request(db, std::chrono::seconds(120), write_atom::value, batch_for(n))
        .then(
            [=](write_ack) {
              {
                std::lock_guard lock(l->mutex);
                l->acked.insert(n);
              }
              self->send(self, go_atom::value);
            },
            [=](caf::error&) { self->send(self, go_atom::value); });
  }};
}

persistence_status status_of(caf::actor_system& sys, const persistence_actor& p) {
  caf::scoped_actor self{sys};
  persistence_status out;
  self->request(p, std::chrono::seconds(10), status_atom::value)
      .receive([&](persistence_status s) { out = s; }, [](caf::error&) {});
  return out;
}

TEST(PersistencePostgresOutage, NoAcknowledgedWriteIsLostAndTheActorRecoversByItself) {
  auto& pg = testing::shared_pg_server();
  const auto url = pg.create_database(pg.fresh_database_name("outage"));
  auto inner = open_store({url, ""});
  inner->migrate();
  auto db = std::make_shared<observed_store>(std::move(inner));

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  system_clock clk;
  persistence_config pc;
  pc.max_wait = std::chrono::seconds(60); // long enough to ride out the restart
  pc.retry_max = std::chrono::milliseconds(200);
  auto p = spawn_persistence(sys, db, clk, pc);
  ledger l;
  for (int i = 0; i < 16; ++i)
    sys.spawn(writer, p, &l);

  ASSERT_TRUE(db->wait([](int, int ok) { return ok >= 50; })) << "no progress before the outage";
  pg.stop();
  ASSERT_TRUE(db->wait([](int failed, int) { return failed >= 1; })) << "no failed commit";
  EXPECT_TRUE(status_of(sys, p).degraded);
  std::size_t acked_during_outage;
  {
    std::lock_guard lock(l.mutex);
    acked_during_outage = l.acked.size();
  }

  pg.start();
  const int before = db->successes();
  ASSERT_TRUE(db->wait([before](int, int ok) { return ok >= before + 50; }))
      << "the actor did not recover by itself";
  l.stop = true;
  EXPECT_FALSE(status_of(sys, p).degraded);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();

  std::set<std::int64_t> stored;
  auto check = open_store({url, ""});
  check->transact(
      [&](store_txn& txn) {
        txn.scan(table_id::tasks, {}, [&](const row& r) {
          stored.insert(std::stoll(r.at("id").s.substr(4)));
          return true;
        });
      },
      true);
  std::size_t lost = 0;
  for (auto n : l.acked)
    lost += stored.count(n) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u);
  EXPECT_GT(l.acked.size(), acked_during_outage);
}

} // namespace
} // namespace mc::persistence
