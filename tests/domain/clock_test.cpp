// The injectable clock: the manual one moves only when told.
#include "domain/clock.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  manual_clock c{100};
  EXPECT_EQ(c.now_ms(), 100);
  c.advance(std::chrono::minutes(5));
  EXPECT_EQ(c.now_ms(), 100 + 300'000);
  c.set(7);
  EXPECT_EQ(c.now_ms(), 7);
}

TEST(Clock, SystemClockIsEpochMilliseconds) {
  system_clock c;
  // After 2020-01-01 and before 2100-01-01: milliseconds, not seconds or microseconds.
  EXPECT_GT(c.now_ms(), 1'577'836'800'000);
  EXPECT_LT(c.now_ms(), 4'102'444'800'000);
}

} // namespace
} // namespace mc
