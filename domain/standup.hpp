// The daily standup document (SPEC §5): per agent what it finished, what it works on and what
// blocks it; the spend of the day; open approvals and alerts. Pure: the StandupGenerator gathers
// the facts and stores the document.
#pragma once

#include "domain/entities.hpp"
#include "domain/local_day.hpp"
#include "domain/money.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mc {

/// Listing limits (SPEC §5): more than these are counted, not listed.
inline constexpr std::size_t standup_max_completed = 10;
inline constexpr std::size_t standup_max_alerts = 5;
inline constexpr std::size_t standup_max_approvals = 10;

struct standup_facts {
  /// The local date the standup is for, and its zone's name.
  civil_date day;
  std::string zone;
  /// Tasks completed at or after this instant count as finished (the previous standup's time:
  /// 24 h before this one).
  epoch_ms finished_since = 0;
  std::vector<agent> agents;
  /// Open tasks (assigned, in_progress, review, blocked, needs_approval) and recently done ones.
  std::vector<task> tasks;
  std::vector<approval> pending_approvals;
  std::vector<alert> open_alerts;
  /// What the squad spent on the previous local day and so far today.
  usd spent_yesterday;
  usd spent_today;
};

/// The document id of the scheduled standup of a day: `standup-YYYY-MM-DD`.
std::string standup_id(civil_date day);

/// The standup as a Markdown document of type `standup`, named after its day.
document make_standup(const standup_facts& facts, std::string id, epoch_ms now);

} // namespace mc
