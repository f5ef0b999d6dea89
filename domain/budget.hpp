// Daily spend accounting (SPEC §4): an agent's today_spend counts one local day, spend_day, and
// starts again from zero at local midnight in the configured zone.
#pragma once

#include "domain/entities.hpp"
#include "domain/local_day.hpp"
#include "domain/money.hpp"
#include "domain/spend_level.hpp"

#include <cstdint>

namespace mc {

/// What the agent has spent on the local day containing `at_ms`: zero unless that day is its
/// spend_day, so a stale counter never needs a write just to read as reset.
usd today_spend_at(const agent& a, const local_zone& zone, std::int64_t at_ms);

/// How a recorded cost related to the agent's spend_day.
enum class spend_day_change : std::uint8_t {
  same_day,   ///< added to today's spend
  new_day,    ///< today's spend restarted at zero, then the cost was added
  earlier_day ///< a late cost from a day already closed: counted in total_spend only
};

/// Adds a cost incurred at `at_ms` to the agent's today and total spend, resetting today first
/// when the local day moved on. Leaves updated_at to the caller, who owns the agent's clock.
spend_day_change record_spend(agent& a, usd cost, const local_zone& zone, std::int64_t at_ms);

struct budget_status {
  usd spent;
  usd cap;
  /// Never negative: what may still be spent before the cap.
  usd remaining;
  spend_level level = spend_level::ok;
  friend bool operator==(const budget_status&, const budget_status&) = default;
};

/// Where a spend stands against its cap; the thresholds are classify_spend's.
budget_status budget_status_of(usd spent, usd cap) noexcept;

} // namespace mc
