#include "http/batched_writer.hpp"

namespace mc::http {

batched_writer::batched_writer(write_fn write, sync_fn sync, options o)
    : write_(std::move(write)), sync_(std::move(sync)), opts_(o), thread_([this] { run(); }) {}

batched_writer::~batched_writer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  room_.notify_all();
  thread_.join();
}

void batched_writer::append(std::string_view text) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return pending_.size() < opts_.max_pending || stop_; });
  pending_.append(text);
  // One wake-up per batch: a notify per line would be a futex call per request.
  if (!woken_ && pending_.size() >= opts_.flush_bytes) {
    woken_ = true;
    lock.unlock();
    wake_.notify_one();
  }
}

void batched_writer::flush() {
  {
    std::lock_guard lock(mutex_);
    urgent_ = true;
  }
  wake_.notify_one();
}

void batched_writer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, opts_.interval,
                   [&] { return stop_ || urgent_ || pending_.size() >= opts_.flush_bytes; });
    urgent_ = false;
    if (!pending_.empty())
      write_batch(lock);
    const auto now = std::chrono::steady_clock::now();
    if (unsynced_ && (stop_ || now - last_sync_ >= opts_.sync_every)) {
      unsynced_ = false;
      last_sync_ = now;
      lock.unlock();
      try {
        sync_();
      } catch (...) {
      }
      lock.lock();
    }
    if (stop_ && pending_.empty() && !unsynced_)
      return;
  }
}

void batched_writer::write_batch(std::unique_lock<std::mutex>& lock) {
  pending_.swap(writing_);
  woken_ = false;
  unsynced_ = static_cast<bool>(sync_);
  lock.unlock();
  room_.notify_all();
  try {
    write_(writing_);
  } catch (...) { // a log the writer cannot write is not worth stopping the server over
  }
  writing_.clear(); // keeps its capacity for the next swap
  lock.lock();
}

} // namespace mc::http
