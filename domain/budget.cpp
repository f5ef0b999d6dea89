#include "domain/budget.hpp"

#include <optional>

namespace mc {

usd today_spend_at(const agent& a, const local_zone& zone, std::int64_t at_ms) {
  return a.spend_day == zone.day_string_at(at_ms) ? a.today_spend : usd{};
}

spend_day_change record_spend(agent& a, usd cost, const local_zone& zone, std::int64_t at_ms) {
  const civil_date day = zone.date_at(at_ms);
  // An empty or unreadable spend_day (a new agent, a hand-edited row) counts as a closed day.
  const std::optional<civil_date> counted = parse_civil_date(a.spend_day);
  a.total_spend += cost;
  if (counted && day < *counted)
    return spend_day_change::earlier_day;
  spend_day_change change = spend_day_change::same_day;
  if (!counted || day > *counted) {
    a.today_spend = usd{};
    a.spend_day = to_string(day);
    change = spend_day_change::new_day;
  }
  a.today_spend += cost;
  return change;
}

budget_status budget_status_of(usd spent, usd cap) noexcept {
  const usd left = cap - spent;
  return budget_status{spent, cap, left > usd{} ? left : usd{}, classify_spend(spent, cap)};
}

} // namespace mc
