// Date query parameters (SPEC §1: `YYYY-MM-DD` or an ISO-8601 instant) turned into a half-open
// range of epoch milliseconds. A date means its whole local day in the configured zone, so an
// end date includes its day; an instant means that millisecond, an end instant included.
#pragma once

#include "domain/local_day.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace mc {

/// `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM` (or `±HHMM`); a space may
/// stand for the `T`. Nothing without a zone: a bare local time would be ambiguous.
std::optional<std::int64_t> parse_iso_instant(std::string_view text);

struct epoch_range {
  std::int64_t from = std::numeric_limits<std::int64_t>::min(); // included
  std::int64_t to = std::numeric_limits<std::int64_t>::max();   // excluded
};

struct range_parse {
  std::optional<epoch_range> range;
  /// Why there is no range: fit for a 400 (names the parameter).
  std::string error;
};

/// The range of `start` (a missing one: unbounded) to `end` (a missing one: unbounded), with a
/// date's day taken in `zone`. An error when either does not parse or start lies after end.
range_parse parse_date_range(std::optional<std::string_view> start,
                             std::optional<std::string_view> end, const local_zone& zone,
                             std::string_view start_name = "startDate",
                             std::string_view end_name = "endDate");

} // namespace mc
