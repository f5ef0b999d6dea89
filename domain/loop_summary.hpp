// What the LoopDetector says once a loop trips (SPEC §5): the loop_summary message, the
// loop_detected alert and the operator's notification, all written from one report. Pure.
#pragma once

#include "domain/entities.hpp"
#include "domain/loop_windows.hpp"

#include <string>
#include <vector>

namespace mc {

/// Whether a thread message feeds the flood and ping-pong windows: messages the system posts
/// (loop summaries, work plans copied from a move) and messages authored `system` do not, so
/// the detector's own summary can never trip another loop.
bool counts_toward_loops(const message& m) noexcept;

/// Whether a move sent the task back from review, i.e. counted a review cycle: review →
/// in_progress, or the block the state machine makes of it past the cycle limit (an operator's
/// plain review → blocked counts nothing).
bool sent_back_from_review(const transition& t) noexcept;

/// warning while only a task is contained; critical for a retry loop, whose agent is also
/// quarantined.
alert_severity loop_severity(loop_kind kind) noexcept;

/// What the detector knows when it reports a loop.
struct loop_report_input {
  loop_check check;
  /// The task as it is now; an empty id for a retry loop on calls that name no task.
  mc::task subject;
  /// The task's history and thread, oldest first.
  std::vector<transition> transitions;
  std::vector<message> messages;
  /// Whether the detector moves the task to blocked (false when it already is, or when blocked
  /// is not reachable from its status).
  bool blocks_task = false;
  /// The runbook's base URL for the commands it suggests.
  std::string api_base = "http://localhost:3000";
};

struct loop_report {
  /// The loop_summary message's content (also the Document's).
  std::string summary;
  /// The reason of the move to blocked: names the loop and its numbers.
  std::string block_reason;
  /// The runbook commands that resolve it, one per line.
  std::string next_action;
  /// type loop_detected, severity, title, description, taskId (and agentId for a retry loop).
  mc::alert alert;
  /// name and type loop_summary; the caller gives id and time.
  mc::document doc;
};

/// Messages and transitions listed in a summary, newest last.
inline constexpr std::size_t loop_summary_recent = 5;

loop_report describe_loop(const loop_report_input& in);

} // namespace mc
