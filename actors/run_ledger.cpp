#include "actors/run_ledger.hpp"
#include "actors/event_subscription.hpp"

#include "actors/messages.hpp"
#include "actors/run_accounting.hpp"
#include "domain/run_costs.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <unordered_map>

namespace mc::actors {
namespace {

namespace json = boost::json;

struct ledger_state {
  static inline const char* name = "run_ledger";
  ledger_environment env;
  std::unordered_map<std::string, run> runs;
  /// Run ids per agent, for the agent's cost report.
  std::unordered_map<std::string, std::vector<std::string>> by_agent;
  std::unordered_map<std::string, tool_call> calls;
  std::unordered_map<std::string, task_type> task_types;
  std::unordered_map<std::string, agent> agents;

  void put(run r) {
    auto [it, fresh] = runs.insert_or_assign(r.id, std::move(r));
    if (fresh)
      by_agent[it->second.agent_id].push_back(it->first);
  }
  task_type_of types() const {
    return [this](const std::string& id) -> std::optional<task_type> {
      auto it = task_types.find(id);
      if (it == task_types.end())
        return std::nullopt;
      return it->second;
    };
  }
};

using self_ptr = caf::stateful_actor<ledger_state>*;

caf::behavior ledger_impl(self_ptr self, ledger_environment env, std::vector<run> runs,
                          std::vector<tool_call> calls, std::vector<task> tasks,
                          std::vector<agent> agents) {
  auto& st = self->state;
  st.env = std::move(env);
  subscribe_to_events(self, st.env.events);
  for (auto& r : runs)
    st.put(std::move(r));
  for (auto& c : calls)
    st.calls.emplace(c.id, std::move(c));
  for (const auto& t : tasks)
    st.task_types[t.id] = t.type;
  for (auto& a : agents)
    st.agents.emplace(a.id, std::move(a));
  return {
      [self](get_atom, run_atom, const std::string& id) -> caf::result<run> {
        auto it = self->state.runs.find(id);
        if (it == self->state.runs.end())
          return make_error(errc::not_found, "no run " + id);
        return it->second;
      },
      [self](get_atom, tool_call_atom, const std::string& id) -> caf::result<tool_call> {
        auto it = self->state.calls.find(id);
        if (it == self->state.calls.end())
          return make_error(errc::not_found, "no tool call " + id);
        return it->second;
      },
      [self](list_atom, const run_query& q) {
        auto& s = self->state;
        std::vector<const run*> all;
        if (q.agent_id) {
          auto it = s.by_agent.find(*q.agent_id);
          if (it != s.by_agent.end())
            for (const auto& id : it->second)
              all.push_back(&s.runs.at(id));
        } else {
          all.reserve(s.runs.size());
          for (const auto& [id, r] : s.runs)
            all.push_back(&r);
        }
        return api_reply{200, list_runs(all, q)};
      },
      [self](costs_atom, const std::string& agent_id) -> caf::result<api_reply> {
        auto& s = self->state;
        auto a = s.agents.find(agent_id);
        if (a == s.agents.end())
          return make_error(errc::not_found, "no agent " + agent_id);
        std::vector<const run*> mine;
        if (auto it = s.by_agent.find(agent_id); it != s.by_agent.end())
          for (const auto& id : it->second)
            mine.push_back(&s.runs.at(id));
        const auto& p = s.env.policy->get()->policy;
        const auto zone = spend_zone(p);
        const auto now = s.env.clk->now_ms();
        auto report = agent_cost_report(a->second, mine, s.types(), zone, now);
        // The agent's counter, read as of now: a counter from an earlier day reads 0.
        report["todaySpend"] = today_spend_at(a->second, zone, now).dollars();
        const auto budget = check_run_budget(
            a->second, p, usd{}, today_spend_at(a->second, zone, now), std::nullopt, usd{});
        report["budget"] = json::object{{"dailyCap", budget.daily.cap.dollars()},
                                        {"perRunCap", budget.per_run.cap.dollars()},
                                        {"remainingToday", budget.daily.remaining.dollars()},
                                        {"status", to_string(budget.daily.level)}};
        return api_reply{200, json::serialize(report)};
      },
      [self](costs_atom, daily_atom, const std::string& day) -> caf::result<api_reply> {
        auto& s = self->state;
        auto date = parse_civil_date(day);
        if (!date)
          return make_error(errc::invalid_input, "date must be YYYY-MM-DD");
        std::vector<const run*> all;
        all.reserve(s.runs.size());
        for (const auto& [id, r] : s.runs)
          all.push_back(&r);
        return api_reply{200, json::serialize(daily_cost_report(
                                  *date, all, s.types(), spend_zone(s.env.policy->get()->policy)))};
      },
      [self](run_event& e) { self->state.put(std::move(e.run)); },
      [self](tool_call_event& e) {
        auto id = e.call.id;
        self->state.calls.insert_or_assign(std::move(id), std::move(e.call));
      },
      [self](const task_event& e) { self->state.task_types[e.task.id] = e.task.type; },
      [self](agent_event& e) {
        auto id = e.agent.id;
        self->state.agents.insert_or_assign(std::move(id), std::move(e.agent));
      },
  };
}

} // namespace

caf::actor spawn_run_ledger(caf::actor_system& sys, ledger_environment env, std::vector<run> runs,
                            std::vector<tool_call> calls, const std::vector<task>& tasks,
                            const std::vector<agent>& agents) {
  return sys.spawn(ledger_impl, std::move(env), std::move(runs), std::move(calls), tasks, agents);
}

std::string list_runs(const std::vector<const run*>& all, const run_query& q) {
  std::vector<const run*> hits;
  for (const auto* r : all) {
    if (q.agent_id && r->agent_id != *q.agent_id)
      continue;
    if (q.task_id && r->task_id != q.task_id)
      continue;
    hits.push_back(r);
  }
  const bool by_cost = q.sort_by == "cost";
  std::sort(hits.begin(), hits.end(), [&](const run* x, const run* y) {
    const auto kx = by_cost ? x->cost_usd.micros : x->started_at;
    const auto ky = by_cost ? y->cost_usd.micros : y->started_at;
    if (kx != ky)
      return q.descending ? kx > ky : kx < ky;
    // Ids are time-sortable: ties keep the order the runs were recorded in.
    return q.descending ? x->id > y->id : x->id < y->id;
  });
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = std::min(static_cast<std::size_t>(std::max(q.offset, 0)), hits.size());
  const auto end = std::min(hits.size(), offset + limit);
  std::vector<const run*> page(hits.begin() + static_cast<std::ptrdiff_t>(offset),
                               hits.begin() + static_cast<std::ptrdiff_t>(end));
  return run_list_body(page, hits.size(), end < hits.size());
}

} // namespace mc::actors
