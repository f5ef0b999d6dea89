#include "supervisors/loop_detector.hpp"

#include "actors/agent_actor.hpp"
#include "actors/event_subscription.hpp"
#include "actors/governance_messages.hpp"
#include "actors/messages.hpp"
#include "actors/run_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "actors/task_actor.hpp"
#include "domain/loop_summary.hpp"
#include "domain/task_state_machine.hpp"
#include "persistence/entity_rows.hpp"
#include "supervisors/pending_work.hpp"

#include <boost/json/serialize.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <bitset>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace mc::supervisors {
namespace {

using namespace actors;
namespace json = boost::json;

constexpr const char* tag = "LoopDetector";
/// How long one step of a containment may take; the actors answer every write within the
/// persistence actor's max_wait, so this only bounds a lost reply.
constexpr auto step_timeout = std::chrono::seconds(30);
/// Failed tool calls already counted (a later update of a failed call publishes it again).
constexpr std::size_t counted_failures_max = 4096;

/// One task's windows, and the loop types that fired since it was last unblocked.
struct task_loops {
  explicit task_loops(const loop_config& c) : flood(c), ping_pong(c), retries(c) {}
  comment_flood_window flood;
  ping_pong_window ping_pong;
  tool_retry_window retries;
  std::bitset<4> fired;
  /// Message ids grow within a task, so an event seen twice is recognised.
  std::string last_message_id;
  epoch_ms last_event_ms = 0;
};

struct loop_state {
  static inline const char* name = "LoopDetector";
  supervisor_environment env;
  pending_work work{tag};
  std::unordered_map<std::string, task_loops> tasks;
  /// Tool calls that name no task; a trip clears that agent's and tool's counts.
  tool_retry_window taskless;
  std::unordered_set<std::string> counted_failures;
  std::deque<std::string> counted_order;
  /// Tasks with a move to blocked in flight, so two loops tripping at once block them once.
  std::unordered_set<std::string> blocking;
};
using self_ptr = caf::stateful_actor<loop_state>*;

std::size_t bit(loop_kind k) {
  return static_cast<std::size_t>(k);
}

loop_config config_now(const loop_state& st) {
  auto c = st.env.settings.loops;
  c.review_max_cycles = st.env.policy->get()->policy.max_review_cycles;
  return c;
}

task_loops& loops_of(loop_state& st, const std::string& task_id) {
  auto it = st.tasks.find(task_id);
  if (it == st.tasks.end())
    it = st.tasks.emplace(task_id, task_loops{config_now(st)}).first;
  return it->second;
}

/// Sends one request of a containment: counted in flight until it is answered, so the tick
/// waits for it. A failure is logged and the loop stays fired: retrying could post it twice.
template <class Reply, class Handle, class OnOk, class OnFail, class... Ts>
void step_or(self_ptr self, const Handle& dest, std::string what, OnOk on_ok, OnFail on_fail,
             Ts&&... xs) {
  self->state.work.begin();
  self->request(dest, step_timeout, std::forward<Ts>(xs)...)
      .then(
          [self, on_ok](Reply& reply) mutable {
            on_ok(reply);
            self->state.work.end(false);
          },
          [self, what, on_fail](caf::error& e) mutable {
            log_line(self->state.env, tag, what + " failed: " + to_string(e));
            on_fail();
            self->state.work.end(false);
          });
}

template <class Reply, class Handle, class OnOk, class... Ts>
void step(self_ptr self, const Handle& dest, std::string what, OnOk on_ok, Ts&&... xs) {
  step_or<Reply>(
      self, dest, std::move(what), std::move(on_ok), [] {}, std::forward<Ts>(xs)...);
}

audit_record document_audit(const document& d, const std::string& task_id, std::string id) {
  audit_record a;
  a.id = std::move(id);
  a.actor_type = "system";
  a.actor_id = "system";
  a.action = "document.create";
  a.at = d.created_at;
  if (!task_id.empty())
    a.task_id = task_id;
  a.after = json_text{
      json::serialize(json::object{{"documentId", d.id}, {"type", d.type}, {"name", d.name}})};
  return a;
}

void quarantine(self_ptr self, const std::string& agent_id, const std::string& reason) {
  const auto& env = self->state.env;
  step<agent_actor>(
      self, env.agents, "finding agent " + agent_id,
      [self, agent_id, reason](agent_actor& h) {
        agent_control_command cmd;
        cmd.control = agent_control::quarantine;
        cmd.actor = "system";
        cmd.reason = reason;
        step<api_reply>(
            self, h, "quarantining " + agent_id, [](api_reply&) {}, control_atom::value,
            std::move(cmd));
      },
      get_atom::value, agent_id);
}

/// Everything a trip does once the task's history is known (an empty view for calls that name
/// no task): document, summary, block, alert, notification, quarantine.
void contain(self_ptr self, const loop_check& check, const task_view& view, task_actor task) {
  auto& st = self->state;
  const auto& env = st.env;
  const auto& t = view.task;
  const bool has_task = !t.id.empty();
  if (has_task && is_terminal(t.status))
    return;
  loop_report_input in;
  in.check = check;
  in.subject = t;
  in.transitions = view.transitions;
  in.messages = view.messages;
  in.blocks_task = has_task && t.status != task_status::blocked && !st.blocking.contains(t.id) &&
                   is_edge(t.status, task_status::blocked);
  auto report = describe_loop(in);
  const auto now = env.clk->now_ms();
  log_line(env, tag, report.alert.title + ": " + report.block_reason);

  document doc = std::move(report.doc);
  doc.id = env.ids->next(id_prefix::document);
  doc.created_at = now;
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(doc));
  batch.rows.push_back(
      persistence::to_row(document_audit(doc, t.id, env.ids->next(id_prefix::activity))));
  step<persistence::write_ack>(
      self, env.db, "storing " + doc.id, [](persistence::write_ack&) {},
      persistence::write_atom::value, std::move(batch));

  if (has_task) {
    post_message_command post;
    post.draft.type = message_type::loop_summary;
    post.draft.author = "system";
    post.draft.content = report.summary;
    post.draft.artifacts.push_back(doc.id);
    post.by_system = true;
    post.actor_type = "system";
    post.actor = "system";
    // The summary first, then the move: the thread explains the block before anyone sees it.
    const bool blocks = in.blocks_task;
    if (blocks)
      st.blocking.insert(t.id);
    auto unflag = [self, id = t.id, blocks] {
      if (blocks)
        self->state.blocking.erase(id);
    };
    step_or<api_reply>(
        self, task, "posting the loop summary on " + t.id,
        [self, task, blocks, unflag, reason = report.block_reason](api_reply&) {
          if (!blocks)
            return;
          transition_command move;
          move.request.to = task_status::blocked;
          move.request.actor = {actor_kind::system, "system"};
          move.request.reason = reason;
          step_or<api_reply>(
              self, task, "blocking the task", [unflag](api_reply&) { unflag(); }, unflag,
              transition_atom::value, std::move(move));
        },
        unflag, post_atom::value, std::move(post));
  }

  // The NotificationDispatcher tells the operator of every raised alert: no notice of our own.
  step<alert>(
      self, env.alerts, "raising the loop alert", [](alert&) {}, raise_atom::value,
      std::move(report.alert));

  if (check.kind == loop_kind::retry_loop)
    quarantine(self, check.agent, report.block_reason);
}

/// A loop of `kind` tripped on `task_id` (empty for tool calls without a task): fetch the task's
/// history for the summary, then contain it.
void trip(self_ptr self, const std::string& task_id, const loop_check& check) {
  auto& st = self->state;
  st.work.add_actions(1);
  if (task_id.empty()) {
    contain(self, check, task_view{}, task_actor{});
    return;
  }
  step<task_actor>(
      self, st.env.tasks, "finding task " + task_id,
      [self, check, task_id](task_actor& h) {
        step<task_view>(
            self, h, "reading task " + task_id,
            [self, check, h](task_view& view) { contain(self, check, view, h); }, get_atom::value);
      },
      get_atom::value, task_id);
}

/// Trips `check` once per task until the task is unblocked.
void maybe_trip(self_ptr self, const std::string& task_id, task_loops& loops,
                const loop_check& check) {
  if (!check.tripped || loops.fired.test(bit(check.kind)))
    return;
  loops.fired.set(bit(check.kind));
  trip(self, task_id, check);
}

void on_task_event(self_ptr self, const task_event& e) {
  auto& st = self->state;
  const auto& t = e.task;
  if (is_terminal(t.status)) {
    st.tasks.erase(t.id);
    return;
  }
  if (e.moved) {
    if (e.moved->from == task_status::blocked) {
      // Unblocked: every loop may fire again, on fresh windows.
      st.tasks.erase(t.id);
    } else if (sent_back_from_review(*e.moved)) {
      auto& loops = loops_of(st, t.id);
      loops.last_event_ms = e.moved->created_at;
      maybe_trip(self, t.id, loops, check_review_cycles(t.review_cycles, config_now(st)));
    }
  }
  if (e.posted && counts_toward_loops(*e.posted)) {
    const auto& m = *e.posted;
    auto& loops = loops_of(st, t.id);
    if (!loops.last_message_id.empty() && m.id <= loops.last_message_id)
      return;
    loops.last_message_id = m.id;
    loops.last_event_ms = m.created_at;
    maybe_trip(self, t.id, loops, loops.flood.on_message(m.created_at));
    maybe_trip(self, t.id, loops, loops.ping_pong.on_message(m.author, m.created_at));
  }
}

/// Counts a failed call once, however often it is updated afterwards.
bool first_failure(loop_state& st, const std::string& call_id) {
  if (!st.counted_failures.insert(call_id).second)
    return false;
  st.counted_order.push_back(call_id);
  if (st.counted_order.size() > counted_failures_max) {
    st.counted_failures.erase(st.counted_order.front());
    st.counted_order.pop_front();
  }
  return true;
}

void on_tool_call(self_ptr self, const tool_call& c) {
  auto& st = self->state;
  const bool failed = c.status == tool_call_status::failed;
  if (!failed && c.status != tool_call_status::success)
    return;
  if (!c.task_id) {
    if (!failed) {
      st.taskless.on_success(c.agent_id, c.tool_name);
    } else if (first_failure(st, c.id)) {
      auto check =
          st.taskless.on_failure(c.agent_id, c.tool_name, c.error.value_or(""), c.updated_at);
      if (check.tripped) {
        // Without a task nothing marks the loop as handled: start counting again.
        st.taskless.on_success(c.agent_id, c.tool_name);
        trip(self, {}, check);
      }
    }
    return;
  }
  auto& loops = loops_of(st, *c.task_id);
  loops.last_event_ms = c.updated_at;
  if (!failed) {
    loops.retries.on_success(c.agent_id, c.tool_name);
  } else if (first_failure(st, c.id)) {
    maybe_trip(
        self, *c.task_id, loops,
        loops.retries.on_failure(c.agent_id, c.tool_name, c.error.value_or(""), c.updated_at));
  }
}

/// Windows of tasks quiet for longer than the longest window hold nothing that can still trip;
/// tasks with a loop fired stay until they are unblocked, finished or canceled.
void forget_quiet_tasks(loop_state& st) {
  const auto& c = st.env.settings.loops;
  const auto horizon = std::max({c.flood_window_ms, c.ping_pong_window_ms, c.retry_window_ms});
  const auto now = st.env.clk->now_ms();
  std::erase_if(st.tasks, [&](const auto& entry) {
    return entry.second.fired.none() && !st.blocking.contains(entry.first) &&
           now - entry.second.last_event_ms > horizon;
  });
}

caf::behavior detector(self_ptr self, supervisor_environment env) {
  self->state.env = std::move(env);
  self->state.taskless = tool_retry_window{self->state.env.settings.loops};
  subscribe_to_events(self, self->state.env.events);
  return {
      [self](tick_atom) {
        log_line(self->state.env, tag, "Scanning for loops...");
        forget_quiet_tasks(self->state);
        auto rp = self->make_response_promise<tick_report>();
        self->state.work.answer_when_idle(rp);
        return rp;
      },
      [self](const task_event& e) { on_task_event(self, e); },
      [self](const tool_call_event& e) { on_tool_call(self, e.call); },
  };
}

} // namespace

supervisor_spec loop_detector() {
  return {tag, [](caf::actor_system& sys, const supervisor_environment& env) {
            return sys.spawn(detector, env);
          }};
}

} // namespace mc::supervisors
