// The governance actors under CAF's deterministic scheduler on a real SQLite store, with a manual
// clock: alerts raised, listed, acknowledged and resolved; notifications created, pushed to the
// agent's actor and acknowledged through a heartbeat (durable before the reply); policy versions;
// webhook registrations; and a failed write that changes nothing.
#include "actors/agent_actor.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/governance.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/governance_rows.hpp"
#include "tests/support/faulty_store.hpp"

#include <boost/json/parse.hpp>

#include <caf/all.hpp>
#include <caf/test/dsl.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace mc::actors {
namespace {

using ::test_coordinator_fixture;
namespace fs = std::filesystem;
namespace json = boost::json;
using persistence::table_id;

template <class T>
struct answer {
  std::optional<T> value;
  std::optional<errc> error;
};

class GovernanceActors : public ::testing::Test,
                         public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  GovernanceActors() {
    dir = fs::temp_directory_path() /
          ("mc-gov-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    auto inner = persistence::open_store({"", dir.string()});
    inner->migrate();
    auto f = std::make_shared<persistence::testing::faulty_store>(std::move(inner));
    db = f.get();
    holder = f;
    persistence::persistence_config pc;
    pc.max_wait = std::chrono::milliseconds(1000);
    env.db = persistence::spawn_persistence(sys, f, clock, pc, /*detached=*/false);
    env.clk = &clock;
    env.ids = &ids;
    env.events = sys.groups().anonymous();
    // Records every event published on the group.
    listener = sys.spawn([this](caf::event_based_actor* listening) -> caf::behavior {
      listening->join(env.events);
      return {
          [this](alert_event& e) { alert_events.push_back(e); },
          [this](notification_event& e) { notification_events.push_back(e); },
      };
    });
    drain();
  }

  ~GovernanceActors() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
    drain();
    fs::remove_all(dir);
  }

  void drain() {
    while (sched.try_run_once()) {
    }
  }

  caf::actor keep(caf::actor a) {
    spawned.push_back(a);
    drain();
    return a;
  }

  template <class T, class Handle, class... Ts>
  answer<T> ask(Handle to, Ts... msg) {
    auto out = std::make_shared<answer<T>>();
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(to, caf::infinite, msg...)
          .then([out](T v) { out->value = std::move(v); },
                [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
    });
    drain();
    return *out;
  }

  template <class... Ts>
  json::value reply_json(caf::actor to, Ts... msg) {
    auto r = ask<api_reply>(to, msg...);
    EXPECT_TRUE(r.value) << (r.error ? to_string(*r.error) : "no answer");
    return r.value ? json::parse(r.value->body) : json::value(nullptr);
  }

  template <class Tag>
  std::optional<persistence::row> row_of(table_id t, const std::string& key) {
    std::optional<persistence::row> r;
    db->transact([&](persistence::store_txn& txn) { r = txn.get(t, key); }, true);
    return r;
  }

  std::int64_t count(table_id t) {
    std::int64_t n = 0;
    db->transact([&](persistence::store_txn& txn) { n = txn.count(t); }, true);
    return n;
  }

  alert raise(caf::actor alerts, std::string type, alert_severity severity,
              std::optional<std::string> agent = std::nullopt) {
    alert draft;
    draft.type = std::move(type);
    draft.title = "something happened";
    draft.severity = severity;
    draft.agent_id = std::move(agent);
    auto a = ask<alert>(alerts, raise_atom::value, draft);
    EXPECT_TRUE(a.value);
    return a.value.value_or(alert{});
  }

  notification notify(caf::actor notes, std::string target, std::string title = "hello") {
    notification draft;
    draft.target = std::move(target);
    draft.title = std::move(title);
    draft.type = notification_type::mention;
    auto n = ask<notification>(notes, notify_atom::value, draft);
    EXPECT_TRUE(n.value);
    return n.value.value_or(notification{});
  }

  static inline int counter = 0;
  fs::path dir;
  persistence::testing::faulty_store* db = nullptr;
  std::shared_ptr<persistence::store> holder;
  manual_clock clock{1'700'000'000'000};
  id_generator ids{clock, 7};
  governance_environment env;
  caf::actor listener;
  std::vector<caf::actor> spawned;
  std::vector<alert_event> alert_events;
  std::vector<notification_event> notification_events;
};

TEST_F(GovernanceActors, ARaisedAlertIsDurableAuditedAndPublished) {
  auto alerts = keep(spawn_alerts_actor(sys, env, {}));
  const auto audits = count(table_id::audit);
  auto a = raise(alerts, "agent_stale", alert_severity::warning, "ann");
  EXPECT_EQ(a.id.rfind("alr_", 0), 0u);
  EXPECT_EQ(a.status, alert_status::open);
  EXPECT_EQ(a.created_at, clock.now_ms());
  auto stored = row_of<alert>(table_id::alerts, a.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(persistence::from_row<alert>(*stored), a);
  EXPECT_EQ(count(table_id::audit), audits + 1);
  ASSERT_EQ(alert_events.size(), 1u);
  EXPECT_TRUE(alert_events[0].raised);
  EXPECT_EQ(alert_events[0].alert, a);

  alert bad;
  bad.title = "no type";
  EXPECT_EQ(ask<alert>(alerts, raise_atom::value, bad).error, errc::invalid_input);
}

TEST_F(GovernanceActors, TheListFiltersAndCountsOpenAndCritical) {
  auto alerts = keep(spawn_alerts_actor(sys, env, {}));
  auto first = raise(alerts, "agent_stale", alert_severity::warning, "ann");
  clock.advance(std::chrono::milliseconds(5));
  auto second = raise(alerts, "loop_detected", alert_severity::critical, "bob");
  clock.advance(std::chrono::milliseconds(5));
  auto third = raise(alerts, "budget_exceeded", alert_severity::critical, "ann");

  alert_action_command resolve{third.id, true, "alice", "raised the cap", "", "", 0};
  reply_json(alerts, resolve);

  alert_query all;
  auto body = reply_json(alerts, list_atom::value, all);
  EXPECT_EQ(body.at("total").as_int64(), 3);
  EXPECT_EQ(body.at("openCount").as_int64(), 2);
  EXPECT_EQ(body.at("criticalCount").as_int64(), 1);
  EXPECT_EQ(body.at("alerts").at(0).at("id").as_string(), third.id); // newest first

  alert_query open;
  open.filter.resolved = false;
  body = reply_json(alerts, list_atom::value, open);
  EXPECT_EQ(body.at("total").as_int64(), 2);

  alert_query ann;
  ann.filter.agent_id = "ann";
  ann.filter.severities = {alert_severity::warning};
  body = reply_json(alerts, list_atom::value, ann);
  ASSERT_EQ(body.at("total").as_int64(), 1);
  EXPECT_EQ(body.at("alerts").at(0).at("id").as_string(), first.id);

  alert_query paged;
  paged.limit = 1;
  paged.offset = 1;
  paged.descending = false;
  body = reply_json(alerts, list_atom::value, paged);
  EXPECT_EQ(body.at("alerts").as_array().size(), 1u);
  EXPECT_EQ(body.at("alerts").at(0).at("id").as_string(), second.id);
  EXPECT_TRUE(body.at("hasMore").as_bool());
}

TEST_F(GovernanceActors, AcknowledgeThenResolveAreDurableAndAResolvedAlertIsAConflict) {
  auto alerts = keep(spawn_alerts_actor(sys, env, {}));
  auto a = raise(alerts, "agent_stale", alert_severity::warning, "ann");
  alert_action_command ack{a.id, false, "alice", "", "ack-key", "fp", 99};
  auto body = reply_json(alerts, ack);
  EXPECT_EQ(body.at("alert").at("status").as_string(), "acknowledged");
  auto stored = persistence::from_row<alert>(*row_of<alert>(table_id::alerts, a.id));
  EXPECT_EQ(stored.acknowledged_by, "alice");
  EXPECT_TRUE(row_of<alert>(table_id::idempotency, "ack-key"));

  alert_action_command no_note{a.id, true, "alice", "", "", "", 0};
  EXPECT_EQ(ask<api_reply>(alerts, no_note).error, errc::invalid_input);
  alert_action_command resolve{a.id, true, "alice", "host restarted", "", "", 0};
  body = reply_json(alerts, resolve);
  EXPECT_TRUE(body.at("alert").at("resolved").as_bool());
  EXPECT_EQ(body.at("alert").at("resolutionNote").as_string(), "host restarted");
  stored = persistence::from_row<alert>(*row_of<alert>(table_id::alerts, a.id));
  EXPECT_EQ(stored.status, alert_status::resolved);

  EXPECT_EQ(ask<api_reply>(alerts, resolve).error, errc::conflict);
  EXPECT_EQ(ask<api_reply>(alerts, ack).error, errc::conflict);
  alert_action_command ghost{"alr_nope", false, "alice", "", "", "", 0};
  EXPECT_EQ(ask<api_reply>(alerts, ghost).error, errc::not_found);
  EXPECT_EQ(alert_events.size(), 3u);
}

TEST_F(GovernanceActors, AFailedWriteLeavesTheAlertAsItWas) {
  auto alerts = keep(spawn_alerts_actor(sys, env, {}));
  auto a = raise(alerts, "agent_stale", alert_severity::warning);
  db->down = true;
  auto out = std::make_shared<answer<api_reply>>();
  alert_action_command ack{a.id, false, "alice", "", "", "", 0};
  sys.spawn([out, alerts, ack](caf::event_based_actor* client) {
    client->request(alerts, caf::infinite, ack)
        .then([out](api_reply r) { out->value = r; },
              [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
  });
  drain();
  EXPECT_FALSE(out->value);
  clock.advance(std::chrono::milliseconds(1000));
  sched.trigger_timeout();
  drain();
  EXPECT_EQ(out->error, errc::unavailable);
  db->down = false;
  auto now = ask<alert>(alerts, get_atom::value, a.id);
  ASSERT_TRUE(now.value);
  EXPECT_EQ(now.value->status, alert_status::open);
  EXPECT_EQ(persistence::from_row<alert>(*row_of<alert>(table_id::alerts, a.id)).status,
            alert_status::open);
}

TEST_F(GovernanceActors, RecoveredAlertsAreListedAgain) {
  alert a;
  a.id = "alr_01";
  a.type = "worker_missed";
  a.title = "restarted";
  a.severity = alert_severity::critical;
  auto alerts = keep(spawn_alerts_actor(sys, env, {a}));
  auto body = reply_json(alerts, list_atom::value, alert_query{});
  EXPECT_EQ(body.at("total").as_int64(), 1);
  EXPECT_EQ(body.at("criticalCount").as_int64(), 1);
}

class AgentWithNotifications : public GovernanceActors {
 protected:
  void start() {
    notes = keep(spawn_notifications_actor(sys, env, {}));
    agent_environment aenv;
    aenv.db = env.db;
    aenv.clk = &clock;
    aenv.ids = &ids;
    aenv.notifications = notes;
    agent a;
    a.id = "ann";
    a.name = "Ann";
    ann = spawn_agent_actor(sys, aenv, a, {});
    spawned.push_back(caf::actor_cast<caf::actor>(ann));
    // The registry's part: it names ann's actor, and no other.
    auto target = ann;
    auto registry = keep(sys.spawn([target](caf::event_based_actor*) -> caf::behavior {
      return {[target](get_atom, const std::string& id) -> caf::result<agent_actor> {
        if (id == "ann")
          return target;
        return make_error(errc::not_found, "no agent " + id);
      }};
    }));
    caf::anon_send(notes, agents_atom::value, registry);
    drain();
  }

  json::value heartbeat(std::vector<std::string> acks = {}) {
    heartbeat_command cmd;
    cmd.reported_status = "idle";
    cmd.acknowledged = std::move(acks);
    auto r = ask<api_reply>(ann, heartbeat_atom::value, cmd);
    EXPECT_TRUE(r.value) << (r.error ? to_string(*r.error) : "");
    return r.value ? json::parse(r.value->body) : json::value(nullptr);
  }

  std::vector<std::string> pending_ids(const json::value& hb) {
    std::vector<std::string> out;
    for (const auto& n : hb.at("pendingNotifications").as_array())
      out.emplace_back(n.at("id").as_string());
    return out;
  }

  caf::actor notes;
  agent_actor ann;
};

TEST_F(AgentWithNotifications, PendingNotificationsRideTheHeartbeatUntilAcknowledged) {
  start();
  EXPECT_TRUE(pending_ids(heartbeat()).empty());
  auto one = notify(notes, "ann", "you were mentioned");
  auto two = notify(notes, "ann", "task assigned");
  notify(notes, "bob", "not for ann");
  EXPECT_EQ(one.status, notification_status::pending);
  EXPECT_EQ(one.expires_at, clock.now_ms() + notification_ttl_ms);
  EXPECT_EQ(notification_events.size(), 3u);
  EXPECT_EQ(pending_ids(heartbeat()), (std::vector<std::string>{one.id, two.id}));
  // Delivery is at least once: still there until acknowledged.
  EXPECT_EQ(pending_ids(heartbeat()).size(), 2u);

  // The ids in the next heartbeat are acked durably before the reply, which no longer lists them;
  // unknown and foreign ids are ignored.
  const auto audits = count(table_id::audit);
  auto hb = heartbeat({one.id, "ntf_unknown"});
  EXPECT_EQ(pending_ids(hb), (std::vector<std::string>{two.id}));
  auto stored =
      persistence::from_row<notification>(*row_of<notification>(table_id::notifications, one.id));
  EXPECT_EQ(stored.status, notification_status::delivered);
  EXPECT_EQ(count(table_id::audit), audits + 1);
  EXPECT_EQ(pending_ids(heartbeat()), (std::vector<std::string>{two.id}));

  // A day later the other one has expired: no longer due.
  clock.advance(std::chrono::milliseconds(notification_ttl_ms));
  EXPECT_TRUE(pending_ids(heartbeat()).empty());
}

TEST_F(AgentWithNotifications, AnAckFailureFailsTheHeartbeatAndChangesNothing) {
  start();
  auto one = notify(notes, "ann");
  db->down = true;
  auto out = std::make_shared<answer<api_reply>>();
  heartbeat_command cmd;
  cmd.acknowledged = {one.id};
  auto target = ann;
  sys.spawn([out, target, cmd](caf::event_based_actor* client) {
    client->request(target, caf::infinite, heartbeat_atom::value, cmd)
        .then([out](api_reply r) { out->value = r; },
              [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
  });
  drain();
  clock.advance(std::chrono::milliseconds(1000));
  sched.trigger_timeout();
  drain();
  EXPECT_EQ(out->error, errc::unavailable);
  db->down = false;
  EXPECT_EQ(pending_ids(heartbeat()), (std::vector<std::string>{one.id}));
}

TEST_F(AgentWithNotifications, TheAckRouteAcksOnlyTheAgentsOwn) {
  start();
  auto mine = notify(notes, "ann");
  auto theirs = notify(notes, "bob");
  notification_ack_command cmd{theirs.id, std::string("ann"), "agent", "ann", "", "", 0};
  EXPECT_EQ(ask<api_reply>(notes, cmd).error, errc::forbidden);
  cmd.id = "ntf_nope";
  EXPECT_EQ(ask<api_reply>(notes, cmd).error, errc::not_found);
  cmd.id = mine.id;
  auto body = reply_json(notes, cmd);
  EXPECT_TRUE(body.at("changed").as_bool());
  EXPECT_EQ(body.at("notification").at("status").as_string(), "delivered");
  EXPECT_FALSE(reply_json(notes, cmd).at("changed").as_bool());
  // The push reached ann's actor: nothing pending any more.
  EXPECT_TRUE(pending_ids(heartbeat()).empty());

  notification_query q;
  q.filter.target = "bob";
  body = reply_json(notes, list_atom::value, q);
  EXPECT_EQ(body.at("total").as_int64(), 1);
  q.filter.target.reset();
  q.filter.statuses = {notification_status::delivered};
  body = reply_json(notes, list_atom::value, q);
  ASSERT_EQ(body.at("total").as_int64(), 1);
  EXPECT_EQ(body.at("notifications").at(0).at("id").as_string(), mine.id);
}

TEST_F(GovernanceActors, APolicyVersionIsStoredAuditedAndThenInForce) {
  auto policies = keep(spawn_policy_actor(sys, env, std::nullopt));
  EXPECT_EQ(env.policy->get()->number, 0);
  policy_put_command cmd;
  cmd.policy = default_policy();
  cmd.policy.roles.intern.daily_cap = usd::from_micros(3'000'000);
  cmd.actor = "alice";
  auto body = reply_json(policies, put_atom::value, cmd);
  EXPECT_EQ(body.at("version").as_int64(), 1);
  EXPECT_EQ(body.at("activatedBy").as_string(), "alice");
  EXPECT_EQ(env.policy->get()->number, 1);
  EXPECT_EQ(env.policy->get()->policy.roles.intern.daily_cap, usd::from_micros(3'000'000));
  cmd.policy.roles.intern.daily_cap = usd::from_micros(4'000'000);
  reply_json(policies, put_atom::value, cmd);
  EXPECT_EQ(count(table_id::policies), 2); // every version kept
  auto v1 = persistence::policy_version_from_row(
      *row_of<policy_version>(table_id::policies, persistence::policy_version_key(1)));
  EXPECT_EQ(v1.policy.roles.intern.daily_cap, usd::from_micros(3'000'000));

  cmd.policy.timezone = "Nowhere/Special";
  EXPECT_EQ(ask<api_reply>(policies, put_atom::value, cmd).error, errc::invalid_input);
  EXPECT_EQ(env.policy->get()->number, 2);
  EXPECT_EQ(count(table_id::policies), 2);
}

TEST_F(GovernanceActors, TheLatestStoredVersionIsInForceAtSpawn) {
  policy_version v{7, 123, "alice", default_policy()};
  v.policy.max_review_cycles = 5;
  keep(spawn_policy_actor(sys, env, v));
  EXPECT_EQ(env.policy->get()->number, 7);
  EXPECT_EQ(env.policy->get()->policy.max_review_cycles, 5);
}

TEST_F(GovernanceActors, WebhooksAreListedWithoutSecretsAndDeletedAsTombstones) {
  auto hooks = keep(spawn_webhooks_actor(sys, env, {}));
  webhook_create_command cmd;
  cmd.draft.url = "https://hooks.example.com/a";
  cmd.draft.events = {"alert"};
  cmd.draft.secret = "0123456789abcdef-secret";
  cmd.draft.owner = "ann";
  cmd.actor_type = "agent";
  cmd.actor = "ann";
  auto created = reply_json(hooks, create_atom::value, cmd);
  const std::string id(created.at("webhook").at("id").as_string());
  EXPECT_EQ(id.rfind("whk_", 0), 0u);
  EXPECT_FALSE(created.at("webhook").as_object().contains("secret"));
  auto stored = persistence::webhook_from_row(*row_of<webhook>(table_id::webhooks, id));
  EXPECT_EQ(stored.secret, "0123456789abcdef-secret"); // kept for signing deliveries

  cmd.draft.owner = "bob";
  cmd.actor = "bob";
  reply_json(hooks, create_atom::value, cmd);
  auto listed = reply_json(hooks, list_atom::value, webhook_query{std::string("ann")});
  EXPECT_EQ(listed.at("total").as_int64(), 1);
  listed = reply_json(hooks, list_atom::value, webhook_query{});
  EXPECT_EQ(listed.at("total").as_int64(), 2);
  EXPECT_EQ(json::serialize(listed).find("secret"), std::string::npos);

  cmd.draft.url = "ftp://nope";
  EXPECT_EQ(ask<api_reply>(hooks, create_atom::value, cmd).error, errc::invalid_input);

  webhook_delete_command del;
  del.id = id;
  del.agent = "bob";
  del.actor_type = "agent";
  del.actor = "bob";
  EXPECT_EQ(ask<api_reply>(hooks, del).error, errc::forbidden);
  del.agent = "ann";
  del.actor = "ann";
  auto deleted = reply_json(hooks, del);
  EXPECT_EQ(deleted.at("deleted").at(0).as_string(), id);
  EXPECT_EQ(ask<api_reply>(hooks, del).error, errc::not_found);
  stored = persistence::webhook_from_row(*row_of<webhook>(table_id::webhooks, id));
  EXPECT_TRUE(stored.deleted_at);
  // Restored at boot without the tombstone.
  auto again = keep(spawn_webhooks_actor(sys, env, {stored}));
  EXPECT_EQ(reply_json(again, list_atom::value, webhook_query{}).at("total").as_int64(), 0);

  webhook_delete_command by_url;
  by_url.url = "https://hooks.example.com/a";
  by_url.actor_type = "operator";
  by_url.actor = "alice";
  EXPECT_EQ(reply_json(hooks, by_url).at("deleted").as_array().size(), 1u); // bob's
  EXPECT_EQ(ask<api_reply>(hooks, by_url).error, errc::not_found);
}

// ---- what the NotificationDispatcher asks of them -----------------------------------------------

TEST_F(GovernanceActors, DueNotificationsAreFoundAndTheirAttemptsRecorded) {
  auto notes = keep(spawn_notifications_actor(sys, env, {}));
  notification draft;
  draft.target = "operator";
  draft.channel = notification_channel::webhook;
  draft.type = notification_type::alert;
  draft.title = "[critical] agent_stale: ann";
  auto n = ask<notification>(notes, notify_atom::value, draft).value.value();
  auto beat = notify(notes, "ann");
  const auto now = clock.now_ms();
  auto due = ask<std::vector<notification>>(notes, notification_due_query{now}).value.value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], n);

  auto next = n;
  next.attempts = 1;
  next.next_attempt_at = now + 30'000;
  next.last_error = "whk_1: HTTP 500";
  next.title = "not the dispatcher's to change";
  const auto audits = count(table_id::audit);
  auto stored =
      ask<notification>(notes, notification_update_command{next, "notification.retry"}).value;
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->next_attempt_at, now + 30'000);
  EXPECT_EQ(stored->last_error, "whk_1: HTTP 500");
  EXPECT_EQ(stored->title, n.title);
  EXPECT_EQ(
      persistence::from_row<notification>(*row_of<notification>(table_id::notifications, n.id)),
      *stored);
  EXPECT_EQ(count(table_id::audit), audits + 1);
  EXPECT_FALSE(notification_events.back().created);
  EXPECT_EQ(notification_events.back().notification, *stored);

  EXPECT_TRUE(
      ask<std::vector<notification>>(notes, notification_due_query{now}).value.value().empty());
  EXPECT_EQ(ask<std::vector<notification>>(notes, notification_due_query{now + 30'000})
                .value.value()
                .size(),
            1u);
  // At expiry every pending one is due, the heartbeat one too.
  EXPECT_EQ(ask<std::vector<notification>>(notes, notification_due_query{beat.expires_at})
                .value.value()
                .size(),
            2u);

  // Settled is final: a later outcome changes and writes nothing.
  auto done = *stored;
  done.status = notification_status::delivered;
  done.attempts = 2;
  EXPECT_EQ(ask<notification>(notes, notification_update_command{done, "notification.deliver"})
                .value->status,
            notification_status::delivered);
  auto late = done;
  late.status = notification_status::failed;
  const auto settled_audits = count(table_id::audit);
  EXPECT_EQ(ask<notification>(notes, notification_update_command{late, "notification.fail"}).value,
            done);
  EXPECT_EQ(count(table_id::audit), settled_audits);
  late.id = "ntf_nope";
  EXPECT_EQ(ask<notification>(notes, notification_update_command{late, "notification.fail"}).error,
            errc::not_found);
}

TEST_F(GovernanceActors, TheWebhooksWantingANotificationComeWithTheirSecrets) {
  auto hooks = keep(spawn_webhooks_actor(sys, env, {}));
  auto add = [&](std::string owner, std::vector<std::string> events) {
    webhook_create_command cmd;
    cmd.draft.url = "http://127.0.0.1:9/" + owner;
    cmd.draft.events = std::move(events);
    cmd.draft.secret = "0123456789abcdef-" + owner;
    cmd.draft.owner = owner;
    cmd.actor_type = owner == "operator" ? "operator" : "agent";
    cmd.actor = owner;
    reply_json(hooks, create_atom::value, cmd);
  };
  add("operator", {"alert"});
  add("operator", {"*"});
  add("ann", {"alert", "mention"});
  auto match = [&](std::string owner, notification_type type) {
    return ask<std::vector<webhook>>(hooks, webhook_match_query{std::move(owner), type})
        .value.value();
  };
  auto found = match("operator", notification_type::alert);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].secret, "0123456789abcdef-operator");
  EXPECT_EQ(match("operator", notification_type::approval_request).size(), 1u);
  EXPECT_EQ(match("ann", notification_type::mention).size(), 1u);
  EXPECT_TRUE(match("ann", notification_type::assignment).empty());
  EXPECT_TRUE(match("bob", notification_type::alert).empty());
}

} // namespace
} // namespace mc::actors
