// Durable writes per second through the persistence actor, group commit against one commit per
// write, on SQLite and Postgres with 1, 16 and 256 concurrent writers; then boot recovery time
// for 100,000 tasks and 1,000 agents. Prints a table; docs/PERFORMANCE.md records the figures.
#include "domain/clock.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/recovery.hpp"
#include "tests/support/pg_server.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

using namespace mc;
using namespace mc::persistence;
namespace fs = std::filesystem;
using go_atom = caf::atom_constant<caf::atom("go")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

write_batch one_task(std::int64_t n) {
  task t;
  t.id = "tsk_" + std::to_string(n);
  t.title = "benchmark task " + std::to_string(n);
  t.created_at = t.updated_at = n;
  return write_batch{{to_row(t)}};
}

/// Writes per commit in the last measured cell.
double last_batch = 0;

struct shared_counter {
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> acked{0};
  std::chrono::steady_clock::time_point deadline;
};

caf::behavior writer(caf::event_based_actor* self, persistence_actor db, shared_counter* c,
                     caf::actor done_to) {
  self->send(self, go_atom::value);
  return {[=](go_atom) {
    if (std::chrono::steady_clock::now() >= c->deadline) {
      self->send(done_to, done_atom::value);
      self->quit();
      return;
    }
    self->request(db, std::chrono::seconds(60), write_atom::value, one_task(c->next++))
        .then(
            [=](write_ack) {
              ++c->acked;
              self->send(self, go_atom::value);
            },
            [=](caf::error&) { self->send(self, go_atom::value); });
  }};
}

double measure(caf::actor_system& sys, std::shared_ptr<store> db, std::size_t max_batch,
               int writers, std::chrono::milliseconds run_for) {
  system_clock clk;
  persistence_config pc;
  pc.max_batch = max_batch;
  auto p = spawn_persistence(sys, db, clk, pc);
  shared_counter c;
  const auto start = std::chrono::steady_clock::now();
  c.deadline = start + run_for;
  caf::scoped_actor self{sys};
  for (int i = 0; i < writers; ++i)
    sys.spawn(writer, p, &c, caf::actor_cast<caf::actor>(self));
  for (int i = 0; i < writers; ++i)
    self->receive([](done_atom) {});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  self->request(p, std::chrono::seconds(10), status_atom::value)
      .receive(
          [&](persistence_status st) {
            last_batch =
                st.commits ? static_cast<double>(st.writes) / static_cast<double>(st.commits) : 0;
          },
          [](caf::error&) {});
  self->send_exit(p, caf::exit_reason::user_shutdown);
  return static_cast<double>(c.acked.load()) / secs;
}

void fill(store& db, std::int64_t tasks, std::int64_t agents) {
  const std::int64_t chunk = 5000;
  for (std::int64_t base = 0; base < tasks; base += chunk) {
    write_batch b;
    for (std::int64_t i = base; i < std::min(tasks, base + chunk); ++i) {
      task t;
      t.id = "tsk_" + std::to_string(i);
      t.title = "recovery task " + std::to_string(i);
      t.description = "a task with a plan, a checklist and a few labels";
      t.status = static_cast<task_status>(i % 8);
      t.assignee_ids = {"agent_" + std::to_string(i % agents)};
      t.labels = {"bench", "recovery"};
      t.work_plan = work_plan{{"read", "write", "review"}, std::nullopt, std::nullopt};
      t.created_at = t.updated_at = 1706745600000 + i;
      b.rows.push_back(to_row(t));
    }
    const write_batch* one[] = {&b};
    db.commit(one);
  }
  write_batch b;
  for (std::int64_t i = 0; i < agents; ++i) {
    agent a;
    a.id = "agent_" + std::to_string(i);
    a.name = "Agent " + std::to_string(i);
    b.rows.push_back(to_row(a));
  }
  const write_batch* one[] = {&b};
  db.commit(one);
}

struct target {
  const char* name;
  std::function<store_config()> fresh;
};

} // namespace

int main(int argc, char** argv) {
  const auto run_for = std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 2000);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};

  const auto base = fs::temp_directory_path() / ("mc-bench-" + std::to_string(::getpid()));
  int n = 0;
  auto& pg = mc::persistence::testing::shared_pg_server();
  target targets[] = {
      {"sqlite",
       [&] {
         return store_config{"", (base / std::to_string(n++)).string()};
       }},
      {"postgres",
       [&] {
         return store_config{pg.create_database("bench" + std::to_string(n++)), ""};
       }},
  };

  std::printf("durable single-entity writes/s through the persistence actor (%lld ms per cell)\n",
              static_cast<long long>(run_for.count()));
  std::printf("%-9s %-22s %10s %10s %10s\n", "store", "mode", "1", "16", "256");
  for (auto& t : targets) {
    for (std::size_t max_batch : {std::size_t{1024}, std::size_t{1}}) {
      std::printf("%-9s %-22s", t.name, max_batch == 1 ? "one commit per write" : "group commit");
      std::string batches;
      for (int writers : {1, 16, 256}) {
        std::shared_ptr<store> db = open_store(t.fresh());
        db->migrate();
        const double rate = measure(sys, db, max_batch, writers, run_for);
        std::printf(" %10.0f", rate);
        batches += " " + std::to_string(static_cast<int>(last_batch + 0.5));
        std::fflush(stdout);
      }
      std::printf("   (writes per commit:%s)\n", batches.c_str());
    }
  }

  std::printf("\nboot recovery, 100000 tasks + 1000 agents\n");
  for (auto& t : targets) {
    auto db = open_store(t.fresh());
    db->migrate();
    fill(*db, 100'000, 1'000);
    auto r = recover(*db);
    std::printf("%-9s %8lld ms  (%zu entities)\n", t.name, static_cast<long long>(r.elapsed_ms),
                r.entity_count());
  }
  fs::remove_all(base);
  return 0;
}
