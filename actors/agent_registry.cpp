#include "actors/agent_registry.hpp"
#include "actors/event_subscription.hpp"

#include "actors/approval_messages.hpp"
#include "actors/field_errors.hpp"
#include "actors/replay_record.hpp"
#include "actors/view_barrier.hpp"
#include "domain/policy.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace mc::actors {
namespace {

namespace json = boost::json;

/// What the registry remembers of a task to tell its assignees about it.
struct task_brief {
  std::vector<std::string> assignees;
  assigned_task item;
  bool open = true;
};

struct per_agent_tasks {
  std::map<std::string, assigned_task> open;
  std::int64_t done = 0;
};

struct registry_state {
  static inline const char* name = "agent_registry";
  agent_environment env;
  std::unordered_map<std::string, agent_actor> actors;
  std::unordered_map<std::string, agent> index;
  std::unordered_map<std::string, task_brief> tasks;
  std::unordered_map<std::string, per_agent_tasks> by_agent;
};

using self_ptr = caf::stateful_actor<registry_state>*;

bool is_open(task_status s) {
  return s != task_status::done && s != task_status::canceled;
}

assignments assignments_of(const registry_state& st, const std::string& agent_id) {
  assignments out;
  auto it = st.by_agent.find(agent_id);
  if (it != st.by_agent.end())
    for (const auto& [id, t] : it->second.open)
      out.tasks.push_back(t);
  return out;
}

/// What changed for `agent_id` about one task: open for it now, or not any more.
assignments change_for(const registry_state& st, const std::string& agent_id,
                       const std::string& task_id) {
  assignments out;
  if (auto mine = st.by_agent.find(agent_id); mine != st.by_agent.end()) {
    if (auto t = mine->second.open.find(task_id); t != mine->second.open.end()) {
      out.tasks.push_back(t->second);
      return out;
    }
  }
  out.closed.push_back(task_id);
  return out;
}

/// Records a task's current assignees and status; returns the agents whose open tasks changed.
std::vector<std::string> track_task(registry_state& st, const task& t) {
  std::vector<std::string> touched;
  auto& brief = st.tasks[t.id];
  for (const auto& a : brief.assignees)
    if (brief.open && st.by_agent[a].open.erase(t.id))
      touched.push_back(a);
  const bool was_done = !brief.assignees.empty() && brief.item.status == task_status::done;
  brief.assignees = t.assignee_ids;
  brief.item = {t.id, t.title, t.status, t.priority};
  brief.open = is_open(t.status);
  for (const auto& a : t.assignee_ids) {
    auto& mine = st.by_agent[a];
    if (brief.open) {
      mine.open[t.id] = brief.item;
      touched.push_back(a);
    } else if (t.status == task_status::done && !was_done) {
      ++mine.done;
    }
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  return touched;
}

void adopt(self_ptr self, agent a) {
  auto& st = self->state;
  const auto id = a.id;
  st.index[id] = a;
  auto actor = spawn_agent_actor(self->system(), st.env, std::move(a), assignments_of(st, id));
  // Linked: when the registry stops (shutdown), its agent actors stop with it.
  self->link_to(actor);
  st.actors[id] = std::move(actor);
}

std::int32_t depth_of(const registry_state& st, const std::string& id) {
  std::int32_t depth = 0;
  auto it = st.index.find(id);
  while (it != st.index.end() && it->second.parent_agent_id && depth < 64) {
    ++depth;
    it = st.index.find(*it->second.parent_agent_id);
  }
  return depth;
}

caf::result<api_reply> register_agent(self_ptr self, register_agent_command& cmd) {
  auto& st = self->state;
  auto problems = validate_new_agent(cmd.draft);
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  if (st.index.count(cmd.draft.id))
    return make_error(errc::conflict, "agent '" + cmd.draft.id + "' already exists");
  if (cmd.draft.parent_agent_id && !st.index.count(*cmd.draft.parent_agent_id))
    return make_error(errc::invalid_input,
                      "parentAgentId '" + *cmd.draft.parent_agent_id + "' is not an agent");
  if (cmd.registered_by_type == "agent") {
    // An agent registering another is a spawn: the policy's limits apply (SPEC §4).
    const auto& parent = st.index.at(cmd.registered_by);
    spawn_request req;
    req.active_agents = static_cast<std::int32_t>(
        std::count_if(st.index.begin(), st.index.end(),
                      [](const auto& kv) { return kv.second.status == agent_status::active; }));
    req.requester_depth = depth_of(st, parent.id);
    auto violations = check_spawn(parent.role, req, st.env.policy->get()->policy);
    if (!violations.empty())
      return make_error(errc::conflict, violations.front().message);
  }
  const auto now = st.env.clk->now_ms();
  agent a = std::move(cmd.draft);
  if (a.name.empty())
    a.name = a.id;
  a.status = agent_status::active;
  a.today_spend = a.total_spend = usd{};
  a.spend_day.clear();
  a.error_streak = 0;
  a.last_error.reset();
  a.last_heartbeat.reset();
  a.current_task_id.reset();
  a.created_at = a.updated_at = now;

  audit_record audit;
  audit.id = st.env.ids->next(id_prefix::activity);
  audit.actor_type = cmd.registered_by_type;
  audit.actor_id = cmd.registered_by;
  audit.action = "agent.register";
  audit.at = now;
  audit.agent_id = a.id;
  audit.after = json_text{json::serialize(to_json(a))};

  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(a));
  batch.rows.push_back(persistence::credential_row(a.id, cmd.token_hash, now));
  batch.rows.push_back(persistence::to_row(audit));
  // The replayed reply carries no token: the token is shown once, by the route, and never stored.
  api_reply reply{201, agent_body(a)};
  add_replay_record(batch, cmd, reply);
  auto rp = self->make_response_promise<api_reply>();
  // `await`: a second registration of the same id waits and then sees this one.
  self->request(st.env.db, st.env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, a, reply](persistence::write_ack) mutable {
            adopt(self, a);
            if (self->state.env.events)
              caf::anon_send(self->state.env.events, agent_event{a, std::nullopt, false});
            rp.deliver(std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

api_reply detail(const registry_state& st, const agent& a) {
  json::object stats;
  std::int64_t in_progress = 0, open = 0, done = 0;
  json::value current = nullptr;
  auto it = st.by_agent.find(a.id);
  if (it != st.by_agent.end()) {
    done = it->second.done;
    for (const auto& [id, t] : it->second.open) {
      ++open;
      if (t.status == task_status::in_progress)
        ++in_progress;
    }
  }
  // The task the agent reports working on, or else its task in progress.
  const assigned_task* shown = nullptr;
  if (a.current_task_id) {
    auto t = st.tasks.find(*a.current_task_id);
    if (t != st.tasks.end())
      shown = &t->second.item;
  }
  if (!shown && it != st.by_agent.end())
    for (const auto& [id, t] : it->second.open)
      if (t.status == task_status::in_progress) {
        shown = &t;
        break;
      }
  if (shown)
    current = json::object{{"id", shown->id},
                           {"title", shown->title},
                           {"status", to_string(shown->status)},
                           {"priority", shown->priority}};
  stats["tasksDone"] = done;
  stats["tasksInProgress"] = in_progress;
  stats["tasksOpen"] = open;
  stats["spendToday"] = a.today_spend.dollars();
  stats["spendTotal"] = a.total_spend.dollars();
  stats["errorStreak"] = a.error_streak;
  return api_reply{200, json::serialize(json::object{{"agent", to_json(a)},
                                                     {"stats", std::move(stats)},
                                                     {"currentTask", std::move(current)},
                                                     {"recentRuns", json::array{}}})};
}

/// Pauses or resumes every agent, one control per agent actor, and answers once all have.
caf::result<api_reply> squad(self_ptr self, const squad_command& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise<api_reply>();
  struct tally {
    std::size_t waiting = 0;
    std::vector<std::string> changed;
    std::vector<std::string> failed;
  };
  auto t = std::make_shared<tally>();
  t->waiting = st.actors.size();
  const char* verb = cmd.pause ? "paused" : "resumed";
  auto finish = [t, rp, verb]() mutable {
    if (--t->waiting != 0)
      return;
    std::sort(t->changed.begin(), t->changed.end());
    json::array ids, failed;
    for (const auto& id : t->changed)
      ids.push_back(json::string(id));
    for (const auto& id : t->failed)
      failed.push_back(json::string(id));
    rp.deliver(api_reply{200, json::serialize(json::object{{verb, t->changed.size()},
                                                           {"agents", std::move(ids)},
                                                           {"failed", std::move(failed)}})});
  };
  if (st.actors.empty()) {
    rp.deliver(
        api_reply{200, json::serialize(json::object{
                           {verb, 0}, {"agents", json::array{}}, {"failed", json::array{}}})});
    return rp;
  }
  agent_control_command control;
  control.control = cmd.pause ? agent_control::pause : agent_control::resume;
  control.actor = cmd.actor;
  control.reason = cmd.reason.empty() ? std::string("emergency ") + (cmd.pause ? "pause" : "resume")
                                      : cmd.reason;
  for (const auto& [id, actor] : st.actors) {
    // Resume-squad resumes what pause-squad paused: it leaves quarantined agents alone.
    const auto status = st.index.at(id).status;
    if (!cmd.pause && status != agent_status::paused) {
      --t->waiting;
      continue;
    }
    self->request(actor, caf::infinite, control_atom::value, control)
        .then(
            [t, id = id, finish](api_reply& r) mutable {
              if (r.body.find("\"changed\":true") != std::string::npos)
                t->changed.push_back(id);
              finish();
            },
            [t, id = id, finish](caf::error&) mutable {
              t->failed.push_back(id);
              finish();
            });
  }
  if (t->waiting == 0) {
    ++t->waiting;
    finish();
  }
  return rp;
}

caf::behavior registry_impl(self_ptr self, agent_environment env, std::vector<agent> recovered,
                            std::vector<task> tasks) {
  auto& st = self->state;
  st.env = std::move(env);
  subscribe_to_events(self, st.env.events);
  for (const auto& t : tasks)
    track_task(st, t);
  for (auto& a : recovered)
    adopt(self, std::move(a));
  return {
      [self](create_atom, register_agent_command& cmd) { return register_agent(self, cmd); },
      [self](get_atom, const std::string& id) -> caf::result<agent_actor> {
        auto it = self->state.actors.find(id);
        if (it == self->state.actors.end())
          return make_error(errc::not_found, "no agent " + id);
        return it->second;
      },
      [self](snapshot_atom, const std::string& id) -> caf::result<agent> {
        auto it = self->state.index.find(id);
        if (it == self->state.index.end())
          return make_error(errc::not_found, "no agent " + id);
        return it->second;
      },
      [self](get_atom, snapshot_atom, const std::string& id) -> caf::result<api_reply> {
        auto it = self->state.index.find(id);
        if (it == self->state.index.end())
          return make_error(errc::not_found, "no agent " + id);
        return detail(self->state, it->second);
      },
      [self](list_atom, const agent_query& q) {
        std::vector<const agent*> all;
        all.reserve(self->state.index.size());
        for (const auto& [id, a] : self->state.index)
          all.push_back(&a);
        return api_reply{200, list_agents(all, q)};
      },
      [self](squad_atom, const squad_command& cmd) { return squad(self, cmd); },
      [self](agent_event& e) { self->state.index[e.agent.id] = std::move(e.agent); },
      [self](const task_event& e) {
        auto& s = self->state;
        for (const auto& id : track_task(s, e.task)) {
          auto it = s.actors.find(id);
          if (it != s.actors.end())
            self->send(it->second, change_for(s, id, e.task.id));
        }
      },
      // After the task events sent before it, and what they sent on to the agents.
      [self](barrier_atom, std::vector<caf::actor_addr>& rest, caf::message& answer) {
        pass_barrier(self, rest, answer);
      },
      // Approval events also travel on the group; the registry has no use for them.
      [](const approval_event&) {},
  };
}

std::int64_t sort_key(const agent& a, const std::string& by) {
  if (by == "todaySpend")
    return a.today_spend.micros;
  if (by == "totalSpend")
    return a.total_spend.micros;
  if (by == "lastHeartbeat")
    return a.last_heartbeat.value_or(std::numeric_limits<std::int64_t>::min());
  if (by == "errorStreak")
    return a.error_streak;
  return a.created_at;
}

} // namespace

caf::actor spawn_agent_registry(caf::actor_system& sys, agent_environment env,
                                std::vector<agent> recovered, const std::vector<task>& tasks) {
  return sys.spawn(registry_impl, std::move(env), std::move(recovered), tasks);
}

std::string list_agents(const std::vector<const agent*>& all, const agent_query& q) {
  std::vector<const agent*> hits;
  for (const auto* a : all) {
    if (!q.statuses.empty() &&
        std::find(q.statuses.begin(), q.statuses.end(), a->status) == q.statuses.end())
      continue;
    if (q.role && a->role != *q.role)
      continue;
    hits.push_back(a);
  }
  std::sort(hits.begin(), hits.end(), [&](const agent* x, const agent* y) {
    const auto kx = sort_key(*x, q.sort_by), ky = sort_key(*y, q.sort_by);
    if (kx != ky)
      return q.descending ? kx > ky : kx < ky;
    return x->id < y->id;
  });
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = std::min(static_cast<std::size_t>(std::max(q.offset, 0)), hits.size());
  const auto end = std::min(hits.size(), offset + limit);
  json::array page;
  for (std::size_t i = offset; i < end; ++i)
    page.push_back(to_json(*hits[i]));
  return json::serialize(json::object{
      {"agents", std::move(page)}, {"total", hits.size()}, {"hasMore", end < hits.size()}});
}

} // namespace mc::actors
