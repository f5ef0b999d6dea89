// The agent actor under CAF's deterministic scheduler on a real SQLite store: controls and edits
// change the agent only once they are durable, heartbeats are soft state except a return from
// offline, drain settles into pause when the work is done, and a failed write changes nothing.
#include "actors/agent_actor.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"
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

struct outcome {
  std::optional<api_reply> reply;
  std::optional<errc> error;
  json::value body() const { return json::parse(reply ? reply->body : "null"); }
};

class AgentActor : public ::testing::Test,
                   public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  AgentActor() {
    dir = fs::temp_directory_path() /
          ("mc-aa-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    auto inner = persistence::open_store({"", dir.string()});
    inner->migrate();
    auto f = std::make_shared<persistence::testing::faulty_store>(std::move(inner));
    db = f.get();
    holder = f;
    env.db = persistence::spawn_persistence(sys, f, clock, {}, /*detached=*/false);
    env.clk = &clock;
    env.ids = &ids;
  }

  ~AgentActor() override {
    caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
    if (actor)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    drain();
    fs::remove_all(dir);
  }

  void drain() {
    while (sched.try_run_once()) {
    }
  }

  void start(agent_status status = agent_status::active, assignments open = {}) {
    agent a;
    a.id = "ann";
    a.name = "Ann";
    a.role = agent_role::specialist;
    a.status = status;
    a.error_streak = 4;
    a.last_error = "model timeout";
    a.today_spend = usd::from_micros(3'000'000);
    a.budgets.per_run_cap = usd::from_micros(750'000);
    actor = spawn_agent_actor(sys, env, a, std::move(open));
    drain();
  }

  template <class... Ts>
  outcome ask(Ts... msg) {
    auto out = std::make_shared<outcome>();
    auto target = actor;
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(target, caf::infinite, msg...)
          .then([out](api_reply r) { out->reply = r; },
                [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
    });
    drain();
    return *out;
  }

  outcome control(agent_control c, std::string key = {}) {
    agent_control_command cmd;
    cmd.control = c;
    cmd.actor = "alice";
    cmd.idempotency_key = std::move(key);
    cmd.idempotency_fingerprint = "fp";
    cmd.idempotency_expires_at = 99;
    return ask(control_atom::value, cmd);
  }

  outcome patch(agent_patch p) {
    agent_patch_command cmd;
    cmd.patch = std::move(p);
    cmd.actor = "alice";
    return ask(patch_atom::value, cmd);
  }

  outcome heartbeat() {
    heartbeat_command cmd;
    cmd.reported_status = "working";
    return ask(heartbeat_atom::value, cmd);
  }

  agent current() {
    auto a = std::make_shared<agent>();
    auto target = actor;
    sys.spawn([a, target](caf::event_based_actor* client) {
      client->request(target, caf::infinite, get_atom::value)
          .then([a](agent got) { *a = got; }, [](caf::error&) {});
    });
    drain();
    return *a;
  }

  /// The agent as the database has it.
  std::optional<agent> stored() {
    std::optional<persistence::row> r;
    db->transact([&](persistence::store_txn& txn) { r = txn.get(table_id::agents, "ann"); }, true);
    if (!r)
      return std::nullopt;
    return persistence::from_row<agent>(*r);
  }

  std::int64_t count(table_id t) {
    std::int64_t n = 0;
    db->transact([&](persistence::store_txn& txn) { n = txn.count(t); }, true);
    return n;
  }

  static assignments working_on(task_status s) {
    return assignments{{assigned_task{"tsk_1", "write", s, 2}}, {}};
  }

  static inline int counter = 0;
  fs::path dir;
  manual_clock clock{1'700'000'000'000};
  id_generator ids{clock, 1};
  agent_environment env;
  std::shared_ptr<persistence::store> holder;
  persistence::testing::faulty_store* db = nullptr;
  agent_actor actor;
};

TEST_F(AgentActor, PauseIsDurableBeforeItIsAnswered) {
  start();
  auto out = control(agent_control::pause, "k1");
  ASSERT_TRUE(out.reply) << static_cast<int>(out.error.value_or(errc::internal));
  EXPECT_EQ(out.body().at("agent").at("status").as_string(), "paused");
  EXPECT_EQ(out.body().at("changed").as_bool(), true);
  ASSERT_TRUE(stored());
  EXPECT_EQ(stored()->status, agent_status::paused);
  EXPECT_EQ(count(table_id::audit), 1);
  EXPECT_EQ(count(table_id::idempotency), 1);
  // Pausing a paused agent succeeds and says nothing changed.
  out = control(agent_control::pause);
  EXPECT_EQ(out.body().at("changed").as_bool(), false);
}

TEST_F(AgentActor, OnlyResumeLiftsAQuarantine) {
  start();
  control(agent_control::quarantine);
  for (auto c : {agent_control::pause, agent_control::drain, agent_control::restart}) {
    auto out = control(c);
    ASSERT_TRUE(out.reply);
    EXPECT_EQ(current().status, agent_status::quarantined) << to_string(c);
  }
  control(agent_control::resume);
  EXPECT_EQ(current().status, agent_status::active);
  EXPECT_EQ(stored()->status, agent_status::active);
}

TEST_F(AgentActor, DrainWaitsForTheWorkInProgressThenPauses) {
  start(agent_status::active, working_on(task_status::in_progress));
  control(agent_control::drain);
  EXPECT_EQ(current().status, agent_status::drained);
  // The task moves on to review: nothing is in progress any more, so the drain settles.
  caf::anon_send(actor, working_on(task_status::review));
  drain();
  EXPECT_EQ(current().status, agent_status::paused);
  EXPECT_EQ(stored()->status, agent_status::paused);
}

TEST_F(AgentActor, AssignmentChangesAddUpdateAndCloseOneTaskAtATime) {
  start(agent_status::active, working_on(task_status::in_progress));
  caf::anon_send(actor, assignments{{assigned_task{"tsk_2", "review", task_status::assigned, 3}},
                                    {}});
  drain();
  EXPECT_EQ(heartbeat().body().at("assignedTasks").as_array().size(), 2u);
  control(agent_control::drain);
  EXPECT_EQ(current().status, agent_status::drained) << "tsk_1 is still in progress";
  // tsk_1 leaves the agent (reassigned or finished): the drain settles, tsk_2 stays listed.
  caf::anon_send(actor, assignments{{}, {"tsk_1"}});
  drain();
  EXPECT_EQ(current().status, agent_status::paused);
  auto listed = heartbeat().body().at("assignedTasks").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.at(0).at("id").as_string(), "tsk_2");
}

TEST_F(AgentActor, DrainWithoutWorkPausesAtOnce) {
  start(agent_status::active, working_on(task_status::assigned));
  control(agent_control::drain);
  EXPECT_EQ(current().status, agent_status::paused);
}

TEST_F(AgentActor, RestartClearsTheErrorsAndAsksTheHostOnce) {
  start(agent_status::paused);
  control(agent_control::restart);
  auto a = current();
  EXPECT_EQ(a.status, agent_status::active);
  EXPECT_EQ(a.error_streak, 0);
  EXPECT_FALSE(a.last_error);
  EXPECT_TRUE(heartbeat().body().at("restartRequested").as_bool());
  EXPECT_FALSE(heartbeat().body().as_object().contains("restartRequested"));
}

TEST_F(AgentActor, HeartbeatsAreSoftStateAndListOpenTasks) {
  start(agent_status::active, working_on(task_status::in_progress));
  const auto before = count(table_id::audit);
  clock.advance(std::chrono::seconds(5));
  auto out = heartbeat();
  ASSERT_TRUE(out.reply);
  auto b = out.body();
  EXPECT_TRUE(b.at("acknowledged").as_bool());
  EXPECT_EQ(b.at("assignedTasks").as_array().size(), 1u);
  EXPECT_EQ(b.at("assignedTasks").at(0).at("id").as_string(), "tsk_1");
  EXPECT_TRUE(b.at("pendingNotifications").as_array().empty());
  EXPECT_EQ(*current().last_heartbeat, clock.now_ms());
  // No audit record and no commit per heartbeat: it waits for the coalesced snapshot.
  EXPECT_EQ(count(table_id::audit), before);
  EXPECT_FALSE(stored().has_value());
}

TEST_F(AgentActor, AHeartbeatBringsAnOfflineAgentBackDurably) {
  start(agent_status::offline);
  auto out = heartbeat();
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.body().at("status").as_string(), "active");
  ASSERT_TRUE(stored());
  EXPECT_EQ(stored()->status, agent_status::active);
}

TEST_F(AgentActor, ResetAgentStateFromTheRunbook) {
  start(agent_status::quarantined);
  agent_patch p;
  p.status = agent_status::active;
  p.error_streak = 0;
  p.today_spend = usd{};
  p.set_current_task = true;
  auto out = patch(p);
  ASSERT_TRUE(out.reply);
  auto a = current();
  EXPECT_EQ(a.status, agent_status::active);
  EXPECT_EQ(a.error_streak, 0);
  EXPECT_FALSE(a.last_error);
  EXPECT_EQ(a.today_spend.micros, 0);
  EXPECT_FALSE(a.current_task_id);
  EXPECT_EQ(stored()->status, agent_status::active);
}

TEST_F(AgentActor, ABudgetEditKeepsTheOtherCap) {
  start();
  agent_patch p;
  p.budgets = agent_budgets{usd::from_micros(20'000'000), std::nullopt};
  ASSERT_TRUE(patch(p).reply);
  EXPECT_EQ(current().budgets.daily_cap->micros, 20'000'000);
  EXPECT_EQ(current().budgets.per_run_cap->micros, 750'000);
}

TEST_F(AgentActor, ABadEditIsRefusedAndChangesNothing) {
  start();
  agent_patch p;
  p.status = agent_status::paused;
  p.budgets = agent_budgets{usd::from_micros(-1), std::nullopt};
  auto out = patch(p);
  EXPECT_EQ(out.error, errc::invalid_input);
  EXPECT_EQ(current().status, agent_status::active);
  EXPECT_FALSE(stored());
}

TEST_F(AgentActor, AFailedWriteLeavesTheAgentAsItWas) {
  persistence::persistence_config pc;
  pc.max_wait = std::chrono::milliseconds(1000);
  caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
  drain();
  env.db = persistence::spawn_persistence(sys, holder, clock, pc, false);
  start();
  db->down = true;
  auto out = std::make_shared<outcome>();
  auto target = actor;
  agent_control_command cmd;
  cmd.control = agent_control::quarantine;
  sys.spawn([out, target, cmd](caf::event_based_actor* client) {
    client->request(target, caf::infinite, control_atom::value, cmd)
        .then([out](api_reply r) { out->reply = r; },
              [out](caf::error& e) { out->error = static_cast<errc>(e.code()); });
  });
  drain();
  EXPECT_FALSE(out->reply.has_value());
  clock.advance(std::chrono::milliseconds(1000));
  sched.trigger_timeout(); // the persistence actor's retry: the write has waited too long
  drain();
  ASSERT_TRUE(out->error.has_value());
  EXPECT_EQ(*out->error, errc::unavailable);
  db->down = false;
  EXPECT_EQ(current().status, agent_status::active);
  EXPECT_FALSE(stored());
}

} // namespace
} // namespace mc::actors
