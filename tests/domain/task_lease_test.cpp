// The system's release of a stale agent's task and the lease it expires: only a task in
// progress is released, back to assigned, recorded as the system's move; the agent's reports are
// refused until an assignment names it again.
#include "domain/task_lease.hpp"

#include "domain/task_validation.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

constexpr epoch_ms now = 1'769'965'200'000;

task in_progress(std::vector<std::string> assignees = {"jordan"}) {
  task t;
  t.id = "tsk_1";
  t.title = "Write the launch post";
  t.status = task_status::in_progress;
  t.assignee_ids = std::move(assignees);
  t.work_plan.emplace();
  t.work_plan->bullets = {"draft", "edit", "publish"};
  t.started_at = now - 1000;
  return t;
}

TEST(Release, MovesTheTaskBackToAssignedAsTheSystemAndExpiresTheLease) {
  auto out = release_task(in_progress(), {"jordan"}, "jordan went stale", now);
  ASSERT_TRUE(std::holds_alternative<transition_outcome>(out));
  const auto& o = std::get<transition_outcome>(out);
  EXPECT_EQ(o.next.status, task_status::assigned);
  EXPECT_EQ(o.next.assignee_ids, (std::vector<std::string>{"jordan"}));
  EXPECT_EQ(o.next.updated_at, now);
  ASSERT_EQ(o.next.expired_leases.size(), 1u);
  EXPECT_EQ(o.next.expired_leases[0], (expired_lease{"jordan", now}));
  EXPECT_EQ(o.record.from, task_status::in_progress);
  EXPECT_EQ(o.record.to, task_status::assigned);
  EXPECT_EQ(o.record.actor, "system");
  EXPECT_EQ(o.record.reason, "jordan went stale");
  EXPECT_EQ(o.record.created_at, now);
}

TEST(Release, IsNotAMoveTheStateMachineOffersTheSystem) {
  // The release is its own rule: the SPEC §3 matrix still refuses the system this move.
  transition_request req;
  req.to = task_status::assigned;
  req.actor = {actor_kind::system, "system"};
  EXPECT_FALSE(check_transition(in_progress(), req, {}).allowed());
}

TEST(Release, OnlyATaskInProgressAndOnlyFromItsAssignees) {
  for (auto s :
       {task_status::assigned, task_status::review, task_status::blocked, task_status::done}) {
    auto t = in_progress();
    t.status = s;
    EXPECT_TRUE(std::holds_alternative<std::string>(release_task(t, {"jordan"}, "stale", now)))
        << to_string(s);
  }
  EXPECT_TRUE(std::holds_alternative<std::string>(release_task(in_progress(), {"bob"}, "x", now)));
  EXPECT_TRUE(std::holds_alternative<std::string>(release_task(in_progress(), {}, "x", now)));
}

TEST(Lease, AnExpiredLeaseRefusesTheAgentWithAClearReason) {
  const auto t =
      std::get<transition_outcome>(release_task(in_progress(), {"jordan"}, "x", now)).next;
  auto why = lease_refusal(t, "jordan");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("lease expired at 2026-02-01T17:00:00Z"), std::string::npos);
  EXPECT_NE(why->find("until the operator assigns"), std::string::npos);
  EXPECT_FALSE(lease_refusal(t, "bob"));
  EXPECT_FALSE(lease_refusal(in_progress(), "jordan"));
}

TEST(Lease, ReassigningToAnotherAgentKeepsTheExpiryAssigningItAgainRenewsIt) {
  auto t = std::get<transition_outcome>(release_task(in_progress(), {"jordan"}, "x", now)).next;
  task_patch to_bob;
  to_bob.assignee_ids = std::vector<std::string>{"bob"};
  t = std::get<task>(apply_task_patch(t, to_bob, now + 1));
  EXPECT_TRUE(lease_refusal(t, "jordan"));
  task_patch back;
  back.assignee_ids = std::vector<std::string>{"bob", "jordan"};
  t = std::get<task>(apply_task_patch(t, back, now + 2));
  EXPECT_FALSE(lease_refusal(t, "jordan"));
}

TEST(Lease, AMoveIntoAssignedThatNamesTheAgentRenewsIt) {
  auto t = std::get<transition_outcome>(release_task(in_progress(), {"jordan"}, "x", now)).next;
  transition_request to_inbox;
  to_inbox.to = task_status::inbox;
  to_inbox.actor = {actor_kind::operator_, "alice"};
  t = std::get<transition_outcome>(apply_transition(t, to_inbox, {}, now + 1)).next;
  EXPECT_TRUE(lease_refusal(t, "jordan"));
  transition_request assign;
  assign.to = task_status::assigned;
  assign.actor = {actor_kind::operator_, "alice"};
  assign.assignee_ids = std::vector<std::string>{"jordan"};
  t = std::get<transition_outcome>(apply_transition(t, assign, {}, now + 2)).next;
  EXPECT_FALSE(lease_refusal(t, "jordan"));
}

TEST(Lease, ANewTaskHasNoExpiredLeases) {
  task t;
  t.id = "tsk_2";
  t.assignee_ids = {"jordan"};
  t.expired_leases = {{"jordan", now}};
  start_task(t, "alice", now);
  EXPECT_TRUE(t.expired_leases.empty());
}

} // namespace
} // namespace mc
