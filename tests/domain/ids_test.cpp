// Generated ids: prefixed, time-sortable, strictly increasing, and agent id validation.
#include "domain/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace mc {
namespace {

TEST(Ids, CarryThePrefixAndTheTime) {
  manual_clock clock{1706745600000};
  id_generator gen{clock, 42};
  auto id = gen.next(id_prefix::task);
  EXPECT_EQ(id.rfind("tsk_", 0), 0u);
  EXPECT_EQ(id.size(), 4u + 26u);
  EXPECT_EQ(id_time_ms(id), 1706745600000);
}

TEST(Ids, SortByTimeAcrossMilliseconds) {
  manual_clock clock{1000};
  id_generator gen{clock, 1};
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.push_back(gen.next(id_prefix::run));
    clock.advance(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST(Ids, StrictlyIncreaseWithinOneMillisecondAndWhenTheClockStepsBack) {
  manual_clock clock{5000};
  id_generator gen{clock, 7};
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(gen.next(id_prefix::message));
  clock.set(4000);
  ids.push_back(gen.next(id_prefix::message));
  EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end());
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(Ids, RejectsWhatIsNotAGeneratedId) {
  EXPECT_EQ(id_time_ms("jordan"), -1);
  EXPECT_EQ(id_time_ms("tsk_short"), -1);
}

class IdsAgent : public ::testing::TestWithParam<std::pair<const char*, bool>> {};

TEST_P(IdsAgent, FollowTheOperatorPattern) {
  EXPECT_EQ(is_valid_agent_id(GetParam().first), GetParam().second) << GetParam().first;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IdsAgent,
    ::testing::Values(
        std::pair{"jordan", true}, std::pair{"a", true}, std::pair{"9lives", true},
        std::pair{"seo-bot_2", true}, std::pair{"", false}, std::pair{"Jordan", false},
        std::pair{"-lead", false}, std::pair{"_x", false}, std::pair{"a b", false},
        std::pair{"ümlaut", false},
        std::pair{"a123456789012345678901234567890123456789012345678901234567890123", true},
        std::pair{"a1234567890123456789012345678901234567890123456789012345678901234", false}));

} // namespace
} // namespace mc
