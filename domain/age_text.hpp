// Ages written the way operators type them on the command line (`--older-than=30d`): a whole
// number and one unit, m(inutes), h(ours), d(ays) or w(eeks). Pure, so retention cut-offs are
// tested without a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mc {

/// `90m`, `12h`, `30d`, `2w` (unit case-insensitive) as milliseconds. Anything else, including a
/// missing unit, a sign, spaces or a value too large for 64-bit milliseconds, is nullopt.
std::optional<std::int64_t> parse_age_ms(std::string_view text);

/// The largest unit that divides `ms` exactly: `2592000000` → `30d`, `5400000` → `90m`; `Nms`
/// for anything not a whole number of minutes.
std::string format_age(std::int64_t ms);

} // namespace mc
