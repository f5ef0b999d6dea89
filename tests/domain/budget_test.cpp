// Local calendar arithmetic and the daily spend reset, pinned to real tz database transitions.
// Expected instants are written as UTC wall times, so every offset below is a claim under test.
#include "domain/budget.hpp"
#include "domain/local_day.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mc {
namespace {

constexpr std::int64_t hour_ms = 3'600'000;

/// An instant given as a UTC wall time (UTC has no offsets, so this is plain calendar math).
std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  const auto t = date::sys_days{date::year{y} / date::month{mo} / date::day{d}} +
                 std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s} +
                 std::chrono::milliseconds{ms};
  return t.time_since_epoch().count();
}

local_zone zone(std::string_view name) {
  zone_lookup found = local_zone::find(name);
  EXPECT_TRUE(found) << found.error;
  return found.zone.value();
}

local_zone la() {
  return zone("America/Los_Angeles");
}

// ---- zone lookup -------------------------------------------------------------------------------

TEST(LocalDayZone, FindsConfiguredDefault) {
  const zone_lookup found = local_zone::find("America/Los_Angeles");
  ASSERT_TRUE(found);
  EXPECT_EQ(found.zone->name(), "America/Los_Angeles");
  EXPECT_TRUE(found.error.empty());
}

TEST(LocalDayZone, UnknownNameIsAnErrorValue) {
  const zone_lookup found = local_zone::find("Mars/Olympus_Mons");
  EXPECT_FALSE(found);
  EXPECT_FALSE(found.zone.has_value());
  EXPECT_NE(found.error.find("Mars/Olympus_Mons"), std::string::npos) << found.error;
}

TEST(LocalDayZone, EmptyAndMalformedNamesAreErrors) {
  for (const char* name : {"", "America/", "../../etc/passwd", "america/los_angeles", "PST-8"}) {
    const zone_lookup found = local_zone::find(name);
    EXPECT_FALSE(found) << name;
    EXPECT_FALSE(found.error.empty()) << name;
  }
}

TEST(LocalDayZone, RepeatedLookupsGiveTheSameZone) {
  EXPECT_EQ(zone("Europe/Berlin"), zone("Europe/Berlin"));
  EXPECT_FALSE(zone("Europe/Berlin") == la());
}

TEST(LocalDayZone, LinkNamesResolve) {
  const local_zone pacific = zone("US/Pacific");
  EXPECT_EQ(pacific.day_string_at(utc(2026, 3, 8, 7, 59)), "2026-03-07");
  EXPECT_EQ(pacific.next_midnight(utc(2026, 3, 8, 12)), utc(2026, 3, 9, 7));
}

// ---- civil dates -------------------------------------------------------------------------------

struct parse_case {
  const char* text;
  std::optional<civil_date> expected;
};

class LocalDayParse : public ::testing::TestWithParam<parse_case> {};

TEST_P(LocalDayParse, AcceptsOnlyRealIsoDates) {
  EXPECT_EQ(parse_civil_date(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(, LocalDayParse,
                         ::testing::Values(parse_case{"2026-03-08", civil_date{2026, 3, 8}},
                                           parse_case{"2024-02-29", civil_date{2024, 2, 29}},
                                           parse_case{"1999-12-31", civil_date{1999, 12, 31}},
                                           parse_case{"2026-02-29", std::nullopt},
                                           parse_case{"2026-04-31", std::nullopt},
                                           parse_case{"2026-13-01", std::nullopt},
                                           parse_case{"2026-00-10", std::nullopt},
                                           parse_case{"2026-01-00", std::nullopt},
                                           parse_case{"2026-3-08", std::nullopt},
                                           parse_case{"2026-03-08T00:00", std::nullopt},
                                           parse_case{"2026/03/08", std::nullopt},
                                           parse_case{"+026-03-08", std::nullopt},
                                           parse_case{"", std::nullopt}));

TEST(LocalDayCivil, PrintsZeroPadded) {
  EXPECT_EQ(to_string(civil_date{2026, 3, 8}), "2026-03-08");
  EXPECT_EQ(to_string(civil_date{987, 1, 2}), "0987-01-02");
}

TEST(LocalDayCivil, RoundTripsThroughText) {
  const civil_date d{2026, 11, 1};
  EXPECT_EQ(parse_civil_date(to_string(d)), d);
}

TEST(LocalDayCivil, AddDaysCrossesMonthsYearsAndLeapDays) {
  EXPECT_EQ(add_days({2026, 2, 28}, 1), (civil_date{2026, 3, 1}));
  EXPECT_EQ(add_days({2024, 2, 28}, 1), (civil_date{2024, 2, 29}));
  EXPECT_EQ(add_days({2026, 12, 31}, 1), (civil_date{2027, 1, 1}));
  EXPECT_EQ(add_days({2026, 1, 1}, -1), (civil_date{2025, 12, 31}));
  EXPECT_EQ(add_days({2026, 3, 8}, 0), (civil_date{2026, 3, 8}));
  EXPECT_EQ(add_days({2026, 1, 1}, 365), (civil_date{2027, 1, 1}));
}

TEST(LocalDayCivil, ValidRejectsImpossibleDates) {
  EXPECT_TRUE(valid({2024, 2, 29}));
  EXPECT_FALSE(valid({2026, 2, 29}));
  EXPECT_FALSE(valid({2026, 0, 1}));
  EXPECT_FALSE(valid({2026, 1, 32}));
  EXPECT_FALSE(valid({2026, -1, 1}));
}

// ---- local date of an instant ------------------------------------------------------------------

struct date_case {
  const char* zone;
  std::int64_t at_ms;
  const char* expected;
};

class LocalDayDateAt : public ::testing::TestWithParam<date_case> {};

TEST_P(LocalDayDateAt, NamesTheLocalCalendarDay) {
  const date_case& c = GetParam();
  EXPECT_EQ(zone(c.zone).day_string_at(c.at_ms), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    , LocalDayDateAt,
    ::testing::Values(
        // Los Angeles: PST is UTC-8, PDT UTC-7.
        date_case{"America/Los_Angeles", utc(2026, 1, 15, 7, 59, 59, 999), "2026-01-14"},
        date_case{"America/Los_Angeles", utc(2026, 1, 15, 8), "2026-01-15"},
        date_case{"America/Los_Angeles", utc(2026, 3, 8, 9, 59, 59, 999), "2026-03-08"},
        date_case{"America/Los_Angeles", utc(2026, 3, 9, 6, 59, 59, 999), "2026-03-08"},
        date_case{"America/Los_Angeles", utc(2026, 3, 9, 7), "2026-03-09"},
        date_case{"America/Los_Angeles", utc(2026, 11, 1, 7), "2026-11-01"},
        date_case{"America/Los_Angeles", utc(2026, 11, 2, 7, 59, 59, 999), "2026-11-01"},
        date_case{"America/Los_Angeles", utc(2026, 11, 2, 8), "2026-11-02"},
        date_case{"America/Los_Angeles", -1, "1969-12-31"},
        // Berlin is ahead of UTC: late UTC evening is already tomorrow.
        date_case{"Europe/Berlin", utc(2026, 1, 15, 22, 59, 59, 999), "2026-01-15"},
        date_case{"Europe/Berlin", utc(2026, 1, 15, 23), "2026-01-16"},
        date_case{"Europe/Berlin", utc(2026, 7, 15, 22), "2026-07-16"},
        // Kolkata's +05:30 splits the UTC hour.
        date_case{"Asia/Kolkata", utc(2026, 1, 15, 18, 29, 59, 999), "2026-01-15"},
        date_case{"Asia/Kolkata", utc(2026, 1, 15, 18, 30), "2026-01-16"},
        date_case{"UTC", utc(2026, 1, 15, 23, 59, 59, 999), "2026-01-15"}));

TEST(LocalDayDate, ReturnsStructuredDate) {
  EXPECT_EQ(la().date_at(utc(2026, 11, 1, 9, 30)), (civil_date{2026, 11, 1}));
}

// ---- day lengths and next midnight -------------------------------------------------------------

struct day_length_case {
  const char* zone;
  civil_date day;
  std::int64_t start_utc;
  std::int64_t hours;
};

class LocalDayLength : public ::testing::TestWithParam<day_length_case> {};

TEST_P(LocalDayLength, MidnightToNextMidnight) {
  const day_length_case& c = GetParam();
  const local_zone z = zone(c.zone);
  const std::int64_t start = z.start_of_day(c.day);
  EXPECT_EQ(start, c.start_utc);
  EXPECT_EQ(z.next_midnight(start), start + c.hours * hour_ms);
  EXPECT_EQ(z.next_midnight(start + hour_ms / 2), start + c.hours * hour_ms);
  EXPECT_EQ(z.next_midnight(start + c.hours * hour_ms - 1), start + c.hours * hour_ms);
}

INSTANTIATE_TEST_SUITE_P(
    , LocalDayLength,
    ::testing::Values(
        day_length_case{"America/Los_Angeles", {2026, 3, 7}, utc(2026, 3, 7, 8), 24},
        day_length_case{"America/Los_Angeles", {2026, 3, 8}, utc(2026, 3, 8, 8), 23},
        day_length_case{"America/Los_Angeles", {2026, 3, 9}, utc(2026, 3, 9, 7), 24},
        day_length_case{"America/Los_Angeles", {2026, 11, 1}, utc(2026, 11, 1, 7), 25},
        day_length_case{"America/Los_Angeles", {2026, 11, 2}, utc(2026, 11, 2, 8), 24},
        day_length_case{"Europe/Berlin", {2026, 3, 29}, utc(2026, 3, 28, 23), 23},
        day_length_case{"Europe/Berlin", {2026, 10, 25}, utc(2026, 10, 24, 22), 25},
        day_length_case{"Asia/Kolkata", {2026, 3, 8}, utc(2026, 3, 7, 18, 30), 24},
        // Havana springs forward at midnight itself: the day starts at 01:00 and lasts 23 h.
        day_length_case{"America/Havana", {2026, 3, 8}, utc(2026, 3, 8, 5), 23},
        // Havana falls back into midnight: the earlier 00:00 (CDT) starts the 25 h day.
        day_length_case{"America/Havana", {2026, 11, 1}, utc(2026, 11, 1, 4), 25},
        // Santiago falls back at 24:00 to 23:00: Saturday is the long day.
        day_length_case{"America/Santiago", {2026, 4, 4}, utc(2026, 4, 4, 3), 25}));

TEST(LocalDayNextMidnight, IsStrictlyAfterAnExactMidnight) {
  const std::int64_t midnight = utc(2026, 1, 15, 8);
  EXPECT_EQ(la().next_midnight(midnight), utc(2026, 1, 16, 8));
  EXPECT_EQ(la().next_midnight(midnight - 1), midnight);
}

TEST(LocalDayNextMidnight, FallBackHourRepeatedStillSameDay) {
  // 01:30 local happens twice on 2026-11-01; both belong to the day ending at 08:00 UTC next day.
  EXPECT_EQ(la().next_midnight(utc(2026, 11, 1, 8, 30)), utc(2026, 11, 2, 8));
  EXPECT_EQ(la().next_midnight(utc(2026, 11, 1, 9, 30)), utc(2026, 11, 2, 8));
}

// ---- wall times on a date ----------------------------------------------------------------------

struct wall_case {
  const char* zone;
  civil_date day;
  wall_time at;
  std::int64_t expected;
};

class LocalDayWallTime : public ::testing::TestWithParam<wall_case> {};

TEST_P(LocalDayWallTime, ResolvesToOneInstant) {
  const wall_case& c = GetParam();
  EXPECT_EQ(zone(c.zone).instant_of(c.day, c.at), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    , LocalDayWallTime,
    ::testing::Values(
        // The 09:00 standup moves by an hour of UTC across the change, never by a local hour.
        wall_case{"America/Los_Angeles", {2026, 3, 7}, {9, 0, 0}, utc(2026, 3, 7, 17)},
        wall_case{"America/Los_Angeles", {2026, 3, 8}, {9, 0, 0}, utc(2026, 3, 8, 16)},
        wall_case{"America/Los_Angeles", {2026, 10, 31}, {9, 0, 0}, utc(2026, 10, 31, 16)},
        wall_case{"America/Los_Angeles", {2026, 11, 1}, {9, 0, 0}, utc(2026, 11, 1, 17)},
        // 02:30 does not exist on spring-forward day: the instant right after the gap (03:00 PDT).
        wall_case{"America/Los_Angeles", {2026, 3, 8}, {2, 30, 0}, utc(2026, 3, 8, 10)},
        wall_case{"America/Los_Angeles", {2026, 3, 8}, {2, 0, 0}, utc(2026, 3, 8, 10)},
        wall_case{"America/Los_Angeles", {2026, 3, 8}, {1, 59, 59}, utc(2026, 3, 8, 9, 59, 59)},
        wall_case{"America/Los_Angeles", {2026, 3, 8}, {3, 0, 0}, utc(2026, 3, 8, 10)},
        // 01:30 happens twice on fall-back day: the earlier, still PDT.
        wall_case{"America/Los_Angeles", {2026, 11, 1}, {1, 30, 0}, utc(2026, 11, 1, 8, 30)},
        wall_case{"America/Los_Angeles", {2026, 11, 1}, {2, 0, 0}, utc(2026, 11, 1, 10)},
        wall_case{"Europe/Berlin", {2026, 3, 29}, {2, 30, 0}, utc(2026, 3, 29, 1)},
        wall_case{"Europe/Berlin", {2026, 10, 25}, {2, 30, 0}, utc(2026, 10, 25, 0, 30)},
        wall_case{"Europe/Berlin", {2026, 6, 1}, {9, 0, 0}, utc(2026, 6, 1, 7)},
        wall_case{"Asia/Kolkata", {2026, 6, 1}, {9, 0, 0}, utc(2026, 6, 1, 3, 30)}));

// ---- report periods ----------------------------------------------------------------------------

struct period_case {
  const char* zone;
  std::int64_t at_ms;
  std::int64_t day_start;
  std::int64_t week_start;
  std::int64_t month_start;
};

class LocalDayPeriod : public ::testing::TestWithParam<period_case> {};

TEST_P(LocalDayPeriod, StartsOfDayWeekMonth) {
  const period_case& c = GetParam();
  const local_zone z = zone(c.zone);
  EXPECT_EQ(z.start_of_day_containing(c.at_ms), c.day_start);
  EXPECT_EQ(z.start_of_week_containing(c.at_ms), c.week_start);
  EXPECT_EQ(z.start_of_month_containing(c.at_ms), c.month_start);
}

INSTANTIATE_TEST_SUITE_P(
    , LocalDayPeriod,
    ::testing::Values(
        // Wednesday 2026-03-11 12:00 PDT: the week began Monday 03-09 (PDT), the month in PST.
        period_case{"America/Los_Angeles", utc(2026, 3, 11, 19), utc(2026, 3, 11, 7),
                    utc(2026, 3, 9, 7), utc(2026, 3, 1, 8)},
        // Sunday 2026-03-08, spring-forward day: weeks start Monday, so the week began 03-02.
        period_case{"America/Los_Angeles", utc(2026, 3, 8, 20), utc(2026, 3, 8, 8),
                    utc(2026, 3, 2, 8), utc(2026, 3, 1, 8)},
        // Monday 00:00 exactly is the start of its own week.
        period_case{"America/Los_Angeles", utc(2026, 3, 9, 7), utc(2026, 3, 9, 7),
                    utc(2026, 3, 9, 7), utc(2026, 3, 1, 8)},
        // 01:30 PST, the second pass on fall-back day: the day still began at 00:00 PDT.
        period_case{"America/Los_Angeles", utc(2026, 11, 1, 9, 30), utc(2026, 11, 1, 7),
                    utc(2026, 10, 26, 7), utc(2026, 11, 1, 7)},
        // Friday 2027-01-01 in Berlin, reached on UTC New Year's Eve: week began in 2026.
        period_case{"Europe/Berlin", utc(2026, 12, 31, 23, 30), utc(2026, 12, 31, 23),
                    utc(2026, 12, 27, 23), utc(2026, 12, 31, 23)},
        period_case{"Asia/Kolkata", utc(2026, 2, 1, 12), utc(2026, 1, 31, 18, 30),
                    utc(2026, 1, 25, 18, 30), utc(2026, 1, 31, 18, 30)}));

// ---- budget: today's spend and the midnight reset ---------------------------------------------

agent agent_with(usd today, std::string spend_day, usd total) {
  agent a;
  a.id = "jordan";
  a.today_spend = today;
  a.spend_day = std::move(spend_day);
  a.total_spend = total;
  return a;
}

TEST(BudgetToday, CountsOnlyOnItsOwnLocalDay) {
  const agent a = agent_with(1.25_usd, "2026-01-15", 10.00_usd);
  EXPECT_EQ(today_spend_at(a, la(), utc(2026, 1, 15, 8)), 1.25_usd);
  EXPECT_EQ(today_spend_at(a, la(), utc(2026, 1, 16, 7, 59, 59, 999)), 1.25_usd);
  EXPECT_EQ(today_spend_at(a, la(), utc(2026, 1, 16, 8)), usd{});
  EXPECT_EQ(today_spend_at(a, la(), utc(2026, 1, 15, 7, 59, 59, 999)), usd{});
}

TEST(BudgetToday, EmptySpendDayMeansNothingSpentToday) {
  EXPECT_EQ(today_spend_at(agent_with(3.00_usd, "", 3.00_usd), la(), utc(2026, 1, 15)), usd{});
}

TEST(BudgetToday, ZoneDecidesTheDay) {
  // 23:30 UTC on 01-15 is 01-15 in Los Angeles but already 01-16 in Berlin.
  const agent a = agent_with(2.00_usd, "2026-01-15", 2.00_usd);
  EXPECT_EQ(today_spend_at(a, la(), utc(2026, 1, 15, 23, 30)), 2.00_usd);
  EXPECT_EQ(today_spend_at(a, zone("Europe/Berlin"), utc(2026, 1, 15, 23, 30)), usd{});
}

TEST(BudgetRecord, AccumulatesWithinADay) {
  agent a = agent_with(usd{}, "", 5.00_usd);
  EXPECT_EQ(record_spend(a, 0.40_usd, la(), utc(2026, 1, 15, 17)), spend_day_change::new_day);
  EXPECT_EQ(record_spend(a, 0.35_usd, la(), utc(2026, 1, 15, 20)), spend_day_change::same_day);
  EXPECT_EQ(a.today_spend, 0.75_usd);
  EXPECT_EQ(a.total_spend, 5.75_usd);
  EXPECT_EQ(a.spend_day, "2026-01-15");
}

struct reset_case {
  const char* name;
  const char* zone;
  std::int64_t last_ms_of_day;
  const char* day;
  const char* next_day;
};

class BudgetMidnightReset : public ::testing::TestWithParam<reset_case> {};

TEST_P(BudgetMidnightReset, LastMillisecondCountsThenMidnightResets) {
  const reset_case& c = GetParam();
  const local_zone z = zone(c.zone);
  agent a = agent_with(1.00_usd, c.day, 20.00_usd);

  EXPECT_EQ(record_spend(a, 0.50_usd, z, c.last_ms_of_day), spend_day_change::same_day);
  EXPECT_EQ(a.today_spend, 1.50_usd);
  EXPECT_EQ(a.spend_day, c.day);

  EXPECT_EQ(today_spend_at(a, z, c.last_ms_of_day + 1), usd{});
  EXPECT_EQ(record_spend(a, 0.25_usd, z, c.last_ms_of_day + 1), spend_day_change::new_day);
  EXPECT_EQ(a.today_spend, 0.25_usd);
  EXPECT_EQ(a.spend_day, c.next_day);
  EXPECT_EQ(a.total_spend, 20.75_usd);
}

INSTANTIATE_TEST_SUITE_P(
    , BudgetMidnightReset,
    ::testing::Values(reset_case{"OrdinaryDay", "America/Los_Angeles",
                                 utc(2026, 1, 16, 7, 59, 59, 999), "2026-01-15", "2026-01-16"},
                      reset_case{"EveOfSpringForward", "America/Los_Angeles",
                                 utc(2026, 3, 8, 7, 59, 59, 999), "2026-03-07", "2026-03-08"},
                      reset_case{"SpringForwardDay", "America/Los_Angeles",
                                 utc(2026, 3, 9, 6, 59, 59, 999), "2026-03-08", "2026-03-09"},
                      reset_case{"EveOfFallBack", "America/Los_Angeles",
                                 utc(2026, 11, 1, 6, 59, 59, 999), "2026-10-31", "2026-11-01"},
                      reset_case{"FallBackDay", "America/Los_Angeles",
                                 utc(2026, 11, 2, 7, 59, 59, 999), "2026-11-01", "2026-11-02"},
                      reset_case{"Berlin", "Europe/Berlin", utc(2026, 1, 15, 22, 59, 59, 999),
                                 "2026-01-15", "2026-01-16"},
                      reset_case{"Kolkata", "Asia/Kolkata", utc(2026, 1, 15, 18, 29, 59, 999),
                                 "2026-01-15", "2026-01-16"}),
    [](const auto& row) { return std::string{row.param.name}; });

TEST(BudgetRecord, SpendsThroughBothDstDaysResetOncePerLocalDay) {
  // Hourly costs from Saturday 03-07 00:00 PST to Monday 03-09 00:00 PDT: 24 + 23 hours.
  agent a = agent_with(usd{}, "", usd{});
  std::vector<std::string> days;
  for (std::int64_t t = utc(2026, 3, 7, 8); t < utc(2026, 3, 9, 7); t += hour_ms) {
    if (record_spend(a, 0.01_usd, la(), t) == spend_day_change::new_day)
      days.push_back(a.spend_day);
  }
  EXPECT_EQ(days, (std::vector<std::string>{"2026-03-07", "2026-03-08"}));
  EXPECT_EQ(a.today_spend, 0.23_usd);
  EXPECT_EQ(a.total_spend, 0.47_usd);

  a = agent_with(usd{}, "", usd{});
  days.clear();
  for (std::int64_t t = utc(2026, 11, 1, 7); t < utc(2026, 11, 3, 8); t += hour_ms) {
    if (record_spend(a, 0.01_usd, la(), t) == spend_day_change::new_day)
      days.push_back(a.spend_day);
  }
  EXPECT_EQ(days, (std::vector<std::string>{"2026-11-01", "2026-11-02"}));
  EXPECT_EQ(a.today_spend, 0.24_usd);
  EXPECT_EQ(a.total_spend, 0.49_usd);
}

TEST(BudgetRecord, SkippedDaysResetToo) {
  agent a = agent_with(4.00_usd, "2026-01-10", 4.00_usd);
  EXPECT_EQ(record_spend(a, 1.00_usd, la(), utc(2026, 1, 15, 20)), spend_day_change::new_day);
  EXPECT_EQ(a.today_spend, 1.00_usd);
  EXPECT_EQ(a.spend_day, "2026-01-15");
}

TEST(BudgetRecord, LateCostFromAClosedDayCountsInTotalOnly) {
  agent a = agent_with(0.60_usd, "2026-01-16", 9.00_usd);
  EXPECT_EQ(record_spend(a, 0.30_usd, la(), utc(2026, 1, 16, 7, 59)),
            spend_day_change::earlier_day);
  EXPECT_EQ(a.today_spend, 0.60_usd);
  EXPECT_EQ(a.spend_day, "2026-01-16");
  EXPECT_EQ(a.total_spend, 9.30_usd);
}

TEST(BudgetRecord, UnreadableSpendDayIsTreatedAsClosed) {
  agent a = agent_with(7.00_usd, "yesterday", 7.00_usd);
  EXPECT_EQ(record_spend(a, 0.10_usd, la(), utc(2026, 1, 15, 20)), spend_day_change::new_day);
  EXPECT_EQ(a.today_spend, 0.10_usd);
  EXPECT_EQ(a.spend_day, "2026-01-15");
  EXPECT_EQ(a.total_spend, 7.10_usd);
}

TEST(BudgetRecord, ZeroCostStillRollsTheDay) {
  agent a = agent_with(3.00_usd, "2026-01-14", 3.00_usd);
  EXPECT_EQ(record_spend(a, usd{}, la(), utc(2026, 1, 15, 20)), spend_day_change::new_day);
  EXPECT_EQ(a.today_spend, usd{});
  EXPECT_EQ(a.spend_day, "2026-01-15");
}

// ---- budget status against a cap ---------------------------------------------------------------

struct status_case {
  usd spent;
  usd cap;
  usd remaining;
  spend_level level;
};

class BudgetStatus : public ::testing::TestWithParam<status_case> {};

TEST_P(BudgetStatus, UsesTheSharedEightyPercentRule) {
  const status_case& c = GetParam();
  const budget_status s = budget_status_of(c.spent, c.cap);
  EXPECT_EQ(s.spent, c.spent);
  EXPECT_EQ(s.cap, c.cap);
  EXPECT_EQ(s.remaining, c.remaining);
  EXPECT_EQ(s.level, c.level) << to_string(s.level);
  EXPECT_EQ(s.level, classify_spend(c.spent, c.cap));
}

INSTANTIATE_TEST_SUITE_P(
    , BudgetStatus,
    ::testing::Values(status_case{usd{}, 5.00_usd, 5.00_usd, spend_level::ok},
                      status_case{3.99_usd, 5.00_usd, 1.01_usd, spend_level::ok},
                      status_case{4.00_usd, 5.00_usd, 1.00_usd, spend_level::approaching_limit},
                      status_case{5.00_usd, 5.00_usd, usd{}, spend_level::approaching_limit},
                      status_case{usd::from_micros(5'000'001), 5.00_usd, usd{},
                                  spend_level::exceeded},
                      status_case{12.50_usd, 12.00_usd, usd{}, spend_level::exceeded},
                      status_case{usd{}, usd{}, usd{}, spend_level::ok},
                      status_case{0.01_usd, usd{}, usd{}, spend_level::exceeded}));

} // namespace
} // namespace mc
