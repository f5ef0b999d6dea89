// Lines appended by any thread, written in batches by one thread of its own: the access log's
// way to a file or a pipe without a write(2) or a thread wake-up per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mc::http {

class batched_writer {
 public:
  struct options {
    /// The writer is woken when this much is pending; below it, it writes on its own cadence.
    std::size_t flush_bytes = 64 * 1024;
    /// An append waits for room while this much is pending (the writer is behind): a request
    /// waits rather than lose its line. About a second of access lines at full load.
    std::size_t max_pending = 4 * 1024 * 1024;
    /// What is pending is written at least this often.
    std::chrono::milliseconds interval{250};
    /// `sync` runs after a write when this long has passed since the last one, and at the end.
    std::chrono::milliseconds sync_every{1000};
  };
  using write_fn = std::function<void(std::string_view batch)>;
  using sync_fn = std::function<void()>;

  /// `write` and `sync` (which may be empty) run on the writer's thread only.
  batched_writer(write_fn write, sync_fn sync, options o);
  batched_writer(write_fn write, sync_fn sync)
      : batched_writer(std::move(write), std::move(sync), options{}) {}
  /// Returns once everything appended has been written (and synced).
  ~batched_writer();
  batched_writer(const batched_writer&) = delete;
  batched_writer& operator=(const batched_writer&) = delete;

  /// Thread-safe. `text` is written as given (a line brings its own newline).
  void append(std::string_view text);
  /// Asks for what is pending to be written now, without waiting for it.
  void flush();

 private:
  void run();
  void write_batch(std::unique_lock<std::mutex>& lock);

  const write_fn write_;
  const sync_fn sync_;
  const options opts_;

  std::mutex mutex_;
  std::condition_variable wake_; // the writer: something to do
  std::condition_variable room_; // appenders: the pending buffer has room again
  std::string pending_;          // appended, not yet taken by the writer
  std::string writing_;          // the batch being written, outside the lock
  bool woken_ = false;           // a wake-up for the current pending_ was already sent
  bool urgent_ = false;
  bool stop_ = false;
  bool unsynced_ = false;
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
  std::thread thread_; // last: started once everything above is ready
};

} // namespace mc::http
