// The messages of the supervisors (SPEC §5): the root supervisor's tick and its answer, and the
// standup the HTTP edge asks for. Here in actors/ because http/ may not include supervisors/.
#pragma once

#include "actors/messages.hpp"

#include <caf/atom.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mc::actors {

/// One round of a supervisor's periodic work. A supervisor answers with a tick_report once the
/// round's work is done (its writes acknowledged), so a test that asks for a tick after moving
/// the manual clock sees every consequence when the answer arrives.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// `GET /api/standup` (and on demand): through the root supervisor to the StandupGenerator.
using standup_atom = caf::atom_constant<caf::atom("standup")>;

struct tick_report {
  std::string worker;
  /// What the round changed (alerts raised, agents moved, deliveries made...): 0 when nothing.
  std::int32_t actions = 0;
};

/// The root supervisor's answer to a tick: who answered in time and who did not.
struct tick_summary {
  std::vector<tick_report> answered;
  std::vector<std::string> missed;
};

/// `GET /api/standup[?date=YYYY-MM-DD]`; `generate` makes a new one now (on demand).
struct standup_query {
  std::string date;
  bool generate = false;
  std::string actor;
};

BOOST_DESCRIBE_STRUCT(tick_report, (), (worker, actions))
BOOST_DESCRIBE_STRUCT(tick_summary, (), (answered, missed))
BOOST_DESCRIBE_STRUCT(standup_query, (), (date, generate, actor))

} // namespace mc::actors
