#include "domain/local_day.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <mutex>

namespace mc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

date::year_month_day to_ymd(civil_date d) {
  return date::year{d.year} / date::month{static_cast<unsigned>(d.month)} /
         date::day{static_cast<unsigned>(d.day)};
}

civil_date from_ymd(date::year_month_day ymd) {
  return civil_date{static_cast<std::int32_t>(int{ymd.year()}),
                    static_cast<std::int32_t>(unsigned{ymd.month()}),
                    static_cast<std::int32_t>(unsigned{ymd.day()})};
}

std::int64_t to_ms(date::sys_seconds t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

/// Resolves a local time to an instant: a gap maps to its end, an overlap to the earlier
/// instant unless `prefer_later`.
std::int64_t resolve(const date::time_zone& zone, date::local_seconds lt, bool prefer_later) {
  const date::local_info info = zone.get_info(lt);
  switch (info.result) {
  case date::local_info::nonexistent:
    return to_ms(info.first.end);
  case date::local_info::ambiguous:
    return to_ms(date::sys_seconds{lt.time_since_epoch()} -
                 (prefer_later ? info.second.offset : info.first.offset));
  case date::local_info::unique:
    break;
  }
  return to_ms(date::sys_seconds{lt.time_since_epoch()} - info.first.offset);
}

date::local_seconds local_seconds_of(civil_date d, wall_time t) {
  return date::local_days{to_ymd(d)} + std::chrono::hours{t.hour} + std::chrono::minutes{t.minute} +
         seconds{t.second};
}

bool all_digits(std::string_view s) {
  for (const char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

std::int32_t to_int(std::string_view s) {
  std::int32_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

} // namespace

bool valid(civil_date d) noexcept {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
    return false;
  return to_ymd(d).ok();
}

std::string to_string(civil_date d) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02d", static_cast<int>(d.year),
                static_cast<int>(d.month), static_cast<int>(d.day));
  return std::string{buf.data()};
}

std::optional<civil_date> parse_civil_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  const auto y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!all_digits(y) || !all_digits(m) || !all_digits(d))
    return std::nullopt;
  const civil_date out{to_int(y), to_int(m), to_int(d)};
  if (!valid(out))
    return std::nullopt;
  return out;
}

civil_date add_days(civil_date d, std::int32_t n) {
  return from_ymd(date::year_month_day{date::sys_days{to_ymd(d)} + date::days{n}});
}

zone_lookup local_zone::find(std::string_view name) {
  // locate_zone walks the tz database's name list; the cache keeps per-request lookups cheap.
  // Only hits are cached, so it is bounded by the database's size whatever names arrive.
  static std::mutex mutex;
  static std::map<std::string, const date::time_zone*, std::less<>> cache;

  if (name.empty())
    return zone_lookup{std::nullopt, "time zone name is empty"};
  {
    const std::lock_guard lock{mutex};
    if (const auto it = cache.find(name); it != cache.end())
      return zone_lookup{local_zone{it->second}, {}};
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
    // Zone data is read lazily on first use; force it here so a broken file surfaces as this
    // error rather than as an exception out of some later arithmetic.
    (void)zone->get_info(date::sys_seconds{});
  } catch (const std::exception&) {
    return zone_lookup{std::nullopt, "unknown time zone '" + std::string{name} + "'"};
  }
  const std::lock_guard lock{mutex};
  cache.emplace(std::string{name}, zone);
  return zone_lookup{local_zone{zone}, {}};
}

std::string local_zone::name() const {
  return zone_->name();
}

civil_date local_zone::date_at(std::int64_t at_ms) const {
  const date::zoned_time<milliseconds> zt{zone_, date::sys_time<milliseconds>{milliseconds{at_ms}}};
  return from_ymd(date::year_month_day{date::floor<date::days>(zt.get_local_time())});
}

std::string local_zone::day_string_at(std::int64_t at_ms) const {
  return to_string(date_at(at_ms));
}

std::int64_t local_zone::instant_of(civil_date d, wall_time t) const {
  return resolve(*zone_, local_seconds_of(d, t), false);
}

std::int64_t local_zone::start_of_day(civil_date d) const {
  return instant_of(d, wall_time{});
}

std::int64_t local_zone::next_midnight(std::int64_t at_ms) const {
  const auto next = local_seconds_of(add_days(date_at(at_ms), 1), wall_time{});
  const std::int64_t earliest = resolve(*zone_, next, false);
  // Only a fall-back that crosses midnight backwards could put the earlier reading of midnight
  // at or before at_ms; then the day really turns at the later one.
  return earliest > at_ms ? earliest : resolve(*zone_, next, true);
}

std::int64_t local_zone::start_of_day_containing(std::int64_t at_ms) const {
  return start_of_day(date_at(at_ms));
}

std::int64_t local_zone::start_of_week_containing(std::int64_t at_ms) const {
  const civil_date today = date_at(at_ms);
  const auto since_monday = date::weekday{date::sys_days{to_ymd(today)}}.iso_encoding() - 1;
  return start_of_day(add_days(today, -static_cast<std::int32_t>(since_monday)));
}

std::int64_t local_zone::start_of_month_containing(std::int64_t at_ms) const {
  const civil_date today = date_at(at_ms);
  return start_of_day(civil_date{today.year, today.month, 1});
}

} // namespace mc
