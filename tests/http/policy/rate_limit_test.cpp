// Per-token rate limits: boundaries, refill, isolation, eviction, concurrency.
#include "http/policy/rate_limit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace mc::http {
namespace {

constexpr std::int64_t t0 = 1'706'745'600'000; // 2024-02-01, an arbitrary epoch-ms start

const caller jordan{caller_kind::agent, "jordan", false, false};
const caller riley{caller_kind::agent, "riley", false, false};
const caller alice{caller_kind::operator_, "alice", false, false};

int allowed_in_a_row(rate_limiter& rl, const caller& c, rate_class cls, std::int64_t now,
                     int max_tries) {
  int n = 0;
  while (n < max_tries && rl.check(c, cls, now).allowed)
    ++n;
  return n;
}

TEST(RateLimit, SpecFiguresForAgents) {
  rate_limits l;
  EXPECT_EQ(l.per_minute(caller_kind::agent, rate_class::task_creation), 100u);
  EXPECT_EQ(l.per_minute(caller_kind::agent, rate_class::events), 1000u);
  EXPECT_EQ(l.per_minute(caller_kind::agent, rate_class::reads), 300u);
  EXPECT_EQ(l.per_minute(caller_kind::operator_, rate_class::task_creation), 100u);
  EXPECT_EQ(l.per_minute(caller_kind::operator_, rate_class::events), 1000u);
  EXPECT_EQ(l.per_minute(caller_kind::operator_, rate_class::reads), 1200u);
  EXPECT_EQ(l.per_minute(caller_kind::agent, rate_class::none), 0u);
  EXPECT_EQ(l.per_minute(caller_kind::anonymous, rate_class::reads), 0u);
}

TEST(RateLimit, HundredthTaskAllowedHundredAndFirstDenied) {
  rate_limiter rl;
  for (int i = 1; i <= 100; ++i) {
    auto d = rl.check(jordan, rate_class::task_creation, t0);
    ASSERT_TRUE(d.allowed) << "request " << i;
    EXPECT_EQ(d.limit, 100u);
    EXPECT_EQ(d.remaining, static_cast<std::uint32_t>(100 - i));
  }
  auto d = rl.check(jordan, rate_class::task_creation, t0);
  EXPECT_FALSE(d.allowed);
  // One request refills in 600 ms: Retry-After rounds up to 1 s.
  EXPECT_EQ(d.retry_after_seconds, 1);
  EXPECT_EQ(d.remaining, 0u);
}

TEST(RateLimit, RefillsAfterTimePasses) {
  rate_limiter rl;
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0, 1000), 100);
  // 599 ms is not quite one request's worth; 600 ms is.
  EXPECT_FALSE(rl.check(jordan, rate_class::task_creation, t0 + 599).allowed);
  EXPECT_TRUE(rl.check(jordan, rate_class::task_creation, t0 + 600).allowed);
  EXPECT_FALSE(rl.check(jordan, rate_class::task_creation, t0 + 600).allowed);
  // Half a minute later, half the bucket is back.
  EXPECT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0 + 30'600, 1000), 50);
  // A full minute of quiet refills all of it, and never more than all of it.
  EXPECT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0 + 10 * 60'000, 1000), 100);
}

TEST(RateLimit, RetryAfterRoundsUpWholeSeconds) {
  rate_limiter rl;
  // A 2/min limit refills one request per 30 s.
  EXPECT_TRUE(rl.check("k", rate_class::reads, 2, t0).allowed);
  EXPECT_TRUE(rl.check("k", rate_class::reads, 2, t0).allowed);
  auto d = rl.check("k", rate_class::reads, 2, t0);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 30);
  d = rl.check("k", rate_class::reads, 2, t0 + 10'001);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 20); // 19.999 s rounds up
  d = rl.check("k", rate_class::reads, 2, t0 + 29'999);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1); // never 0
  EXPECT_TRUE(rl.check("k", rate_class::reads, 2, t0 + 30'000).allowed);
}

TEST(RateLimit, EventsAndReadsBoundaries) {
  rate_limiter rl;
  EXPECT_EQ(allowed_in_a_row(rl, jordan, rate_class::events, t0, 5000), 1000);
  EXPECT_EQ(allowed_in_a_row(rl, jordan, rate_class::reads, t0, 5000), 300);
  EXPECT_EQ(allowed_in_a_row(rl, alice, rate_class::reads, t0, 5000), 1200);
}

TEST(RateLimit, TokensAreIsolated) {
  rate_limiter rl;
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0, 1000), 100);
  EXPECT_FALSE(rl.check(jordan, rate_class::task_creation, t0).allowed);
  EXPECT_EQ(allowed_in_a_row(rl, riley, rate_class::task_creation, t0, 1000), 100);
  // An operator and an agent with the same id are different callers.
  caller op_jordan{caller_kind::operator_, "jordan", false, false};
  EXPECT_TRUE(rl.check(op_jordan, rate_class::task_creation, t0).allowed);
}

TEST(RateLimit, ClassesAreIsolated) {
  rate_limiter rl;
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0, 1000), 100);
  EXPECT_TRUE(rl.check(jordan, rate_class::events, t0).allowed);
  EXPECT_TRUE(rl.check(jordan, rate_class::reads, t0).allowed);
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::reads, t0, 1000), 299);
  EXPECT_TRUE(rl.check(jordan, rate_class::events, t0).allowed);
}

TEST(RateLimit, UnlimitedClassesAndAnonymousAreNotCounted) {
  rate_limiter rl;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(rl.check(jordan, rate_class::none, t0).allowed);
    ASSERT_TRUE(rl.check(caller{}, rate_class::reads, t0).allowed);
  }
  EXPECT_EQ(rl.bucket_count(), 0u);
}

TEST(RateLimit, IdleBucketsAreEvicted) {
  rate_limiter rl;
  // Drained buckets take a full minute to refill; until then they are not idle.
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::reads, t0, 1000), 300);
  ASSERT_EQ(allowed_in_a_row(rl, riley, rate_class::reads, t0 + 30'000, 1000), 300);
  EXPECT_EQ(rl.bucket_count(), 2u);
  EXPECT_EQ(rl.evict_idle(t0 + 59'999), 0u);
  EXPECT_EQ(rl.evict_idle(t0 + 60'000), 1u); // jordan's bucket is full again
  EXPECT_EQ(rl.bucket_count(), 1u);
  EXPECT_EQ(rl.evict_idle(t0 + 90'000), 1u);
  EXPECT_EQ(rl.bucket_count(), 0u);
}

TEST(RateLimit, EvictionForgetsNothingThatMatters) {
  rate_limiter rl;
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0, 1000), 100);
  EXPECT_EQ(rl.evict_idle(t0 + 500), 0u); // a drained bucket is kept
  EXPECT_FALSE(rl.check(jordan, rate_class::task_creation, t0 + 500).allowed);
}

TEST(RateLimit, PeriodicSweepKeepsMemoryBounded) {
  rate_limiter rl;
  for (int i = 0; i < 2000; ++i)
    rl.check("caller-" + std::to_string(i), rate_class::reads, 300, t0);
  EXPECT_EQ(rl.bucket_count(), 2000u);
  // Two minutes later, any traffic sweeps its shard; touching many keys sweeps them all.
  for (int i = 0; i < 200; ++i)
    rl.check("later-" + std::to_string(i), rate_class::reads, 300, t0 + 120'000);
  EXPECT_EQ(rl.bucket_count(), 200u);
}

TEST(RateLimit, HardCapEvictsLeastRecentlyUsed) {
  rate_limiter::options opts;
  opts.max_buckets = 16; // one bucket per shard
  rate_limiter rl(opts);
  for (int i = 0; i < 500; ++i) {
    // Each bucket drained a little, so none is idle and only the cap can make room.
    rl.check("k" + std::to_string(i), rate_class::reads, 300, t0 + i);
    ASSERT_LE(rl.bucket_count(), 16u);
  }
}

TEST(RateLimit, ClockSteppingBackNeitherRefillsNorBreaks) {
  rate_limiter rl;
  ASSERT_EQ(allowed_in_a_row(rl, jordan, rate_class::task_creation, t0, 1000), 100);
  auto d = rl.check(jordan, rate_class::task_creation, t0 - 3'600'000);
  EXPECT_FALSE(d.allowed);
  EXPECT_GE(d.retry_after_seconds, 1);
  EXPECT_TRUE(rl.check(jordan, rate_class::task_creation, t0 + 600).allowed);
}

TEST(RateLimit, LimitChangeAppliesToLiveBucket) {
  rate_limiter rl;
  ASSERT_TRUE(rl.check("k", rate_class::reads, 10, t0).allowed);
  // Lowered to 2/min: the bucket is clamped to its new capacity.
  EXPECT_TRUE(rl.check("k", rate_class::reads, 2, t0).allowed);
  EXPECT_TRUE(rl.check("k", rate_class::reads, 2, t0).allowed);
  EXPECT_FALSE(rl.check("k", rate_class::reads, 2, t0).allowed);
}

TEST(RateLimit, ConcurrentCallersNeverExceedTheLimit) {
  rate_limiter rl;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (rl.check(jordan, rate_class::events, t0).allowed)
          ++allowed;
        rl.check(caller{caller_kind::agent, "a" + std::to_string(t), false, false},
                 rate_class::reads, t0);
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(allowed.load(), 1000);
  EXPECT_EQ(rl.bucket_count(), 9u);
}

TEST(RateLimit, RateKeyNamesKindAndId) {
  EXPECT_EQ(rate_key(jordan), "agent:jordan");
  EXPECT_EQ(rate_key(alice), "operator:alice");
}

} // namespace
} // namespace mc::http
