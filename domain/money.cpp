#include "domain/money.hpp"

#include <cmath>

namespace mc {

usd usd::from_dollars(double dollars) noexcept {
  return usd{static_cast<std::int64_t>(std::llround(dollars * 1'000'000.0))};
}

} // namespace mc
