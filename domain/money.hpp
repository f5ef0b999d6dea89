// Money as integer micro-dollars: sums of thousands of run costs stay exact (SPEC §1).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace mc {

struct usd {
  std::int64_t micros = 0;

  static constexpr usd from_micros(std::int64_t m) noexcept { return usd{m}; }
  /// Rounds to the nearest micro-dollar; the wire carries dollars as a JSON number.
  static usd from_dollars(double dollars) noexcept;
  double dollars() const noexcept { return static_cast<double>(micros) / 1'000'000.0; }

  friend constexpr usd operator+(usd a, usd b) noexcept { return usd{a.micros + b.micros}; }
  friend constexpr usd operator-(usd a, usd b) noexcept { return usd{a.micros - b.micros}; }
  constexpr usd& operator+=(usd o) noexcept {
    micros += o.micros;
    return *this;
  }
  friend constexpr auto operator<=>(usd, usd) noexcept = default;
};

/// `$0.25`, `$12.00`, `$0.250001`: cents always, micro-dollars only when they matter, so a
/// one-micro-dollar overrun is visible in a reason or an alert.
std::string dollar_text(usd v);

/// Dollars literal for tables and tests: `5.00_usd`.
constexpr usd operator""_usd(long double dollars) noexcept {
  const long double m = dollars * 1'000'000.0L;
  return usd{static_cast<std::int64_t>(m < 0 ? m - 0.5L : m + 0.5L)};
}

} // namespace mc
