// What only one of the stores can show: Postgres losing its server (restart, kill -9), SQLite's
// file layout and write lock, and open_store's choice between them.
#include "persistence/postgres_store.hpp"
#include "persistence/sqlite_store.hpp"
#include "persistence/store.hpp"
#include "tests/persistence/store_backends.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mc::persistence::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- Postgres
// ------------------------------------------------------------------------------------

// These stop their server: each gets a private one and uses its `postgres` database, so neither
// the shared server's databases nor a CREATE DATABASE (dirty pages for the shutdown checkpoint or
// crash recovery to write out) slow them down.

TEST(PostgresStore, CommitFailsWhileTheServerIsDownAndWorksAfterReconnect) {
  pg_server server;
  server.start();
  const std::string url = server.url();
  auto s = open_store({.database_url = url, .data_dir = ""});
  s->migrate();
  ASSERT_TRUE(s->try_claim_server_lock());
  commit(*s, {{{agent("a1")}}});

  server.stop();
  try {
    commit(*s, {{{agent("a2")}}});
    FAIL() << "commit succeeded with the server down";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), store_errc::unavailable) << e.what();
    EXPECT_TRUE(e.transient());
  }
  EXPECT_FALSE(s->reconnect());
  EXPECT_EQ(code_of([&] { commit(*s, {{{agent("a2")}}}); }), store_errc::unavailable);

  server.start();
  ASSERT_TRUE(s->reconnect());
  commit(*s, {{{agent("a2")}}});
  EXPECT_EQ(scan_keys(*s, table_id::agents), (std::vector<std::string>{"a1", "a2"}));
  // The server lock came back with the connection.
  EXPECT_FALSE(open_store({.database_url = url, .data_dir = ""})->try_claim_server_lock());
}

TEST(PostgresStore, CommittedRowsSurviveKill9) {
  pg_server server;
  server.start();
  auto s = open_store({.database_url = server.url(), .data_dir = ""});
  s->migrate();
  commit(*s, {{{agent("a1"), transition("t1", 1, "x")}}, {{task("t1")}}});

  server.kill9();
  EXPECT_EQ(code_of([&] { commit(*s, {{{agent("a2")}}}); }), store_errc::unavailable);
  server.start();
  ASSERT_TRUE(s->reconnect());
  EXPECT_EQ(scan_keys(*s, table_id::agents), std::vector<std::string>{"a1"});
  EXPECT_EQ(count(*s, table_id::transitions), 1);
  EXPECT_EQ(count(*s, table_id::tasks), 1);
}

TEST(PostgresStore, UnreachableServerIsUnavailableAndThePasswordStaysOut) {
  auto& server = shared_pg_server();
  // A port nobody listens on: the server's own, while it is down, would also do but cost a restart.
  const std::string url = "postgresql://mc:hunter2secret@127.0.0.1:1/none?connect_timeout=2";
  try {
    open_store({.database_url = url, .data_dir = ""});
    FAIL() << "connected to port 1";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), store_errc::unavailable) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2secret"), std::string::npos) << e.what();
  }
  // Trust authentication ignores the password, so this one connects.
  auto s = open_store({.database_url = "postgres://postgres:s%40cret@127.0.0.1:" +
                                       std::to_string(server.port()) + "/postgres",
                       .data_dir = ""});
  EXPECT_EQ(s->describe().find("s%40cret"), std::string::npos) << s->describe();
  EXPECT_NE(s->describe().find("127.0.0.1"), std::string::npos) << s->describe();
}

TEST(PostgresStore, RedactsPasswordsFromUrls) {
  EXPECT_EQ(redact_database_url("postgres://u:p@h:5432/db"), "postgres://u:***@h:5432/db");
  EXPECT_EQ(redact_database_url("postgres://u@h/db"), "postgres://u@h/db");
  EXPECT_EQ(redact_database_url("postgresql://h/db?user=u&password=p&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_database_url("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
}

// ---- SQLite
// --------------------------------------------------------------------------------------

TEST(SqliteStore, CreatesItsDirectoryAndRunsInWalMode) {
  temp_dir dir;
  const fs::path data = dir.path() / "nested" / "var";
  sqlite_store s(data);
  s.migrate();
  EXPECT_EQ(s.database_path(), data / "mission-control.db");
  EXPECT_TRUE(fs::exists(data / "mission-control.db"));
  EXPECT_TRUE(fs::exists(data / "mission-control.db-wal"));
  EXPECT_TRUE(s.try_claim_server_lock());
  EXPECT_TRUE(fs::exists(data / "mission-control.lock"));
}

TEST(SqliteStore, WriteLockHeldElsewhereIsUnavailable) {
  temp_dir dir;
  sqlite_store holder(dir.path());
  holder.migrate();
  sqlite_store other(dir.path(), 20ms);
  holder.transact([&](store_txn& t) {
    t.write(std::vector<row>{agent("a1")});
    try {
      commit(other, {{{agent("a2")}}});
      ADD_FAILURE() << "two writers at once";
    } catch (const store_error& e) {
      EXPECT_EQ(e.code(), store_errc::unavailable) << e.what();
    }
  });
  commit(other, {{{agent("a2")}}});
  EXPECT_EQ(count(other, table_id::agents), 2);
}

TEST(SqliteStore, UnusableDataDirectoryIsAConfigError) {
  temp_dir dir;
  const fs::path file = dir.path() / "a-file";
  { std::ofstream(file) << "x"; }
  try {
    sqlite_store s(file / "var");
    FAIL() << "opened a store under a file";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), store_errc::config) << e.what();
  }
}

// ---- open_store
// ----------------------------------------------------------------------------------

TEST(OpenStore, EmptyUrlOpensSqliteInTheDataDirectory) {
  temp_dir dir;
  auto s = open_store({.database_url = "", .data_dir = dir.path().string()});
  EXPECT_EQ(s->dialect(), "sqlite");
  EXPECT_TRUE(fs::exists(dir.path() / "mission-control.db"));
}

TEST(OpenStore, PostgresUrlsOpenPostgres) {
  auto& server = shared_pg_server();
  for (const std::string scheme : {"postgres", "postgresql"}) {
    auto s = open_store({.database_url = scheme + "://postgres@127.0.0.1:" +
                                         std::to_string(server.port()) + "/postgres",
                         .data_dir = ""});
    EXPECT_EQ(s->dialect(), "postgres");
  }
}

TEST(OpenStore, OtherUrlsAreConfigErrorsThatKeepThePasswordOut) {
  for (const std::string url :
       {"mysql://root:topsecret@db/mc", "sqlite:///var/topsecret.db", "topsecret", "http://x"}) {
    try {
      open_store({.database_url = url, .data_dir = "./var"});
      ADD_FAILURE() << url << " was accepted";
    } catch (const store_error& e) {
      EXPECT_EQ(e.code(), store_errc::config) << url;
      EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
    }
  }
}

TEST(OpenStore, ErrorCodesHaveNames) {
  EXPECT_STREQ(to_string(store_errc::unavailable), "unavailable");
  EXPECT_STREQ(to_string(store_errc::newer_schema), "newer_schema");
  EXPECT_STREQ(to_string(store_errc::constraint), "constraint");
  EXPECT_STREQ(to_string(store_errc::config), "config");
  EXPECT_STREQ(to_string(store_errc::other), "other");
  EXPECT_TRUE(store_error(store_errc::unavailable, "x").transient());
  EXPECT_FALSE(store_error(store_errc::constraint, "x").transient());
}

} // namespace
} // namespace mc::persistence::testing
