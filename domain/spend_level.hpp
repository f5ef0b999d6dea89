// How close a spend is to its cap: the one threshold rule behind budget warnings (SPEC §4–5).
#pragma once

#include "domain/money.hpp"

#include <cstdint>

namespace mc {

enum class spend_level : std::uint8_t { ok, approaching_limit, exceeded };

/// At 80 % of the cap a warning is due; past the cap (strictly more) it is exceeded.
/// A zero cap means nothing may be spent.
constexpr spend_level classify_spend(usd spent, usd cap) noexcept {
  if (spent > cap)
    return spend_level::exceeded;
  if (spent.micros * 5 >= cap.micros * 4 && spent.micros > 0)
    return spend_level::approaching_limit;
  return spend_level::ok;
}

constexpr const char* to_string(spend_level l) noexcept {
  switch (l) {
  case spend_level::ok:
    return "ok";
  case spend_level::approaching_limit:
    return "approaching_limit";
  case spend_level::exceeded:
    return "exceeded";
  }
  return "ok";
}

} // namespace mc
