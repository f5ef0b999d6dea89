// The access log's batched writer: what wakes its thread, that nothing appended is lost or
// reordered, and that the sync comes after the last write.
#include "http/batched_writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mc::http {
namespace {

using namespace std::chrono_literals;

// The writer's own cadence never fires within a test: only a full batch, a flush or the end
// can make it write, so a test of those fails (by its bound) if they do not.
batched_writer::options never_on_its_own(std::size_t flush_bytes, std::size_t max_pending) {
  batched_writer::options o;
  o.flush_bytes = flush_bytes;
  o.max_pending = max_pending;
  o.interval = std::chrono::hours(24);
  o.sync_every = std::chrono::hours(24);
  return o;
}

// Collects what the writer writes and lets a test wait for a given amount of it.
struct collected {
  std::mutex m;
  std::string text;
  std::vector<std::string> events; // "write" or "sync", in order
  std::promise<void> reached;
  std::size_t want = 0;

  batched_writer::write_fn writer() {
    return [this](std::string_view batch) {
      std::lock_guard lock(m);
      text.append(batch);
      events.emplace_back("write");
      if (want > 0 && text.size() >= want) {
        want = 0;
        reached.set_value();
      }
    };
  }
  batched_writer::sync_fn syncer() {
    return [this] {
      std::lock_guard lock(m);
      events.emplace_back("sync");
    };
  }
  std::future<void> when(std::size_t bytes) {
    std::lock_guard lock(m);
    want = bytes;
    return reached.get_future();
  }
};

TEST(BatchedWriter, AFullBatchWakesTheWriter) {
  collected out;
  batched_writer w(out.writer(), {}, never_on_its_own(10, 1024));
  // A first batch, so that the writer is (almost surely) waiting again when the next fills:
  // the batch must wake it, as nothing else would for a day.
  auto first = out.when(1);
  w.append("-");
  w.flush();
  ASSERT_EQ(first.wait_for(60s), std::future_status::ready);
  out.reached = {};
  auto written = out.when(11);
  w.append("12345");
  w.append("67890");
  ASSERT_EQ(written.wait_for(60s), std::future_status::ready);
  std::lock_guard lock(out.m);
  EXPECT_EQ(out.text, "-1234567890");
}

TEST(BatchedWriter, AFlushWritesWhatIsPendingAtOnce) {
  collected out;
  auto written = out.when(6);
  batched_writer w(out.writer(), {}, never_on_its_own(1024, 4096));
  w.append("short\n");
  w.flush();
  ASSERT_EQ(written.wait_for(60s), std::future_status::ready);
  std::lock_guard lock(out.m);
  EXPECT_EQ(out.text, "short\n");
}

TEST(BatchedWriter, EverythingAppendedIsWrittenInOrderAndSyncedLastWhenItGoes) {
  collected out;
  {
    batched_writer w(out.writer(), out.syncer(), never_on_its_own(64, 128));
    for (int i = 0; i < 1000; ++i)
      w.append("line " + std::to_string(i) + "\n");
  }
  std::string want;
  for (int i = 0; i < 1000; ++i)
    want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(out.text, want);
  ASSERT_FALSE(out.events.empty());
  EXPECT_EQ(out.events.back(), "sync");
  // Batches, not a write per line.
  EXPECT_LT(out.events.size(), 1000u);
}

TEST(BatchedWriter, ManyThreadsLoseNoLineWhileTheWriterIsBehind) {
  // A pending buffer of a few lines and a writer that waits for the test: appenders must wait
  // for room, and every line still arrives whole.
  collected out;
  std::promise<void> open_gate;
  auto gate = open_gate.get_future().share();
  auto slow = [&, inner = out.writer()](std::string_view batch) {
    gate.wait();
    inner(batch);
  };
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  {
    batched_writer w(slow, {}, never_on_its_own(16, 32));
    std::vector<std::thread> appenders;
    for (int t = 0; t < threads; ++t)
      appenders.emplace_back([&w, t] {
        for (int i = 0; i < per_thread; ++i)
          w.append("t" + std::to_string(t) + " " + std::to_string(i) + "\n");
      });
    open_gate.set_value();
    for (auto& a : appenders)
      a.join();
  }
  std::vector<int> next(threads, 0);
  std::size_t lines = 0;
  std::size_t start = 0;
  bool in_order = true;
  while (start < out.text.size()) {
    const auto end = out.text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const auto line = out.text.substr(start, end - start);
    const auto space = line.find(' ');
    const int t = std::stoi(line.substr(1, space - 1));
    in_order = in_order && std::stoi(line.substr(space + 1)) == next[t]++;
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, static_cast<std::size_t>(threads * per_thread));
  EXPECT_TRUE(in_order);
}

} // namespace
} // namespace mc::http
