#include "app/demo_seed.hpp"

#include "actors/agent_registry.hpp"
#include "actors/governance_messages.hpp"
#include "actors/run_messages.hpp"
#include "actors/task_registry.hpp"

#include <boost/json/parse.hpp>

#include <caf/scoped_actor.hpp>

#include <map>
#include <utility>

#include "domain/policy.hpp"

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

struct demo_agent {
  const char* id;
  const char* name;
  const char* emoji;
  agent_role role;
  std::vector<task_type> types;
};

const std::vector<demo_agent>& demo_agents() {
  static const std::vector<demo_agent> agents = {
      {"jordan", "Jordan", "🧭", agent_role::lead, {}},
      {"riley",
       "Riley",
       "🛠️",
       agent_role::specialist,
       {task_type::engineering, task_type::ops}},
      {"sam",
       "Sam",
       "✉️",
       agent_role::specialist,
       {task_type::email_marketing, task_type::content, task_type::social}},
      {"casey", "Casey", "📝", agent_role::intern, {task_type::docs, task_type::social}},
  };
  return agents;
}

/// Registers the demo agents; returns `id: token` lines.
std::string seed_agents(caf::scoped_actor& self, http::api_context& api) {
  std::string tokens;
  for (const auto& d : demo_agents()) {
    auto token = http::generate_agent_token();
    if (!token)
      continue;
    actors::register_agent_command cmd;
    cmd.draft.id = d.id;
    cmd.draft.name = d.name;
    cmd.draft.emoji = d.emoji;
    cmd.draft.role = d.role;
    cmd.draft.allowed_task_types = d.types;
    cmd.draft.can_spawn = default_policy().roles.of(d.role).can_spawn;
    cmd.token_hash = token->hash;
    cmd.registered_by_type = "operator";
    cmd.registered_by = "operator";
    bool ok = false;
    self->request(api.agents, std::chrono::seconds(30), actors::create_atom::value, cmd)
        .receive([&](actors::api_reply& r) { ok = r.status == 201; }, [](caf::error&) {});
    if (!ok)
      continue;
    api.agent_tokens.put({d.id, token->hash, cmd.draft.can_spawn});
    tokens += "\n  " + std::string(d.id) + ": " + token->token;
  }
  return tokens;
}

struct demo_run {
  const char* agent;
  const char* task_title; // empty: a run outside any task
  const char* model;
  std::int64_t input_tokens;
  std::int64_t output_tokens;
};

/// Runs on several models, priced from the model price table, through each agent's actor as an
/// agent SDK would report them: the agents' spend and the tasks' actual cost follow. Each stays
/// under its agent's per-run cap, so the BudgetMonitor leaves the demo squad working.
int seed_runs(caf::scoped_actor& self, http::api_context& api,
              const std::map<std::string, std::pair<std::string, caf::actor>>& task_of) {
  static const demo_run runs[] = {
      {"riley", "Fix the flaky signup test", "claude-sonnet-4", 180'000, 12'000},
      {"riley", "Fix the flaky signup test", "claude-sonnet-4", 150'000, 12'000},
      {"riley", "Fix the flaky signup test", "gpt-4o", 90'000, 8'000},
      {"jordan", "Draft the launch announcement", "claude-opus-4", 40'000, 6'000},
      {"jordan", "Update the API docs for v2", "claude-opus-4", 40'000, 6'000},
      {"casey", "Social thread for the v2 launch", "gpt-4o-mini", 30'000, 4'000},
      {"sam", "", "gpt-4o-mini", 12'000, 2'000},
  };
  int recorded = 0;
  for (const auto& d : runs) {
    actors::agent_actor a;
    self->request(api.agents, std::chrono::seconds(30), actors::get_atom::value,
                  std::string(d.agent))
        .receive([&](actors::agent_actor& found) { a = found; }, [](caf::error&) {});
    if (!a)
      continue;
    actors::run_command cmd;
    cmd.draft.agent_id = d.agent;
    cmd.draft.model = d.model;
    cmd.draft.input_tokens = d.input_tokens;
    cmd.draft.output_tokens = d.output_tokens;
    cmd.draft.status = run_status::completed;
    if (auto it = task_of.find(d.task_title); it != task_of.end()) {
      cmd.draft.task_id = it->second.first;
      cmd.task = it->second.second;
    }
    cmd.actor_type = "agent";
    cmd.actor = d.agent;
    self->request(a, std::chrono::seconds(30), actors::record_run_atom::value, cmd)
        .receive([&](actors::api_reply& r) { recorded += r.status == 201 ? 1 : 0; },
                 [](caf::error&) {});
  }
  return recorded;
}

/// Open alerts of two severities, so the runbook's alert commands have something to show.
int seed_alerts(caf::scoped_actor& self, http::api_context& api) {
  alert near_cap;
  near_cap.severity = alert_severity::warning;
  near_cap.type = "budget_warning";
  near_cap.title = "Riley is near the daily cap";
  near_cap.description = "Demo alert: today's spend passed 80% of the daily cap.";
  near_cap.agent_id = "riley";
  alert stuck;
  stuck.severity = alert_severity::critical;
  stuck.type = "task_blocked";
  stuck.title = "The flaky signup test fix is blocked";
  stuck.description = "Demo alert: the task waits for a CI runner.";
  stuck.agent_id = "riley";
  int raised = 0;
  for (auto& a : {near_cap, stuck})
    self->request(api.alerts, std::chrono::seconds(30), actors::raise_atom::value, a)
        .receive([&](const alert&) { ++raised; }, [](caf::error&) {});
  return raised;
}

} // namespace

std::string seed_demo(caf::actor_system& sys, http::api_context& api) {
  const auto& tasks = api.tasks;
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
      {"Social thread for the v2 launch",
       task_type::social,
       3,
       {"casey"},
       {task_status::in_progress, task_status::review}},
      {"Publish the v1.9 changelog",
       task_type::docs,
       3,
       {"casey"},
       {task_status::in_progress, task_status::review, task_status::done}},
      {"Spring promo campaign (superseded)",
       task_type::email_marketing,
       4,
       {},
       {task_status::canceled}},
  };
  caf::scoped_actor self{sys};
  const auto tokens = seed_agents(self, api);
  int created = 0, moved = 0;
  std::map<std::string, std::pair<std::string, caf::actor>> task_of; // title → id, actor
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
    task_of[d.title] = {id, caf::actor_cast<caf::actor>(t)};
    for (auto to : d.moves) {
      actors::transition_command move;
      move.request.to = to;
      move.request.actor = {actor_kind::operator_, "operator"};
      move.request.reason =
          to == task_status::blocked ? "Waiting for a CI runner" : "Demo: moved by the operator";
      if (to == task_status::in_progress)
        move.request.work_plan =
            work_plan{{"Read the brief", "Draft", "Self-review"}, std::nullopt, std::nullopt};
      if (to == task_status::review) {
        move.request.deliverable = deliverable{"Draft attached for review.", {}};
        move.request.review_checklist = review_checklist{{{"Facts checked", true}}};
      }
      if (to == task_status::done)
        move.request.reason = "Approved: ready to publish";
      self->request(t, std::chrono::seconds(30), actors::transition_atom::value, move)
          .receive([&](actors::api_reply&) { ++moved; }, [](caf::error&) {});
    }
  }
  const int runs = seed_runs(self, api, task_of);
  const int alerts = seed_alerts(self, api);
  return std::to_string(demo_agents().size()) + " agents registered, " + std::to_string(created) +
         " tasks created, " + std::to_string(moved) + " moves made, " + std::to_string(runs) +
         " runs recorded, " + std::to_string(alerts) +
         " alerts raised; demo agent tokens (shown once):" + tokens;
}

} // namespace mc::app
