// The run ledger: an index of every run and tool call, current from the agent actors' events,
// that `GET /api/runs` and the cost reports read and that PATCH routes ask for a run's or tool
// call's owner. It writes nothing: the agent actors own and commit runs and tool calls.
#pragma once

#include "actors/active_policy.hpp"
#include "actors/run_messages.hpp"
#include "domain/clock.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/group.hpp>

#include <vector>

namespace mc::actors {

struct ledger_environment {
  caf::group events;
  const clock* clk = nullptr;
  policy_ptr policy = std::make_shared<active_policy>();
};

/// Messages it handles (dynamically typed, because it joins the event group):
/// - (get_atom, run_atom, id) -> run; (get_atom, tool_call_atom, id) -> tool_call; or
///   errc::not_found;
/// - (list_atom, run_query) -> api_reply `{"runs":[…],"total":N,"hasMore":bool}`;
/// - (costs_atom, agent id) -> api_reply, the agent's cost report, or errc::not_found;
/// - (costs_atom, daily_atom, "YYYY-MM-DD") -> api_reply, the day's cost report;
/// - run_event, tool_call_event, task_event (task types) and agent_event (agents) keep it current.
caf::actor spawn_run_ledger(caf::actor_system& sys, ledger_environment env, std::vector<run> runs,
                            std::vector<tool_call> calls, const std::vector<task>& tasks,
                            const std::vector<agent>& agents);

/// The list answer for a query over runs: filter, sort, page.
std::string list_runs(const std::vector<const run*>& all, const run_query& q);

} // namespace mc::actors
