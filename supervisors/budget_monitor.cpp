#include "supervisors/budget_monitor.hpp"

#include "actors/agent_actor.hpp"
#include "actors/approval_messages.hpp"
#include "actors/event_subscription.hpp"
#include "actors/governance_messages.hpp"
#include "actors/run_accounting.hpp"
#include "actors/run_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "actors/task_actor.hpp"
#include "domain/approval_rules.hpp"
#include "domain/budget.hpp"
#include "domain/budget_containment.hpp"
#include "domain/entity_json.hpp"
#include "supervisors/pending_work.hpp"

#include <boost/json/parse.hpp>

#include <caf/all.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mc::supervisors {
namespace {

using namespace actors;
namespace json = boost::json;

constexpr const char* tag = "BudgetMonitor";

/// Long enough for any write behind a request (the persistence actor answers within its own
/// bound); a request that still gets no answer ends its reaction rather than hold the queue.
constexpr std::chrono::seconds ask_timeout{30};

/// A reaction ends by saying whether it changed anything (for the tick report).
using finish_fn = std::function<void(bool acted)>;
using job = std::function<void(finish_fn)>;

struct budget_state {
  static inline const char* name = "budget_monitor";
  supervisor_environment env;
  pending_work work{tag};
  /// Reactions run one at a time, in event order: a run that arrives while its agent is being
  /// contained finds the episode open instead of starting a second one.
  std::deque<job> queue;
  bool busy = false;
  bool draining = false;
  /// Agents in an open exceed episode → the budget_override approval filed for it ("" while
  /// it is being filed). Closed when that approval is decided (or expires).
  std::unordered_map<std::string, std::string> open;
  /// Runs whose own cost already tripped the per-run cap: a later change of the same run (its
  /// status, its end) does not trip it again.
  std::unordered_set<std::string> tripped_runs;
};

using self_ptr = caf::stateful_actor<budget_state>*;

void run_queue(self_ptr self) {
  auto& st = self->state;
  if (st.draining)
    return;
  st.draining = true;
  while (!st.busy && !st.queue.empty()) {
    st.busy = true;
    auto next = std::move(st.queue.front());
    st.queue.pop_front();
    next([self](bool acted) {
      auto& s = self->state;
      s.busy = false;
      s.work.end(acted);
      run_queue(self);
    });
  }
  st.draining = false;
}

void enqueue(self_ptr self, job j) {
  self->state.work.begin();
  self->state.queue.push_back(std::move(j));
  run_queue(self);
}

void warn(self_ptr self, const std::string& what, const caf::error& e) {
  log_line(self->state.env, tag, what + ": " + self->home_system().render(e));
}

/// Asks the registry for an agent's actor and the actor for the agent.
template <class Then>
void with_agent(self_ptr self, const std::string& id, finish_fn finish, Then then) {
  self->request(self->state.env.agents, ask_timeout, get_atom::value, id)
      .then(
          [self, id, finish, then](agent_actor& h) mutable {
            self->request(h, ask_timeout, get_atom::value)
                .then([h, then](agent& a) mutable { then(h, std::move(a)); },
                      [self, id, finish](caf::error& e) {
                        warn(self, "cannot read agent " + id, e);
                        finish(false);
                      });
          },
          [self, id, finish](caf::error& e) {
            warn(self, "cannot find agent " + id, e);
            finish(false);
          });
}

/// Asks the registry for a task's actor and the actor for the task, its moves and approvals;
/// `then` gets nullopt when the task cannot be read.
template <class Then>
void with_task(self_ptr self, const std::string& id, Then then) {
  self->request(self->state.env.tasks, ask_timeout, get_atom::value, id)
      .then(
          [self, id, then](task_actor& t) mutable {
            self->request(t, ask_timeout, get_atom::value)
                .then(
                    [then](task_view& v) mutable { then(std::optional<task_view>{std::move(v)}); },
                    [self, id, then](caf::error& e) mutable {
                      warn(self, "cannot read task " + id, e);
                      then(std::optional<task_view>{});
                    });
          },
          [self, id, then](caf::error& e) mutable {
            warn(self, "cannot find task " + id, e);
            then(std::optional<task_view>{});
          });
}

/// The items of a list answer (`{"<member>":[…]}`) as entities; unreadable ones are skipped.
template <class T>
std::vector<T> listed(const api_reply& reply, const char* member) {
  std::vector<T> out;
  boost::system::error_code ec;
  auto doc = json::parse(reply.body, ec);
  if (ec || !doc.is_object())
    return out;
  const auto* items = doc.as_object().if_contains(member);
  if (items == nullptr || !items->is_array())
    return out;
  for (const auto& v : items->as_array()) {
    try {
      out.push_back(from_json<T>(v));
    } catch (const json_mapping_error&) {
    }
  }
  return out;
}

/// The agent's task in progress when the run named none: the one it reports working on if that
/// one is in progress, else its first in progress.
template <class Then>
void find_task_in_progress(self_ptr self, const agent& a, Then then) {
  task_query q;
  q.statuses = {task_status::in_progress};
  q.assignee_id = a.id;
  q.limit = 200;
  self->request(self->state.env.tasks, ask_timeout, list_atom::value, q)
      .then(
          [self, current = a.current_task_id, then](api_reply& reply) mutable {
            auto tasks = listed<task>(reply, "tasks");
            if (tasks.empty()) {
              then(std::optional<task_view>{});
              return;
            }
            std::string pick = tasks.front().id;
            for (const auto& t : tasks)
              if (current && t.id == *current)
                pick = t.id;
            with_task(self, pick, then);
          },
          [self, then](caf::error& e) mutable {
            warn(self, "cannot list tasks in progress", e);
            then(std::optional<task_view>{});
          });
}

/// Whether a task already waits for a budget_override request (this episode's, filed before a
/// restart, or any other that is still pending): the task is left alone.
std::optional<std::string> pending_override(const task_view& v) {
  if (v.task.status != task_status::needs_approval)
    return std::nullopt;
  for (const auto& a : v.approvals)
    if (a.action_type == approval_action::budget_override && a.status == approval_status::pending)
      return a.id;
  return std::nullopt;
}

/// Files the request through the approvals actor (which moves the task into needs_approval in
/// the same commit). A task that cannot wait for it (not started, finished, or already waiting
/// for another request) keeps its state, and the request is filed on its own, naming the task
/// in its text. `then` gets the approval's id ("" when it could not be filed).
template <class Then>
void file_request(self_ptr self, approval draft, Then then) {
  create_approval_command cmd;
  cmd.draft = draft;
  cmd.action_type_given = true;
  cmd.risk_level_given = true;
  cmd.requestor = draft.requestor_id;
  cmd.requested_by_agent = false;
  cmd.actor_type = "system";
  cmd.actor = tag;
  self->request(self->state.env.approvals, ask_timeout, create_atom::value, cmd)
      .then(
          [then](api_reply& reply) mutable {
            std::string id;
            boost::system::error_code ec;
            auto doc = json::parse(reply.body, ec);
            if (!ec && doc.is_object())
              if (const auto* a = doc.as_object().if_contains("approval"))
                if (a->is_object())
                  if (const auto* v = a->as_object().if_contains("id"); v && v->is_string())
                    id = std::string(v->as_string());
            then(std::move(id));
          },
          [self, draft, then](caf::error& e) mutable {
            if (draft.task_id) {
              warn(self, "task " + *draft.task_id + " cannot wait for the budget override", e);
              draft.task_id.reset();
              file_request(self, std::move(draft), then);
              return;
            }
            warn(self, "cannot file the budget override", e);
            then(std::string{});
          });
}

/// Pause, request, alert (the dispatcher notifies the operator): each step runs even when an
/// earlier one failed (a paused agent without an alert would be a silent outage), and each
/// failure is logged.
void contain(self_ptr self, agent_actor h, containment_facts facts, finish_fn finish) {
  auto& st = self->state;
  log_line(st.env, tag, "agent " + facts.who.id + ": " + pause_reason(facts));
  agent_control_command pause;
  pause.control = agent_control::pause;
  pause.actor = "system";
  pause.reason = pause_reason(facts);
  auto f = std::make_shared<containment_facts>(std::move(facts));
  // The NotificationDispatcher tells the operator of the alert and of the approval request.
  auto notify = [finish](const alert&, const std::string&) { finish(true); };
  auto raise = [self, f, notify](std::string approval_id) {
    // Without a request nothing would end the episode: the next run tries again instead.
    if (approval_id.empty())
      self->state.open.erase(f->who.id);
    else
      self->state.open[f->who.id] = approval_id;
    self->request(self->state.env.alerts, ask_timeout, raise_atom::value,
                  budget_alert(*f, approval_id))
        .then([notify, approval_id](alert& raised) { notify(std::move(raised), approval_id); },
              [self, f, notify, approval_id](caf::error& e) {
                warn(self, "cannot raise budget_exceeded for " + f->who.id, e);
                alert unraised = budget_alert(*f, approval_id);
                notify(std::move(unraised), approval_id);
              });
  };
  auto request = [self, f, raise] { file_request(self, budget_override_request(*f), raise); };
  self->request(h, ask_timeout, control_atom::value, pause)
      .then([request](api_reply&) { request(); },
            [self, f, request](caf::error& e) {
              warn(self, "cannot pause agent " + f->who.id, e);
              request();
            });
}

/// The agent's latest runs from the ledger, newest first.
template <class Then>
void recent_runs(self_ptr self, const std::string& agent_id, Then then) {
  run_query q;
  q.agent_id = agent_id;
  q.limit = static_cast<std::int32_t>(containment_recent_runs);
  self->request(self->state.env.ledger, ask_timeout, list_atom::value, q)
      .then([then](api_reply& reply) mutable { then(listed<run>(reply, "runs")); },
            [self, then](caf::error& e) mutable {
              warn(self, "cannot list recent runs", e);
              then(std::vector<run>{});
            });
}

/// The breach is certain: find the task to hold (the run's, else the agent's task in progress),
/// leave alone a task that already waits for a budget override, and contain.
void begin_episode(self_ptr self, agent_actor h, agent a, run r,
                   std::vector<budget_breach> breaches, std::optional<task_view> run_task,
                   finish_fn finish) {
  auto& st = self->state;
  st.open[a.id] = "";
  for (const auto& b : breaches)
    if (b.kind == budget_breach_kind::per_run)
      st.tripped_runs.insert(r.id);
  auto with_held = [self, h, a, r, breaches, finish](std::optional<task_view> held) mutable {
    if (held)
      if (auto waiting = pending_override(*held)) {
        log_line(self->state.env, tag,
                 "task " + held->task.id + " already waits for " + *waiting + ": left alone");
        self->state.open[a.id] = *waiting;
        finish(false);
        return;
      }
    containment_facts facts;
    facts.who = a;
    facts.trigger = r;
    facts.breaches = std::move(breaches);
    if (held) {
      const auto& p = self->state.env.policy->get()->policy;
      facts.task_budget = task_allowance(held->task, held->approvals, p);
      facts.type_budget = p.task_budgets.of(held->task.type);
      facts.held = std::move(held->task);
    }
    recent_runs(self, a.id,
                [self, h, facts = std::move(facts), finish](std::vector<run> recent) mutable {
                  facts.recent = std::move(recent);
                  contain(self, h, std::move(facts), finish);
                });
  };
  if (run_task)
    with_held(std::move(run_task));
  else
    find_task_in_progress(self, a, with_held);
}

/// One run event: read the agent (and the run's task), check the caps, contain on a breach.
void check_run(self_ptr self, run r, finish_fn finish) {
  if (self->state.open.contains(r.agent_id)) {
    finish(false);
    return;
  }
  with_agent(self, r.agent_id, finish, [self, r, finish](agent_actor h, agent a) {
    auto judge = [self, h, a, r, finish](std::optional<task_view> v) mutable {
      auto& st = self->state;
      const auto active = st.env.policy->get();
      const auto& p = active->policy;
      const auto today = today_spend_at(a, spend_zone(p), st.env.clk->now_ms());
      const task* t = v ? &v->task : nullptr;
      const auto allowance = v ? task_allowance(v->task, v->approvals, p) : usd{};
      auto breaches =
          budget_breaches(r, !st.tripped_runs.contains(r.id), a, today, t, allowance, p);
      if (breaches.empty()) {
        finish(false);
        return;
      }
      begin_episode(self, h, std::move(a), std::move(r), std::move(breaches), std::move(v), finish);
    };
    if (r.task_id)
      with_task(self, *r.task_id, judge);
    else
      judge(std::nullopt);
  });
}

/// A budget_override request decided: the episode ends; approved, the agent works again (if it
/// is still paused: a quarantine the operator chose meanwhile stands).
void on_decided(self_ptr self, approval decided, finish_fn finish) {
  auto& st = self->state;
  const auto& agent_id = decided.requestor_id;
  if (auto it = st.open.find(agent_id); it != st.open.end() && it->second == decided.id)
    st.open.erase(it);
  if (decided.status != approval_status::approved) {
    finish(false);
    return;
  }
  with_agent(self, agent_id, finish, [self, decided, finish](agent_actor h, agent a) {
    if (a.status != agent_status::paused) {
      finish(false);
      return;
    }
    agent_control_command resume;
    resume.control = agent_control::resume;
    resume.actor = "system";
    resume.reason = "budget override " + decided.id + " approved by " +
                    decided.decided_by.value_or("the operator");
    self->request(h, ask_timeout, control_atom::value, resume)
        .then(
            [self, a, finish](api_reply&) {
              log_line(self->state.env, tag,
                       "agent " + a.id + " resumed: budget override approved");
              finish(true);
            },
            [self, a, finish](caf::error& e) {
              warn(self, "cannot resume agent " + a.id, e);
              finish(false);
            });
  });
}

/// After a restart: the budget_override requests this monitor filed that are still pending
/// keep their agents' episodes open.
void recover_open_episodes(self_ptr self, finish_fn finish) {
  approval_query q;
  q.statuses = {approval_status::pending};
  q.action_types = {approval_action::budget_override};
  q.limit = 200;
  self->request(self->state.env.approvals, ask_timeout, list_atom::value, q)
      .then(
          [self, finish](api_reply& reply) {
            for (const auto& a : listed<approval>(reply, "approvals"))
              if (filed_by_budget_monitor(a))
                self->state.open.emplace(a.requestor_id, a.id);
            finish(false);
          },
          [self, finish](caf::error& e) {
            warn(self, "cannot list pending budget overrides", e);
            finish(false);
          });
}

caf::behavior monitor(self_ptr self, supervisor_environment env) {
  self->state.env = std::move(env);
  subscribe_to_events(self, self->state.env.events);
  enqueue(self, [self](finish_fn finish) { recover_open_episodes(self, std::move(finish)); });
  return {
      [self](tick_atom) {
        log_line(self->state.env, tag, "Checking budgets...");
        auto rp = self->make_response_promise<tick_report>();
        self->state.work.answer_when_idle(rp);
        return rp;
      },
      [self](run_event& e) {
        enqueue(self, [self, r = std::move(e.run)](finish_fn finish) {
          check_run(self, r, std::move(finish));
        });
      },
      [self](approval_event& e) {
        const auto& a = e.subject;
        if (a.status == approval_status::pending || !filed_by_budget_monitor(a))
          return;
        enqueue(self, [self, a](finish_fn finish) { on_decided(self, a, std::move(finish)); });
      },
  };
}

} // namespace

supervisor_spec budget_monitor() {
  return {tag, [](caf::actor_system& sys, const supervisor_environment& env) {
            return caf::actor{sys.spawn(monitor, env)};
          }};
}

} // namespace mc::supervisors
