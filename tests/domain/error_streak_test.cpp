// The error streak rule: failed and timed-out runs add to it, a completed run ends it, a change
// that does not finish a run leaves it; and the thresholds of SPEC §5 (> 3 warns, ≥ 5
// quarantines).
#include "domain/error_streak.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

run finished(run_status s, std::optional<std::string> error = std::nullopt) {
  run r;
  r.id = "run_1";
  r.status = s;
  r.error = std::move(error);
  return r;
}

TEST(ErrorStreak, FailedAndTimedOutRunsAddOneAndBecomeTheLastError) {
  agent a;
  EXPECT_TRUE(apply_run_outcome(a, std::nullopt, finished(run_status::failed, "rate limited")));
  EXPECT_EQ(a.error_streak, 1);
  EXPECT_EQ(a.last_error, "rate limited");
  EXPECT_TRUE(apply_run_outcome(a, run_status::running, finished(run_status::timeout)));
  EXPECT_EQ(a.error_streak, 2);
  EXPECT_EQ(a.last_error, "run run_1 timed out");
  EXPECT_TRUE(apply_run_outcome(a, std::nullopt, finished(run_status::failed)));
  EXPECT_EQ(a.last_error, "run run_1 failed");
  EXPECT_EQ(a.error_streak, 3);
}

TEST(ErrorStreak, ACompletedRunEndsTheStreak) {
  agent a;
  for (int i = 0; i < 4; ++i)
    apply_run_outcome(a, std::nullopt, finished(run_status::failed, "boom"));
  ASSERT_EQ(a.error_streak, 4);
  EXPECT_TRUE(apply_run_outcome(a, run_status::running, finished(run_status::completed)));
  EXPECT_EQ(a.error_streak, 0);
  EXPECT_FALSE(a.last_error);
  EXPECT_FALSE(apply_run_outcome(a, std::nullopt, finished(run_status::completed)));
}

TEST(ErrorStreak, OnlyAChangeThatFinishesTheRunCounts) {
  agent a;
  // Still running, or a correction of a run that already failed: no change.
  EXPECT_FALSE(apply_run_outcome(a, std::nullopt, finished(run_status::running)));
  EXPECT_FALSE(apply_run_outcome(a, run_status::failed, finished(run_status::failed)));
  EXPECT_EQ(a.error_streak, 0);
}

TEST(ErrorStreak, WarningAboveThreeQuarantineFromFive) {
  EXPECT_EQ(streak_level_of(0, 3, 5), streak_level::none);
  EXPECT_EQ(streak_level_of(3, 3, 5), streak_level::none);
  EXPECT_EQ(streak_level_of(4, 3, 5), streak_level::warning);
  EXPECT_EQ(streak_level_of(5, 3, 5), streak_level::quarantine);
  EXPECT_EQ(streak_level_of(9, 3, 5), streak_level::quarantine);
}

} // namespace
} // namespace mc
