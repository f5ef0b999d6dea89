#include "app/demo_seed.hpp"

#include "actors/task_registry.hpp"

#include <boost/json/parse.hpp>

#include <caf/scoped_actor.hpp>

namespace mc::app {
namespace {

struct demo_task {
  const char* title;
  task_type type;
  std::int32_t priority;
  std::vector<std::string> assignees;
  /// Moves after creation, as the operator makes them.
  std::vector<task_status> moves;
};

} // namespace

std::string seed_demo_tasks(caf::actor_system& sys, const caf::actor& tasks) {
  const std::vector<demo_task> demo = {
      {"Draft the launch announcement",
       task_type::content,
       2,
       {"jordan"},
       {task_status::in_progress}},
      {"Research competitor pricing pages", task_type::customer_research, 3, {}, {}},
      {"Fix the flaky signup test",
       task_type::engineering,
       1,
       {"riley"},
       {task_status::in_progress, task_status::blocked}},
      {"Write the onboarding email sequence", task_type::email_marketing, 3, {"sam"}, {}},
      {"Update the API docs for v2",
       task_type::docs,
       4,
       {"jordan"},
       {task_status::in_progress, task_status::needs_approval}},
  };
  caf::scoped_actor self{sys};
  int created = 0, moved = 0;
  for (const auto& d : demo) {
    actors::create_task_command cmd;
    cmd.draft.title = d.title;
    cmd.draft.type = d.type;
    cmd.draft.priority = d.priority;
    cmd.draft.assignee_ids = d.assignees;
    cmd.creator = "operator";
    std::string id;
    self->request(tasks, std::chrono::seconds(30), actors::create_atom::value, cmd)
        .receive(
            [&](actors::api_reply& r) {
              id = std::string(boost::json::parse(r.body).at("task").at("id").as_string());
            },
            [](caf::error&) {});
    if (id.empty())
      continue;
    ++created;
    actors::task_actor t;
    self->request(tasks, std::chrono::seconds(30), actors::get_atom::value, id)
        .receive([&](actors::task_actor& found) { t = found; }, [](caf::error&) {});
    for (auto to : d.moves) {
      actors::transition_command move;
      move.request.to = to;
      move.request.actor = {actor_kind::operator_, "operator"};
      move.request.reason =
          to == task_status::blocked ? "Waiting for a CI runner" : "Demo: moved by the operator";
      if (to == task_status::in_progress)
        move.request.work_plan =
            work_plan{{"Read the brief", "Draft", "Self-review"}, std::nullopt, std::nullopt};
      self->request(t, std::chrono::seconds(30), actors::transition_atom::value, move)
          .receive([&](actors::api_reply&) { ++moved; }, [](caf::error&) {});
    }
  }
  return std::to_string(created) + " tasks created, " + std::to_string(moved) + " moves made";
}

} // namespace mc::app
