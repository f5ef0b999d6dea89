// One thread with its own read connection to the database, for the routes that read the store
// directly (the audit export's pages, the stats overview): their reads never run on an I/O thread
// or an actor, and never queue behind the persistence actor's writes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace mc::persistence {
class store;
}

namespace mc::http {

class store_reader {
 public:
  /// Opens the reader's connection (lazily, on the first job, and again after a failure).
  using open_fn = std::function<std::unique_ptr<persistence::store>()>;
  /// Runs on the reader's thread with its connection; nullptr when the database cannot be
  /// opened (the job answers 503). Whatever it throws is swallowed (the job must answer itself);
  /// a persistence::store_error also drops the connection so the next job reconnects.
  using job = std::function<void(persistence::store*)>;

  explicit store_reader(open_fn open);
  ~store_reader();
  store_reader(const store_reader&) = delete;
  store_reader& operator=(const store_reader&) = delete;

  /// Queues `j`; false (and `j` dropped) once the reader is stopping.
  bool post(job j);
  /// Runs the jobs already queued, then ends the thread. Safe to call twice.
  void stop();

 private:
  void run();

  open_fn open_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::unique_ptr<persistence::store> db_;
  std::thread thread_;
};

} // namespace mc::http
