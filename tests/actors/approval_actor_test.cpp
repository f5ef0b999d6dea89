// The approvals actor and the task side under CAF's deterministic scheduler on a real SQLite
// store: a request moves its task into needs_approval in the same commit, a decision moves it
// on, a decided approval stays decided, who may decide, the list, a failed write, and boot.
#include "actors/approval_actor.hpp"
#include "actors/task_registry.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/recovery.hpp"
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

constexpr epoch_ms hour = 60LL * 60 * 1000;

struct outcome {
  std::optional<api_reply> reply;
  std::optional<errc> error;
  std::string message;
  json::value body() const { return json::parse(reply ? reply->body : "null"); }
};

class Approvals : public ::testing::Test,
                  public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  Approvals() {
    dir = fs::temp_directory_path() /
          ("mc-ap-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    auto inner = persistence::open_store({"", dir.string()});
    inner->migrate();
    auto f = std::make_shared<persistence::testing::faulty_store>(std::move(inner));
    db = f.get();
    holder = f;
    persistence::persistence_config pc;
    pc.max_wait = std::chrono::milliseconds(1000);
    env.db = persistence::spawn_persistence(sys, f, clock, pc, /*detached=*/false);
    env.events = sys.groups().anonymous();
    env.clk = &clock;
    env.ids = &ids;
    env.policy = policy;
  }

  ~Approvals() override {
    stop();
    caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
    drain();
    fs::remove_all(dir);
  }

  void stop() {
    if (approvals)
      caf::anon_send_exit(approvals, caf::exit_reason::user_shutdown);
    if (tasks)
      caf::anon_send_exit(tasks, caf::exit_reason::user_shutdown);
    drain();
  }

  void drain() {
    while (sched.try_run_once()) {
    }
  }

  /// The task registry with these tasks (as recovered at boot) and the approvals actor.
  void start(std::vector<task> ts, std::vector<approval> recovered = {}) {
    tasks = spawn_task_registry(sys, env, std::move(ts));
    approval_environment ae;
    ae.db = env.db;
    ae.events = env.events;
    ae.tasks = tasks;
    ae.clk = &clock;
    ae.ids = &ids;
    ae.policy = policy;
    approvals = spawn_approval_actor(sys, ae, std::move(recovered));
    drain();
  }

  static task working(std::string id, std::string assignee = "jordan",
                      task_status s = task_status::in_progress) {
    task t;
    t.id = std::move(id);
    t.title = "Send the newsletter";
    t.status = s;
    t.assignee_ids = {std::move(assignee)};
    return t;
  }

  template <class... Ts>
  outcome ask(const caf::actor& to, Ts... msg) {
    auto out = std::make_shared<outcome>();
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(to, caf::infinite, msg...)
          .then([out](api_reply r) { out->reply = r; },
                [out](caf::error& e) {
                  out->error = static_cast<errc>(e.code());
                  if (e.context().match_elements<std::string>() ||
                      e.context().match_elements<std::string, std::string>())
                    out->message = e.context().get_as<std::string>(0);
                });
    });
    drain();
    return *out;
  }

  static create_approval_command request_for(std::optional<std::string> task_id,
                                             std::string requestor = "jordan") {
    create_approval_command c;
    c.draft.task_id = std::move(task_id);
    c.draft.action_type = approval_action::budget_override;
    c.draft.risk_level = risk_level::red;
    c.draft.action_summary = "Raise the daily cap";
    c.draft.justification = "Two more runs finish the campaign";
    c.action_type_given = c.risk_level_given = true;
    c.requestor = requestor;
    c.requested_by_agent = true;
    c.actor_type = "agent";
    c.actor = std::move(requestor);
    return c;
  }

  outcome request(create_approval_command c) { return ask(approvals, create_atom::value, c); }

  outcome decide(const std::string& id, bool approve, std::string who = "alice",
                 actor_kind kind = actor_kind::operator_, std::string key = {}) {
    decide_approval_command c;
    c.approval_id = id;
    c.approve = approve;
    c.decider_kind = kind;
    c.decider = std::move(who);
    c.note = approve ? "Approved with increased budget" : "Too expensive";
    c.idempotency_key = std::move(key);
    c.idempotency_fingerprint = "fp";
    c.idempotency_expires_at = 99;
    return ask(approvals, decide_atom::value, c);
  }

  json::value list(approval_query q = {}) {
    auto out = ask(approvals, list_atom::value, q);
    return out.body();
  }

  task_view view(const std::string& task_id) {
    auto v = std::make_shared<task_view>();
    auto registry = tasks;
    sys.spawn([v, registry, task_id](caf::event_based_actor* client) {
      client->request(registry, caf::infinite, get_atom::value, task_id)
          .then([client, v](task_actor t) {
            client->request(t, caf::infinite, get_atom::value)
                .then([v](task_view got) { *v = got; }, [](caf::error&) {});
          });
    });
    drain();
    return *v;
  }

  outcome move(const std::string& task_id, transition_command cmd) {
    auto out = std::make_shared<outcome>();
    auto registry = tasks;
    sys.spawn([out, registry, task_id, cmd](caf::event_based_actor* client) {
      client->request(registry, caf::infinite, get_atom::value, task_id)
          .then([client, out, cmd](task_actor t) {
            client->request(t, caf::infinite, transition_atom::value, cmd)
                .then([out](api_reply r) { out->reply = r; },
                      [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
          });
    });
    drain();
    return *out;
  }

  std::int64_t count(table_id t) {
    std::int64_t n = 0;
    db->transact([&](persistence::store_txn& txn) { n = txn.count(t); }, true);
    return n;
  }

  std::optional<persistence::row> stored(table_id t, const std::string& key) {
    std::optional<persistence::row> out;
    db->transact([&](persistence::store_txn& txn) { out = txn.get(t, key); }, true);
    return out;
  }

  std::string filed(const outcome& o) {
    EXPECT_TRUE(o.reply) << o.message;
    return std::string(o.body().at("approval").at("id").as_string());
  }

  void allow_leads() {
    auto p = default_policy();
    p.lead_may_decide_approvals = true;
    policy->set({p, 2, 0});
  }

  static inline int counter = 0;
  fs::path dir;
  manual_clock clock{1'700'000'000'000};
  id_generator ids{clock, 1};
  policy_ptr policy = std::make_shared<active_policy>();
  task_environment env;
  std::shared_ptr<persistence::store> holder;
  persistence::testing::faulty_store* db = nullptr;
  caf::actor tasks;
  caf::actor approvals;
};

TEST_F(Approvals, ARequestMovesItsTaskIntoNeedsApprovalInOneCommit) {
  start({working("tsk_1")});
  const auto commits = db->successful_commits;
  auto out = request(request_for("tsk_1"));
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(out.reply->status, 201);
  EXPECT_EQ(db->successful_commits, commits + 1);
  auto a = out.body().at("approval");
  EXPECT_EQ(a.at("status"), "pending");
  EXPECT_EQ(a.at("requestorId"), "jordan");
  EXPECT_EQ(a.at("resumeStatus"), "in_progress");
  EXPECT_EQ(a.at("expiresAt").as_int64(), clock.now_ms() + 24 * hour);
  EXPECT_EQ(out.body().at("task").at("status"), "needs_approval");
  const std::string id(a.at("id").as_string());
  auto row = stored(table_id::approvals, id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->at("status").s, "pending");
  EXPECT_EQ(stored(table_id::tasks, "tsk_1")->at("status").s, "needs_approval");
  EXPECT_EQ(count(table_id::transitions), 1);
  EXPECT_EQ(count(table_id::audit), 2); // the move and the request
  auto v = view("tsk_1");
  EXPECT_EQ(v.task.status, task_status::needs_approval);
  ASSERT_EQ(v.approvals.size(), 1u);
  EXPECT_EQ(v.approvals[0].id, id);
  EXPECT_EQ(list().at("total").as_int64(), 1);
}

TEST_F(Approvals, RequestsAreRefusedWithTheRightCode) {
  start({working("tsk_1"), working("tsk_2", "riley"),
         working("tsk_3", "jordan", task_status::assigned)});
  auto bad = request_for("tsk_1");
  bad.action_type_given = false;
  bad.draft.justification = "";
  auto out = request(bad);
  EXPECT_EQ(out.error, errc::invalid_input);
  EXPECT_EQ(request(request_for("tsk_2")).error, errc::forbidden); // not jordan's task
  EXPECT_EQ(request(request_for("tsk_404")).error, errc::not_found);
  EXPECT_EQ(request(request_for("tsk_3")).error, errc::refused); // assigned → needs_approval
  filed(request(request_for("tsk_1")));
  EXPECT_EQ(request(request_for("tsk_1")).error, errc::conflict); // already waiting
  EXPECT_EQ(count(table_id::approvals), 1);
  EXPECT_EQ(list().at("total").as_int64(), 1);
}

TEST_F(Approvals, ApprovingResumesTheTaskAndCannotBeRepeated) {
  start({working("tsk_1")});
  const auto id = filed(request(request_for("tsk_1")));
  const auto commits = db->successful_commits;
  auto out = decide(id, true, "alice", actor_kind::operator_, "key-1");
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(db->successful_commits, commits + 1);
  auto b = out.body();
  EXPECT_EQ(b.at("approval").at("status"), "approved");
  EXPECT_EQ(b.at("approval").at("decidedBy"), "alice");
  EXPECT_EQ(b.at("approval").at("decisionNote"), "Approved with increased budget");
  EXPECT_EQ(b.at("task").at("status"), "in_progress");
  EXPECT_EQ(b.at("transition").at("from"), "needs_approval");
  EXPECT_EQ(count(table_id::approval_decisions), 1);
  EXPECT_EQ(stored(table_id::approvals, id)->at("status").s, "approved");
  EXPECT_EQ(stored(table_id::tasks, "tsk_1")->at("status").s, "in_progress");
  EXPECT_TRUE(stored(table_id::idempotency, "key-1"));
  EXPECT_EQ(count(table_id::audit), 4);

  auto again = decide(id, false);
  EXPECT_EQ(again.error, errc::conflict);
  EXPECT_EQ(view("tsk_1").task.status, task_status::in_progress);
  EXPECT_EQ(count(table_id::approval_decisions), 1);
  EXPECT_EQ(decide("apr_nope", true).error, errc::not_found);
}

TEST_F(Approvals, DenyingBlocksTheTaskWithTheReason) {
  start({working("tsk_1")});
  const auto id = filed(request(request_for("tsk_1")));
  auto out = decide(id, false);
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(out.body().at("approval").at("status"), "denied");
  auto v = view("tsk_1");
  EXPECT_EQ(v.task.status, task_status::blocked);
  EXPECT_EQ(v.transitions.back().reason, "approval " + id + " denied by alice: Too expensive");
}

TEST_F(Approvals, OnlyTheOperatorOrAnAllowedLeadDecidesAndNeverItsOwn) {
  start({working("tsk_1"), working("tsk_2", "sam")});
  const auto id = filed(request(request_for("tsk_1")));
  EXPECT_EQ(decide(id, true, "sam", actor_kind::lead).error, errc::forbidden);
  EXPECT_EQ(decide(id, true, "riley", actor_kind::specialist).error, errc::forbidden);
  allow_leads();
  const auto own = filed(request(request_for("tsk_2", "sam")));
  EXPECT_EQ(decide(own, true, "sam", actor_kind::lead).error, errc::forbidden);
  EXPECT_EQ(decide(id, true, "riley", actor_kind::specialist).error, errc::forbidden);
  auto out = decide(id, true, "sam", actor_kind::lead);
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(out.body().at("approval").at("decidedBy"), "sam");
  EXPECT_EQ(view("tsk_1").task.status, task_status::in_progress);
}

TEST_F(Approvals, AMoveIntoNeedsApprovalFilesAStateTransitionApproval) {
  start({working("tsk_1")});
  transition_command to_approval;
  to_approval.request.to = task_status::needs_approval;
  to_approval.request.actor = {actor_kind::operator_, "human"};
  to_approval.request.reason = "publishing needs a second look";
  auto moved = move("tsk_1", to_approval);
  ASSERT_TRUE(moved.reply);
  EXPECT_EQ(count(table_id::approvals), 1);
  EXPECT_EQ(count(table_id::audit), 2);
  auto listed = list();
  ASSERT_EQ(listed.at("total").as_int64(), 1);
  auto a = listed.at("approvals").at(0);
  EXPECT_EQ(a.at("actionType"), "state_transition");
  EXPECT_EQ(a.at("requestorId"), "human");
  EXPECT_EQ(a.at("justification"), "publishing needs a second look");
  EXPECT_EQ(a.at("resumeStatus"), "in_progress");

  // Undecided, an operator's move out is an audited override; an agent cannot leave at all.
  transition_command leave;
  leave.request.to = task_status::review;
  leave.request.actor = {actor_kind::specialist, "jordan"};
  EXPECT_TRUE(move("tsk_1", leave).error.has_value());

  auto out = decide(std::string(a.at("id").as_string()), true);
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(view("tsk_1").task.status, task_status::in_progress);
  EXPECT_EQ(view("tsk_1").approvals.at(0).status, approval_status::approved);
}

TEST_F(Approvals, LeavingNeedsApprovalUndecidedIsAnOverrideOnceDecidedItIsNot) {
  start({working("tsk_1")});
  filed(request(request_for("tsk_1")));
  transition_command leave;
  leave.request.to = task_status::blocked;
  leave.request.actor = {actor_kind::operator_, "human"};
  leave.request.reason = "parking it";
  ASSERT_TRUE(move("tsk_1", leave).reply);
  bool override_audited = false;
  db->transact(
      [&](persistence::store_txn& txn) {
        txn.scan(table_id::audit, {}, [&](const persistence::row& r) {
          override_audited |=
              persistence::from_row<audit_record>(r).action == "task.transition.override";
          return true;
        });
      },
      true);
  EXPECT_TRUE(override_audited);
}

TEST_F(Approvals, ADecisionAfterTheTaskMovedOnRecordsWithoutMoving) {
  start({working("tsk_1")});
  const auto id = filed(request(request_for("tsk_1")));
  transition_command leave;
  leave.request.to = task_status::blocked;
  leave.request.actor = {actor_kind::operator_, "human"};
  leave.request.reason = "parking it";
  ASSERT_TRUE(move("tsk_1", leave).reply);
  auto out = decide(id, true);
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_TRUE(out.body().at("transition").is_null());
  EXPECT_EQ(view("tsk_1").task.status, task_status::blocked);
}

TEST_F(Approvals, AnApprovalWithoutATaskIsFiledAndDecidedAlone) {
  start({});
  auto out = request(request_for(std::nullopt));
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_TRUE(out.body().at("task").is_null());
  const auto id = filed(out);
  auto decided = decide(id, false);
  ASSERT_TRUE(decided.reply) << decided.message;
  EXPECT_EQ(stored(table_id::approvals, id)->at("status").s, "denied");
  EXPECT_EQ(count(table_id::approval_decisions), 1);
  EXPECT_EQ(decide(id, true).error, errc::conflict);
}

TEST_F(Approvals, TheListFiltersPutsPendingFirstAndCountsTheUrgent) {
  start({working("tsk_1"), working("tsk_2"), working("tsk_3", "riley")});
  const auto first = filed(request(request_for("tsk_1")));
  clock.advance(std::chrono::hours(1));
  const auto second = filed(request(request_for("tsk_2")));
  auto r = request_for("tsk_3", "riley");
  r.draft.risk_level = risk_level::yellow;
  r.draft.action_type = approval_action::tool_exec;
  const auto third = filed(request(r));
  ASSERT_TRUE(decide(first, true).reply);

  auto all = list();
  EXPECT_EQ(all.at("total").as_int64(), 3);
  EXPECT_EQ(std::string(all.at("approvals").at(0).at("id").as_string()),
            second); // pending, expires first
  EXPECT_EQ(std::string(all.at("approvals").at(1).at("id").as_string()), third);
  EXPECT_EQ(std::string(all.at("approvals").at(2).at("id").as_string()), first);
  EXPECT_EQ(all.at("urgentCount").as_int64(), 0);

  approval_query q;
  q.statuses = {approval_status::pending};
  q.risk_levels = {risk_level::yellow};
  EXPECT_EQ(list(q).at("total").as_int64(), 1);
  q = {};
  q.requestor_id = "riley";
  q.action_types = {approval_action::tool_exec};
  EXPECT_EQ(std::string(list(q).at("approvals").at(0).at("id").as_string()), third);
  q = {};
  q.task_id = "tsk_1";
  EXPECT_EQ(std::string(list(q).at("approvals").at(0).at("id").as_string()), first);
  q = {};
  q.limit = 1;
  EXPECT_TRUE(list(q).at("hasMore").as_bool());

  clock.advance(std::chrono::hours(23));
  EXPECT_EQ(list().at("urgentCount").as_int64(), 2);
}

TEST_F(Approvals, AFailedDecisionChangesNothingAndCanBeRetried) {
  start({working("tsk_1")});
  const auto id = filed(request(request_for("tsk_1")));
  db->down = true;
  auto out = std::make_shared<outcome>();
  decide_approval_command c;
  c.approval_id = id;
  c.decider = "alice";
  auto target = approvals;
  sys.spawn([out, target, c](caf::event_based_actor* client) {
    client->request(target, caf::infinite, decide_atom::value, c)
        .then([out](api_reply r) { out->reply = r; },
              [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
  });
  drain();
  // Meanwhile a second decision of the same approval is a conflict.
  EXPECT_EQ(decide(id, false).error, errc::conflict);
  clock.advance(std::chrono::milliseconds(1000));
  sched.trigger_timeout();
  drain();
  ASSERT_TRUE(out->error.has_value());
  EXPECT_EQ(*out->error, errc::unavailable);
  db->down = false;
  // The persistence actor reconnects on its next retry tick.
  clock.advance(std::chrono::milliseconds(1000));
  sched.trigger_timeouts();
  drain();
  EXPECT_EQ(list().at("approvals").at(0).at("status"), "pending");
  EXPECT_EQ(view("tsk_1").task.status, task_status::needs_approval);
  auto retry = decide(id, true);
  ASSERT_TRUE(retry.reply) << retry.message;
  EXPECT_EQ(view("tsk_1").task.status, task_status::in_progress);
}

TEST_F(Approvals, EveryApprovalComesBackAtBootAndStillMovesItsTask) {
  start({working("tsk_1"), working("tsk_2")});
  const auto pending = filed(request(request_for("tsk_1")));
  const auto decided = filed(request(request_for("tsk_2")));
  ASSERT_TRUE(decide(decided, false).reply);
  stop();
  auto recovered = persistence::recover(*holder);
  EXPECT_EQ(recovered.approvals.size(), 2u);
  start(std::move(recovered.tasks), std::move(recovered.approvals));
  EXPECT_EQ(list().at("total").as_int64(), 2);
  EXPECT_EQ(decide(decided, true).error, errc::conflict);
  // The recovered task actor reads its approvals before the decision moves it.
  ASSERT_TRUE(decide(pending, true).reply);
  auto v = view("tsk_1");
  EXPECT_EQ(v.task.status, task_status::in_progress);
  EXPECT_EQ(v.approvals.size(), 1u);
}

} // namespace
} // namespace mc::actors
