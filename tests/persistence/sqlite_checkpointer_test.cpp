// The WAL checkpointer: the thread copies the WAL back in chunks, the writer finishes what is
// left so SQLite reuses the WAL from its start, and past the hard limit the writer waits. A
// raw SQLite connection stands in for the store's; waits are on the thread's own progress,
// never on the clock.
#include "persistence/sqlite_checkpointer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace mc::persistence {
namespace {

namespace fs = std::filesystem;

constexpr int never = 1'000'000'000;

class SqliteCheckpointer : public ::testing::Test {
 protected:
  SqliteCheckpointer() {
    dir = fs::temp_directory_path() /
          ("mc-ckpt-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = dir / "t.db";
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  ~SqliteCheckpointer() override {
    sqlite3_close(db);
    fs::remove_all(dir);
  }

  void exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  /// One commit of two new pages.
  void commit_one(int k) {
    exec("INSERT INTO t VALUES (" + std::to_string(k) + ", '" + std::string(6000, 'x') + "')");
  }
  std::uintmax_t wal_bytes() const { return fs::file_size(fs::path(path.string() + "-wal")); }
  std::uintmax_t db_bytes() const { return fs::file_size(path); }

  fs::path dir, path;
  sqlite3* db = nullptr;
};

TEST_F(SqliteCheckpointer, TheThreadCopiesEachChunkIntoTheDatabase) {
  sqlite_checkpointer cp(db, path, 1000, {/*chunk=*/8, /*finish=*/never, /*hard=*/never});
  const auto before = db_bytes();
  for (int k = 0; k < 100; ++k) {
    commit_one(k);
    cp.drain();
  }
  EXPECT_GE(cp.runs().background, 20);
  EXPECT_EQ(cp.runs().finishing, 0);
  // 100 rows of 6,000 bytes are in the database file, not only in the WAL.
  EXPECT_GT(db_bytes(), before + 100 * 6000);
}

TEST_F(SqliteCheckpointer, CaughtUpTheThreadAloneLetsSqliteReuseTheWal) {
  sqlite_checkpointer cp(db, path, 1000, {/*chunk=*/8, /*finish=*/32, /*hard=*/never});
  for (int k = 0; k < 300; ++k) {
    commit_one(k);
    cp.drain();
  }
  EXPECT_GE(cp.runs().background, 20);
  EXPECT_EQ(cp.runs().finishing, 0);
  // 300 commits of two pages each are over 2 MiB of WAL if it is never reused.
  EXPECT_LT(wal_bytes(), 256u * 1024u);
}

TEST_F(SqliteCheckpointer, AnOldReaderHoldsTheWalOnlyWhileItReads) {
  sqlite_checkpointer cp(db, path, 1000, {/*chunk=*/8, /*finish=*/32, /*hard=*/never});
  for (int k = 0; k < 5; ++k)
    commit_one(k);
  // A reader on an old snapshot: no checkpoint may copy the pages committed after it.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM t;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (int k = 5; k < 40; ++k) {
    commit_one(k);
    cp.drain();
  }
  EXPECT_GE(cp.runs().background, 2);
  EXPECT_EQ(cp.runs().finishing, 0);
  const auto held = wal_bytes();
  EXPECT_GT(held, 32u * 4096u);
  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(reader);
  // Once it is gone the WAL is copied back and written again from its start: it grows by the
  // one commit made before that, not by the megabytes of the 260 commits.
  for (int k = 40; k < 300; ++k) {
    commit_one(k);
    cp.drain();
  }
  EXPECT_LE(wal_bytes(), held + 8u * 4096u);
}

TEST_F(SqliteCheckpointer, ThePlainHookWithoutTheThreadStillBoundsTheWal) {
  // No chunk ever wakes the thread: each finishing checkpoint copies the whole WAL itself.
  sqlite_checkpointer cp(db, path, 1000, {/*chunk=*/never, /*finish=*/32, /*hard=*/never});
  for (int k = 0; k < 300; ++k)
    commit_one(k);
  EXPECT_EQ(cp.runs().background, 0);
  EXPECT_GE(cp.runs().finishing, 5);
  EXPECT_LT(wal_bytes(), 256u * 1024u);
}

TEST_F(SqliteCheckpointer, PastTheHardLimitTheWriterCheckpointsAndWaitsIfItMust) {
  sqlite_checkpointer cp(db, path, 1000, {/*chunk=*/never, /*finish=*/16, /*hard=*/16});
  for (int k = 0; k < 300; ++k)
    commit_one(k);
  EXPECT_GE(cp.runs().waited, 5);
  EXPECT_EQ(cp.runs().waited, cp.runs().finishing);
  EXPECT_LT(wal_bytes(), 256u * 1024u);
}

TEST_F(SqliteCheckpointer, NothingIsLostAndTheHookIsGoneAfterwards) {
  {
    sqlite_checkpointer cp(db, path, 1000, {8, 32, 64});
    for (int k = 0; k < 100; ++k)
      commit_one(k);
    cp.drain();
  }
  commit_one(100); // no hook left to call into a destroyed checkpointer
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(other, "SELECT count(*) FROM t", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 101);
  sqlite3_finalize(st);
  sqlite3_close(other);
}

} // namespace
} // namespace mc::persistence
