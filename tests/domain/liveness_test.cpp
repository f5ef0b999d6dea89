// The HeartbeatMonitor's rules: when an agent is stale, what staleness does to its status, when
// its task is released, and the notice that flags the task.
#include "domain/liveness.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

constexpr epoch_ms t0 = 1'769'965'200'000; // 2026-02-01T17:00:00Z
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t five_minutes = 5 * minute;

agent beat_at(std::optional<epoch_ms> beat, agent_status s = agent_status::active) {
  agent a;
  a.id = "jordan";
  a.status = s;
  a.created_at = t0 - 60 * minute;
  a.last_heartbeat = beat;
  return a;
}

TEST(Staleness, SilentForMoreThanTheThresholdIsStaleExactlyTheThresholdIsNot) {
  const auto a = beat_at(t0);
  EXPECT_FALSE(is_stale(a, t0 + 4 * minute + 59'000, five_minutes));
  EXPECT_FALSE(is_stale(a, t0 + five_minutes, five_minutes));
  EXPECT_TRUE(is_stale(a, t0 + five_minutes + 1, five_minutes));
}

TEST(Staleness, AnAgentThatNeverBeatCountsFromItsRegistration) {
  const auto a = beat_at(std::nullopt);
  EXPECT_EQ(last_sign_of_life(a), t0 - 60 * minute);
  EXPECT_TRUE(is_stale(a, t0, five_minutes));
  EXPECT_FALSE(is_stale(a, a.created_at + five_minutes, five_minutes));
}

TEST(Staleness, OnlyAnActiveAgentGoesOffline) {
  auto next = mark_offline(beat_at(t0));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, agent_status::offline);
  for (auto s : {agent_status::offline, agent_status::paused, agent_status::drained,
                 agent_status::quarantined})
    EXPECT_FALSE(mark_offline(beat_at(t0, s))) << to_string(s);
}

TEST(Staleness, TheReleaseIsDueAGracePeriodAfterTheAgentWentStale) {
  EXPECT_EQ(release_due_at(beat_at(t0), five_minutes, 10 * minute), t0 + 15 * minute);
}

TEST(StaleNotice, NamesTheAgentTheLastBeatAndTheReleaseTime) {
  const auto text = stale_task_notice("jordan", t0, t0 + 15 * minute);
  EXPECT_NE(text.find("Agent jordan went stale"), std::string::npos);
  EXPECT_NE(text.find("2026-02-01T17:00:00Z"), std::string::npos);
  EXPECT_NE(text.find("2026-02-01T17:15:00Z"), std::string::npos);
}

TEST(StaleNotice, IsRecognisedOnlyForItsAgentAndEpisode) {
  message m;
  m.author = "system";
  m.created_at = t0 + five_minutes;
  m.content = stale_task_notice("jordan", t0, t0 + 15 * minute);
  EXPECT_TRUE(is_stale_task_notice(m, "jordan", t0));
  EXPECT_FALSE(is_stale_task_notice(m, "jo", t0));
  // A notice from an earlier episode (before the agent's latest beat) does not count.
  EXPECT_FALSE(is_stale_task_notice(m, "jordan", t0 + 6 * minute));
  m.author = "jordan";
  EXPECT_FALSE(is_stale_task_notice(m, "jordan", t0));
}

} // namespace
} // namespace mc
