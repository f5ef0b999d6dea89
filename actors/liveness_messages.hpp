// The messages the HeartbeatMonitor sends the agent and task actors (SPEC §5): "mark this agent
// offline if it is still silent" (the agent actor decides, against its own last heartbeat, so
// a beat that just arrived wins) and "release this task from its stale assignees".
#pragma once

#include "actors/messages.hpp"

#include <caf/atom.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mc::actors {

using liveness_atom = caf::atom_constant<caf::atom("liveness")>;
using release_atom = caf::atom_constant<caf::atom("release")>;

/// To an agent actor: is the agent silent for longer than `stale_after_ms`? If so and it is
/// active, it goes offline (durably, audited as the system's `agent.offline`).
struct liveness_check {
  std::int64_t stale_after_ms = 0;
};

struct liveness_verdict {
  mc::agent agent;
  bool stale = false;
  /// This check moved it from active to offline.
  bool went_offline = false;
};

/// To a task actor: release the task in progress from these stale assignees (domain/task_lease);
/// replies `{"task":…,"transition":…}`, or errc::conflict when the task is not theirs in
/// progress any more.
struct release_command {
  std::vector<std::string> agent_ids;
  std::string reason;
};

BOOST_DESCRIBE_STRUCT(liveness_check, (), (stale_after_ms))
BOOST_DESCRIBE_STRUCT(liveness_verdict, (), (agent, stale, went_offline))
BOOST_DESCRIBE_STRUCT(release_command, (), (agent_ids, reason))

} // namespace mc::actors
