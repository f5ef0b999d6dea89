#include "domain/age_text.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace mc {
namespace {

struct unit {
  char letter;
  std::int64_t ms;
};

// Largest first, for format_age.
constexpr std::array<unit, 4> units = {{
    {'w', 7LL * 24 * 60 * 60 * 1000},
    {'d', 24LL * 60 * 60 * 1000},
    {'h', 60LL * 60 * 1000},
    {'m', 60LL * 1000},
}};

} // namespace

std::optional<std::int64_t> parse_age_ms(std::string_view text) {
  if (text.size() < 2)
    return std::nullopt;
  const char letter = static_cast<char>(text.back() | 0x20); // ASCII lower case
  const std::string_view digits = text.substr(0, text.size() - 1);
  // from_chars would accept a leading '-'; an age is never negative.
  if (digits.front() < '0' || digits.front() > '9')
    return std::nullopt;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size())
    return std::nullopt;
  for (const unit& u : units) {
    if (u.letter != letter)
      continue;
    if (n > std::numeric_limits<std::int64_t>::max() / u.ms)
      return std::nullopt;
    return n * u.ms;
  }
  return std::nullopt;
}

std::string format_age(std::int64_t ms) {
  if (ms != 0)
    for (const unit& u : units)
      if (ms % u.ms == 0)
        return std::to_string(ms / u.ms) + u.letter;
  if (ms == 0)
    return "0m";
  return std::to_string(ms) + "ms";
}

} // namespace mc
