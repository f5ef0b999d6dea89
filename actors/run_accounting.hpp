// The bookkeeping behind a recorded run or tool call, apart from the actors that run it: what
// the new agent state, run row, task row, audit record and reply are. The agent actor serialises
// its agent's runs and calls these; the task actor calls prepare_charge when a run names its
// task, so everything lands in one write batch (SPEC §4–5: exact spend accounting).
#pragma once

#include "actors/messages.hpp"
#include "actors/run_messages.hpp"
#include "domain/ids.hpp"
#include "domain/local_day.hpp"
#include "persistence/row.hpp"

#include <optional>
#include <string>
#include <variant>

namespace mc::actors {

/// The zone daily spend resets in: the policy's, or UTC if the policy names an unknown zone.
local_zone spend_zone(const policy& p);

/// A new run: its id, its cost (reported or priced), the agent with the cost added to its
/// spend (the local day of the run's start) and its error streak moved by the run's outcome
/// (domain/error_streak.hpp), and the audit record. Invalid input is an error.
std::variant<run_charge_command, caf::error> new_run_charge(const agent& current, run_command& cmd,
                                                            const price_table& prices,
                                                            const policy& p, id_generator& ids,
                                                            epoch_ms now);

/// A change to a run: the cost difference is what the agent and the task are charged (a
/// correction may be negative); a change that finishes the run moves the error streak. A
/// finished run cannot run again (errc::conflict).
std::variant<run_charge_command, caf::error>
patched_run_charge(const agent& current, const run& existing, const run_patch_command& cmd,
                   const price_table& prices, const policy& p, id_generator& ids, epoch_ms now);

/// The batch and reply of a charge: the run, the agent, the task with its new actualCost when
/// there is one, the audit record and the idempotency record.
struct prepared_charge {
  persistence::write_batch batch;
  api_reply reply;
  std::optional<mc::task> task_after;
};
prepared_charge prepare_charge(const run_charge_command& c, const policy& p,
                               const std::optional<mc::task>& task_before, epoch_ms now);

/// A new or changed tool call ready to commit: the call, the batch, the reply.
struct prepared_tool_call {
  tool_call call;
  persistence::write_batch batch;
  api_reply reply;
};

/// Classifies the action with the policy in force (risk level and decision) and records it.
std::variant<prepared_tool_call, caf::error> new_tool_call(const agent& a, tool_call_command& cmd,
                                                           const policy& p, id_generator& ids,
                                                           epoch_ms now);

/// A finished (success, failed, denied) call keeps its status (errc::conflict).
std::variant<prepared_tool_call, caf::error> patched_tool_call(const tool_call& existing,
                                                               const tool_call_patch_command& cmd,
                                                               id_generator& ids, epoch_ms now);

/// `{"run":…}`, `{"toolCall":…}` as the list and detail answers show them.
std::string run_list_body(const std::vector<const run*>& page, std::size_t total, bool more);

} // namespace mc::actors
