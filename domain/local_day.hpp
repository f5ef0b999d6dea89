// Local calendar arithmetic in a configured time zone (SPEC §4 daily reset, §5 09:00 standup,
// cost reports). Backed by the system tz database through howardhinnant date; no offset is
// hard-coded.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace mc {

/// A calendar date with no zone attached. Only valid dates (see `valid`) are meaningful.
struct civil_date {
  std::int32_t year = 1970;
  std::int32_t month = 1;
  std::int32_t day = 1;
  friend constexpr auto operator<=>(const civil_date&, const civil_date&) = default;
};

/// A time of day on a local clock.
struct wall_time {
  std::int32_t hour = 0;
  std::int32_t minute = 0;
  std::int32_t second = 0;
  friend constexpr auto operator<=>(const wall_time&, const wall_time&) = default;
};

bool valid(civil_date d) noexcept;
/// `YYYY-MM-DD`, the form of agent.spend_day and of date query parameters.
std::string to_string(civil_date d);
/// Accepts exactly `YYYY-MM-DD` naming a real date; anything else is nullopt.
std::optional<civil_date> parse_civil_date(std::string_view text);
/// Whole days forward (or back, when negative); month and year lengths are the calendar's.
civil_date add_days(civil_date d, std::int32_t days);

struct zone_lookup;

/// A handle to one tz database zone. Cheap to copy; the zone data lives for the whole process.
class local_zone {
 public:
  /// Looks a zone up by IANA name (`America/Los_Angeles`, also links like `US/Pacific`).
  /// Results are cached, so calling this per request is fine.
  static zone_lookup find(std::string_view name);

  /// The canonical name the tz database gave the zone.
  std::string name() const;

  /// The local calendar date at an instant.
  civil_date date_at(std::int64_t at_ms) const;
  /// `to_string(date_at(at_ms))`: the value spend_day is compared with.
  std::string day_string_at(std::int64_t at_ms) const;

  /// The instant a local wall time occurs on a local date. In a DST gap (the clock jumps over it)
  /// the answer is the instant right after the gap; in an overlap (the clock passes it twice) the
  /// earlier of the two. Precondition: valid(d).
  std::int64_t instant_of(civil_date d, wall_time t) const;

  /// The first instant of a local date (its midnight, or the end of a gap that swallows it).
  std::int64_t start_of_day(civil_date d) const;
  /// The first instant of the next local day strictly after `at_ms`: when daily spend resets.
  std::int64_t next_midnight(std::int64_t at_ms) const;

  /// Starts of the local day, week (Monday) and month containing `at_ms`, for cost reports.
  std::int64_t start_of_day_containing(std::int64_t at_ms) const;
  std::int64_t start_of_week_containing(std::int64_t at_ms) const;
  std::int64_t start_of_month_containing(std::int64_t at_ms) const;

  friend bool operator==(const local_zone& a, const local_zone& b) noexcept {
    return a.zone_ == b.zone_;
  }

 private:
  explicit local_zone(const date::time_zone* zone) noexcept : zone_(zone) {}
  const date::time_zone* zone_;
};

/// The outcome of `local_zone::find`: an unknown name is an error value, never an exception.
struct zone_lookup {
  std::optional<local_zone> zone;
  /// Empty when `zone` is set; otherwise why the lookup failed, fit for a 400 or a startup error.
  std::string error;
  explicit operator bool() const noexcept { return zone.has_value(); }
};

} // namespace mc
