// LoopDetector windows (SPEC §5): every rule exactly at its threshold, one past it, and at the
// window's edge, driven by explicit event times.
#include "domain/loop_windows.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace mc {
namespace {

constexpr std::int64_t t0 = 1'767'225'600'000; // 2026-01-01T00:00:00Z
constexpr std::int64_t second_ms = 1'000;

/// Feeds `n` messages `step_ms` apart starting at `start`; returns the last verdict.
loop_check flood(comment_flood_window& w, int n, std::int64_t start, std::int64_t step_ms) {
  loop_check last;
  for (int i = 0; i < n; ++i)
    last = w.on_message(start + i * step_ms);
  return last;
}

/// Feeds `n` messages alternating between a and b, `step_ms` apart; returns the last verdict.
loop_check alternate(ping_pong_window& w, int n, const std::string& a, const std::string& b,
                     std::int64_t start, std::int64_t step_ms) {
  loop_check last;
  for (int i = 0; i < n; ++i)
    last = w.on_message(i % 2 == 0 ? a : b, start + i * step_ms);
  return last;
}

// ---- config and names --------------------------------------------------------------------------

TEST(LoopWindowConfig, DefaultsAreSpecNumbers) {
  const loop_config c;
  EXPECT_EQ(c.flood_max_messages, 20);
  EXPECT_EQ(c.flood_window_ms, 30 * 60 * second_ms);
  EXPECT_EQ(c.ping_pong_max_messages, 8);
  EXPECT_EQ(c.ping_pong_window_ms, 10 * 60 * second_ms);
  EXPECT_EQ(c.retry_min_failures, 3);
  EXPECT_EQ(c.retry_window_ms, 30 * 60 * second_ms);
  EXPECT_EQ(c.review_max_cycles, 3);
}

TEST(LoopWindowConfig, KindNames) {
  EXPECT_EQ(to_string(loop_kind::comment_flood), "comment_flood");
  EXPECT_EQ(to_string(loop_kind::ping_pong), "ping_pong");
  EXPECT_EQ(to_string(loop_kind::retry_loop), "retry_loop");
  EXPECT_EQ(to_string(loop_kind::review_cycles), "review_cycles");
}

// ---- comment flood -----------------------------------------------------------------------------

struct flood_case {
  const char* name;
  int messages;
  std::int64_t step_ms;
  bool tripped;
  std::int32_t count;
};

class LoopWindowFlood : public ::testing::TestWithParam<flood_case> {};

TEST_P(LoopWindowFlood, TripsOnlyPastTwentyWithinThirtyMinutes) {
  const flood_case& c = GetParam();
  comment_flood_window w;
  const loop_check r = flood(w, c.messages, t0, c.step_ms);
  EXPECT_EQ(r.kind, loop_kind::comment_flood);
  EXPECT_EQ(r.tripped, c.tripped);
  EXPECT_EQ(r.count, c.count);
  EXPECT_EQ(r.threshold, 20);
  EXPECT_EQ(r.window_ms, 30 * 60 * second_ms);
}

INSTANTIATE_TEST_SUITE_P(
    , LoopWindowFlood,
    ::testing::Values(
        flood_case{"OneMessage", 1, 60 * second_ms, false, 1},
        flood_case{"ExactlyTwenty", 20, 60 * second_ms, false, 20},
        flood_case{"TwentyOne", 21, 60 * second_ms, true, 21},
        // 21 messages 90 s apart span exactly 30 min: the first is exactly window-old, still in.
        flood_case{"TwentyOneSpanningExactlyTheWindow", 21, 90 * second_ms, true, 21},
        // 91 s apart: the first is 30 min 20 s old when the 21st arrives, so it has dropped out.
        flood_case{"TwentyOneSpanningMoreThanTheWindow", 21, 91 * second_ms, false, 20},
        flood_case{"TwentyOneAtTheSameInstant", 21, 0, true, 21},
        // Count saturates one past the threshold: memory stays bounded under a real flood.
        flood_case{"FiveHundred", 500, second_ms, true, 21}),
    [](const auto& row) { return std::string{row.param.name}; });

TEST(LoopWindowFloodSlide, OldMessagesSlideOut) {
  comment_flood_window w;
  EXPECT_FALSE(flood(w, 20, t0, second_ms).tripped);
  // Thirty-one minutes later the first burst is gone: twenty more is again exactly the limit.
  const std::int64_t later = t0 + 31 * 60 * second_ms;
  const loop_check r = flood(w, 20, later, second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 20);
  EXPECT_TRUE(w.on_message(later + 20 * second_ms).tripped);
}

TEST(LoopWindowFloodSlide, PartialSlideKeepsTheRest) {
  comment_flood_window w;
  flood(w, 10, t0, second_ms);                                                 // t0 .. t0+9 s
  flood(w, 10, t0 + 20 * 60 * second_ms, second_ms);                           // 20 min later
  const loop_check r = w.on_message(t0 + 30 * 60 * second_ms + 5 * second_ms); // drops 5 of them
  EXPECT_EQ(r.count, 16);
  EXPECT_FALSE(r.tripped);
}

TEST(LoopWindowFloodSlide, ResetForgetsTheWindow) {
  comment_flood_window w;
  EXPECT_TRUE(flood(w, 21, t0, second_ms).tripped);
  w.reset();
  const loop_check r = w.on_message(t0 + 22 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 1);
}

TEST(LoopWindowFloodSlide, LateEventIsCountedAsNow) {
  comment_flood_window w;
  flood(w, 20, t0 + 60 * second_ms, second_ms);
  EXPECT_TRUE(w.on_message(t0).tripped);
}

TEST(LoopWindowFloodSlide, ThresholdAndWindowAreConfigurable) {
  loop_config c;
  c.flood_max_messages = 5;
  c.flood_window_ms = 60 * second_ms;
  comment_flood_window w{c};
  EXPECT_FALSE(flood(w, 5, t0, 10 * second_ms).tripped);
  const loop_check r = w.on_message(t0 + 50 * second_ms);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.threshold, 5);
  EXPECT_EQ(r.window_ms, 60 * second_ms);
  comment_flood_window slow{c};
  EXPECT_FALSE(flood(slow, 6, t0, 13 * second_ms).tripped);
}

// ---- ping-pong ---------------------------------------------------------------------------------

TEST(LoopWindowPingPong, EightAlternatingIsAtThreshold) {
  ping_pong_window w;
  const loop_check r = alternate(w, 8, "ana", "ben", t0, 10 * second_ms);
  EXPECT_EQ(r.kind, loop_kind::ping_pong);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 8);
  EXPECT_EQ(r.threshold, 8);
  EXPECT_EQ(r.window_ms, 10 * 60 * second_ms);
}

TEST(LoopWindowPingPong, NinthAlternatingTripsAndNamesBothAgents) {
  ping_pong_window w;
  const loop_check r = alternate(w, 9, "ana", "ben", t0, 10 * second_ms);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.count, 9);
  EXPECT_EQ(r.first_agent, "ana");
  EXPECT_EQ(r.second_agent, "ben");
}

TEST(LoopWindowPingPong, ThirdAuthorBreaksTheAlternation) {
  ping_pong_window w;
  EXPECT_EQ(alternate(w, 7, "ana", "ben", t0, second_ms).count, 7); // ends with ana
  const loop_check r = w.on_message("cy", t0 + 7 * second_ms);
  EXPECT_FALSE(r.tripped);
  // What remains alternating is ana's last message and cy's.
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.first_agent, "ana");
  EXPECT_EQ(r.second_agent, "cy");
  EXPECT_FALSE(w.on_message("ben", t0 + 8 * second_ms).tripped);
}

TEST(LoopWindowPingPong, ThirdAuthorStartsAFreshPairThatCanTrip) {
  ping_pong_window w;
  alternate(w, 8, "ana", "ben", t0, second_ms); // ends with ben
  loop_check r = w.on_message("cy", t0 + 8 * second_ms);
  EXPECT_EQ(r.count, 2);
  r = alternate(w, 7, "ben", "cy", t0 + 9 * second_ms, second_ms); // ben,cy,... 7 more
  EXPECT_EQ(r.count, 9);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.first_agent, "ben");
  EXPECT_EQ(r.second_agent, "cy");
}

TEST(LoopWindowPingPong, SameAuthorTwiceBreaksTheAlternation) {
  ping_pong_window w;
  alternate(w, 8, "ana", "ben", t0, second_ms); // ends with ben
  loop_check r = w.on_message("ben", t0 + 8 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.first_agent, "ben");
  EXPECT_TRUE(r.second_agent.empty());
  r = alternate(w, 8, "ana", "ben", t0 + 9 * second_ms, second_ms);
  EXPECT_EQ(r.count, 9);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.first_agent, "ben");
  EXPECT_EQ(r.second_agent, "ana");
}

TEST(LoopWindowPingPong, NineSpanningExactlyTenMinutesTrips) {
  ping_pong_window w;
  EXPECT_TRUE(alternate(w, 9, "ana", "ben", t0, 75 * second_ms).tripped); // 8 x 75 s = 600 s
}

TEST(LoopWindowPingPong, NineSpanningMoreThanTenMinutesDoesNot) {
  ping_pong_window w;
  const loop_check r = alternate(w, 9, "ana", "ben", t0, 76 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 8);
  // The oldest (ana's) dropped out, so the run now starts with ben.
  EXPECT_EQ(r.first_agent, "ben");
  EXPECT_EQ(r.second_agent, "ana");
}

TEST(LoopWindowPingPong, EverythingOlderThanTheWindowDropsOut) {
  ping_pong_window w;
  alternate(w, 8, "ana", "ben", t0, second_ms);
  const loop_check r = w.on_message("ana", t0 + 20 * 60 * second_ms);
  EXPECT_EQ(r.count, 1);
  EXPECT_FALSE(r.tripped);
}

TEST(LoopWindowPingPong, EqualTimesAreTolerated) {
  ping_pong_window w;
  EXPECT_TRUE(alternate(w, 9, "ana", "ben", t0, 0).tripped);
}

TEST(LoopWindowPingPong, CountSaturatesOnePastThreshold) {
  ping_pong_window w;
  const loop_check r = alternate(w, 40, "ana", "ben", t0, second_ms);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.count, 9);
  EXPECT_EQ(r.first_agent, "ben"); // nine kept, ending with ben: ben,ana,...,ben
  EXPECT_EQ(r.second_agent, "ana");
}

TEST(LoopWindowPingPong, ResetForgetsTheRun) {
  ping_pong_window w;
  alternate(w, 8, "ana", "ben", t0, second_ms);
  w.reset();
  const loop_check r = w.on_message("ana", t0 + 8 * second_ms);
  EXPECT_EQ(r.count, 1);
  EXPECT_FALSE(r.tripped);
}

TEST(LoopWindowPingPong, ThresholdIsConfigurable) {
  loop_config c;
  c.ping_pong_max_messages = 3;
  c.ping_pong_window_ms = 60 * second_ms;
  ping_pong_window w{c};
  EXPECT_FALSE(alternate(w, 3, "ana", "ben", t0, second_ms).tripped);
  EXPECT_TRUE(w.on_message("ben", t0 + 3 * second_ms).tripped);
}

// ---- tool retry loop ---------------------------------------------------------------------------

TEST(LoopWindowRetry, TwoFailuresAreBelowThreshold) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  const loop_check r = w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  EXPECT_EQ(r.kind, loop_kind::retry_loop);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.threshold, 3);
}

TEST(LoopWindowRetry, ThirdSameFailureTripsAndSaysWhat) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  const loop_check r = w.on_failure("jordan", "shell", "exit 1", t0 + 2 * second_ms);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.count, 3);
  EXPECT_EQ(r.agent, "jordan");
  EXPECT_EQ(r.tool, "shell");
  EXPECT_EQ(r.error, "exit 1");
  EXPECT_EQ(r.window_ms, 30 * 60 * second_ms);
  EXPECT_TRUE(w.on_failure("jordan", "shell", "exit 1", t0 + 3 * second_ms).tripped);
}

struct retry_mix_case {
  const char* name;
  const char* agent;
  const char* tool;
  const char* error;
};

class LoopWindowRetryKeys : public ::testing::TestWithParam<retry_mix_case> {};

TEST_P(LoopWindowRetryKeys, OnlyTheSameAgentToolAndErrorCountTogether) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  const retry_mix_case& c = GetParam();
  const loop_check r = w.on_failure(c.agent, c.tool, c.error, t0 + 2 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 1);
  // The interleaved failure did not disturb the original key.
  EXPECT_TRUE(w.on_failure("jordan", "shell", "exit 1", t0 + 3 * second_ms).tripped);
}

INSTANTIATE_TEST_SUITE_P(
    , LoopWindowRetryKeys,
    ::testing::Values(retry_mix_case{"DifferentError", "jordan", "shell", "exit 2"},
                      retry_mix_case{"DifferentTool", "jordan", "http_get", "exit 1"},
                      retry_mix_case{"DifferentAgent", "riley", "shell", "exit 1"},
                      retry_mix_case{"ErrorCaseMatters", "jordan", "shell", "EXIT 1"}),
    [](const auto& row) { return std::string{row.param.name}; });

TEST(LoopWindowRetry, AlternatingErrorsNeverTrip) {
  tool_retry_window w;
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(
        w.on_failure("jordan", "shell", i % 2 == 0 ? "exit 1" : "timeout", t0 + i * second_ms)
            .tripped);
}

TEST(LoopWindowRetry, SuccessResetsThatToolsCount) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 2", t0 + second_ms);
  w.on_failure("jordan", "shell", "exit 1", t0 + 2 * second_ms);
  w.on_success("jordan", "shell");
  const loop_check r = w.on_failure("jordan", "shell", "exit 1", t0 + 3 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(w.on_failure("jordan", "shell", "exit 2", t0 + 4 * second_ms).count, 1);
}

TEST(LoopWindowRetry, SuccessOfAnotherToolOrAgentDoesNotReset) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  w.on_success("jordan", "shell_extra");
  w.on_success("jordan", "shel");
  w.on_success("riley", "shell");
  EXPECT_TRUE(w.on_failure("jordan", "shell", "exit 1", t0 + 2 * second_ms).tripped);
}

TEST(LoopWindowRetry, FailuresOlderThanTheWindowDropOut) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + 10 * 60 * second_ms);
  // 30 min after the second failure the first one is 40 min old.
  const loop_check r = w.on_failure("jordan", "shell", "exit 1", t0 + 40 * 60 * second_ms);
  EXPECT_FALSE(r.tripped);
  EXPECT_EQ(r.count, 2);
}

TEST(LoopWindowRetry, ExactlyWindowOldStillCounts) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  EXPECT_TRUE(w.on_failure("jordan", "shell", "exit 1", t0 + 30 * 60 * second_ms).tripped);
}

TEST(LoopWindowRetry, WindowAndThresholdAreConfigurable) {
  loop_config c;
  c.retry_min_failures = 2;
  c.retry_window_ms = 5 * second_ms;
  tool_retry_window w{c};
  w.on_failure("jordan", "shell", "exit 1", t0);
  EXPECT_FALSE(w.on_failure("jordan", "shell", "exit 1", t0 + 6 * second_ms).tripped);
  const loop_check r = w.on_failure("jordan", "shell", "exit 1", t0 + 11 * second_ms);
  EXPECT_TRUE(r.tripped);
  EXPECT_EQ(r.threshold, 2);
  EXPECT_EQ(r.window_ms, 5 * second_ms);
}

TEST(LoopWindowRetry, DistinctErrorsStayBounded) {
  loop_config c;
  c.retry_max_keys = 8;
  tool_retry_window w{c};
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  // A tool whose error text is unique every time must not grow the table without bound.
  for (int i = 0; i < 100; ++i)
    w.on_failure("jordan", "curl", "request id " + std::to_string(i), t0 + 2 * second_ms);
  EXPECT_LE(w.tracked_keys(), 8u);
  EXPECT_TRUE(w.on_failure("jordan", "shell", "exit 1", t0 + 3 * second_ms).tripped);
}

TEST(LoopWindowRetry, ExpiredKeysAreDroppedFirst) {
  loop_config c;
  c.retry_max_keys = 2;
  tool_retry_window w{c};
  w.on_failure("jordan", "a", "e", t0);
  w.on_failure("jordan", "b", "e", t0 + 40 * 60 * second_ms);
  w.on_failure("jordan", "b", "e", t0 + 40 * 60 * second_ms);
  w.on_failure("jordan", "c", "e", t0 + 41 * 60 * second_ms);
  EXPECT_EQ(w.tracked_keys(), 2u);
  EXPECT_TRUE(w.on_failure("jordan", "b", "e", t0 + 42 * 60 * second_ms).tripped);
}

TEST(LoopWindowRetry, ResetForgetsEverything) {
  tool_retry_window w;
  w.on_failure("jordan", "shell", "exit 1", t0);
  w.on_failure("jordan", "shell", "exit 1", t0 + second_ms);
  w.reset();
  EXPECT_EQ(w.tracked_keys(), 0u);
  EXPECT_EQ(w.on_failure("jordan", "shell", "exit 1", t0 + 2 * second_ms).count, 1);
}

// ---- review cycles -----------------------------------------------------------------------------

struct review_case {
  std::int32_t cycles;
  bool tripped;
};

class LoopWindowReview : public ::testing::TestWithParam<review_case> {};

TEST_P(LoopWindowReview, TripsPastThree) {
  const loop_check r = check_review_cycles(GetParam().cycles);
  EXPECT_EQ(r.kind, loop_kind::review_cycles);
  EXPECT_EQ(r.tripped, GetParam().tripped);
  EXPECT_EQ(r.count, GetParam().cycles);
  EXPECT_EQ(r.threshold, 3);
  EXPECT_EQ(r.window_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(, LoopWindowReview,
                         ::testing::Values(review_case{0, false}, review_case{3, false},
                                           review_case{4, true}, review_case{10, true}));

TEST(LoopWindowReviewConfig, ThresholdIsConfigurable) {
  loop_config c;
  c.review_max_cycles = 5;
  EXPECT_FALSE(check_review_cycles(5, c).tripped);
  EXPECT_TRUE(check_review_cycles(6, c).tripped);
}

} // namespace
} // namespace mc
