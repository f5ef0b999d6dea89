// Retention ages as operators type them (`--older-than=30d`).
#include "domain/age_text.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace mc {
namespace {

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;

TEST(AgeText, ParsesEachUnit) {
  EXPECT_EQ(parse_age_ms("90m"), 90 * minute);
  EXPECT_EQ(parse_age_ms("12h"), 12 * hour);
  EXPECT_EQ(parse_age_ms("30d"), 30 * day);
  EXPECT_EQ(parse_age_ms("2w"), 14 * day);
  EXPECT_EQ(parse_age_ms("0d"), 0);
}

TEST(AgeText, UnitIsCaseInsensitive) {
  EXPECT_EQ(parse_age_ms("30D"), 30 * day);
  EXPECT_EQ(parse_age_ms("2W"), 14 * day);
}

TEST(AgeText, RejectsWhatIsNotOneNumberAndOneUnit) {
  for (const char* bad : {"", "d", "30", "-30d", "+30d", " 30d", "30d ", "30 d", "3.5d", "30x",
                          "30dd", "d30", "30s", "1e3d"})
    EXPECT_EQ(parse_age_ms(bad), std::nullopt) << '"' << bad << '"';
}

TEST(AgeText, RejectsOverflow) {
  EXPECT_EQ(parse_age_ms("99999999999999999999d"), std::nullopt);
  EXPECT_EQ(parse_age_ms("1000000000000000w"), std::nullopt);
  const auto big = std::numeric_limits<std::int64_t>::max() / minute;
  EXPECT_EQ(parse_age_ms(std::to_string(big) + "m"), big * minute);
  EXPECT_EQ(parse_age_ms(std::to_string(big + 1) + "m"), std::nullopt);
}

TEST(AgeText, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(format_age(30 * day), "30d");
  EXPECT_EQ(format_age(14 * day), "2w");
  EXPECT_EQ(format_age(90 * minute), "90m");
  EXPECT_EQ(format_age(36 * hour), "36h");
  EXPECT_EQ(format_age(0), "0m");
  EXPECT_EQ(format_age(1500), "1500ms");
}

TEST(AgeText, FormatRoundTrips) {
  for (const char* text : {"30d", "90m", "12h", "2w", "1m"})
    EXPECT_EQ(format_age(*parse_age_ms(text)), text);
}

} // namespace
} // namespace mc
