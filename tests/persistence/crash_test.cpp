// Crash safety (SPEC §8): a child writes acknowledged batches as fast as it can and is killed
// with SIGKILL at random moments (including during start-up), 20 times per store. After each
// kill, every acknowledged write must be present and no write may be visible in part.
#include "persistence/store.hpp"
#include "tests/support/pg_server.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace mc::persistence {
namespace {

namespace fs = std::filesystem;

const auto* const pg_env = ::testing::AddGlobalTestEnvironment(new testing::pg_environment);

struct crash_target {
  std::string url;
  std::string data_dir;
};

/// The writer child, with a pipe carrying its acknowledgements back.
class child_writer {
 public:
  child_writer(const crash_target& t, std::int64_t first, int writers) {
    int fds[2];
    if (::pipe(fds) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string first_s = std::to_string(first), writers_s = std::to_string(writers);
      ::execl(MC_CRASH_WRITER, MC_CRASH_WRITER, t.url.c_str(), t.data_dir.c_str(), first_s.c_str(),
              writers_s.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }

  ~child_writer() {
    if (pid_ > 0)
      kill9();
  }

  /// Reads acknowledgements until `n` have arrived; false if the child ended first.
  bool wait_for(std::size_t n) {
    while (acked_.size() < n)
      if (!read_some())
        return false;
    return true;
  }

  /// Kills the child, then collects what it acknowledged before it died.
  void kill9() {
    ::kill(pid_, SIGKILL);
    while (read_some()) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::close(fd_);
    pid_ = -1;
  }

  const std::vector<std::int64_t>& acked() const { return acked_; }

 private:
  bool read_some() {
    char buf[4096];
    const auto n = ::read(fd_, buf, sizeof buf);
    if (n <= 0)
      return false;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        acked_.push_back(std::stoll(partial_));
        partial_.clear();
      } else {
        partial_.push_back(buf[i]);
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string partial_;
  std::vector<std::int64_t> acked_;
};

std::int64_t number_of(const std::string& id) {
  return std::stoll(id.substr(id.find('_') + 1));
}

/// Every acknowledged write is whole; every write that is visible at all is whole.
void verify(const crash_target& t, const std::set<std::int64_t>& acked) {
  auto db = open_store({t.url, t.data_dir});
  db->migrate();
  std::set<std::int64_t> tasks, transitions, audits;
  db->transact(
      [&](store_txn& txn) {
        txn.scan(table_id::tasks, {}, [&](const row& r) {
          tasks.insert(number_of(r.at("id").s));
          return true;
        });
        txn.scan(table_id::transitions, {}, [&](const row& r) {
          transitions.insert(number_of(r.at("task_id").s));
          return true;
        });
        txn.scan(table_id::audit, {}, [&](const row& r) {
          audits.insert(number_of(r.at("task_id").s));
          return true;
        });
      },
      true);
  std::size_t missing = 0;
  for (auto n : acked)
    if (!tasks.count(n) || !transitions.count(n) || !audits.count(n))
      ++missing;
  EXPECT_EQ(missing, 0u) << "acknowledged writes lost";
  EXPECT_EQ(tasks, transitions) << "a task without its transition, or the reverse";
  EXPECT_EQ(tasks, audits) << "a task without its audit record, or the reverse";
}

void run_crash_cycles(const crash_target& t) {
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<std::size_t> acks(1, 400);
  std::set<std::int64_t> acked;
  for (int cycle = 0; cycle < 20; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    child_writer w(t, std::int64_t{cycle + 1} * 1'000'000, 16);
    // Every fifth kill lands during start-up (opening the store, migrating).
    const std::size_t wanted = cycle % 5 == 0 ? 0 : acks(rng);
    w.wait_for(wanted);
    w.kill9();
    acked.insert(w.acked().begin(), w.acked().end());
    verify(t, acked);
    if (::testing::Test::HasFailure())
      return;
  }
  EXPECT_GT(acked.size(), 1000u) << "the children barely wrote anything";
}

TEST(PersistenceCrash, SqliteLosesNoAcknowledgedWrite) {
  const auto dir = fs::temp_directory_path() / ("mc-crash-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  run_crash_cycles({"", dir.string()});
  fs::remove_all(dir);
}

TEST(PersistenceCrash, PostgresLosesNoAcknowledgedWrite) {
  auto& pg = testing::shared_pg_server();
  run_crash_cycles({pg.create_database("crash"), ""});
}

} // namespace
} // namespace mc::persistence
