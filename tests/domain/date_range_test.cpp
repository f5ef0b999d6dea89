// Date query parameters: ISO-8601 instants and YYYY-MM-DD days in a zone, as half-open ranges.
#include "domain/date_range.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

constexpr std::int64_t feb1_utc = 1'769'904'000'000; // 2026-02-01T00:00:00Z

local_zone la() {
  return *local_zone::find("America/Los_Angeles").zone;
}

TEST(IsoInstant, ParsesZonesFractionsAndOffsets) {
  EXPECT_EQ(parse_iso_instant("2026-02-01T00:00:00Z"), feb1_utc);
  EXPECT_EQ(parse_iso_instant("2026-02-01T00:00Z"), feb1_utc);
  EXPECT_EQ(parse_iso_instant("2026-02-01 00:00:00z"), feb1_utc);
  EXPECT_EQ(parse_iso_instant("2026-02-01T00:00:00.5Z"), feb1_utc + 500);
  EXPECT_EQ(parse_iso_instant("2026-02-01T00:00:00.123456Z"), feb1_utc + 123);
  EXPECT_EQ(parse_iso_instant("2026-01-31T16:00:00-08:00"), feb1_utc);
  EXPECT_EQ(parse_iso_instant("2026-02-01T05:30:00+0530"), feb1_utc);
  EXPECT_EQ(parse_iso_instant("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso_instant("1969-12-31T23:59:59Z"), -1000);
}

TEST(IsoInstant, RefusesWhatIsNotAnInstant) {
  for (const char* bad :
       {"", "2026-02-01", "2026-02-01T00:00:00", "2026-02-30T00:00:00Z", "2026-02-01T24:00:00Z",
        "2026-02-01T00:60:00Z", "2026-02-01T00:00:00.Z", "2026-02-01T00:00:00Zx",
        "2026-02-01T00:00:00+5", "tomorrow", "2026-02-01X00:00:00Z"})
    EXPECT_FALSE(parse_iso_instant(bad)) << bad;
}

TEST(DateRange, DatesAreWholeLocalDaysWithTheEndDayIncluded) {
  const auto r = parse_date_range("2026-02-01", "2026-02-02", la());
  ASSERT_TRUE(r.range) << r.error;
  EXPECT_EQ(r.range->from, feb1_utc + 8 * 3'600'000);      // midnight in Los Angeles
  EXPECT_EQ(r.range->to, feb1_utc + (48 + 8) * 3'600'000); // Feb 3 midnight, excluded
  const auto same = parse_date_range("2026-02-01", "2026-02-01", la());
  ASSERT_TRUE(same.range);
  EXPECT_EQ(same.range->to - same.range->from, 24 * 3'600'000);
}

TEST(DateRange, InstantsIncludeTheEndInstantAndMayMixWithDates) {
  const auto r = parse_date_range("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z", la());
  ASSERT_TRUE(r.range);
  EXPECT_EQ(r.range->from, feb1_utc);
  EXPECT_EQ(r.range->to, feb1_utc + 1);
  EXPECT_TRUE(parse_date_range("2026-02-01", "2026-02-01T12:00:00Z", la()).range);
}

TEST(DateRange, MissingEndsAreOpen) {
  const auto none = parse_date_range(std::nullopt, std::nullopt, la());
  ASSERT_TRUE(none.range);
  EXPECT_EQ(none.range->from, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(none.range->to, std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(parse_date_range("", std::nullopt, la()).range);
}

TEST(DateRange, BadValuesAndAStartAfterTheEndAreErrorsNamingTheParameter) {
  auto r = parse_date_range("yesterday", std::nullopt, la());
  EXPECT_FALSE(r.range);
  EXPECT_NE(r.error.find("startDate"), std::string::npos);
  r = parse_date_range(std::nullopt, "2026-13-01", la());
  EXPECT_NE(r.error.find("endDate"), std::string::npos);
  r = parse_date_range("2026-02-03", "2026-02-02", la());
  EXPECT_FALSE(r.range);
  EXPECT_NE(r.error.find("after"), std::string::npos);
  EXPECT_FALSE(parse_date_range("2026-02-01T00:00:00.001Z", "2026-02-01T00:00:00Z", la()).range);
}

} // namespace
} // namespace mc
