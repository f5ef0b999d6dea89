#include "actors/task_registry.hpp"
#include "actors/event_subscription.hpp"

#include "actors/field_errors.hpp"
#include "actors/replay_record.hpp"
#include "actors/view_barrier.hpp"
#include "domain/task_validation.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/describe/enumerators.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <unordered_map>

namespace mc::actors {
namespace {

namespace json = boost::json;

/// (createdAt, id): the default list order, ties broken by id in the same direction.
using order_key = std::pair<std::int64_t, std::string>;
static_assert(boost::mp11::mp_size<boost::describe::describe_enumerators<task_status>>::value == 8,
              "one status index per task status");

/// A task as the lists see it: its fields for filters and sorts, and its JSON text, made by the
/// first list that shows it after a change rather than by every list, so a page of unchanged
/// tasks is a concatenation.
struct indexed_task {
  task t;
  /// Empty until a list needs it.
  mutable std::string json;

  const std::string& text() const {
    if (json.empty())
      json = json::serialize(to_json(t));
    return json;
  }
};

struct registry_state {
  static inline const char* name = "task_registry";
  task_environment env;
  std::unordered_map<std::string, task_actor> actors;
  std::unordered_map<std::string, indexed_task> index;
  /// Per status, the tasks in creation order: a list filtered by status and sorted by creation
  /// (the dashboard's and the runbook's lists) reads only the page it returns, not every task.
  std::array<std::set<order_key>, 8> by_status;
  /// The views a creation's answer waits for: env.views without this registry, whose index has
  /// the new task before it answers.
  std::vector<caf::actor_addr> other_views;

  void put(task t) {
    auto it = index.find(t.id);
    if (it != index.end())
      by_status[static_cast<std::size_t>(it->second.t.status)].erase(
          {it->second.t.created_at, it->second.t.id});
    by_status[static_cast<std::size_t>(t.status)].insert({t.created_at, t.id});
    auto id = t.id;
    index.insert_or_assign(std::move(id), indexed_task{std::move(t), {}});
  }
};

using self_ptr = caf::stateful_actor<registry_state>*;

/// `{"tasks":[…],"total":N,"hasMore":…}` from the page's JSON texts, which are already valid
/// JSON documents: joining them needs no parse.
std::string page_body(const std::vector<const std::string*>& page, std::size_t total,
                      bool has_more) {
  std::size_t size = 64;
  for (const auto* item : page)
    size += item->size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"tasks":[)";
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (i > 0)
      out += ',';
    out += *page[i];
  }
  out += R"(],"total":)";
  out += std::to_string(total);
  out += R"(,"hasMore":)";
  out += has_more ? "true}" : "false}";
  return out;
}

bool contains_ci(const std::string& hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

bool matches(const task& t, const task_query& q) {
  if (!q.statuses.empty() &&
      std::find(q.statuses.begin(), q.statuses.end(), t.status) == q.statuses.end())
    return false;
  if (q.type && t.type != *q.type)
    return false;
  if (q.priority && t.priority != *q.priority)
    return false;
  if (q.assignee_id && std::find(t.assignee_ids.begin(), t.assignee_ids.end(), *q.assignee_id) ==
                           t.assignee_ids.end())
    return false;
  if (!q.search.empty() && !contains_ci(t.title, q.search) && !contains_ci(t.description, q.search))
    return false;
  return true;
}

/// The sort key; ties break on id so pages are stable.
std::int64_t sort_key(const task& t, const std::string& by) {
  if (by == "updatedAt")
    return t.updated_at;
  if (by == "priority")
    return t.priority;
  if (by == "dueAt")
    return t.due_at.value_or(std::numeric_limits<std::int64_t>::max());
  return t.created_at;
}

void adopt(self_ptr self, task_view view, bool history_loaded) {
  auto& st = self->state;
  const auto id = view.task.id;
  st.put(view.task);
  auto actor = spawn_task_actor(self->system(), st.env, std::move(view), history_loaded);
  // Linked: when the registry stops (shutdown), its task actors stop with it.
  self->link_to(actor);
  st.actors[id] = std::move(actor);
}

caf::result<api_reply> create(self_ptr self, create_task_command& cmd) {
  auto& st = self->state;
  auto problems = validate_new_task(cmd.draft);
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  const auto now = st.env.clk->now_ms();
  task t = std::move(cmd.draft);
  t.id = st.env.ids->next(id_prefix::task);
  t.creator_id = cmd.creator;
  t.created_at = t.updated_at = now;
  t.review_cycles = 0;
  t.actual_cost = usd{};
  auto history = start_task(t, cmd.creator, now);

  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(t));
  for (const auto& h : history)
    batch.rows.push_back(persistence::to_row(h));
  audit_record a;
  a.id = st.env.ids->next(id_prefix::activity);
  a.actor_type = "actor";
  a.actor_id = cmd.creator;
  a.action = "task.create";
  a.at = now;
  a.task_id = t.id;
  batch.rows.push_back(persistence::to_row(a));
  api_reply reply{201, json::serialize(json::object{{"task", to_json(t)}})};
  add_replay_record(batch, cmd, reply);

  auto rp = self->make_response_promise<api_reply>();
  self->request(st.env.db, st.env.write_timeout, persistence::write_atom::value, std::move(batch))
      .then(
          [self, rp, t, history, reply](persistence::write_ack) mutable {
            adopt(self, task_view{t, history, {}, {}}, /*history_loaded=*/true);
            if (self->state.env.events)
              caf::anon_send(self->state.env.events, task_event{t, history.back(), std::nullopt});
            // The agents' open lists are waited for.
            answer_through(rp, self->state.other_views, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Lists that filter only by status (or not at all) and sort by creation: merged from the
/// status indexes, touching offset + limit tasks per status. Other lists return nothing here.
std::optional<std::string> list_by_status(const registry_state& st, const task_query& q) {
  if (q.sort_by != "createdAt" || q.type || q.assignee_id || q.priority || !q.search.empty())
    return std::nullopt;
  std::vector<task_status> statuses = q.statuses;
  if (statuses.empty())
    for (std::size_t i = 0; i < st.by_status.size(); ++i)
      statuses.push_back(static_cast<task_status>(i));
  std::sort(statuses.begin(), statuses.end());
  statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = static_cast<std::size_t>(std::max(q.offset, 0));
  const auto need = offset + limit;
  std::size_t total = 0;
  std::vector<const order_key*> head;
  for (auto s : statuses) {
    const auto& set = st.by_status[static_cast<std::size_t>(s)];
    total += set.size();
    std::size_t taken = 0;
    if (q.descending)
      for (auto it = set.rbegin(); it != set.rend() && taken < need; ++it, ++taken)
        head.push_back(&*it);
    else
      for (auto it = set.begin(); it != set.end() && taken < need; ++it, ++taken)
        head.push_back(&*it);
  }
  std::sort(head.begin(), head.end(), [&](const order_key* a, const order_key* b) {
    return q.descending ? *a > *b : *a < *b;
  });
  std::vector<const std::string*> page;
  for (std::size_t i = offset; i < std::min(need, head.size()); ++i)
    page.push_back(&st.index.at(head[i]->second).text());
  return page_body(page, total, need < total);
}

/// Any other list: filter every task, order the requested page only.
std::string list_tasks(const registry_state& st, const task_query& q) {
  std::vector<const indexed_task*> hits;
  for (const auto& [id, it] : st.index)
    if (matches(it.t, q))
      hits.push_back(&it);
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = static_cast<std::size_t>(std::max(q.offset, 0));
  const auto end = std::min(hits.size(), offset + limit);
  auto before = [&](const indexed_task* a, const indexed_task* b) {
    const auto ka = sort_key(a->t, q.sort_by), kb = sort_key(b->t, q.sort_by);
    if (ka != kb)
      return q.descending ? ka > kb : ka < kb;
    return q.descending ? a->t.id > b->t.id : a->t.id < b->t.id;
  };
  // Only the requested page needs to be in order.
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                    before);
  std::vector<const std::string*> page;
  for (std::size_t i = offset; i < end; ++i)
    page.push_back(&hits[i]->text());
  return page_body(page, hits.size(), end < hits.size());
}

caf::behavior registry_impl(self_ptr self, task_environment env, std::vector<task> recovered) {
  self->state.env = std::move(env);
  self->state.other_views = self->state.env.views;
  // Its task actors answer a change once this registry's index has it too.
  self->state.env.views.push_back(self->address());
  subscribe_to_events(self, self->state.env.events);
  for (auto& t : recovered)
    adopt(self, task_view{std::move(t), {}, {}, {}}, /*history_loaded=*/false);
  return {
      [self](create_atom, create_task_command& cmd) { return create(self, cmd); },
      [self](get_atom, const std::string& id) -> caf::result<task_actor> {
        auto it = self->state.actors.find(id);
        if (it == self->state.actors.end())
          return make_error(errc::not_found, "no task " + id);
        return it->second;
      },
      [self](barrier_atom, std::vector<caf::actor_addr>& rest, caf::message& answer) {
        pass_barrier(self, rest, answer);
      },
      [self](list_atom, const task_query& q) {
        if (auto fast = list_by_status(self->state, q))
          return api_reply{200, std::move(*fast)};
        return api_reply{200, list_tasks(self->state, q)};
      },
      // const: the event is shared by every subscriber, and a mutable one would be copied whole.
      [self](const task_event& e) { self->state.put(e.task); },
      // The event group also carries the agents' events; the task index has no use for them.
      [](const agent_event&) {},
      [](const approval_event&) {},
  };
}

} // namespace

caf::actor spawn_task_registry(caf::actor_system& sys, task_environment env,
                               std::vector<task> recovered) {
  return sys.spawn(registry_impl, std::move(env), std::move(recovered));
}

} // namespace mc::actors
