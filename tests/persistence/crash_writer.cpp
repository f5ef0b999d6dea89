// The child process of the crash test: writes through the persistence actor as fast as it can
// and prints the number of every acknowledged write, one per line, until it is killed.
// Each write is a task snapshot, its creation transition and an audit record: all or nothing.
#include "domain/clock.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

using namespace mc;
using namespace mc::persistence;
using go_atom = caf::atom_constant<caf::atom("go")>;

write_batch batch_for(std::int64_t n) {
  const std::string id = "tsk_" + std::to_string(n);
  task t;
  t.id = id;
  t.title = "crash write " + std::to_string(n);
  t.created_at = t.updated_at = n;
  audit_record a;
  a.id = "act_" + std::to_string(n);
  a.action = "task.create";
  a.task_id = id;
  a.at = n;
  write_batch b;
  b.rows = {
      to_row(t),
      to_row(transition{id, std::nullopt, task_status::inbox, "crash", "created", std::nullopt, n}),
      to_row(a)};
  return b;
}

void report(std::int64_t n) {
  // One write(2) per line: atomic on a pipe, and nothing sits in a buffer when SIGKILL comes.
  const std::string line = std::to_string(n) + "\n";
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0)
    std::_Exit(3);
}

caf::behavior writer(caf::event_based_actor* self, persistence_actor db,
                     std::atomic<std::int64_t>* next) {
  self->send(self, go_atom::value);
  return {[=](go_atom) {
    const auto n = next->fetch_add(1);
    self->request(db, std::chrono::seconds(30), write_atom::value, batch_for(n))
        .then(
            [=](write_ack) {
              report(n);
              self->send(self, go_atom::value);
            },
            [=](caf::error&) { self->send(self, go_atom::value); });
  }};
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: mc_crash_writer DATABASE_URL|'' DATA_DIR FIRST_NUMBER WRITERS\n";
    return 2;
  }
  store_config sc{argv[1], argv[2]};
  const std::int64_t first = std::atoll(argv[3]);
  const int writers = std::atoi(argv[4]);

  std::shared_ptr<store> db = open_store(sc);
  db->migrate();

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  system_clock clk;
  auto p = spawn_persistence(sys, db, clk, {});
  std::atomic<std::int64_t> next{first};
  for (int i = 0; i < writers; ++i)
    sys.spawn(writer, p, &next);
  sys.await_all_actors_done();
  return 0;
}
