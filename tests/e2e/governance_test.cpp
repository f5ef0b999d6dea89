// The policy, alert, notification and webhook routes through the real server on both stores:
// success and error paths, what agents may see of each other's, and what a restart recovers.
#include "actors/governance.hpp"
#include "persistence/recovery.hpp"
#include "tests/e2e/api_server.hpp"

#include <boost/json/serialize.hpp>

#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

namespace mc::e2e {
namespace {

namespace json = boost::json;

double number_of(const json::value& v) {
  return v.to_number<double>();
}

class Governance : public ::testing::TestWithParam<store_kind> {
 protected:
  Governance() : srv(GetParam()) {
    ann = bearer(srv.register_agent("ann", "intern", op));
    bob = bearer(srv.register_agent("bob", "specialist", op));
  }

  /// As another actor would: the alerts actor's raise message.
  alert raise(std::string type, alert_severity severity, std::optional<std::string> agent) {
    alert draft;
    draft.type = std::move(type);
    draft.title = "alert " + draft.type;
    draft.severity = severity;
    draft.agent_id = std::move(agent);
    caf::scoped_actor self{srv.system()};
    alert out;
    self->request(srv.api()->alerts, std::chrono::seconds(10), actors::raise_atom::value, draft)
        .receive([&](alert& a) { out = a; }, [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    srv.clock().advance(std::chrono::milliseconds(10));
    return out;
  }

  /// As the dispatcher of issue 6 would: the notifications actor's create message.
  notification notify(std::string target, std::string title) {
    notification draft;
    draft.target = std::move(target);
    draft.title = std::move(title);
    draft.type = notification_type::assignment;
    caf::scoped_actor self{srv.system()};
    notification out;
    self->request(srv.api()->notifications, std::chrono::seconds(10), actors::notify_atom::value,
                  draft)
        .receive([&](notification& n) { out = n; },
                 [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    srv.clock().advance(std::chrono::milliseconds(10));
    return out;
  }

  json::value ok(verb v, std::string_view target, std::string body = {},
                 const header_list& as = {}) {
    auto r = srv.call(v, target, std::move(body), as.empty() ? op : as);
    EXPECT_GE(r.result_int(), 200u) << target << ": " << r.body();
    EXPECT_LT(r.result_int(), 300u) << target << ": " << r.body();
    return json_of(r);
  }

  unsigned status(verb v, std::string_view target, std::string body = {},
                  const header_list& as = {}) {
    return srv.call(v, target, std::move(body), as.empty() ? op : as).result_int();
  }

  api_server srv;
  header_list op = bearer(operator_token);
  header_list ann;
  header_list bob;
};

// ---- policy -------------------------------------------------------------------------------------

TEST_P(Governance, ThePolicyIsReadReplacedByVersionAndRecovered) {
  auto active = ok(verb::get, "/api/policy/active", "", ann);
  EXPECT_EQ(active, ok(verb::get, "/api/policy", "", ann));
  EXPECT_EQ(active.at("version").as_int64(), 0);
  EXPECT_TRUE(active.at("builtin").as_bool());
  EXPECT_EQ(number_of(active.at("policy").at("roles").at("intern").at("dailyCap")), 2.0);

  // Members left out keep their values.
  auto put = ok(verb::put, "/api/policy", R"({"roles":{"intern":{"dailyCap":3}}})");
  EXPECT_EQ(put.at("version").as_int64(), 1);
  EXPECT_EQ(put.at("activatedBy").as_string(), "alice");
  auto now = ok(verb::get, "/api/policy");
  EXPECT_EQ(now.at("version").as_int64(), 1);
  EXPECT_FALSE(now.at("builtin").as_bool());
  EXPECT_EQ(number_of(now.at("policy").at("roles").at("intern").at("dailyCap")), 3.0);
  EXPECT_EQ(number_of(now.at("policy").at("roles").at("intern").at("perRunCap")), 0.25);
  // The wrapped form and an idempotent replay.
  const std::string v2 = R"({"policy":{"maxReviewCycles":4}})";
  EXPECT_EQ(ok(verb::put, "/api/policy", v2,
               {{"Authorization", "Bearer " + std::string(operator_token)},
                {"X-Idempotency-Key", "pol-2"}})
                .at("version")
                .as_int64(),
            2);
  auto replay = srv.call(
      verb::put, "/api/policy", v2,
      {{"Authorization", "Bearer " + std::string(operator_token)}, {"X-Idempotency-Key", "pol-2"}});
  EXPECT_EQ(replay["Idempotent-Replayed"], "true");
  EXPECT_EQ(json_of(replay).at("version").as_int64(), 2);

  // Invalid documents change nothing.
  auto bad = srv.call(verb::put, "/api/policy", R"({"roles":{"lead":{"perRunCap":99}}})", op);
  EXPECT_EQ(bad.result_int(), 400u) << bad.body();
  EXPECT_EQ(json_of(bad).at("error").at("details").at("errors").at(0).at("field").as_string(),
            "roles.lead.perRunCap");
  EXPECT_EQ(status(verb::put, "/api/policy", R"({"timezone":"Mars/Base"})"), 400u);
  EXPECT_EQ(status(verb::put, "/api/policy", R"({"maxReviewCyclez":4})"), 400u);
  EXPECT_EQ(status(verb::put, "/api/policy", R"({"roles":{"intern":{"dailyCap":"x"}}})"), 400u);
  EXPECT_EQ(status(verb::put, "/api/policy", "[1]"), 400u);
  EXPECT_EQ(status(verb::put, "/api/policy", "{}", ann), 403u);
  EXPECT_EQ(ok(verb::get, "/api/policy").at("version").as_int64(), 2);

  // Every version is kept; a restart puts the newest back in force.
  auto recovered = persistence::recover(srv.store());
  ASSERT_TRUE(recovered.policy);
  EXPECT_EQ(recovered.policy->version, 2);
  EXPECT_EQ(recovered.policy->policy.max_review_cycles, 4);
  EXPECT_EQ(recovered.policy->policy.roles.intern.daily_cap, usd::from_micros(3'000'000));
}

TEST_P(Governance, EvaluateAnswersTheDecisionForTheAgentsRoleAndSpend) {
  // An intern's green action is allowed, its yellow one needs approval, a blocked command is
  // denied whoever asks.
  auto green = ok(verb::post, "/api/policy/evaluate", R"({"toolName":"read_file"})", ann);
  EXPECT_EQ(green.at("decision").as_string(), "allow");
  EXPECT_EQ(green.at("risk").as_string(), "green");
  EXPECT_EQ(green.at("agentId").as_string(), "ann");
  EXPECT_TRUE(green.at("violations").as_array().empty());
  EXPECT_EQ(number_of(green.at("budget").at("dailyCap")), 2.0);
  EXPECT_FALSE(green.at("reason").as_string().empty());

  auto yellow =
      ok(verb::post, "/api/policy/evaluate", R"({"toolName":"exec","command":"git status"})", ann);
  EXPECT_EQ(yellow.at("decision").as_string(), "needs_approval");
  EXPECT_EQ(yellow.at("risk").as_string(), "yellow");
  auto as_specialist = ok(verb::post, "/api/policy/evaluate",
                          R"({"agentId":"bob","toolName":"exec","command":"git status"})");
  EXPECT_EQ(as_specialist.at("decision").as_string(), "allow");
  auto denied =
      ok(verb::post, "/api/policy/evaluate", R"({"toolName":"exec","command":"rm -rf /"})", bob);
  EXPECT_EQ(denied.at("decision").as_string(), "deny");
  auto network = ok(verb::post, "/api/policy/evaluate",
                    R"({"agentId":"bob","toolName":"web_fetch","url":"https://github.com/x"})");
  EXPECT_EQ(network.at("risk").as_string(), "yellow");

  // Over the per-run cap: needs approval, with the violation and the budget named.
  auto costly = ok(verb::post, "/api/policy/evaluate",
                   R"({"toolName":"read_file","estimatedCost":0.5})", ann);
  EXPECT_EQ(costly.at("decision").as_string(), "needs_approval");
  EXPECT_EQ(costly.at("violations").at(0).at("kind").as_string(), "per_run_cap");
  // The agent's own cap overrides the policy's.
  ok(verb::patch, "/api/agents/ann", R"({"budgets":{"perRunCap":1}})");
  EXPECT_EQ(
      ok(verb::post, "/api/policy/evaluate", R"({"toolName":"read_file","estimatedCost":0.5})", ann)
          .at("decision")
          .as_string(),
      "allow");

  EXPECT_EQ(status(verb::post, "/api/policy/evaluate", R"({"toolName":"read"})"), 400u);
  EXPECT_EQ(status(verb::post, "/api/policy/evaluate", R"({"agentId":"ann"})"), 400u);
  EXPECT_EQ(status(verb::post, "/api/policy/evaluate", R"({"agentId":"ghost","toolName":"read"})"),
            404u);
  EXPECT_EQ(
      status(verb::post, "/api/policy/evaluate", R"({"agentId":"bob","toolName":"read"})", ann),
      403u);
  EXPECT_EQ(
      status(verb::post, "/api/policy/evaluate", R"({"toolName":"read","estimatedCost":-1})", ann),
      400u);
  EXPECT_EQ(status(verb::post, "/api/policy/evaluate",
                   R"({"toolName":"web_fetch","url":"not a url"})", ann),
            400u);
}

// ---- alerts -------------------------------------------------------------------------------------

TEST_P(Governance, AlertsAreListedFilteredAcknowledgedAndResolved) {
  auto stale = raise("agent_stale", alert_severity::warning, "ann");
  auto loop = raise("loop_detected", alert_severity::critical, "bob");
  auto budget = raise("budget_exceeded", alert_severity::critical, "ann");

  auto all = ok(verb::get, "/api/alerts?resolved=false", "", ann);
  EXPECT_EQ(all.at("total").as_int64(), 3);
  EXPECT_EQ(all.at("openCount").as_int64(), 3);
  EXPECT_EQ(all.at("criticalCount").as_int64(), 2);
  EXPECT_EQ(all.at("alerts").at(0).at("id").as_string(), budget.id);
  EXPECT_EQ(ok(verb::get, "/api/alerts?severity=critical").at("total").as_int64(), 2);
  EXPECT_EQ(ok(verb::get, "/api/alerts?type=agent_stale,loop_detected").at("total").as_int64(), 2);
  EXPECT_EQ(ok(verb::get, "/api/alerts?agentId=ann&severity=CRITICAL").at("total").as_int64(), 1);
  auto page = ok(verb::get, "/api/alerts?limit=1&offset=1&order=asc");
  EXPECT_EQ(page.at("alerts").at(0).at("id").as_string(), loop.id);
  EXPECT_TRUE(page.at("hasMore").as_bool());

  auto acked = ok(verb::post, "/api/alerts/" + stale.id + "/acknowledge");
  EXPECT_EQ(acked.at("alert").at("status").as_string(), "acknowledged");
  EXPECT_EQ(acked.at("alert").at("acknowledgedBy").as_string(), "alice");
  EXPECT_EQ(status(verb::post, "/api/alerts/" + stale.id + "/acknowledge"), 409u);
  EXPECT_EQ(ok(verb::get, "/api/alerts?status=acknowledged").at("total").as_int64(), 1);

  EXPECT_EQ(status(verb::post, "/api/alerts/" + stale.id + "/resolve"), 400u);
  EXPECT_EQ(status(verb::post, "/api/alerts/" + stale.id + "/resolve", R"({"note":"  "})"), 400u);
  auto resolved =
      ok(verb::post, "/api/alerts/" + stale.id + "/resolve", R"({"resolutionNote":"ann is back"})");
  EXPECT_TRUE(resolved.at("alert").at("resolved").as_bool());
  EXPECT_EQ(resolved.at("alert").at("resolutionNote").as_string(), "ann is back");
  ok(verb::post, "/api/alerts/" + loop.id + "/resolve", R"({"note":"unblocked"})");
  EXPECT_EQ(status(verb::post, "/api/alerts/" + loop.id + "/resolve", R"({"note":"again"})"), 409u);
  EXPECT_EQ(status(verb::post, "/api/alerts/" + loop.id + "/acknowledge"), 409u);

  auto open = ok(verb::get, "/api/alerts?resolved=false");
  EXPECT_EQ(open.at("total").as_int64(), 1);
  EXPECT_EQ(open.at("criticalCount").as_int64(), 1);
  EXPECT_EQ(ok(verb::get, "/api/alerts?resolved=true").at("total").as_int64(), 2);

  EXPECT_EQ(status(verb::post, "/api/alerts/alr_nope/acknowledge"), 404u);
  EXPECT_EQ(status(verb::post, "/api/alerts/" + budget.id + "/acknowledge", "", ann), 403u);
  EXPECT_EQ(status(verb::get, "/api/alerts?resolved=maybe"), 400u);
  EXPECT_EQ(status(verb::get, "/api/alerts?severity=loud"), 400u);
  EXPECT_EQ(status(verb::get, "/api/alerts?limit=0"), 400u);

  // What a restart reads back: the open one and the resolved ones.
  auto recovered = persistence::recover(srv.store());
  EXPECT_EQ(recovered.open_alerts.size(), 1u);
  EXPECT_EQ(recovered.resolved_alerts.size(), 2u);
}

// ---- notifications ------------------------------------------------------------------------------

TEST_P(Governance, AnAgentSeesAndAcksItsOwnNotificationsAlsoThroughItsHeartbeat) {
  auto first = notify("ann", "Task assigned");
  auto second = notify("ann", "You were mentioned");
  auto theirs = notify("bob", "For bob");

  auto mine = ok(verb::get, "/api/notifications", "", ann);
  EXPECT_EQ(mine.at("total").as_int64(), 2);
  EXPECT_EQ(ok(verb::get, "/api/notifications?target=ann", "", ann).at("total").as_int64(), 2);
  EXPECT_EQ(status(verb::get, "/api/notifications?target=bob", "", ann), 403u);
  EXPECT_EQ(ok(verb::get, "/api/notifications").at("total").as_int64(), 3);
  EXPECT_EQ(ok(verb::get, "/api/notifications?target=bob").at("total").as_int64(), 1);
  EXPECT_EQ(status(verb::get, "/api/notifications?status=lost"), 400u);

  // The heartbeat lists the pending ones; the ids it lists back are acked before the reply.
  auto hb = ok(verb::post, "/api/agents/ann/heartbeat", R"({"status":"idle"})", ann);
  ASSERT_EQ(hb.at("pendingNotifications").as_array().size(), 2u);
  EXPECT_EQ(hb.at("pendingNotifications").at(0).at("id").as_string(), first.id);
  hb = ok(verb::post, "/api/agents/ann/heartbeat",
          R"({"status":"idle","ackNotificationIds":[")" + first.id + R"("]})", ann);
  ASSERT_EQ(hb.at("pendingNotifications").as_array().size(), 1u);
  EXPECT_EQ(hb.at("pendingNotifications").at(0).at("id").as_string(), second.id);
  EXPECT_EQ(ok(verb::get, "/api/notifications?status=delivered", "", ann).at("total").as_int64(),
            1);

  // The ack route: its own only.
  EXPECT_EQ(status(verb::post, "/api/notifications/" + theirs.id + "/ack", "", ann), 403u);
  EXPECT_EQ(status(verb::post, "/api/notifications/ntf_nope/ack", "", ann), 404u);
  auto acked = ok(verb::post, "/api/notifications/" + second.id + "/ack", "", ann);
  EXPECT_TRUE(acked.at("changed").as_bool());
  EXPECT_FALSE(
      ok(verb::post, "/api/notifications/" + second.id + "/ack", "", ann).at("changed").as_bool());
  hb = ok(verb::post, "/api/agents/ann/heartbeat", R"({"status":"idle"})", ann);
  EXPECT_TRUE(hb.at("pendingNotifications").as_array().empty());
  // The operator acks anyone's.
  ok(verb::post, "/api/notifications/" + theirs.id + "/ack");

  auto recovered = persistence::recover(srv.store());
  EXPECT_TRUE(recovered.pending_notifications.empty());
  EXPECT_EQ(recovered.settled_notifications.size(), 3u);
}

// ---- webhooks -----------------------------------------------------------------------------------

TEST_P(Governance, AWebhookSecretIsShownOnceAndRegistrationsAreOwned) {
  const std::string body =
      R"({"url":"https://hooks.example.com/ann","events":["alert","mention"]})";
  auto created = srv.call(verb::post, "/api/webhooks", body,
                          {{"Authorization", ann.front().second}, {"X-Idempotency-Key", "wh-1"}});
  ASSERT_EQ(created.result_int(), 201u) << created.body();
  auto c = json_of(created);
  const std::string id(c.at("webhook").at("id").as_string());
  const std::string secret(c.at("secret").as_string());
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_TRUE(c.at("secretGenerated").as_bool());
  EXPECT_EQ(c.at("webhook").at("owner").as_string(), "ann");
  // A replay answers without the secret.
  auto replay = srv.call(verb::post, "/api/webhooks", body,
                         {{"Authorization", ann.front().second}, {"X-Idempotency-Key", "wh-1"}});
  EXPECT_EQ(replay.result_int(), 201u);
  EXPECT_EQ(replay.body().find(secret), std::string::npos);

  auto given =
      ok(verb::post, "/api/webhooks",
         R"({"url":"http://ops.example.com/mc","events":"*","secret":"my-own-secret-0123"})");
  EXPECT_EQ(given.at("secret").as_string(), "my-own-secret-0123");
  EXPECT_FALSE(given.at("secretGenerated").as_bool());

  auto listed = srv.call(verb::get, "/api/webhooks", "", op);
  EXPECT_EQ(json_of(listed).at("total").as_int64(), 2);
  EXPECT_EQ(listed.body().find(secret), std::string::npos);
  EXPECT_EQ(listed.body().find("my-own-secret-0123"), std::string::npos);
  EXPECT_EQ(ok(verb::get, "/api/webhooks", "", ann).at("total").as_int64(), 1);
  EXPECT_EQ(ok(verb::get, "/api/webhooks", "", bob).at("total").as_int64(), 0);

  EXPECT_EQ(
      status(verb::post, "/api/webhooks", R"({"url":"ftp://x.example.com","events":["alert"]})"),
      400u);
  EXPECT_EQ(status(verb::post, "/api/webhooks", R"({"url":"https://x.example.com","events":[]})"),
            400u);
  EXPECT_EQ(status(verb::post, "/api/webhooks", R"({"events":["alert"]})"), 400u);
  EXPECT_EQ(status(verb::post, "/api/webhooks",
                   R"({"url":"https://x.example.com","events":["alert"],"secret":"short"})"),
            400u);
  EXPECT_EQ(status(verb::post, "/api/webhooks",
                   R"({"url":"https://x.example.com","events":["alert"],"colour":"red"})"),
            400u);

  EXPECT_EQ(status(verb::delete_, "/api/webhooks/" + id, "", bob), 403u);
  EXPECT_EQ(status(verb::delete_, "/api/webhooks/whk_nope"), 404u);
  EXPECT_EQ(status(verb::delete_, "/api/webhooks"), 400u);
  EXPECT_EQ(status(verb::delete_, "/api/webhooks?url=http://ops.example.com/mc", "", ann), 404u);
  auto gone = ok(verb::delete_, "/api/webhooks/" + id, "", ann);
  EXPECT_EQ(gone.at("deleted").at(0).as_string(), id);
  EXPECT_EQ(status(verb::delete_, "/api/webhooks/" + id, "", ann), 404u);
  EXPECT_EQ(ok(verb::delete_, "/api/webhooks?url=http://ops.example.com/mc")
                .at("deleted")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(ok(verb::get, "/api/webhooks").at("total").as_int64(), 0);

  // Deleted registrations stay as tombstones and are not restored.
  auto recovered = persistence::recover(srv.store());
  EXPECT_EQ(recovered.webhooks.size(), 2u);
  for (const auto& w : recovered.webhooks)
    EXPECT_TRUE(w.deleted_at);
}

INSTANTIATE_TEST_SUITE_P(Stores, Governance, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
