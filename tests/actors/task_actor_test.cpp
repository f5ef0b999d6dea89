// The task actor under CAF's deterministic scheduler on a real SQLite store: a move, an edit or a
// thread message is applied only once it is durable, a refusal or a failed write changes
// nothing, and subscribers hear of every change.
#include "actors/task_actor.hpp"
#include "actors/view_barrier.hpp"
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
    if (listener_actor)
      caf::anon_send_exit(listener_actor, caf::exit_reason::user_shutdown);
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
    actor = spawn_task_actor(sys, env, task_view{t, {}, {}, {}});
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

  /// Sends `msg...` to the actor and collects the api_reply or the error.
  template <class... Ts>
  outcome ask(Ts... msg) {
    auto out = std::make_shared<outcome>();
    auto target = actor;
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(target, caf::infinite, msg...)
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

  outcome patch(task_patch p, std::string key = {}) {
    task_patch_command cmd;
    cmd.patch = std::move(p);
    cmd.actor = "operator";
    cmd.idempotency_key = std::move(key);
    cmd.idempotency_fingerprint = "fp";
    cmd.idempotency_expires_at = 99;
    return ask(patch_atom::value, cmd);
  }

  outcome post(message draft, std::string key = {}) {
    post_message_command cmd;
    cmd.draft = std::move(draft);
    cmd.actor_type = "operator";
    cmd.actor = "operator";
    cmd.idempotency_key = std::move(key);
    cmd.idempotency_fingerprint = "fp";
    cmd.idempotency_expires_at = 99;
    return ask(post_atom::value, cmd);
  }

  static message comment(std::string content) {
    message m;
    m.author = "jordan";
    m.content = std::move(content);
    return m;
  }

  /// Every task_event published from now on.
  std::shared_ptr<std::vector<task_event>> listen() {
    auto heard = std::make_shared<std::vector<task_event>>();
    auto group = env.events;
    listener_actor = sys.spawn([heard, group](caf::event_based_actor* l) -> caf::behavior {
      l->join(group);
      return {[heard](task_event& e) { heard->push_back(e); }};
    });
    drain();
    return heard;
  }

  std::optional<persistence::row> stored(table_id t, const std::string& key) {
    std::optional<persistence::row> out;
    db->transact([&](persistence::store_txn& txn) { out = txn.get(t, key); }, true);
    return out;
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
  caf::actor listener_actor;
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

using release_atom = caf::atom_constant<caf::atom("release")>;

TEST_F(TaskActor, AMoveIsAnsweredOnlyOnceEveryViewHasHandledItsEvent) {
  // A view (a registry) that takes the event, then holds the barrier until the test lets go.
  auto log = std::make_shared<std::vector<std::string>>();
  struct hold {
    caf::response_promise rp;
    caf::message answer;
  };
  auto held = std::make_shared<std::optional<hold>>();
  auto group = env.events;
  auto probe = sys.spawn([log, held, group](caf::event_based_actor* v) -> caf::behavior {
    v->join(group);
    return {
        [log](const task_event& e) {
          log->push_back("event " + std::string(to_string(e.task.status)));
        },
        [v, log, held](barrier_atom, std::vector<caf::actor_addr>&, caf::message& answer) {
          log->push_back("barrier");
          *held = hold{v->make_response_promise(), std::move(answer)};
        },
        [held](release_atom) { answer_through((*held)->rp, {}, (*held)->answer); },
    };
  });
  listener_actor = probe; // the fixture ends it, whatever the test's outcome
  env.views.push_back(probe.address());
  drain();
  start(assigned_to_ann());

  auto answer = std::make_shared<std::optional<api_reply>>();
  auto target = actor;
  sys.spawn([answer, target](caf::event_based_actor* client) {
    client->request(target, caf::infinite, transition_atom::value, start_work())
        .then([answer](api_reply r) { *answer = std::move(r); }, [](caf::error&) {});
  });
  drain();
  EXPECT_EQ(*log, (std::vector<std::string>{"event in_progress", "barrier"}));
  EXPECT_FALSE(answer->has_value()) << "answered before the view had the move";
  EXPECT_EQ(view().task.status, task_status::in_progress) << "the task itself is not held up";

  ASSERT_TRUE(held->has_value());
  caf::anon_send(probe, release_atom::value);
  drain();
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 200);
}

TEST_F(TaskActor, AViewThatIsGoneIsNotWaitedFor) {
  auto gone = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](barrier_atom, std::vector<caf::actor_addr>&, caf::message&) {}};
  });
  env.views.push_back(gone.address());
  caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  gone = nullptr;
  drain();
  start(assigned_to_ann());
  auto out = transition(start_work());
  ASSERT_TRUE(out.reply) << out.message;
  EXPECT_EQ(out.reply->status, 200);
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

TEST_F(TaskActor, AReassignmentIsPersistedAuditedAndPublished) {
  auto heard = listen();
  start(assigned_to_ann());
  task_patch p;
  p.assignee_ids = std::vector<std::string>{"bob"};
  p.priority = 1;
  auto out = patch(p, "key-p");
  ASSERT_TRUE(out.reply.has_value()) << out.message;
  EXPECT_EQ(out.reply->status, 200);
  auto body = json::parse(out.reply->body);
  EXPECT_EQ(body.at("task").at("assigneeIds"), json::parse(R"(["bob"])"));
  EXPECT_EQ(body.at("task").at("status").as_string(), "assigned");

  EXPECT_EQ(view().task.assignee_ids, std::vector<std::string>{"bob"});
  auto row = stored(table_id::tasks, "tsk_1");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(persistence::from_row<task>(*row).assignee_ids, std::vector<std::string>{"bob"});
  EXPECT_EQ(count(table_id::audit), 1);
  EXPECT_TRUE(stored(table_id::idempotency, "key-p").has_value());
  ASSERT_EQ(heard->size(), 1u);
  EXPECT_EQ((*heard)[0].task.assignee_ids, std::vector<std::string>{"bob"});
  EXPECT_FALSE((*heard)[0].moved.has_value());
  EXPECT_FALSE((*heard)[0].posted.has_value());
}

TEST_F(TaskActor, ReassigningAFinishedTaskIsAConflictAndChangesNothing) {
  auto t = assigned_to_ann();
  t.status = task_status::done;
  start(t);
  task_patch p;
  p.assignee_ids = std::vector<std::string>{"bob"};
  auto out = patch(p);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, errc::conflict);
  EXPECT_EQ(json::parse(out.details).at("errors").at(0).at("field").as_string(), "assigneeIds");
  EXPECT_EQ(view().task.assignee_ids, std::vector<std::string>{"ann"});
  EXPECT_EQ(count(table_id::audit), 0);
}

TEST_F(TaskActor, EmptyingTheAssigneesOfAnAssignedTaskIsAConflict) {
  start(assigned_to_ann());
  task_patch p;
  p.assignee_ids = std::vector<std::string>{};
  auto out = patch(p);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, errc::conflict);
}

TEST_F(TaskActor, ABadPatchIsInvalidInputAndChangesNothing) {
  start(assigned_to_ann());
  task_patch p;
  p.priority = 9;
  auto out = patch(p);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, errc::invalid_input);
  EXPECT_EQ(view().task.priority, 3);
  EXPECT_EQ(count(table_id::tasks), 0);
}

TEST_F(TaskActor, AMessageIsPersistedWithItsMentionsAndPublished) {
  auto heard = listen();
  start(assigned_to_ann());
  auto m = comment("@sam can you check this? cc a@b.com");
  m.mentions = {"riley"};
  auto out = post(m, "key-m");
  ASSERT_TRUE(out.reply.has_value()) << out.message;
  EXPECT_EQ(out.reply->status, 201);
  auto got = json::parse(out.reply->body).at("message");
  EXPECT_EQ(got.at("mentions"), json::parse(R"(["riley","sam"])"));
  EXPECT_EQ(got.at("type").as_string(), "comment");
  EXPECT_EQ(got.at("taskId").as_string(), "tsk_1");
  const std::string id(got.at("id").as_string());
  EXPECT_EQ(id.rfind("msg_", 0), 0u);

  ASSERT_EQ(view().messages.size(), 1u);
  EXPECT_EQ(view().messages[0].id, id);
  EXPECT_EQ(count(table_id::messages), 1); // a journal: rows are appended, not keyed
  EXPECT_EQ(count(table_id::audit), 1);
  EXPECT_TRUE(stored(table_id::idempotency, "key-m").has_value());
  ASSERT_EQ(heard->size(), 1u);
  ASSERT_TRUE((*heard)[0].posted.has_value());
  EXPECT_EQ((*heard)[0].posted->id, id);
}

TEST_F(TaskActor, RefusedMessagesChangeNothing) {
  start(assigned_to_ann());
  auto reply = comment("re");
  reply.reply_to_id = "msg_nope";
  EXPECT_EQ(post(reply).error, errc::invalid_input);
  auto summary = comment("loop");
  summary.type = message_type::loop_summary;
  EXPECT_EQ(post(summary).error, errc::forbidden);
  EXPECT_EQ(post(comment(std::string(max_message_bytes + 1, 'x'))).error, errc::invalid_input);
  EXPECT_TRUE(view().messages.empty());
  EXPECT_EQ(count(table_id::messages), 0);
  EXPECT_EQ(count(table_id::audit), 0);
}

TEST_F(TaskActor, TheSystemMayPostALoopSummary) {
  start(assigned_to_ann());
  post_message_command cmd;
  cmd.draft = comment("3 review cycles");
  cmd.draft.author = "system";
  cmd.draft.type = message_type::loop_summary;
  cmd.by_system = true;
  auto out = ask(post_atom::value, cmd);
  ASSERT_TRUE(out.reply.has_value()) << out.message;
  EXPECT_EQ(out.reply->status, 201);
}

TEST_F(TaskActor, ARecoveredTaskReadsItsThreadBeforeTakingAReply) {
  message earlier = comment("first");
  earlier.id = "msg_earlier";
  earlier.task_id = "tsk_1";
  earlier.created_at = 1;
  db->transact(
      [&](persistence::store_txn& txn) {
        std::vector<persistence::row> rows{persistence::to_row(earlier)};
        txn.write(rows);
      },
      false);
  auto t = assigned_to_ann();
  t.id = "tsk_1";
  actor = spawn_task_actor(sys, env, task_view{t, {}, {}, {}}, /*history_loaded=*/false);
  auto reply = comment("second");
  reply.reply_to_id = "msg_earlier";
  auto out = post(reply);
  ASSERT_TRUE(out.reply.has_value()) << out.message;
  auto v = view();
  ASSERT_EQ(v.messages.size(), 2u);
  EXPECT_EQ(v.messages[0].id, "msg_earlier");
}

} // namespace
} // namespace mc::actors
