#include "http/routes/store_reader.hpp"

#include "persistence/store.hpp"

namespace mc::http {

store_reader::store_reader(open_fn open) : open_(std::move(open)) {
  thread_ = std::thread([this] { run(); });
}

store_reader::~store_reader() {
  stop();
}

bool store_reader::post(job j) {
  {
    std::lock_guard lock(m_);
    if (stopping_)
      return false;
    jobs_.push_back(std::move(j));
  }
  cv_.notify_one();
  return true;
}

void store_reader::stop() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void store_reader::run() {
  for (;;) {
    job j;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty())
        return;
      j = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (!db_) {
      try {
        db_ = open_();
      } catch (const std::exception&) {
        db_.reset();
      }
    }
    try {
      j(db_.get());
    } catch (const persistence::store_error&) {
      db_.reset();
    } catch (...) {
      // The job answers for itself; a reader thread must outlive any one job's failure.
    }
  }
}

} // namespace mc::http
