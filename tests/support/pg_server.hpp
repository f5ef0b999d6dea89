// A real, throwaway PostgreSQL server for tests: its own cluster in a temp directory, one
// postmaster on a free loopback port that dies with the test process. No binaries: a loud failure.
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mc::persistence::testing {

class pg_server {
 public:
  /// Runs initdb into a fresh temp directory (as the `postgres` user when running as root).
  /// Does not start the server. Throws std::runtime_error when that fails.
  pg_server();
  /// Stops the server and removes the directory.
  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  /// Starts the postmaster and returns once it accepts connections.
  void start();
  /// Fast shutdown (SIGINT): sessions are cut off, committed work is kept.
  void stop();
  /// SIGKILL to the postmaster, as in a crash; the next start() runs crash recovery.
  void kill9();
  void restart();
  bool running() const noexcept { return pid_ > 0; }

  std::uint16_t port() const noexcept { return port_; }
  /// postgres://postgres@127.0.0.1:PORT/DATABASE
  std::string url(std::string_view database = "postgres") const;
  /// Creates an empty database and returns its url().
  std::string create_database(std::string_view name);
  /// A database name nobody used on this server yet.
  std::string fresh_database_name(std::string_view prefix = "mc_test");

  const std::filesystem::path& directory() const noexcept { return dir_; }
  /// The end of the server's log, for failure messages.
  std::string log_tail(std::size_t max_bytes = 4000) const;

  /// MC_PG_BINDIR when set, else the newest /usr/lib/postgresql/*/bin holding initdb and postgres.
  static std::filesystem::path find_bindir();

 private:
  void write_config();
  enum class start_result { ok, retry, port_taken };
  start_result try_start();

  std::filesystem::path bindir_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  unsigned databases_ = 0;
  bool started_once_ = false;
};

/// The test binary's server, started on first use (so a run of SQLite tests alone never pays for
/// it) and shut down by pg_environment. Throws when it cannot start.
pg_server& shared_pg_server();

/// Register once per test binary: ::testing::AddGlobalTestEnvironment(new pg_environment).
class pg_environment : public ::testing::Environment {
 public:
  void TearDown() override;
};

} // namespace mc::persistence::testing
