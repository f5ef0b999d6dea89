// The task registry under CAF's deterministic scheduler on a real SQLite store: creation is
// durable before the reply, bad drafts are refused with their fields, and the list index
// follows every move the task actors make.
#include "actors/task_registry.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"

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

class TaskRegistry : public ::testing::Test,
                     public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  TaskRegistry() {
    dir = fs::temp_directory_path() /
          ("mc-tr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    std::shared_ptr<persistence::store> s = persistence::open_store({"", dir.string()});
    s->migrate();
    db = s;
    env.db = persistence::spawn_persistence(sys, s, clock, {}, /*detached=*/false);
    env.events = sys.groups().anonymous();
    env.clk = &clock;
    env.ids = &ids;
    registry = spawn_task_registry(sys, env, {});
    drain();
  }

  ~TaskRegistry() override {
    for (auto& r : more_registries)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(env.db, caf::exit_reason::user_shutdown);
    drain();
    fs::remove_all(dir);
  }

  void drain() {
    while (sched.try_run_once()) {
    }
  }

  /// Sends `msg` to `to` from a fresh client and returns the reply or the error code.
  template <class Reply, class Handle, class... Ts>
  std::pair<std::optional<Reply>, std::optional<errc>> ask(Handle to, Ts... xs) {
    auto reply = std::make_shared<std::optional<Reply>>();
    auto error = std::make_shared<std::optional<errc>>();
    sys.spawn([=](caf::event_based_actor* client) {
      client->request(to, caf::infinite, xs...)
          .then([reply](Reply r) { *reply = std::move(r); },
                [error](caf::error& e) { *error = static_cast<errc>(e.code()); });
    });
    drain();
    return {*reply, *error};
  }

  api_reply create(std::string title, std::vector<std::string> assignees = {},
                   std::int32_t priority = 3) {
    create_task_command cmd;
    cmd.draft.title = std::move(title);
    cmd.draft.assignee_ids = std::move(assignees);
    cmd.draft.priority = priority;
    cmd.creator = "human";
    auto [reply, error] = ask<api_reply>(registry, create_atom::value, cmd);
    clock.advance(std::chrono::milliseconds(1));
    return reply.value_or(api_reply{0, error ? std::string(to_string(*error)) : ""});
  }

  json::value list(task_query q) {
    auto [reply, error] = ask<api_reply>(registry, list_atom::value, q);
    return reply ? json::parse(reply->body) : json::value{};
  }

  static inline int counter = 0;
  fs::path dir;
  manual_clock clock{1'700'000'000'000};
  id_generator ids{clock, 3};
  task_environment env;
  std::shared_ptr<persistence::store> db;
  caf::actor registry;
  /// Stopped by the fixture, so a failed assertion cannot leave one running.
  std::vector<caf::actor> more_registries;
};

TEST_F(TaskRegistry, CreationIsDurableBeforeTheReply) {
  auto r = create("Write the launch post", {"jordan"});
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = json::parse(r.body).at("task");
  EXPECT_EQ(t.at("status").as_string(), "assigned");
  EXPECT_EQ(t.at("creatorId").as_string(), "human");
  const std::string id(t.at("id").as_string());
  EXPECT_EQ(id.rfind("tsk_", 0), 0u);
  std::int64_t transitions = 0, audits = 0;
  std::optional<persistence::row> stored;
  db->transact(
      [&](persistence::store_txn& txn) {
        stored = txn.get(table_id::tasks, id);
        transitions = txn.count(table_id::transitions);
        audits = txn.count(table_id::audit);
      },
      true);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(transitions, 2); // created in inbox, then inbox -> assigned
  EXPECT_EQ(audits, 1);
  auto [actor, error] = ask<task_actor>(registry, get_atom::value, id);
  ASSERT_TRUE(actor.has_value());
  auto [view, verror] = ask<task_view>(*actor, get_atom::value);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->transitions.size(), 2u);
}

TEST_F(TaskRegistry, ABadDraftIsRefusedAndNothingIsStored) {
  create_task_command cmd;
  cmd.draft.title = "";
  cmd.draft.priority = 9;
  auto [reply, error] = ask<api_reply>(registry, create_atom::value, cmd);
  EXPECT_FALSE(reply.has_value());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, errc::invalid_input);
  std::int64_t tasks = -1;
  db->transact([&](persistence::store_txn& txn) { tasks = txn.count(table_id::tasks); }, true);
  EXPECT_EQ(tasks, 0);
}

TEST_F(TaskRegistry, UnknownTasksAreNotFound) {
  auto [actor, error] = ask<task_actor>(registry, get_atom::value, std::string("tsk_nope"));
  EXPECT_FALSE(actor.has_value());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, errc::not_found);
}

TEST_F(TaskRegistry, ListsFilterSortAndPage) {
  create("alpha report", {"ann"}, 2);
  create("beta post", {}, 1);
  create("gamma REPORT", {"bob"}, 4);
  create("delta", {"ann"}, 3);

  task_query assigned;
  assigned.statuses = {task_status::assigned};
  EXPECT_EQ(list(assigned).at("total").as_int64(), 3);

  task_query anns;
  anns.assignee_id = "ann";
  EXPECT_EQ(list(anns).at("total").as_int64(), 2);

  task_query search;
  search.search = "report";
  EXPECT_EQ(list(search).at("total").as_int64(), 2);

  task_query by_priority;
  by_priority.sort_by = "priority";
  by_priority.descending = false;
  by_priority.limit = 2;
  by_priority.offset = 1;
  auto page = list(by_priority);
  EXPECT_EQ(page.at("total").as_int64(), 4);
  EXPECT_TRUE(page.at("hasMore").as_bool());
  ASSERT_EQ(page.at("tasks").as_array().size(), 2u);
  EXPECT_EQ(page.at("tasks").at(0).at("title").as_string(), "alpha report");
  EXPECT_EQ(page.at("tasks").at(1).at("title").as_string(), "delta");

  task_query newest;
  newest.limit = 1;
  EXPECT_EQ(list(newest).at("tasks").at(0).at("title").as_string(), "delta");
}

TEST_F(TaskRegistry, TheIndexFollowsMoves) {
  auto created = json::parse(create("write", {"ann"}).body);
  const std::string id(created.at("task").at("id").as_string());
  auto [actor, error] = ask<task_actor>(registry, get_atom::value, id);
  ASSERT_TRUE(actor.has_value());
  transition_command cmd;
  cmd.request.to = task_status::in_progress;
  cmd.request.actor = {actor_kind::specialist, "ann"};
  cmd.request.work_plan = work_plan{{"a", "b", "c"}, std::nullopt, std::nullopt};
  auto [moved, merror] = ask<api_reply>(*actor, transition_atom::value, cmd);
  ASSERT_TRUE(moved.has_value());
  task_query q;
  q.statuses = {task_status::in_progress};
  EXPECT_EQ(list(q).at("total").as_int64(), 1);
}

TEST_F(TaskRegistry, ARecoveredTaskShowsItsWholeHistory) {
  auto created = json::parse(create("write", {"ann"}).body);
  const std::string id(created.at("task").at("id").as_string());

  // A restart: a second registry built from what the store recovers.
  auto recovered = persistence::recover(*db);
  ASSERT_EQ(recovered.tasks.size(), 1u);
  auto after = spawn_task_registry(sys, env, std::move(recovered.tasks));
  more_registries.push_back(after);
  drain();
  auto [actor, error] = ask<task_actor>(after, get_atom::value, id);
  ASSERT_TRUE(actor.has_value());

  // A move before anyone reads the history, then the first read.
  transition_command cmd;
  cmd.request.to = task_status::in_progress;
  cmd.request.actor = {actor_kind::specialist, "ann"};
  cmd.request.work_plan = work_plan{{"a", "b", "c"}, std::nullopt, std::nullopt};
  auto [moved, merror] = ask<api_reply>(*actor, transition_atom::value, cmd);
  ASSERT_TRUE(moved.has_value());
  auto [view, verror] = ask<task_view>(*actor, get_atom::value);
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->transitions.size(), 3u); // created, assigned, then the move
  EXPECT_EQ(view->transitions[0].to, task_status::inbox);
  EXPECT_EQ(view->transitions[2].to, task_status::in_progress);
  ASSERT_EQ(view->messages.size(), 1u);
  EXPECT_EQ(view->messages[0].type, message_type::work_plan);
}

} // namespace
} // namespace mc::actors
