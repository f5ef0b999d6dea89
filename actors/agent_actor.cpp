#include "actors/agent_actor.hpp"

#include "actors/agent_notifications.hpp"
#include "actors/field_errors.hpp"
#include "actors/run_accounting.hpp"
#include "actors/task_actor.hpp"
#include "domain/age_text.hpp"
#include "domain/liveness.hpp"
#include "domain/task_lease.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <map>

namespace mc::actors {
namespace {

namespace json = boost::json;

struct agent_state {
  static inline const char* name = "agent";
  agent_environment env;
  mc::agent agent;
  /// The agent's open tasks by id (the heartbeat lists them in id order).
  std::map<std::string, assigned_task> open_tasks;
  /// How many of them are in progress (a drain waits for none), kept with every change rather
  /// than counted per change: an agent may hold many tasks.
  std::int32_t in_progress = 0;
  /// Soft state a heartbeat reports; not part of the durable record.
  std::string reported_status;
  std::optional<std::string> session_key;
  /// Set by restart, told once in the next heartbeat reply.
  bool restart_requested = false;
  /// When heartbeat soft state last left the actor, and whether newer state waits for the
  /// flush timer.
  std::optional<epoch_ms> soft_sent_at;
  bool soft_pending = false;
  bool soft_flush_scheduled = false;
  /// Pushed by the notifications actor (see agent_notifications.cpp).
  std::vector<notification> pending_notes;
  std::int64_t notes_seq = -1;
};

using self_ptr = agent_actor::stateful_pointer<agent_state>;

bool has_work_in_progress(const agent_state& st) {
  return st.in_progress > 0;
}

json::value agent_json(const agent& a) {
  return to_json(a);
}

audit_record audit_of(agent_state& st, std::string actor_type, std::string actor_id,
                      std::string action, const agent& before, const agent& after,
                      std::string reason) {
  audit_record rec;
  rec.id = st.env.ids->next(id_prefix::activity);
  rec.actor_type = std::move(actor_type);
  rec.actor_id = std::move(actor_id);
  rec.action = std::move(action);
  rec.at = after.updated_at;
  rec.agent_id = after.id;
  if (!reason.empty())
    rec.reason = std::move(reason);
  rec.before = json_text{json::serialize(agent_json(before))};
  rec.after = json_text{json::serialize(agent_json(after))};
  return rec;
}

struct idempotency_claim_view {
  const std::string& key;
  const std::string& fingerprint;
  epoch_ms expires_at;
};

using on_committed = std::function<void(agent_state&)>;
using on_failed = std::function<void(caf::error&)>;

/// Persists `next` (with its audit record and the request's idempotency record), then adopts
/// it, publishes it and calls `done`. `await`: nothing else of this agent runs until the write
/// is settled, so changes never interleave and the state only changes once it is durable.
void commit(self_ptr self, agent next, audit_record audit, idempotency_claim_view claim,
            const std::string& stored, on_committed done, on_failed failed) {
  auto& st = self->state;
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(next));
  batch.rows.push_back(persistence::to_row(audit));
  if (!claim.key.empty())
    batch.rows.push_back(
        persistence::idempotency_row(claim.key, claim.fingerprint, stored, claim.expires_at));
  const auto previous = st.agent.status;
  self->request(st.env.db, st.env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, next, previous, done](persistence::write_ack) {
            auto& s = self->state;
            s.agent = next;
            if (s.env.events)
              caf::anon_send(s.env.events, agent_event{s.agent,
                                                       previous != s.agent.status
                                                           ? std::optional<agent_status>(previous)
                                                           : std::nullopt,
                                                       false});
            done(s);
          },
          [failed](caf::error& err) { failed(err); });
}

/// A commit that answers a request with `reply`.
void commit_and_reply(self_ptr self, agent next, audit_record audit, api_reply reply,
                      idempotency_claim_view claim, caf::typed_response_promise<api_reply> rp,
                      std::function<void(agent_state&)> also = {}) {
  const auto stored = claim.key.empty() ? std::string{} : stored_reply(reply);
  commit(
      self, std::move(next), std::move(audit), claim, stored,
      [rp, reply, also](agent_state& s) mutable {
        if (also)
          also(s);
        rp.deliver(std::move(reply));
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::result<api_reply> on_patch(self_ptr self, agent_patch_command& cmd) {
  auto& st = self->state;
  const auto& p = cmd.patch;
  agent next = st.agent;
  std::vector<field_problem> problems;
  if (p.name)
    next.name = *p.name;
  if (p.emoji)
    next.emoji = *p.emoji;
  if (p.role)
    next.role = *p.role;
  if (p.status)
    next.status = *p.status;
  if (p.allowed_task_types)
    next.allowed_task_types = *p.allowed_task_types;
  if (p.budgets) {
    // Only the caps present change: `{"budgets":{"dailyCap":20}}` keeps the per-run cap.
    if (p.budgets->daily_cap)
      next.budgets.daily_cap = p.budgets->daily_cap;
    if (p.budgets->per_run_cap)
      next.budgets.per_run_cap = p.budgets->per_run_cap;
    problems = validate_budgets(*p.budgets);
  }
  if (p.today_spend) {
    if (p.today_spend->micros < 0)
      problems.push_back({"todaySpend", "todaySpend cannot be negative"});
    next.today_spend = *p.today_spend;
  }
  if (p.error_streak) {
    if (*p.error_streak < 0)
      problems.push_back({"errorStreak", "errorStreak cannot be negative"});
    next.error_streak = *p.error_streak;
    // A reset streak forgets the error that built it.
    if (*p.error_streak == 0)
      next.last_error.reset();
  }
  if (p.clear_last_error && *p.clear_last_error)
    next.last_error.reset();
  if (p.set_current_task && *p.set_current_task)
    next.current_task_id = p.current_task_id;
  if (p.can_spawn)
    next.can_spawn = *p.can_spawn;
  if (p.metadata)
    next.metadata = *p.metadata;
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  next.updated_at = st.env.clk->now_ms();
  auto audit = audit_of(st, "operator", cmd.actor, "agent.update", st.agent, next, "");
  api_reply reply{200, agent_body(next)};
  auto rp = self->make_response_promise<api_reply>();
  commit_and_reply(self, std::move(next), std::move(audit), reply,
                   {cmd.idempotency_key, cmd.idempotency_fingerprint, cmd.idempotency_expires_at},
                   rp);
  return rp;
}

caf::result<api_reply> on_control(self_ptr self, agent_control_command& cmd) {
  auto& st = self->state;
  auto out = apply_control(st.agent, cmd.control, has_work_in_progress(st));
  out.next.updated_at = st.env.clk->now_ms();
  const auto control = std::string(to_string(cmd.control));
  // The supervisors act as `system`, as their task moves do.
  auto audit = audit_of(st, cmd.actor == "system" ? "system" : "operator", cmd.actor,
                        "agent." + control, st.agent, out.next, cmd.reason);
  if (!out.changed)
    audit.result = "unchanged";
  api_reply reply{200, json::serialize(json::object{{"agent", agent_json(out.next)},
                                                    {"control", control},
                                                    {"changed", out.changed}})};
  auto rp = self->make_response_promise<api_reply>();
  const bool restart = out.restart_requested;
  commit_and_reply(
      self, std::move(out.next), std::move(audit), reply,
      {cmd.idempotency_key, cmd.idempotency_fingerprint, cmd.idempotency_expires_at}, rp,
      [restart](agent_state& s) { s.restart_requested = s.restart_requested || restart; });
  return rp;
}

std::string heartbeat_body(agent_state& st, epoch_ms now) {
  json::array tasks;
  for (const auto& [id, t] : st.open_tasks)
    tasks.push_back(json::object{{"id", t.id},
                                 {"title", t.title},
                                 {"status", to_string(t.status)},
                                 {"priority", t.priority}});
  json::object o{{"acknowledged", true},
                 {"agentId", st.agent.id},
                 {"status", to_string(st.agent.status)},
                 {"mayStartWork", may_start_work(st.agent.status)},
                 {"serverTime", now},
                 {"pendingNotifications", pending_notifications_json(st.pending_notes, now)},
                 {"assignedTasks", std::move(tasks)},
                 {"pendingApprovals", json::array{}}};
  if (st.restart_requested)
    o["restartRequested"] = true;
  return json::serialize(o);
}

void send_soft_state(self_ptr self, epoch_ms now) {
  auto& st = self->state;
  self->send(st.env.db, persistence::soft_write_atom::value, persistence::to_row(st.agent));
  if (st.env.events)
    caf::anon_send(st.env.events, agent_event{st.agent, std::nullopt, true});
  st.soft_sent_at = now;
  st.soft_pending = false;
}

/// Soft state (SPEC §8): written in coalesced snapshots, never waited for. An agent that beats
/// many times a second sends one row and one event per window instead of one per beat; the
/// last beat of a window is sent when the window ends.
void publish_soft_state(self_ptr self, epoch_ms now) {
  auto& st = self->state;
  const auto window = st.env.soft_coalesce;
  if (window.count() <= 0 || !st.soft_sent_at || now - *st.soft_sent_at >= window.count()) {
    send_soft_state(self, now);
    return;
  }
  st.soft_pending = true;
  if (!st.soft_flush_scheduled) {
    st.soft_flush_scheduled = true;
    self->delayed_send(self, window, soft_flush_atom::value);
  }
}

/// The agent as this beat leaves it; the beat's session facts are kept beside it.
agent beat_of(agent_state& st, heartbeat_command& cmd, epoch_ms now) {
  agent next = st.agent;
  next.last_heartbeat = now;
  if (cmd.current_task_id)
    next.current_task_id = cmd.current_task_id->empty() ? std::nullopt : cmd.current_task_id;
  st.reported_status = cmd.reported_status;
  if (cmd.session_key)
    st.session_key = cmd.session_key;
  return next;
}

/// A beat that changes only soft state (SPEC §8): adopted and answered at once.
api_reply soft_beat(self_ptr self, agent next, epoch_ms now) {
  auto& st = self->state;
  st.agent = std::move(next);
  publish_soft_state(self, now);
  api_reply reply{200, heartbeat_body(st, now)};
  st.restart_requested = false;
  return reply;
}

void heartbeat_now(self_ptr self, heartbeat_command& cmd,
                   caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  agent next = beat_of(st, cmd, now);
  if (st.agent.status == agent_status::offline) {
    // Coming back is a status change: durable before it is reported (SPEC §8).
    next.status = agent_status::active;
    next.updated_at = now;
    auto audit = audit_of(st, "agent", st.agent.id, "agent.online", st.agent, next,
                          "heartbeat after going offline");
    const std::string none;
    commit(
        self, next, std::move(audit), {none, none, 0}, none,
        [rp, now](agent_state& s) mutable {
          rp.deliver(api_reply{200, heartbeat_body(s, now)});
          s.restart_requested = false;
        },
        [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    return;
  }
  rp.deliver(soft_beat(self, std::move(next), now));
}

/// Notification ids the heartbeat acknowledges are durable before the reply (SPEC §8); the
/// reply then lists what is still pending. The common beat (no acks, agent not offline) is
/// answered at once, without a response promise.
caf::result<api_reply> on_heartbeat(self_ptr self, heartbeat_command& cmd) {
  auto& st = self->state;
  const bool acks = !cmd.acknowledged.empty() && st.env.notifications;
  if (!acks && st.agent.status != agent_status::offline) {
    const auto now = st.env.clk->now_ms();
    return soft_beat(self, beat_of(st, cmd, now), now);
  }
  auto rp = self->make_response_promise<api_reply>();
  if (!acks) {
    heartbeat_now(self, cmd, rp);
    return rp;
  }
  self->request(st.env.notifications, st.env.write_timeout, ack_atom::value, st.agent.id,
                cmd.acknowledged)
      .await(
          [self, rp, cmd](pending_notifications& p) mutable {
            adopt_pending(self->state.pending_notes, self->state.notes_seq, std::move(p));
            heartbeat_now(self, cmd, rp);
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

/// Decided here, against the agent's own last heartbeat, so a beat that arrived after the
/// monitor looked wins.
caf::result<liveness_verdict> on_liveness(self_ptr self, const liveness_check& c) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  if (!is_stale(st.agent, now, c.stale_after_ms))
    return liveness_verdict{st.agent, false, false};
  auto next = mark_offline(st.agent);
  if (!next)
    return liveness_verdict{st.agent, true, false};
  next->updated_at = now;
  auto audit = audit_of(st, "system", "system", "agent.offline", st.agent, *next,
                        "no heartbeat since " + utc_text(last_sign_of_life(st.agent)) +
                            " (stale after " + format_age(c.stale_after_ms) + ")");
  auto rp = self->make_response_promise<liveness_verdict>();
  const std::string none;
  commit(
      self, std::move(*next), std::move(audit), {none, none, 0}, none,
      [rp](agent_state& s) mutable {
        rp.deliver(liveness_verdict{s.agent, true, true});
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

void apply_assignments(agent_state& st, assignments& a) {
  auto forget = [&st](std::map<std::string, assigned_task>::iterator it) {
    if (it->second.status == task_status::in_progress)
      --st.in_progress;
    st.open_tasks.erase(it);
  };
  for (auto& t : a.tasks) {
    if (auto it = st.open_tasks.find(t.id); it != st.open_tasks.end())
      forget(it);
    if (t.status == task_status::in_progress)
      ++st.in_progress;
    auto id = t.id;
    st.open_tasks.emplace(std::move(id), std::move(t));
  }
  for (const auto& id : a.closed)
    if (auto it = st.open_tasks.find(id); it != st.open_tasks.end())
      forget(it);
}

void on_assignments(self_ptr self, assignments& a) {
  auto& st = self->state;
  apply_assignments(st, a);
  auto settled = settle_drain(st.agent, has_work_in_progress(st));
  if (!settled)
    return;
  settled->updated_at = st.env.clk->now_ms();
  auto audit = audit_of(st, "system", "system", "agent.drained", st.agent, *settled,
                        "drain finished: no task in progress");
  const std::string none;
  // Nobody waits for this change; a failed write leaves the agent drained, and the next
  // assignment update tries again.
  commit(
      self, std::move(*settled), std::move(audit), {none, none, 0}, none, [](agent_state&) {},
      [](caf::error&) {});
}

// ---- runs and tool calls (the bookkeeping is in actors/run_accounting.cpp) ----------------------

/// Adopts the agent state a committed run charge left, and tells the ledger and the supervisors.
void adopt_run(self_ptr self, const run_charge_command& c) {
  auto& s = self->state;
  s.agent = c.agent_after;
  if (s.env.events) {
    caf::anon_send(s.env.events, run_event{c.recorded});
    caf::anon_send(s.env.events, agent_event{s.agent, std::nullopt, false});
  }
}

/// Commits a run charge: through the task's actor when the run has a task (one batch with the
/// task's new actualCost), directly otherwise. `await`: this agent's runs never interleave, so
/// every charge starts from the spend the previous one left.
void settle_charge(self_ptr self, run_charge_command c, caf::actor task,
                   caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  if (task) {
    // The task actor answers once its write is acknowledged, which the persistence actor
    // bounds; it never waits on an agent actor, so this cannot deadlock.
    self->request(caf::actor_cast<task_actor>(task), st.env.write_timeout, charge_atom::value, c)
        .await(
            [self, rp, c](api_reply& reply) mutable {
              adopt_run(self, c);
              rp.deliver(std::move(reply));
            },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    return;
  }
  auto prepared =
      prepare_charge(c, st.env.policy->get()->policy, std::nullopt, st.env.clk->now_ms());
  self->request(st.env.db, st.env.write_timeout, persistence::write_atom::value,
                std::move(prepared.batch))
      .await(
          [self, rp, c, reply = std::move(prepared.reply)](persistence::write_ack) mutable {
            adopt_run(self, c);
            rp.deliver(std::move(reply));
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::result<api_reply> on_record_run(self_ptr self, run_command& cmd) {
  auto& st = self->state;
  auto charge = new_run_charge(st.agent, cmd, *st.env.prices, st.env.policy->get()->policy,
                               *st.env.ids, st.env.clk->now_ms());
  if (auto* e = std::get_if<caf::error>(&charge))
    return std::move(*e);
  auto rp = self->make_response_promise<api_reply>();
  settle_charge(self, std::move(std::get<run_charge_command>(charge)), cmd.task, rp);
  return rp;
}

template <class Entity, class Next>
void read_from_ledger(self_ptr self, caf::atom_value kind, const std::string& id,
                      caf::typed_response_promise<api_reply> rp, Next next) {
  auto& st = self->state;
  self->request(st.env.ledger, st.env.write_timeout, get_atom::value, kind, id)
      .await(
          [self, rp, next](Entity& found) mutable {
            if (found.agent_id != self->state.agent.id) {
              rp.deliver(make_error(errc::forbidden, "it belongs to agent " + found.agent_id));
              return;
            }
            next(found);
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::result<api_reply> on_patch_run(self_ptr self, run_patch_command& cmd) {
  auto rp = self->make_response_promise<api_reply>();
  read_from_ledger<run>(
      self, run_atom::value, cmd.run_id, rp, [self, cmd, rp](run& existing) mutable {
        auto& st = self->state;
        auto charge =
            patched_run_charge(st.agent, existing, cmd, *st.env.prices,
                               st.env.policy->get()->policy, *st.env.ids, st.env.clk->now_ms());
        if (auto* e = std::get_if<caf::error>(&charge)) {
          rp.deliver(std::move(*e));
          return;
        }
        settle_charge(self, std::move(std::get<run_charge_command>(charge)), cmd.task, rp);
      });
  return rp;
}

/// Commits a prepared tool call, or answers with why it could not be prepared.
void commit_tool_call(self_ptr self, std::variant<prepared_tool_call, caf::error> prepared,
                      caf::typed_response_promise<api_reply> rp) {
  if (auto* e = std::get_if<caf::error>(&prepared)) {
    rp.deliver(std::move(*e));
    return;
  }
  auto& p = std::get<prepared_tool_call>(prepared);
  auto& st = self->state;
  self->request(st.env.db, st.env.write_timeout, persistence::write_atom::value, std::move(p.batch))
      .await(
          [self, rp, call = std::move(p.call),
           reply = std::move(p.reply)](persistence::write_ack) mutable {
            if (self->state.env.events)
              caf::anon_send(self->state.env.events, tool_call_event{call});
            rp.deliver(std::move(reply));
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

/// A tool call on a task is a report on it: refused (errc::conflict) once this agent's lease on
/// the task expired, like its moves, messages and runs, which the task actor refuses itself.
/// `await`: the check and the write that follows are one step of this agent.
template <class Next>
void unless_lease_expired(self_ptr self, const caf::actor& task,
                          caf::typed_response_promise<api_reply> rp, Next next) {
  if (!task) {
    next();
    return;
  }
  self->request(caf::actor_cast<task_actor>(task), self->state.env.write_timeout, get_atom::value)
      .await(
          [self, rp, next](const task_view& view) mutable {
            if (auto why = lease_refusal(view.task, self->state.agent.id)) {
              rp.deliver(make_error(errc::conflict, std::move(*why)));
              return;
            }
            next();
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::result<api_reply> on_tool_call(self_ptr self, tool_call_command& cmd) {
  auto rp = self->make_response_promise<api_reply>();
  unless_lease_expired(self, cmd.task, rp, [self, cmd, rp]() mutable {
    auto& st = self->state;
    commit_tool_call(self,
                     new_tool_call(st.agent, cmd, st.env.policy->get()->policy, *st.env.ids,
                                   st.env.clk->now_ms()),
                     rp);
  });
  return rp;
}

caf::result<api_reply> on_patch_tool_call(self_ptr self, tool_call_patch_command& cmd) {
  auto rp = self->make_response_promise<api_reply>();
  read_from_ledger<tool_call>(
      self, tool_call_atom::value, cmd.tool_call_id, rp,
      [self, cmd, rp](tool_call& existing) mutable {
        unless_lease_expired(self, cmd.task, rp, [self, cmd, rp, existing]() mutable {
          auto& st = self->state;
          commit_tool_call(self,
                           patched_tool_call(existing, cmd, *st.env.ids, st.env.clk->now_ms()), rp);
        });
      });
  return rp;
}

agent_actor::behavior_type agent_impl(self_ptr self, agent_environment env, agent state,
                                      assignments open_tasks) {
  self->state.env = std::move(env);
  self->state.agent = std::move(state);
  apply_assignments(self->state, open_tasks);
  return {
      [self](get_atom) { return self->state.agent; },
      [self](patch_atom, agent_patch_command& cmd) { return on_patch(self, cmd); },
      [self](control_atom, agent_control_command& cmd) { return on_control(self, cmd); },
      [self](heartbeat_atom, heartbeat_command& cmd) { return on_heartbeat(self, cmd); },
      [self](assignments& a) { on_assignments(self, a); },
      [self](soft_flush_atom) {
        auto& st = self->state;
        st.soft_flush_scheduled = false;
        if (st.soft_pending)
          send_soft_state(self, st.env.clk->now_ms());
      },
      [self](record_run_atom, run_command& cmd) { return on_record_run(self, cmd); },
      [self](patch_atom, run_patch_command& cmd) { return on_patch_run(self, cmd); },
      [self](tool_call_atom, tool_call_command& cmd) { return on_tool_call(self, cmd); },
      [self](patch_atom, tool_call_patch_command& cmd) { return on_patch_tool_call(self, cmd); },
      [self](pending_notifications& p) {
        if (p.agent_id == self->state.agent.id)
          adopt_pending(self->state.pending_notes, self->state.notes_seq, std::move(p));
      },
      [self](liveness_atom, const liveness_check& c) { return on_liveness(self, c); },
  };
}

} // namespace

agent_actor spawn_agent_actor(caf::actor_system& sys, agent_environment env, agent state,
                              assignments open_tasks) {
  return sys.spawn(agent_impl, std::move(env), std::move(state), std::move(open_tasks));
}

std::string agent_body(const agent& a) {
  return json::serialize(json::object{{"agent", to_json(a)}});
}

} // namespace mc::actors
