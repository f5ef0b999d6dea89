// The governance rules: policy validation, the alert life cycle and filters, notification
// acknowledgement and expiry, webhook registrations.
#include "domain/entity_json.hpp"
#include "domain/governance.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

bool names(const std::vector<field_problem>& problems, std::string_view field) {
  for (const auto& p : problems)
    if (p.field == field)
      return true;
  return false;
}

TEST(PolicyValidation, TheBuiltInDefaultIsValid) {
  EXPECT_TRUE(validate_policy(default_policy()).empty());
}

TEST(PolicyValidation, EveryBadValueIsNamedByItsField) {
  auto p = default_policy();
  p.roles.intern.daily_cap = usd::from_micros(-1);
  p.roles.lead.per_run_cap = p.roles.lead.daily_cap + usd::from_micros(1);
  p.task_budgets.email_marketing = usd::from_micros(-5);
  p.spawn.max_active_agents = 0;
  p.spawn.max_depth = -1;
  p.spawn.subagent_ttl_ms = 0;
  p.max_review_cycles = 0;
  p.timezone = "Mars/Olympus_Mons";
  p.risk.network_allowlist.push_back(" ");
  p.risk.shell_allow.push_back({"empty", {}, {}});
  p.risk.shell_block.push_back({"nothing", "", {}});
  auto problems = validate_policy(p);
  for (auto field :
       {"roles.intern.dailyCap", "roles.lead.perRunCap", "taskBudgets.emailMarketing",
        "spawn.maxActiveAgents", "spawn.maxDepth", "spawn.subagentTtlMs", "maxReviewCycles",
        "timezone", "risk.networkAllowlist", "risk.shellAllow", "risk.shellBlock"})
    EXPECT_TRUE(names(problems, field)) << field;
  EXPECT_EQ(problems.size(), 12u); // intern's perRunCap now exceeds its negative dailyCap too
}

TEST(PolicyValidation, AVersionRoundTripsThroughJson) {
  policy_version v{3, 1000, "alice", default_policy()};
  v.policy.roles.intern.daily_cap = usd::from_micros(3'000'000);
  v.policy.risk.network_allowlist = {"example.com"};
  EXPECT_EQ(from_json<policy_version>(to_json(v)), v);
}

alert open_alert() {
  alert a;
  a.id = "alr_1";
  a.type = "agent_stale";
  a.title = "ann is stale";
  a.severity = alert_severity::warning;
  a.agent_id = "ann";
  return a;
}

TEST(Alerts, ANewAlertNeedsATypeAndATitle) {
  EXPECT_TRUE(validate_new_alert(open_alert()).empty());
  alert a;
  a.title = "  ";
  auto problems = validate_new_alert(a);
  EXPECT_TRUE(names(problems, "type"));
  EXPECT_TRUE(names(problems, "title"));
}

TEST(Alerts, AcknowledgeOnceThenResolveWithANote) {
  auto acked = acknowledge_alert(open_alert(), "alice", 10);
  ASSERT_TRUE(std::holds_alternative<alert>(acked));
  const auto& a = std::get<alert>(acked);
  EXPECT_EQ(a.status, alert_status::acknowledged);
  EXPECT_EQ(a.acknowledged_by, "alice");
  EXPECT_EQ(a.acknowledged_at, 10);
  EXPECT_FALSE(a.resolved);

  auto twice = acknowledge_alert(a, "bob", 11);
  ASSERT_TRUE(std::holds_alternative<alert_refusal>(twice));
  EXPECT_EQ(std::get<alert_refusal>(twice).code, errc::conflict);

  auto no_note = resolve_alert(a, "alice", " ", 12);
  ASSERT_TRUE(std::holds_alternative<alert_refusal>(no_note));
  EXPECT_EQ(std::get<alert_refusal>(no_note).code, errc::invalid_input);

  auto resolved = resolve_alert(a, "bob", "restarted the host", 13);
  ASSERT_TRUE(std::holds_alternative<alert>(resolved));
  const auto& r = std::get<alert>(resolved);
  EXPECT_EQ(r.status, alert_status::resolved);
  EXPECT_TRUE(r.resolved);
  EXPECT_EQ(r.resolved_at, 13);
  EXPECT_EQ(r.resolution_note, "restarted the host");
  EXPECT_EQ(r.acknowledged_by, "alice"); // kept from the acknowledgement

  for (auto again : {acknowledge_alert(r, "x", 14), resolve_alert(r, "x", "again", 14)}) {
    ASSERT_TRUE(std::holds_alternative<alert_refusal>(again));
    EXPECT_EQ(std::get<alert_refusal>(again).code, errc::conflict);
  }
}

TEST(Alerts, ResolvingAnOpenAlertAcknowledgesItToo) {
  auto r = resolve_alert(open_alert(), "alice", "false alarm", 5);
  ASSERT_TRUE(std::holds_alternative<alert>(r));
  EXPECT_EQ(std::get<alert>(r).acknowledged_by, "alice");
  EXPECT_EQ(std::get<alert>(r).acknowledged_at, 5);
}

TEST(Alerts, FiltersCombine) {
  auto a = open_alert();
  EXPECT_TRUE(matches(a, {}));
  EXPECT_TRUE(matches(a, {false, {}, {}, std::nullopt, {}}));
  EXPECT_FALSE(matches(a, {true, {}, {}, std::nullopt, {}}));
  EXPECT_TRUE(matches(
      a,
      {std::nullopt, {alert_severity::critical, alert_severity::warning}, {}, std::nullopt, {}}));
  EXPECT_FALSE(matches(a, {std::nullopt, {alert_severity::critical}, {}, std::nullopt, {}}));
  EXPECT_TRUE(matches(a, {std::nullopt, {}, {"loop_detected", "agent_stale"}, std::nullopt, {}}));
  EXPECT_FALSE(matches(a, {std::nullopt, {}, {"loop_detected"}, std::nullopt, {}}));
  EXPECT_TRUE(matches(a, {std::nullopt, {}, {}, std::string("ann"), {}}));
  EXPECT_FALSE(matches(a, {std::nullopt, {}, {}, std::string("bob"), {}}));
  EXPECT_FALSE(matches(a, {std::nullopt, {}, {}, std::nullopt, {alert_status::acknowledged}}));
}

notification note_for(std::string target) {
  notification n;
  n.id = "ntf_1";
  n.target = std::move(target);
  n.title = "You were mentioned";
  n.expires_at = 100;
  return n;
}

TEST(Notifications, ANewOneNeedsATargetAndATitle) {
  EXPECT_TRUE(validate_new_notification(note_for("ann")).empty());
  auto problems = validate_new_notification(notification{});
  EXPECT_TRUE(names(problems, "target"));
  EXPECT_TRUE(names(problems, "title"));
}

TEST(Notifications, OnlyPendingUnexpiredHeartbeatOnesAreDue) {
  auto n = note_for("ann");
  EXPECT_TRUE(heartbeat_pending(n, 99));
  EXPECT_FALSE(heartbeat_pending(n, 100)); // expired
  n.channel = notification_channel::webhook;
  EXPECT_FALSE(heartbeat_pending(n, 0));
  n.channel = notification_channel::heartbeat;
  n.status = notification_status::delivered;
  EXPECT_FALSE(heartbeat_pending(n, 0));
}

TEST(Notifications, AcknowledgingDeliversOnceAndTwiceChangesNothing) {
  auto n = note_for("ann");
  n.next_attempt_at = 50;
  auto acked = acknowledge_notification(n);
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->status, notification_status::delivered);
  EXPECT_FALSE(acked->next_attempt_at);
  EXPECT_FALSE(acknowledge_notification(*acked));
}

TEST(Notifications, FiltersByTargetAndStatus) {
  auto n = note_for("ann");
  EXPECT_TRUE(matches(n, notification_filter{}));
  EXPECT_TRUE(matches(n, notification_filter{std::string("ann"), {}}));
  EXPECT_FALSE(matches(n, notification_filter{std::string("bob"), {}}));
  EXPECT_TRUE(matches(n, notification_filter{std::nullopt, {notification_status::pending}}));
  EXPECT_FALSE(matches(n, notification_filter{std::nullopt, {notification_status::expired}}));
}

webhook hook(std::string url, std::vector<std::string> events = {"alert"}) {
  webhook w;
  w.url = std::move(url);
  w.events = std::move(events);
  w.secret = "0123456789abcdef";
  w.owner = "ann";
  return w;
}

TEST(Webhooks, AnHttpUrlWithAHostAndKnownEvents) {
  EXPECT_TRUE(validate_webhook(hook("https://hooks.example.com/mc")).empty());
  EXPECT_TRUE(validate_webhook(hook("HTTP://10.0.0.1:8080/x", {"*"})).empty());
  EXPECT_TRUE(names(validate_webhook(hook("ftp://example.com/x")), "url"));
  EXPECT_TRUE(names(validate_webhook(hook("example.com/x")), "url"));
  EXPECT_TRUE(names(validate_webhook(hook("http:///nohost")), "url"));
  EXPECT_TRUE(names(validate_webhook(hook("https://example.com", {})), "events"));
  EXPECT_TRUE(names(validate_webhook(hook("https://example.com", {"alert", "bogus"})), "events"));
  auto short_secret = hook("https://example.com");
  short_secret.secret = "short";
  EXPECT_TRUE(names(validate_webhook(short_secret), "secret"));
}

TEST(Webhooks, AgentsManageTheirOwnOperatorsAll) {
  auto w = hook("https://example.com");
  EXPECT_TRUE(may_manage(w, std::nullopt));
  EXPECT_TRUE(may_manage(w, std::string("ann")));
  EXPECT_FALSE(may_manage(w, std::string("bob")));
}

} // namespace
} // namespace mc
