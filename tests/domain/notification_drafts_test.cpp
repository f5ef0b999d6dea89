// What the dispatcher notifies about: mentions, new assignees, new approval requests, alerts.
#include "domain/notification_drafts.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

task a_task() {
  task t;
  t.id = "tsk_1";
  t.title = "Write the launch post";
  t.type = task_type::content;
  t.status = task_status::assigned;
  t.assignee_ids = {"ann", "bob"};
  return t;
}

std::vector<std::string> targets(const std::vector<notification>& ns) {
  std::vector<std::string> out;
  for (const auto& n : ns)
    out.push_back(n.target);
  return out;
}

TEST(NotificationDrafts, EveryMentionedAgentButTheAuthorIsToldThroughItsHeartbeat) {
  message m;
  m.id = "msg_1";
  m.author = "ann";
  m.content = "@bob and @cat, please look; @ann noted";
  m.mentions = {"dan"};
  const auto out = mention_drafts(a_task(), m);
  EXPECT_EQ(targets(out), (std::vector<std::string>{"dan", "bob", "cat"}));
  for (const auto& n : out) {
    EXPECT_EQ(n.type, notification_type::mention);
    EXPECT_EQ(n.channel, notification_channel::heartbeat);
    EXPECT_EQ(n.refs, std::vector<std::string>{"tsk_1"});
    EXPECT_NE(n.title.find("ann"), std::string::npos);
    EXPECT_EQ(n.body, m.content);
  }
}

TEST(NotificationDrafts, ALongMessageIsQuotedShortWithoutSplittingACharacter) {
  message m;
  m.author = "ann";
  m.content = "@bob " + std::string(274, 'x') + "éééé";
  const auto out = mention_drafts(a_task(), m);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LT(out[0].body.size(), m.content.size());
  EXPECT_EQ(out[0].body.substr(out[0].body.size() - 3), "…");
  EXPECT_EQ(out[0].body.substr(0, 5), "@bob ");
  // 5 + 274 = 279 bytes, then é (2 bytes) would pass 280: it is left out whole.
  EXPECT_EQ(out[0].body.size(), 279u + 3u);
}

TEST(NotificationDrafts, OnlyNewAssigneesAreToldAndNotTheOneWhoAssignedItself) {
  auto t = a_task();
  EXPECT_EQ(targets(assignment_drafts(t, {}, "human")), (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(targets(assignment_drafts(t, {"ann"}, "human")), std::vector<std::string>{"bob"});
  EXPECT_TRUE(assignment_drafts(t, {"ann", "bob"}, "human").empty());
  t.assignee_ids = {"bob"};
  EXPECT_TRUE(assignment_drafts(t, {}, "bob").empty());
  const auto out = assignment_drafts(a_task(), {"bob"}, "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, notification_type::assignment);
  EXPECT_EQ(out[0].channel, notification_channel::heartbeat);
  EXPECT_EQ(out[0].refs, std::vector<std::string>{"tsk_1"});
}

TEST(NotificationDrafts, ANewApprovalRequestGoesToTheOperatorByWebhook) {
  approval a;
  a.id = "apr_1";
  a.task_id = "tsk_1";
  a.requestor_id = "ann";
  a.action_type = approval_action::budget_override;
  a.action_summary = "Raise ann's daily cap";
  a.estimated_cost = usd::from_micros(2'500'000);
  auto n = approval_request_draft(a);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->target, "operator");
  EXPECT_EQ(n->channel, notification_channel::webhook);
  EXPECT_EQ(n->type, notification_type::approval_request);
  EXPECT_EQ(n->refs, (std::vector<std::string>{"apr_1", "tsk_1"}));
  EXPECT_NE(n->body.find("$2.50"), std::string::npos);
  a.status = approval_status::approved;
  a.decided_at = 5;
  EXPECT_FALSE(approval_request_draft(a));
}

TEST(NotificationDrafts, AnAlertGoesToTheOperatorByWebhook) {
  alert a;
  a.id = "alr_1";
  a.type = "budget_exceeded";
  a.title = "ann exceeded its daily cap";
  a.severity = alert_severity::critical;
  a.agent_id = "ann";
  a.task_id = "tsk_1";
  const auto n = alert_draft(a);
  EXPECT_EQ(n.target, "operator");
  EXPECT_EQ(n.channel, notification_channel::webhook);
  EXPECT_EQ(n.type, notification_type::alert);
  EXPECT_EQ(n.refs, (std::vector<std::string>{"alr_1", "tsk_1", "ann"}));
  EXPECT_EQ(n.title, "[critical] budget_exceeded: ann exceeded its daily cap");
}

TEST(NotificationDrafts, AWebhookCopyDiffersOnlyByItsChannel) {
  const auto drafts = assignment_drafts(a_task(), {}, "human");
  auto copy = webhook_copy(drafts[0]);
  EXPECT_EQ(copy.channel, notification_channel::webhook);
  copy.channel = drafts[0].channel;
  EXPECT_EQ(copy, drafts[0]);
}

} // namespace
} // namespace mc
