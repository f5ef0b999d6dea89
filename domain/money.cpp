#include "domain/money.hpp"

#include <cmath>

namespace mc {

usd usd::from_dollars(double dollars) noexcept {
  return usd{static_cast<std::int64_t>(std::llround(dollars * 1'000'000.0))};
}

std::string dollar_text(usd v) {
  const bool negative = v.micros < 0;
  const std::uint64_t abs =
      negative ? 0 - static_cast<std::uint64_t>(v.micros) : static_cast<std::uint64_t>(v.micros);
  std::string frac = std::to_string(abs % 1'000'000);
  frac.insert(0, 6 - frac.size(), '0');
  while (frac.size() > 2 && frac.back() == '0')
    frac.pop_back();
  return std::string(negative ? "-$" : "$") + std::to_string(abs / 1'000'000) + "." + frac;
}

} // namespace mc
