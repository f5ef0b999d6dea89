#include "domain/date_range.hpp"

#include <charconv>

namespace mc {
namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size())
    return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (s[i] < '0' || s[i] > '9')
      return false;
  std::from_chars(s.data() + at, s.data() + at + n, out);
  return true;
}

} // namespace

std::optional<std::int64_t> parse_iso_instant(std::string_view s) {
  if (s.size() < 17 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
    return std::nullopt;
  const auto date = parse_civil_date(s.substr(0, 10));
  if (!date)
    return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm))
    return std::nullopt;
  std::size_t i = 16;
  std::int64_t millis = 0;
  if (i < s.size() && s[i] == ':') {
    if (!digits(s, i + 1, 2, ss))
      return std::nullopt;
    i += 3;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      std::size_t n = 0;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n)
        if (n < 3)
          millis = millis * 10 + (s[i] - '0');
      if (n == 0)
        return std::nullopt;
      for (; n < 3; ++n)
        millis *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  if (i >= s.size())
    return std::nullopt; // no zone
  std::int64_t offset_min = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    const int sign = s[i] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(s, i + 1, 2, oh))
      return std::nullopt;
    std::size_t j = i + 3;
    if (j < s.size() && s[j] == ':')
      ++j;
    if (!digits(s, j, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    i = j + 2;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size())
    return std::nullopt;
  const std::int64_t days = days_from_civil(date->year, static_cast<unsigned>(date->month),
                                            static_cast<unsigned>(date->day));
  const std::int64_t seconds = days * 86'400 + hh * 3'600 + mm * 60 + std::min(ss, 59);
  return (seconds - offset_min * 60) * 1'000 + millis;
}

range_parse parse_date_range(std::optional<std::string_view> start,
                             std::optional<std::string_view> end, const local_zone& zone,
                             std::string_view start_name, std::string_view end_name) {
  range_parse out;
  epoch_range r;
  const auto bad = [&](std::string_view name, std::string_view text) {
    out.error = std::string(name) + " '" + std::string(text) +
                "' is neither YYYY-MM-DD nor an ISO-8601 instant with a zone";
    return out;
  };
  if (start && !start->empty()) {
    if (const auto d = parse_civil_date(*start))
      r.from = zone.start_of_day(*d);
    else if (const auto t = parse_iso_instant(*start))
      r.from = *t;
    else
      return bad(start_name, *start);
  }
  if (end && !end->empty()) {
    if (const auto d = parse_civil_date(*end))
      r.to = zone.start_of_day(add_days(*d, 1)); // the whole end day
    else if (const auto t = parse_iso_instant(*end))
      r.to = *t + 1; // the end instant itself included
    else
      return bad(end_name, *end);
  }
  if (r.from >= r.to) {
    out.error = std::string(start_name) + " lies after " + std::string(end_name);
    return out;
  }
  out.range = r;
  return out;
}

} // namespace mc
