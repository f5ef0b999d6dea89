// The approval rules: request validation, who decides, what a decision does, urgency and the
// list order of GET /api/approvals.
#include "domain/approval_rules.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

constexpr epoch_ms now = 1'769'965'200'000;
constexpr epoch_ms hour = 60LL * 60 * 1000;

approval draft() {
  approval a;
  a.task_id = "tsk_1";
  a.action_type = approval_action::budget_override;
  a.risk_level = risk_level::red;
  a.action_summary = "Raise the daily cap to $20";
  a.justification = "The campaign needs two more runs";
  return a;
}

approval pending(std::string id, std::string requestor = "jordan") {
  return file_approval(draft(), std::move(id), std::move(requestor), now);
}

std::vector<std::string> fields(const std::vector<field_problem>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps)
    out.push_back(p.field);
  return out;
}

TEST(ApprovalRequest, AWellFormedRequestHasNoProblems) {
  EXPECT_TRUE(validate_approval_request(draft(), true, true, now).empty());
}

TEST(ApprovalRequest, ActionTypeAndRiskLevelMustBeGiven) {
  EXPECT_EQ(fields(validate_approval_request(draft(), false, false, now)),
            (std::vector<std::string>{"actionType", "riskLevel"}));
}

TEST(ApprovalRequest, GreenNeedsNoApproval) {
  auto d = draft();
  d.risk_level = risk_level::green;
  EXPECT_EQ(fields(validate_approval_request(d, true, true, now)),
            std::vector<std::string>{"riskLevel"});
}

TEST(ApprovalRequest, SummaryAndJustificationAreRequiredAndBounded) {
  auto d = draft();
  d.action_summary = "  ";
  d.justification = std::string(8001, 'x');
  EXPECT_EQ(fields(validate_approval_request(d, true, true, now)),
            (std::vector<std::string>{"actionSummary", "justification"}));
  d.action_summary = std::string(2001, 'x');
  d.justification = "";
  EXPECT_EQ(fields(validate_approval_request(d, true, true, now)),
            (std::vector<std::string>{"actionSummary", "justification"}));
}

TEST(ApprovalRequest, CostResumeStatusAndExpiryAreChecked) {
  auto d = draft();
  d.estimated_cost = usd{-1};
  d.resume_status = task_status::needs_approval;
  d.expires_at = now;
  EXPECT_EQ(fields(validate_approval_request(d, true, true, now)),
            (std::vector<std::string>{"estimatedCost", "resumeStatus", "expiresAt"}));
  d.resume_status = task_status::inbox;
  EXPECT_EQ(fields(validate_approval_request(d, true, true, now)).at(1), "resumeStatus");
  d = draft();
  d.resume_status = task_status::done;
  d.expires_at = now + 1;
  EXPECT_TRUE(validate_approval_request(d, true, true, now).empty());
}

TEST(ApprovalRequest, FilingSetsIdRequestorPendingAndTheDefaultExpiry) {
  auto d = draft();
  d.status = approval_status::approved;
  d.decided_by = "mallory";
  auto a = file_approval(d, "apr_1", "jordan", now);
  EXPECT_EQ(a.id, "apr_1");
  EXPECT_EQ(a.requestor_id, "jordan");
  EXPECT_EQ(a.status, approval_status::pending);
  EXPECT_FALSE(a.decided_by);
  EXPECT_EQ(a.created_at, now);
  EXPECT_EQ(a.expires_at, now + 24 * hour);
  d.expires_at = now + hour;
  EXPECT_EQ(file_approval(d, "apr_2", "jordan", now).expires_at, now + hour);
}

TEST(ApprovalDecision, TheOperatorMayDecideAnyPendingApproval) {
  EXPECT_TRUE(check_decision(pending("apr_1"), {actor_kind::operator_, "alice"}, false).allowed());
}

TEST(ApprovalDecision, ADecidedApprovalCannotBeDecidedAgain) {
  auto a = decide_approval(pending("apr_1"), true, "alice", "ok", now);
  for (auto s : {approval_status::approved, approval_status::denied, approval_status::expired,
                 approval_status::canceled}) {
    a.status = s;
    EXPECT_EQ(check_decision(a, {actor_kind::operator_, "alice"}, true).outcome,
              decision_refusal::already_decided);
  }
}

TEST(ApprovalDecision, LeadsDecideOnlyWherePolicyAllowsAndNeverTheirOwn) {
  const auto a = pending("apr_1", "jordan");
  EXPECT_EQ(check_decision(a, {actor_kind::lead, "sam"}, false).outcome,
            decision_refusal::forbidden);
  EXPECT_TRUE(check_decision(a, {actor_kind::lead, "sam"}, true).allowed());
  EXPECT_EQ(check_decision(pending("apr_2", "sam"), {actor_kind::lead, "sam"}, true).outcome,
            decision_refusal::forbidden);
}

TEST(ApprovalDecision, OtherAgentsAndTheSystemNeverDecide) {
  const auto a = pending("apr_1", "jordan");
  for (auto k : {actor_kind::intern, actor_kind::specialist, actor_kind::system})
    EXPECT_EQ(check_decision(a, {k, "x"}, true).outcome, decision_refusal::forbidden);
}

TEST(ApprovalDecision, DecidingRecordsWhoWhenAndWhy) {
  auto a = decide_approval(pending("apr_1"), false, "alice", "too expensive", now + 5);
  EXPECT_EQ(a.status, approval_status::denied);
  EXPECT_EQ(a.decided_by, "alice");
  EXPECT_EQ(a.decision_note, "too expensive");
  EXPECT_EQ(a.decided_at, now + 5);
  EXPECT_EQ(decision_reason(a), "approval apr_1 denied by alice: too expensive");
  a.decision_note = "";
  EXPECT_EQ(decision_reason(a), "approval apr_1 denied by alice");
}

TEST(ApprovalDecision, ApprovedResumesWhereTheTaskWasHeadedDeniedBlocks) {
  auto a = pending("apr_1");
  EXPECT_EQ(task_target_after(decide_approval(a, true, "alice", "", now)),
            task_status::in_progress);
  a.resume_status = task_status::done;
  EXPECT_EQ(task_target_after(decide_approval(a, true, "alice", "", now)), task_status::done);
  EXPECT_EQ(task_target_after(decide_approval(a, false, "alice", "", now)), task_status::blocked);
}

TEST(ApprovalUrgency, PendingAndExpiringWithinTheHour) {
  auto a = pending("apr_1");
  a.expires_at = now + hour;
  EXPECT_TRUE(is_urgent(a, now));
  a.expires_at = now + hour + 1;
  EXPECT_FALSE(is_urgent(a, now));
  a.expires_at = now - 1;
  EXPECT_TRUE(is_urgent(a, now));
  a.expires_at = now + 1;
  a.status = approval_status::approved;
  EXPECT_FALSE(is_urgent(a, now));
}

TEST(ApprovalList, FiltersOnEveryField) {
  auto a = pending("apr_1", "jordan");
  approval_query q;
  EXPECT_TRUE(matches(a, q));
  q.statuses = {approval_status::approved, approval_status::pending};
  q.task_id = "tsk_1";
  q.requestor_id = "jordan";
  q.risk_levels = {risk_level::red};
  q.action_types = {approval_action::budget_override};
  EXPECT_TRUE(matches(a, q));
  for (int i = 0; i < 5; ++i) {
    auto miss = q;
    switch (i) {
    case 0:
      miss.statuses = {approval_status::denied};
      break;
    case 1:
      miss.task_id = "tsk_2";
      break;
    case 2:
      miss.requestor_id = "riley";
      break;
    case 3:
      miss.risk_levels = {risk_level::yellow};
      break;
    default:
      miss.action_types = {approval_action::spawn};
      break;
    }
    EXPECT_FALSE(matches(a, miss)) << i;
  }
  a.task_id.reset();
  EXPECT_FALSE(matches(a, q));
}

TEST(ApprovalList, PendingFirstSoonestToExpireThenNewestDecided) {
  auto p_late = pending("apr_a");
  p_late.expires_at = now + 10 * hour;
  auto p_soon = pending("apr_b");
  p_soon.expires_at = now + 2 * hour;
  auto d_old = decide_approval(pending("apr_c"), true, "alice", "", now);
  d_old.created_at = now - 2 * hour;
  auto d_new = decide_approval(pending("apr_d"), false, "alice", "", now);
  d_new.created_at = now - hour;
  std::vector<const approval*> all{&d_old, &p_late, &d_new, &p_soon};
  auto page = list_approvals(all, {}, now);
  ASSERT_EQ(page.items.size(), 4u);
  EXPECT_EQ(page.items[0]->id, "apr_b");
  EXPECT_EQ(page.items[1]->id, "apr_a");
  EXPECT_EQ(page.items[2]->id, "apr_d");
  EXPECT_EQ(page.items[3]->id, "apr_c");
  EXPECT_EQ(page.total, 4u);
  EXPECT_FALSE(page.has_more);
  EXPECT_EQ(page.urgent, 0u);
}

TEST(ApprovalList, PagesAndCountsUrgentOverEveryApproval) {
  std::vector<approval> xs;
  for (int i = 0; i < 5; ++i) {
    xs.push_back(pending("apr_" + std::to_string(i)));
    xs.back().expires_at = now + (i + 1) * 30 * 60 * 1000; // 30, 60, 90, 120, 150 min
  }
  std::vector<const approval*> all;
  for (const auto& a : xs)
    all.push_back(&a);
  approval_query q;
  q.limit = 2;
  q.offset = 1;
  auto page = list_approvals(all, q, now);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0]->id, "apr_1");
  EXPECT_EQ(page.items[1]->id, "apr_2");
  EXPECT_EQ(page.total, 5u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.urgent, 2u);
  q.statuses = {approval_status::denied};
  page = list_approvals(all, q, now);
  EXPECT_EQ(page.total, 0u);
  EXPECT_EQ(page.urgent, 2u);
  q = {};
  q.offset = 10;
  page = list_approvals(all, q, now);
  EXPECT_TRUE(page.items.empty());
  EXPECT_FALSE(page.has_more);
}

} // namespace
} // namespace mc
