// Keeps SQLite's WAL checkpoints off the commit path: a thread with its own connection copies
// the WAL back into the database in chunks while the writer goes on committing.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

struct sqlite3;

namespace mc::persistence {

/// SQLite's own autocheckpoint runs inside the commit that crosses its threshold: that commit
/// copies every page changed since the last checkpoint and syncs the database file, and every
/// writer grouped into it waits (the durable-transition benchmark's p99). Installed on the
/// writer's connection, this replaces it:
/// - every `chunk_pages` new WAL pages the writer only wakes the thread, which copies them back
///   (a PASSIVE checkpoint on its own connection never blocks the writer);
/// - once the WAL holds `finish_pages`, the writer checkpoints the little the thread has not
///   copied yet, so the WAL is complete in the database and SQLite starts it again from the
///   beginning on the next commit. A background checkpoint alone never gets there under a
///   steady stream of commits, and the WAL would grow without end;
/// - if the thread is still busy then, the writer tries again after its next commit, and waits
///   for it only past `hard_pages`, so the WAL stays bounded whatever happens.
class sqlite_checkpointer {
 public:
  /// In WAL pages of 4 KiB. A checkpoint copies each page changed since the last one once,
  /// however often it changed, so larger chunks copy hot pages less often; the WAL file is
  /// reused from its start and stays at about finish_pages (32 MiB), at most hard_pages.
  struct limits {
    int chunk_pages = 2000;
    int finish_pages = 8000;
    int hard_pages = 24000;
  };

  /// `writer` stays owned by the caller and must outlive this object.
  sqlite_checkpointer(sqlite3* writer, std::filesystem::path db_path, int busy_timeout_ms,
                      limits lim);
  /// Removes the hook and stops the thread; the writer's connection is still open.
  ~sqlite_checkpointer();
  sqlite_checkpointer(const sqlite_checkpointer&) = delete;
  sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;

  /// Blocks until every background checkpoint asked for so far has run (tests: no clock).
  void drain();

  struct counts {
    long background = 0; ///< checkpoints run by the thread
    long finishing = 0;  ///< the writer's own, that emptied the WAL
    long waited = 0;     ///< of those, how many waited for the thread (past hard_pages)
  };
  counts runs() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
  void finish(sqlite3* db, bool wait);
  void run();

  sqlite3* writer_;
  std::filesystem::path path_;
  int busy_timeout_ms_;
  limits lim_;
  /// WAL pages after the previous commit (the hook's thread only).
  int last_pages_ = 0;
  /// Held by whoever checkpoints, so the writer's finishing checkpoint and the thread's never
  /// run at once (SQLite would answer one of them SQLITE_BUSY).
  std::mutex checkpointing_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool busy_ = false;
  bool stop_ = false;
  /// WAL pages when the thread was last woken, and how far its last checkpoint got.
  int woken_at_ = 0;
  int copied_through_ = 0;
  counts counts_;
  std::thread thread_;
};

} // namespace mc::persistence
