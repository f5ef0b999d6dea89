// Each guard of SPEC §3 with its failure message, the effects of accepted moves, and the
// ownership and policy rules behind the permissions.
#include "domain/task_state_machine.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

task task_in(task_status s, std::vector<std::string> assignees = {"ann"}) {
  task t;
  t.id = "tsk_1";
  t.status = s;
  t.assignee_ids = std::move(assignees);
  return t;
}

transition_request by(actor_kind kind, std::string id, task_status to, std::string reason = "") {
  transition_request r;
  r.to = to;
  r.actor = {kind, std::move(id)};
  r.reason = std::move(reason);
  return r;
}

transition_request by_operator(task_status to, std::string reason = "") {
  return by(actor_kind::operator_, "human", to, std::move(reason));
}

std::vector<std::string> guard_names(const transition_verdict& v) {
  std::vector<std::string> out;
  for (const auto& f : v.failures)
    out.push_back(f.guard);
  return out;
}

using names = std::vector<std::string>;

TEST(TaskStateMachineGuards, AssignedNeedsAnAssignee) {
  auto v =
      check_transition(task_in(task_status::inbox, {}), by_operator(task_status::assigned), {});
  EXPECT_EQ(v.outcome, refusal::guard_failed);
  ASSERT_EQ(guard_names(v), names{"assignee_required"});
  EXPECT_EQ(v.failures[0].message, "the task needs at least one assignee");
}

TEST(TaskStateMachineGuards, AssigneesFromTheRequestCount) {
  auto req = by_operator(task_status::assigned);
  req.assignee_ids = std::vector<std::string>{"bob"};
  auto out = apply_transition(task_in(task_status::inbox, {}), req, {}, 5);
  ASSERT_TRUE(std::holds_alternative<transition_outcome>(out));
  EXPECT_EQ(std::get<transition_outcome>(out).next.assignee_ids, names{"bob"});
}

TEST(TaskStateMachineGuards, StartingWorkNeedsAPlan) {
  auto v = check_transition(task_in(task_status::assigned),
                            by(actor_kind::intern, "ann", task_status::in_progress), {});
  ASSERT_EQ(guard_names(v), names{"work_plan_required"});
  EXPECT_EQ(v.failures[0].message, "a work plan of 3 to 6 bullets is required to start work");
}

class TaskStateMachinePlanSize : public ::testing::TestWithParam<std::pair<int, bool>> {};

TEST_P(TaskStateMachinePlanSize, ThreeToSixBullets) {
  const auto [count, ok] = GetParam();
  auto req = by(actor_kind::intern, "ann", task_status::in_progress);
  req.work_plan = work_plan{};
  for (int i = 0; i < count; ++i)
    req.work_plan->bullets.push_back("step " + std::to_string(i));
  auto v = check_transition(task_in(task_status::assigned), req, {});
  EXPECT_EQ(v.allowed(), ok);
  if (!ok) {
    ASSERT_EQ(guard_names(v), names{"work_plan_bullets"});
    EXPECT_EQ(v.failures[0].message,
              "a work plan needs 3 to 6 bullets, got " + std::to_string(count));
  }
}

INSTANTIATE_TEST_SUITE_P(Counts, TaskStateMachinePlanSize,
                         ::testing::Values(std::pair{0, false}, std::pair{2, false},
                                           std::pair{3, true}, std::pair{6, true},
                                           std::pair{7, false}));

TEST(TaskStateMachineGuards, PlanBulletsMustNotBeBlank) {
  auto req = by(actor_kind::intern, "ann", task_status::in_progress);
  req.work_plan = work_plan{{"a", "  ", "c"}, std::nullopt, std::nullopt};
  auto v = check_transition(task_in(task_status::assigned), req, {});
  ASSERT_EQ(guard_names(v), names{"work_plan_bullet_empty"});
}

TEST(TaskStateMachineGuards, PlanAlreadyOnTheTaskIsEnough) {
  auto t = task_in(task_status::assigned);
  t.work_plan = work_plan{{"a", "b", "c"}, std::nullopt, std::nullopt};
  EXPECT_TRUE(
      check_transition(t, by(actor_kind::intern, "ann", task_status::in_progress), {}).allowed());
}

TEST(TaskStateMachineGuards, PausedOrQuarantinedAgentsCannotStartWork) {
  auto t = task_in(task_status::assigned);
  t.work_plan = work_plan{{"a", "b", "c"}, std::nullopt, std::nullopt};
  for (auto s : {agent_status::paused, agent_status::quarantined, agent_status::drained,
                 agent_status::offline}) {
    transition_context ctx;
    ctx.actor_status = s;
    auto v = check_transition(t, by(actor_kind::specialist, "ann", task_status::in_progress), ctx);
    ASSERT_EQ(guard_names(v), names{"agent_not_active"}) << to_string(s);
    EXPECT_EQ(v.failures[0].message,
              "agent 'ann' is " + std::string(to_string(s)) + " and cannot start work");
  }
}

TEST(TaskStateMachineGuards, ReviewNeedsDeliverableAndCompletedChecklist) {
  auto v = check_transition(task_in(task_status::in_progress),
                            by(actor_kind::intern, "ann", task_status::review), {});
  EXPECT_EQ(guard_names(v), (names{"deliverable_required", "review_checklist_required"}));
  EXPECT_EQ(v.failures[0].message, "a deliverable (content or artifacts) is required for review");
  EXPECT_EQ(v.failures[1].message, "a review checklist is required for review");
}

TEST(TaskStateMachineGuards, UncheckedItemsAreNamed) {
  auto req = by(actor_kind::intern, "ann", task_status::review);
  req.deliverable = deliverable{"", {"out/report.md"}};
  req.review_checklist = review_checklist{{{"tests", true}, {"docs", false}, {"lint", false}}};
  auto v = check_transition(task_in(task_status::in_progress), req, {});
  ASSERT_EQ(guard_names(v), names{"review_checklist_incomplete"});
  EXPECT_EQ(v.failures[0].message, "review checklist items not done: docs, lint");
}

TEST(TaskStateMachineGuards, EnteringReviewAttachesTheCostSummary) {
  auto req = by(actor_kind::intern, "ann", task_status::review);
  req.deliverable = deliverable{"text", {}};
  req.review_checklist = review_checklist{{{"tests", true}}};
  transition_context ctx;
  ctx.cost_so_far = cost_summary{1.25_usd, 4, 9000};
  auto out = std::get<transition_outcome>(
      apply_transition(task_in(task_status::in_progress), req, ctx, 77));
  EXPECT_EQ(out.next.cost_summary, ctx.cost_so_far);
  EXPECT_EQ(out.next.submitted_at, 77);
  EXPECT_EQ(out.next.deliverable->content, "text");
}

TEST(TaskStateMachineGuards, SendingBackFromReviewNeedsFeedback) {
  auto v =
      check_transition(task_in(task_status::review), by_operator(task_status::in_progress), {});
  ASSERT_EQ(guard_names(v), names{"feedback_required"});
  EXPECT_EQ(v.failures[0].message, "sending a task back from review needs feedback in 'reason'");
}

TEST(TaskStateMachineGuards, FeedbackCountsAReviewCycle) {
  auto t = task_in(task_status::review);
  t.review_cycles = 2;
  auto out = std::get<transition_outcome>(
      apply_transition(t, by_operator(task_status::in_progress, "fix the intro"), {}, 1));
  EXPECT_EQ(out.next.review_cycles, 3);
  EXPECT_EQ(out.next.status, task_status::in_progress);
  EXPECT_FALSE(out.review_cycle_limit_hit);
}

TEST(TaskStateMachineGuards, TooManyReviewCyclesBlockTheTask) {
  auto t = task_in(task_status::review);
  t.review_cycles = 3;
  auto out = std::get<transition_outcome>(
      apply_transition(t, by_operator(task_status::in_progress, "again"), {}, 1));
  EXPECT_EQ(out.next.review_cycles, 4);
  EXPECT_EQ(out.next.status, task_status::blocked);
  EXPECT_EQ(out.record.to, task_status::blocked);
  EXPECT_TRUE(out.review_cycle_limit_hit);
  EXPECT_EQ(out.record.reason, "review cycle limit reached (4 > 3): again");
}

TEST(TaskStateMachineGuards, ReviewCycleLimitIsConfigurable) {
  auto t = task_in(task_status::review);
  t.review_cycles = 3;
  transition_context ctx;
  ctx.max_review_cycles = 5;
  auto out = std::get<transition_outcome>(
      apply_transition(t, by_operator(task_status::in_progress, "again"), ctx, 1));
  EXPECT_EQ(out.next.status, task_status::in_progress);
}

TEST(TaskStateMachineGuards, BlockingNeedsAReason) {
  auto v = check_transition(task_in(task_status::in_progress),
                            by(actor_kind::specialist, "ann", task_status::blocked, " "), {});
  ASSERT_EQ(guard_names(v), names{"reason_required"});
  EXPECT_EQ(v.failures[0].message, "blocking a task needs a reason");
}

TEST(TaskStateMachineGuards, DoneNeedsADecisionNoteAndRecordsTheApprover) {
  auto v = check_transition(task_in(task_status::review), by_operator(task_status::done), {});
  ASSERT_EQ(guard_names(v), names{"decision_note_required"});
  EXPECT_EQ(v.failures[0].message, "signing a task off as done needs a decision note in 'reason'");

  auto out = std::get<transition_outcome>(apply_transition(
      task_in(task_status::review), by_operator(task_status::done, "LGTM"), {}, 9));
  EXPECT_EQ(out.next.approved_by, "human");
  EXPECT_EQ(out.next.approval_note, "LGTM");
  EXPECT_EQ(out.next.completed_at, 9);
}

TEST(TaskStateMachineGuards, LeadSignOffOnlyWherePolicyAllows) {
  auto req = by(actor_kind::lead, "lee", task_status::done, "ship it");
  auto v = check_transition(task_in(task_status::review, {"ann"}), req, {});
  EXPECT_EQ(v.outcome, refusal::forbidden);
  EXPECT_EQ(v.failures[0].message, "lead 'lee' may not move task tsk_1 from review to done");
  transition_context ctx;
  ctx.lead_may_complete = true;
  EXPECT_TRUE(check_transition(task_in(task_status::review, {"ann"}), req, ctx).allowed());
}

TEST(TaskStateMachineGuards, LeavingNeedsApprovalWaitsForTheDecision) {
  auto req = by(actor_kind::system, "system", task_status::blocked, "loop");
  transition_context pending;
  pending.approval = approval_status::pending;
  auto v = check_transition(task_in(task_status::needs_approval), req, pending);
  ASSERT_EQ(guard_names(v), names{"approval_pending"});
  EXPECT_EQ(v.failures[0].message, "the task's approval request has not been decided yet");
}

TEST(TaskStateMachineGuards, OperatorOverridesAPendingApprovalVisibly) {
  transition_context pending;
  pending.approval = approval_status::pending;
  auto out = std::get<transition_outcome>(apply_transition(
      task_in(task_status::needs_approval), by_operator(task_status::in_progress), pending, 1));
  EXPECT_TRUE(out.approval_overridden);
  transition_context decided;
  decided.approval = approval_status::approved;
  auto out2 = std::get<transition_outcome>(apply_transition(
      task_in(task_status::needs_approval), by_operator(task_status::in_progress), decided, 1));
  EXPECT_FALSE(out2.approval_overridden);
}

TEST(TaskStateMachineGuards, AllFailedGuardsAreReportedTogether) {
  auto t = task_in(task_status::assigned, {});
  auto req = by_operator(task_status::in_progress);
  req.work_plan = work_plan{{"only one"}, std::nullopt, std::nullopt};
  auto v = check_transition(t, req, {});
  EXPECT_EQ(guard_names(v), (names{"assignee_required", "work_plan_bullets"}));
  EXPECT_EQ(v.allowed_targets,
            (std::vector<task_status>{task_status::inbox, task_status::in_progress,
                                      task_status::canceled}));
}

TEST(TaskStateMachineEffects, StartingWorkPostsThePlanAndStampsTheStart) {
  auto req = by(actor_kind::intern, "ann", task_status::in_progress);
  req.work_plan = work_plan{{"a", "b", "c"}, 0.5_usd, "2h"};
  auto out =
      std::get<transition_outcome>(apply_transition(task_in(task_status::assigned), req, {}, 42));
  EXPECT_TRUE(out.post_work_plan);
  EXPECT_EQ(out.next.started_at, 42);
  EXPECT_EQ(out.next.work_plan, req.work_plan);
}

TEST(TaskStateMachineEffects, NeedsApprovalAsksForAnApproval) {
  auto out = std::get<transition_outcome>(
      apply_transition(task_in(task_status::in_progress),
                       by(actor_kind::system, "system", task_status::needs_approval), {}, 1));
  EXPECT_TRUE(out.request_approval);
}

TEST(TaskStateMachineEffects, BackToInboxUnassigns) {
  auto out = std::get<transition_outcome>(
      apply_transition(task_in(task_status::assigned), by_operator(task_status::inbox), {}, 1));
  EXPECT_TRUE(out.next.assignee_ids.empty());
}

TEST(TaskStateMachineEffects, RecordCarriesReasonAndIdempotencyKey) {
  auto req = by_operator(task_status::canceled, "Loop unrecoverable");
  req.idempotency_key = "cancel-loop-123";
  auto out =
      std::get<transition_outcome>(apply_transition(task_in(task_status::blocked), req, {}, 3));
  EXPECT_EQ(out.record, (transition{"tsk_1", task_status::blocked, task_status::canceled, "human",
                                    "Loop unrecoverable", std::string("cancel-loop-123"), 3}));
}

TEST(TaskStateMachinePermissions, AgentsMoveOnlyTheirOwnTasks) {
  struct move {
    task_status from, to;
  };
  for (auto m : {move{task_status::assigned, task_status::in_progress},
                 move{task_status::in_progress, task_status::review},
                 move{task_status::in_progress, task_status::blocked}}) {
    auto t = task_in(m.from, {"bob"});
    t.work_plan = work_plan{{"a", "b", "c"}, std::nullopt, std::nullopt};
    t.deliverable = deliverable{"text", {}};
    t.review_checklist = review_checklist{{{"tests", true}}};
    for (auto k : {actor_kind::intern, actor_kind::specialist, actor_kind::lead}) {
      auto v = check_transition(t, by(k, "ann", m.to, "stuck"), {});
      EXPECT_EQ(v.outcome, refusal::forbidden) << to_string(k) << " " << to_string(m.to);
      EXPECT_TRUE(check_transition(t, by(k, "bob", m.to, "stuck"), {}).allowed() ||
                  k == actor_kind::intern)
          << to_string(k) << " " << to_string(m.to);
    }
  }
}

TEST(TaskStateMachinePermissions, SpecialistClaimsOnlyForItself) {
  auto claim = by(actor_kind::specialist, "ann", task_status::assigned);
  claim.assignee_ids = std::vector<std::string>{"ann"};
  EXPECT_TRUE(check_transition(task_in(task_status::inbox, {}), claim, {}).allowed());
  auto other = claim;
  other.assignee_ids = std::vector<std::string>{"bob"};
  EXPECT_EQ(check_transition(task_in(task_status::inbox, {}), other, {}).outcome,
            refusal::forbidden);
  auto lead = other;
  lead.actor = {actor_kind::lead, "lee"};
  EXPECT_TRUE(check_transition(task_in(task_status::inbox, {}), lead, {}).allowed());
}

TEST(TaskStateMachineCreation, WithoutAssigneesStartsInInbox) {
  task t;
  t.id = "tsk_9";
  auto h = start_task(t, "human", 10);
  EXPECT_EQ(t.status, task_status::inbox);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].from, std::nullopt);
  EXPECT_EQ(h[0].to, task_status::inbox);
}

TEST(TaskStateMachineCreation, WithAssigneesShowsTheInboxToAssignedMove) {
  task t;
  t.id = "tsk_9";
  t.assignee_ids = {"ann"};
  auto h = start_task(t, "lee", 10);
  EXPECT_EQ(t.status, task_status::assigned);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].from, task_status::inbox);
  EXPECT_EQ(h[1].to, task_status::assigned);
  EXPECT_EQ(h[1].actor, "lee");
}

} // namespace
} // namespace mc
