// The task actor under CAF's deterministic scheduler on a real SQLite store: a move is applied
// only once it is durable, a refusal or a failed write changes nothing, and subscribers hear of
// every move.
#include "actors/task_actor.hpp"
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
  std::string message;
  std::string details;
};

class TaskActor : public ::testing::Test,
                  public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  TaskActor() {
    dir = fs::temp_directory_path() /
          ("mc-ta-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    auto inner = persistence::open_store({"", dir.string()});
    inner->migrate();
    auto f = std::make_shared<persistence::testing::faulty_store>(std::move(inner));
    db = f.get();
    holder = f;
    env.db = persistence::spawn_persistence(sys, f, clock, {}, /*detached=*/false);
    env.events = sys.groups().anonymous();
    env.clk = &clock;
    env.ids = &ids;
  }

  ~TaskActor() override {
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

  void start(task t) {
    t.id = "tsk_1";
    actor = spawn_task_actor(sys, env, task_view{t, {}, {}});
  }

  outcome transition(transition_command cmd) {
    auto out = std::make_shared<outcome>();
    auto target = actor;
    sys.spawn([out, target, cmd](caf::event_based_actor* client) {
      client->request(target, caf::infinite, transition_atom::value, cmd)
          .then([out](api_reply r) { out->reply = r; },
                [out](caf::error& e) {
                  out->error = static_cast<errc>(e.code());
                  if (e.context().match_elements<std::string, std::string>()) {
                    out->message = e.context().get_as<std::string>(0);
                    out->details = e.context().get_as<std::string>(1);
                  }
                });
    });
    drain();
    return *out;
  }

  task_view view() {
    auto v = std::make_shared<task_view>();
    auto target = actor;
    sys.spawn([v, target](caf::event_based_actor* client) {
      client->request(target, caf::infinite, get_atom::value)
          .then([v](task_view got) { *v = got; }, [](caf::error&) {});
    });
    drain();
    return *v;
  }

  std::int64_t count(table_id t) {
    std::int64_t n = 0;
    db->transact([&](persistence::store_txn& txn) { n = txn.count(t); }, true);
    return n;
  }

  static transition_command start_work(std::string key = {}) {
    transition_command c;
    c.request.to = task_status::in_progress;
    c.request.actor = {actor_kind::specialist, "ann"};
    c.request.work_plan = work_plan{{"read", "write", "test"}, std::nullopt, std::nullopt};
    c.actor_status = agent_status::active;
    c.idempotency_key = std::move(key);
    c.idempotency_fingerprint = "fp";
    c.idempotency_expires_at = 99;
    return c;
  }

  static task assigned_to_ann() {
    task t;
    t.title = "write";
    t.status = task_status::assigned;
    t.assignee_ids = {"ann"};
    return t;
  }

  static inline int counter = 0;
  fs::path dir;
  manual_clock clock{1'700'000'000'000};
  id_generator ids{clock, 1};
  task_environment env;
  std::shared_ptr<persistence::store> holder;
  persistence::testing::faulty_store* db = nullptr;
  task_actor actor;
};

TEST_F(TaskActor, AMoveIsAppliedPersistedAndAnswered) {
  start(assigned_to_ann());
  auto out = transition(start_work());
  ASSERT_TRUE(out.reply.has_value()) << out.message;
  EXPECT_EQ(out.reply->status, 200);
  auto body = json::parse(out.reply->body);
  EXPECT_EQ(body.at("task").at("status").as_string(), "in_progress");
  EXPECT_EQ(body.at("transition").at("from").as_string(), "assigned");

  auto v = view();
  EXPECT_EQ(v.task.status, task_status::in_progress);
  ASSERT_EQ(v.transitions.size(), 1u);
  ASSERT_EQ(v.messages.size(), 1u);
  EXPECT_EQ(v.messages[0].type, message_type::work_plan);
  EXPECT_EQ(v.messages[0].content, "- read\n- write\n- test\n");

  std::optional<persistence::row> stored;
  db->transact([&](persistence::store_txn& txn) { stored = txn.get(table_id::tasks, "tsk_1"); },
               true);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(persistence::from_row<task>(*stored).status, task_status::in_progress);
  EXPECT_EQ(count(table_id::transitions), 1);
  EXPECT_EQ(count(table_id::messages), 1);
  EXPECT_EQ(count(table_id::audit), 1);
}

TEST_F(TaskActor, ARefusalChangesNothingAndExplainsItself) {
  start(assigned_to_ann());
  auto cmd = start_work();
  cmd.request.work_plan->bullets = {"only one"};
  auto out = transition(cmd);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, errc::refused);
  EXPECT_EQ(out.message, "a work plan needs 3 to 6 bullets, got 1");
  auto details = json::parse(out.details);
  EXPECT_EQ(details.at("errors").at(0).at("guard").as_string(), "work_plan_bullets");
  EXPECT_EQ(details.at("allowedTransitions").as_array().size(), 1u); // the specialist may start
  EXPECT_EQ(view().task.status, task_status::assigned);
  EXPECT_EQ(count(table_id::transitions), 0);
}

TEST_F(TaskActor, AnotherAgentsTaskIsForbidden) {
  start(assigned_to_ann());
  auto cmd = start_work();
  cmd.request.actor.id = "bob";
  auto out = transition(cmd);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, errc::forbidden);
}

TEST_F(TaskActor, AFailedWriteLeavesTheStateAsItWas) {
  persistence::persistence_config pc;
  pc.max_wait = std::chrono::milliseconds(1000);
  caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
  drain();
  env.db = persistence::spawn_persistence(sys, holder, clock, pc, false);
  start(assigned_to_ann());
  db->down = true;
  auto out = std::make_shared<outcome>();
  auto target = actor;
  sys.spawn([out, target](caf::event_based_actor* client) {
    client->request(target, caf::infinite, transition_atom::value, start_work())
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
  EXPECT_EQ(view().task.status, task_status::assigned);
  EXPECT_TRUE(view().transitions.empty());
}

TEST_F(TaskActor, TheReplyIsStoredForIdempotentReplay) {
  start(assigned_to_ann());
  auto out = transition(start_work("key-1"));
  ASSERT_TRUE(out.reply.has_value());
  std::optional<persistence::row> rec;
  db->transact([&](persistence::store_txn& txn) { rec = txn.get(table_id::idempotency, "key-1"); },
               true);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->at("fingerprint").s, "fp");
  auto stored = json::parse(rec->at("response").s);
  EXPECT_EQ(stored.at("status").as_int64(), 200);
  EXPECT_EQ(stored.at("body"), json::parse(out.reply->body));
}

TEST_F(TaskActor, SubscribersHearOfEveryMove) {
  auto heard = std::make_shared<std::vector<task_event>>();
  auto group = env.events;
  auto listener_handle =
      sys.spawn([heard, group](caf::event_based_actor* listener) -> caf::behavior {
        listener->join(group);
        return {[heard](task_event& e) { heard->push_back(e); }};
      });
  drain();
  start(assigned_to_ann());
  transition(start_work());
  ASSERT_EQ(heard->size(), 1u);
  EXPECT_EQ((*heard)[0].task.status, task_status::in_progress);
  ASSERT_TRUE((*heard)[0].moved.has_value());
  EXPECT_EQ((*heard)[0].moved->to, task_status::in_progress);
  EXPECT_TRUE((*heard)[0].posted.has_value());
  caf::anon_send_exit(listener_handle, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace mc::actors
