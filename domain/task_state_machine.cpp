#include "domain/task_state_machine.hpp"

#include "domain/task_lease.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mc {
namespace {

using ts = task_status;

constexpr std::uint16_t bit(ts s) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s));
}

// SPEC §3, one row per `from` status.
constexpr std::array<std::uint16_t, 8> matrix = {
    /* inbox */ bit(ts::assigned) | bit(ts::canceled),
    /* assigned */ bit(ts::inbox) | bit(ts::in_progress) | bit(ts::canceled),
    /* in_progress */ bit(ts::review) | bit(ts::needs_approval) | bit(ts::blocked) |
        bit(ts::canceled),
    /* review */ bit(ts::in_progress) | bit(ts::needs_approval) | bit(ts::blocked) | bit(ts::done) |
        bit(ts::canceled),
    /* needs_approval */ bit(ts::inbox) | bit(ts::assigned) | bit(ts::in_progress) |
        bit(ts::review) | bit(ts::blocked) | bit(ts::done) | bit(ts::canceled),
    /* blocked */ bit(ts::assigned) | bit(ts::in_progress) | bit(ts::needs_approval) |
        bit(ts::canceled),
    /* done */ 0,
    /* canceled */ 0,
};

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool is_agent(actor_kind k) noexcept {
  return k == actor_kind::intern || k == actor_kind::specialist || k == actor_kind::lead;
}

/// Role permissions of SPEC §3. `claim_only` is set when the move is allowed only as a claim.
bool may_move(const task& t, const transition_request& req, const transition_context& ctx) {
  const ts from = t.status;
  const ts to = req.to;
  const auto& who = req.actor;
  const bool own = contains(t.assignee_ids, who.id);
  const bool claims_itself =
      req.assignee_ids && req.assignee_ids->size() == 1 && req.assignee_ids->front() == who.id;
  switch (who.kind) {
  case actor_kind::operator_:
    return true;
  case actor_kind::system:
    return to == ts::blocked || to == ts::needs_approval;
  case actor_kind::lead:
    if (from == ts::inbox && to == ts::assigned)
      return true;
    if (from == ts::review && to == ts::done)
      return ctx.lead_may_complete;
    [[fallthrough]];
  case actor_kind::specialist:
    if (from == ts::inbox && to == ts::assigned && claims_itself)
      return true;
    if (from == ts::in_progress && to == ts::blocked && own)
      return true;
    [[fallthrough]];
  case actor_kind::intern:
    return own && ((from == ts::assigned && to == ts::in_progress) ||
                   (from == ts::in_progress && to == ts::review));
  }
  return false;
}

std::string forbidden_message(const task& t, const transition_request& req) {
  return std::string(to_string(req.actor.kind)) + " '" + req.actor.id + "' may not move task " +
         t.id + " from " + std::string(to_string(t.status)) + " to " +
         std::string(to_string(req.to));
}

const std::vector<std::string>& effective_assignees(const task& t, const transition_request& req) {
  return req.assignee_ids ? *req.assignee_ids : t.assignee_ids;
}

const work_plan* effective_plan(const task& t, const transition_request& req) {
  if (req.work_plan)
    return &*req.work_plan;
  return t.work_plan ? &*t.work_plan : nullptr;
}

void check_guards(const task& t, const transition_request& req, const transition_context& ctx,
                  std::vector<guard_failure>& out) {
  const ts from = t.status;
  const ts to = req.to;
  auto fail = [&](std::string guard, std::string msg) {
    out.push_back({std::move(guard), std::move(msg)});
  };
  auto blank = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
  };

  if ((to == ts::assigned || to == ts::in_progress) && effective_assignees(t, req).empty())
    fail("assignee_required", "the task needs at least one assignee");

  if (from == ts::assigned && to == ts::in_progress) {
    const auto* plan = effective_plan(t, req);
    if (plan == nullptr) {
      fail("work_plan_required", "a work plan of 3 to 6 bullets is required to start work");
    } else {
      auto n = plan->bullets.size();
      if (n < 3 || n > 6)
        fail("work_plan_bullets", "a work plan needs 3 to 6 bullets, got " + std::to_string(n));
      if (std::any_of(plan->bullets.begin(), plan->bullets.end(), blank))
        fail("work_plan_bullet_empty", "work plan bullets must not be empty");
    }
  }

  if (is_agent(req.actor.kind) && to == ts::in_progress && ctx.actor_status &&
      *ctx.actor_status != agent_status::active)
    fail("agent_not_active", "agent '" + req.actor.id + "' is " +
                                 std::string(to_string(*ctx.actor_status)) +
                                 " and cannot start work");

  if (from == ts::in_progress && to == ts::review) {
    const auto& d = req.deliverable ? req.deliverable : t.deliverable;
    if (!d || (blank(d->content) && d->artifacts.empty()))
      fail("deliverable_required", "a deliverable (content or artifacts) is required for review");
    const auto& c = req.review_checklist ? req.review_checklist : t.review_checklist;
    if (!c || c->items.empty()) {
      fail("review_checklist_required", "a review checklist is required for review");
    } else {
      std::string open;
      for (const auto& item : c->items)
        if (!item.done)
          open += (open.empty() ? "" : ", ") + item.label;
      if (!open.empty())
        fail("review_checklist_incomplete", "review checklist items not done: " + open);
    }
  }

  if (from == ts::review && to == ts::in_progress && blank(req.reason))
    fail("feedback_required", "sending a task back from review needs feedback in 'reason'");

  if (to == ts::blocked && blank(req.reason))
    fail("reason_required", "blocking a task needs a reason");

  if (to == ts::done && blank(req.reason))
    fail("decision_note_required", "signing a task off as done needs a decision note in 'reason'");

  if (from == ts::needs_approval && req.actor.kind != actor_kind::operator_ &&
      ctx.approval.value_or(approval_status::pending) == approval_status::pending)
    fail("approval_pending", "the task's approval request has not been decided yet");
}

std::vector<task_status> permitted_targets(const task& t, const transition_request& req,
                                           const transition_context& ctx) {
  std::vector<task_status> out;
  for (auto to : edges_from(t.status)) {
    auto probe = req;
    probe.to = to;
    // A claim is the only way some actors reach `assigned`: list it when it would be one.
    if (to == ts::assigned && !probe.assignee_ids)
      probe.assignee_ids = std::vector<std::string>{req.actor.id};
    if (may_move(t, probe, ctx))
      out.push_back(to);
  }
  return out;
}

} // namespace

bool is_edge(task_status from, task_status to) noexcept {
  return (matrix[static_cast<std::size_t>(from)] & bit(to)) != 0;
}

std::vector<task_status> edges_from(task_status from) {
  std::vector<task_status> out;
  for (auto to : all_values<task_status>())
    if (is_edge(from, to))
      out.push_back(to);
  return out;
}

bool is_terminal(task_status s) noexcept {
  return matrix[static_cast<std::size_t>(s)] == 0;
}

transition_verdict check_transition(const task& t, const transition_request& req,
                                    const transition_context& ctx) {
  transition_verdict v;
  v.allowed_targets = permitted_targets(t, req, ctx);
  if (!is_edge(t.status, req.to)) {
    v.outcome = refusal::illegal_move;
    v.failures.push_back(
        {"illegal_move",
         is_terminal(t.status)
             ? "task " + t.id + " is " + std::string(to_string(t.status)) + ", a final status"
             : "no move from " + std::string(to_string(t.status)) + " to " +
                   std::string(to_string(req.to))});
    return v;
  }
  if (!may_move(t, req, ctx)) {
    v.outcome = refusal::forbidden;
    v.failures.push_back({"forbidden", forbidden_message(t, req)});
    return v;
  }
  check_guards(t, req, ctx, v.failures);
  if (!v.failures.empty())
    v.outcome = refusal::guard_failed;
  return v;
}

std::variant<transition_outcome, transition_verdict> apply_transition(const task& t,
                                                                      const transition_request& req,
                                                                      const transition_context& ctx,
                                                                      epoch_ms now) {
  auto verdict = check_transition(t, req, ctx);
  if (!verdict.allowed())
    return verdict;

  transition_outcome out;
  task& n = out.next;
  n = t;
  ts to = req.to;
  std::string reason = req.reason;

  if (t.status == ts::review && to == ts::in_progress) {
    n.review_cycles = t.review_cycles + 1;
    if (n.review_cycles > ctx.max_review_cycles) {
      to = ts::blocked;
      out.review_cycle_limit_hit = true;
      reason = "review cycle limit reached (" + std::to_string(n.review_cycles) + " > " +
               std::to_string(ctx.max_review_cycles) + "): " + req.reason;
    }
  }
  if (t.status == ts::needs_approval && req.actor.kind == actor_kind::operator_ &&
      ctx.approval.value_or(approval_status::pending) == approval_status::pending)
    out.approval_overridden = true;

  if (req.assignee_ids && to == ts::assigned) {
    n.assignee_ids = *req.assignee_ids;
    renew_leases(n, n.assignee_ids);
  }
  if (to == ts::inbox)
    n.assignee_ids.clear();
  if (req.work_plan)
    n.work_plan = req.work_plan;
  if (req.deliverable)
    n.deliverable = req.deliverable;
  if (req.review_checklist)
    n.review_checklist = req.review_checklist;

  switch (to) {
  case ts::in_progress:
    if (!n.started_at)
      n.started_at = now;
    out.post_work_plan = t.status == ts::assigned;
    break;
  case ts::review:
    n.submitted_at = now;
    if (ctx.cost_so_far)
      n.cost_summary = ctx.cost_so_far;
    break;
  case ts::done:
    n.completed_at = now;
    n.approved_by = req.actor.id;
    n.approval_note = req.reason;
    break;
  case ts::needs_approval:
    out.request_approval = true;
    break;
  default:
    break;
  }
  n.status = to;
  n.updated_at = now;

  out.record =
      transition{t.id, t.status, to, req.actor.id, std::move(reason), req.idempotency_key, now};
  return out;
}

std::vector<transition> start_task(task& t, const std::string& actor, epoch_ms now) {
  std::vector<transition> history;
  t.expired_leases.clear();
  history.push_back(transition{t.id, std::nullopt, ts::inbox, actor, "created", std::nullopt, now});
  t.status = ts::inbox;
  if (!t.assignee_ids.empty()) {
    history.push_back(transition{t.id, ts::inbox, ts::assigned, actor, "assigned at creation",
                                 std::nullopt, now});
    t.status = ts::assigned;
  }
  return history;
}

} // namespace mc
