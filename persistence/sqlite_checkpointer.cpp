#include "persistence/sqlite_checkpointer.hpp"

#include <sqlite3.h>

#include <utility>

namespace mc::persistence {

sqlite_checkpointer::sqlite_checkpointer(sqlite3* writer, std::filesystem::path db_path,
                                         int busy_timeout_ms, limits lim)
    : writer_(writer), path_(std::move(db_path)), busy_timeout_ms_(busy_timeout_ms), lim_(lim) {
  thread_ = std::thread([this] { run(); });
  // Replaces SQLite's autocheckpoint, which is a WAL hook too.
  sqlite3_wal_hook(writer_, &sqlite_checkpointer::on_commit, this);
}

sqlite_checkpointer::~sqlite_checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int sqlite_checkpointer::on_commit(void* self, sqlite3* db, const char* /*schema*/, int pages) {
  // Called after the commit, with its locks released, on the writer's thread.
  auto& me = *static_cast<sqlite_checkpointer*>(self);
  bool idle = false;
  int copied = 0;
  int woken = 0;
  {
    std::lock_guard lock(me.mu_);
    if (pages < me.woken_at_)
      me.woken_at_ = me.copied_through_ = 0; // SQLite started the WAL again from its beginning
    idle = !me.due_ && !me.busy_;
    copied = me.copied_through_;
    woken = me.woken_at_;
  }
  if (pages >= me.lim_.hard_pages) {
    me.finish(db, true);
  } else if (pages >= me.lim_.finish_pages && idle &&
             (copied >= me.last_pages_ || pages - copied <= me.lim_.chunk_pages / 4)) {
    // Only the last commit, or what was committed while the thread last copied, is left:
    // cheap enough to do here.
    me.finish(db, false);
  } else if (pages - woken >= me.lim_.chunk_pages || (pages >= me.lim_.finish_pages && idle)) {
    {
      std::lock_guard lock(me.mu_);
      me.woken_at_ = pages;
      me.due_ = true;
    }
    me.cv_.notify_all();
  }
  me.last_pages_ = pages;
  return SQLITE_OK;
}

void sqlite_checkpointer::finish(sqlite3* db, bool wait) {
  std::unique_lock ckpt(checkpointing_, std::defer_lock);
  if (wait)
    ckpt.lock();
  else if (!ckpt.try_lock())
    return; // the thread is copying; the next commit tries again
  int log = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_OK && log == copied) {
    std::lock_guard lock(mu_);
    ++counts_.finishing;
    if (wait)
      ++counts_.waited;
  }
}

void sqlite_checkpointer::run() {
  sqlite3* db = nullptr;
  // Without its own connection there is no background copy; the writer's finishing
  // checkpoints still keep the WAL bounded, as SQLite's own would.
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    sqlite3_close_v2(db);
    db = nullptr;
  } else {
    sqlite3_busy_timeout(db, busy_timeout_ms_);
    // Syncs the WAL before copying and the database after: as durable as the writer's own.
    sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  }
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return due_ || stop_; });
    if (stop_)
      break;
    due_ = false;
    busy_ = true;
    lock.unlock();
    int copied = -1;
    if (db != nullptr) {
      std::lock_guard ckpt(checkpointing_);
      int log = 0;
      if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) !=
          SQLITE_OK)
        copied = -1;
    }
    lock.lock();
    busy_ = false;
    // Less than the whole WAL when a reader still needs older pages.
    if (copied >= 0)
      copied_through_ = copied;
    ++counts_.background;
    cv_.notify_all();
  }
  lock.unlock();
  sqlite3_close_v2(db);
}

void sqlite_checkpointer::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (!due_ && !busy_) || stop_; });
}

sqlite_checkpointer::counts sqlite_checkpointer::runs() const {
  std::lock_guard lock(mu_);
  return counts_;
}

} // namespace mc::persistence
