// A task's timeline (SPEC §6 `GET /api/tasks/{id}/timeline`): everything that happened to it,
// merged in time order. Each entry is `{"at":ms,"kind":K,K:{…the entity…}}`, so a client reads
// the entity under the key its kind names and new kinds slot in without changing old ones.
#pragma once

#include "domain/entities.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace mc {

/// What a timeline is made of. Runs, tool calls, approvals and alerts arrive with the
/// supervisors; until a task has any, they are simply empty.
struct task_history {
  std::vector<transition> transitions;
  std::vector<message> messages;
  std::vector<run> runs;
  std::vector<tool_call> tool_calls;
  std::vector<approval> approvals;
  std::vector<alert> alerts;
};

/// `{"taskId":…,"timeline":[…],"total":N}`, oldest first. Entries at the same millisecond keep
/// the order transition, message, run, toolCall, approval, alert (a move before the work plan
/// it posts), and within a kind their recorded order.
boost::json::object task_timeline(const std::string& task_id, const task_history& h);

} // namespace mc
