// The task state machine of SPEC §3: which moves exist, who may make them, the guards each needs,
// and what a move changes. The actors call this; nothing else decides a transition.
#pragma once

#include "domain/entities.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mc {

/// Whether `from → to` is an edge of the matrix, regardless of who asks.
bool is_edge(task_status from, task_status to) noexcept;
/// The matrix row of `from`, in status declaration order.
std::vector<task_status> edges_from(task_status from);
bool is_terminal(task_status s) noexcept;

struct transition_actor {
  actor_kind kind = actor_kind::operator_;
  /// Agent id, operator name (`human` in the runbook) or `system`.
  std::string id;
};
BOOST_DESCRIBE_STRUCT(transition_actor, (), (kind, id))

struct transition_request {
  task_status to = task_status::inbox;
  transition_actor actor;
  /// Why; doubles as the review feedback (review → in_progress) and the sign-off note (→ done).
  std::string reason;
  std::optional<std::string> idempotency_key;
  /// New assignees, for moves into `assigned`.
  std::optional<std::vector<std::string>> assignee_ids;
  std::optional<mc::work_plan> work_plan;
  std::optional<mc::deliverable> deliverable;
  std::optional<mc::review_checklist> review_checklist;
};
BOOST_DESCRIBE_STRUCT(transition_request, (),
                      (to, actor, reason, idempotency_key, assignee_ids, work_plan, deliverable,
                       review_checklist))

/// Facts from outside the task that the rules need; the caller looks them up.
struct transition_context {
  /// Status of the task's latest approval request, if it has one.
  std::optional<approval_status> approval;
  /// Status of the acting agent (agents that are not active may not start work).
  std::optional<agent_status> actor_status;
  /// Policy: may a lead sign a task off (review → done)?
  bool lead_may_complete = false;
  /// Policy: review cycles allowed before the task is blocked as a loop.
  std::int32_t max_review_cycles = 3;
  /// What the task's runs cost so far; attached when it enters review.
  std::optional<mc::cost_summary> cost_so_far;
};

enum class refusal : std::uint8_t {
  none,
  /// Not an edge of the matrix (HTTP 422).
  illegal_move,
  /// An edge, but not one this actor may take (HTTP 403).
  forbidden,
  /// Allowed, but one or more guards fail (HTTP 422).
  guard_failed,
};

struct guard_failure {
  /// Stable machine name, e.g. `work_plan_bullets`.
  std::string guard;
  /// What to fix, for a human.
  std::string message;
  friend bool operator==(const guard_failure&, const guard_failure&) = default;
};

struct transition_verdict {
  refusal outcome = refusal::none;
  std::vector<guard_failure> failures;
  /// Targets this actor may move the task to from its current status (guards aside).
  std::vector<task_status> allowed_targets;
  bool allowed() const noexcept { return outcome == refusal::none; }
};

/// What an accepted move produced; the caller persists `next` and `record` together.
struct transition_outcome {
  mc::task next;
  mc::transition record;
  /// assigned → in_progress: post the plan to the thread as a `work_plan` message.
  bool post_work_plan = false;
  /// → needs_approval: create an approval request with it.
  bool request_approval = false;
  /// review → in_progress past the cycle limit: the task was blocked instead; post a loop summary.
  bool review_cycle_limit_hit = false;
  /// The operator left needs_approval while its approval was undecided (audited as an override).
  bool approval_overridden = false;
};

transition_verdict check_transition(const task& t, const transition_request& req,
                                    const transition_context& ctx);

/// Checks, then applies the move at time `now`. Returns the verdict when it is refused.
std::variant<transition_outcome, transition_verdict> apply_transition(const task& t,
                                                                      const transition_request& req,
                                                                      const transition_context& ctx,
                                                                      epoch_ms now);

/// A new task's history: created in `inbox`, then inbox → assigned when it has assignees.
/// Sets `t.status` accordingly.
std::vector<transition> start_task(task& t, const std::string& actor, epoch_ms now);

} // namespace mc
