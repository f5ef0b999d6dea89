#include "actors/task_actor.hpp"

#include "actors/approval_changes.hpp"
#include "actors/field_errors.hpp"
#include "actors/replay_record.hpp"
#include "actors/run_accounting.hpp"
#include "actors/view_barrier.hpp"
#include "domain/mentions.hpp"
#include "domain/task_lease.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <functional>

namespace mc::actors {
namespace {

namespace json = boost::json;

struct task_state {
  static inline const char* name = "task";
  task_environment env;
  task_view view;
  bool history_loaded = true;
};

using self_ptr = task_actor::stateful_pointer<task_state>;

/// Answers once the registries have the change just published (actors/view_barrier.hpp), so
/// the caller's next read (a list, its agent's heartbeat) sees it.
template <class Reply>
void answer_after_views(self_ptr self, caf::typed_response_promise<Reply> rp, Reply reply) {
  answer_through(rp, self->state.env.views, std::move(reply));
}

/// A move's task and history rows, and its reply body `{"task":…,"transition":…}`: each JSON
/// text is made once for both (moves are the hot write path).
std::string add_move_rows(persistence::write_batch& batch, const transition_outcome& out) {
  auto task_json = json::serialize(to_json(out.next));
  auto record_json = json::serialize(to_json(out.record));
  std::string body;
  body.reserve(task_json.size() + record_json.size() + 24);
  body.append("{\"task\":").append(task_json).append(",\"transition\":").append(record_json);
  body.push_back('}');
  batch.rows.push_back(persistence::to_row(out.next, std::move(task_json)));
  batch.rows.push_back(persistence::to_row(out.record, std::move(record_json)));
  return body;
}

audit_record audit_of(const task& before, const transition_outcome& out, const std::string& id) {
  audit_record a;
  a.id = id;
  a.actor_type = out.record.actor == "system" ? "system" : "actor";
  a.actor_id = out.record.actor;
  a.action = out.approval_overridden ? "task.transition.override" : "task.transition";
  a.at = out.record.created_at;
  a.task_id = before.id;
  a.reason = out.record.reason;
  a.before = json_text{"{\"status\":\"" + std::string(to_string(before.status)) + "\"}"};
  a.after = json_text{"{\"status\":\"" + std::string(to_string(out.next.status)) + "\"}"};
  return a;
}

/// An agent whose lease on the task expired (released after it went stale) may not report on
/// it: errc::conflict, whatever it asks.
template <class Promise>
bool refuse_expired_lease(const task& t, const std::string& agent_id, Promise& rp) {
  auto why = lease_refusal(t, agent_id);
  if (why)
    rp.deliver(make_error(errc::conflict, std::move(*why)));
  return why.has_value();
}

void on_transition(self_ptr self, transition_command& cmd,
                   caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto& env = st.env;
  const auto kind = cmd.request.actor.kind;
  if (kind != actor_kind::operator_ && kind != actor_kind::system &&
      refuse_expired_lease(st.view.task, cmd.request.actor.id, rp))
    return;
  transition_context ctx;
  ctx.approval = latest_approval_status(st.view);
  ctx.actor_status = cmd.actor_status;
  const auto active = env.policy->get();
  ctx.max_review_cycles = active->policy.max_review_cycles;
  ctx.lead_may_complete = active->policy.lead_may_complete_review;
  const auto now = env.clk->now_ms();

  auto result = apply_transition(st.view.task, cmd.request, ctx, now);
  if (auto* refused = std::get_if<transition_verdict>(&result)) {
    const auto code = refused->outcome == refusal::forbidden ? errc::forbidden : errc::refused;
    rp.deliver(caf::error{
        static_cast<std::uint8_t>(code), errc_category,
        caf::make_message(refused->failures.front().message, refusal_details(*refused))});
    return;
  }
  auto out = std::move(std::get<transition_outcome>(result));
  persistence::write_batch batch;
  api_reply reply{200, add_move_rows(batch, out)};
  std::optional<message> plan_message;
  if (out.post_work_plan && out.next.work_plan) {
    message m;
    m.id = env.ids->next(id_prefix::message);
    m.task_id = out.next.id;
    m.type = message_type::work_plan;
    m.author = cmd.request.actor.id;
    for (const auto& b : out.next.work_plan->bullets)
      m.content += "- " + b + "\n";
    m.created_at = now;
    batch.rows.push_back(persistence::to_row(m));
    plan_message = std::move(m);
  }
  batch.rows.push_back(
      persistence::to_row(audit_of(st.view.task, out, env.ids->next(id_prefix::activity))));
  // → needs_approval files a state_transition approval in the same commit.
  std::optional<approval> filed;
  if (out.request_approval) {
    filed = approval_for_move(st.view.task, out.record, env.ids->next(id_prefix::approval), now);
    batch.rows.push_back(persistence::to_row(*filed));
    batch.rows.push_back(
        persistence::to_row(request_audit(*filed, out.record.actor == "system" ? "system" : "actor",
                                          out.record.actor, env.ids->next(id_prefix::activity))));
  }
  add_replay_record(batch, cmd, reply);
  // `await`: no other message of this task is handled until the write is settled, so moves of
  // one task never interleave and the state changes only once the change is durable.
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, out = std::move(out), plan_message = std::move(plan_message),
           reply = std::move(reply), filed = std::move(filed)](persistence::write_ack) mutable {
            auto& s = self->state;
            // Published before the state takes the move over: the event gets the copies, the
            // state the originals. Nothing else of this task runs in between.
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{out.next, out.record, plan_message});
            s.view.task = std::move(out.next);
            s.view.transitions.push_back(std::move(out.record));
            if (plan_message)
              s.view.messages.push_back(std::move(*plan_message));
            if (filed) {
              s.view.approvals.push_back(*filed);
              if (s.env.events)
                caf::anon_send(s.env.events, approval_event{*filed, s.view.task});
            }
            answer_after_views(self, rp, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// Reads the task's journal from the store once, then runs `next`. `await`: nothing else of this
/// task runs meanwhile, so the history cannot miss a move made in between.
void with_history(self_ptr self, std::function<void()> next,
                  std::function<void(caf::error&)> fail) {
  if (self->state.history_loaded) {
    next();
    return;
  }
  auto& env = self->state.env;
  const auto id = self->state.view.task.id;
  self->request(env.db, env.write_timeout, persistence::read_atom::value,
                persistence::table_id::transitions, std::string("task_id"), id)
      .await(
          [self, id, next, fail](std::vector<persistence::row>& transitions) {
            const auto& e = self->state.env;
            self->request(e.db, e.write_timeout, persistence::read_atom::value,
                          persistence::table_id::messages, std::string("task_id"), id)
                .await(
                    [self, id, transitions, next, fail](std::vector<persistence::row>& messages) {
                      const auto& env2 = self->state.env;
                      self->request(env2.db, env2.write_timeout, persistence::read_atom::value,
                                    persistence::table_id::approvals, std::string("task_id"), id)
                          .await(
                              [self, transitions, messages,
                               next](std::vector<persistence::row>& approvals) {
                                auto& s = self->state;
                                s.view.transitions.clear();
                                for (const auto& r : transitions)
                                  s.view.transitions.push_back(
                                      persistence::from_row<transition>(r));
                                s.view.messages.clear();
                                for (const auto& r : messages)
                                  s.view.messages.push_back(persistence::from_row<message>(r));
                                s.view.approvals.clear();
                                for (const auto& r : approvals)
                                  s.view.approvals.push_back(persistence::from_row<approval>(r));
                                s.history_loaded = true;
                                next();
                              },
                              fail);
                    },
                    fail);
          },
          fail);
}

/// The fields a patch changed, before and after, for the audit record (no secrets in a task).
std::pair<json_text, json_text> changed_fields(const task& before, const task& after) {
  auto b = to_json(before).as_object(), a = to_json(after).as_object();
  json::object was, now;
  for (const auto& kv : a) {
    if (kv.key() == "updatedAt")
      continue;
    const auto* old = b.if_contains(kv.key());
    if (old == nullptr || *old != kv.value()) {
      was[kv.key()] = old ? *old : json::value(nullptr);
      now[kv.key()] = kv.value();
    }
  }
  return {json_text{json::serialize(was)}, json_text{json::serialize(now)}};
}

void on_patch(self_ptr self, task_patch_command& cmd, caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto& env = st.env;
  const auto now = env.clk->now_ms();
  auto result = apply_task_patch(st.view.task, cmd.patch, now);
  if (auto* refused = std::get_if<edit_refusal>(&result)) {
    rp.deliver(field_error(refused->code, refused->problems));
    return;
  }
  auto next = std::move(std::get<task>(result));
  audit_record a;
  a.id = env.ids->next(id_prefix::activity);
  a.actor_type = "operator";
  a.actor_id = cmd.actor;
  a.action = cmd.patch.assignee_ids && *cmd.patch.assignee_ids != st.view.task.assignee_ids
                 ? "task.reassign"
                 : "task.update";
  a.at = now;
  a.task_id = next.id;
  auto [before, after] = changed_fields(st.view.task, next);
  a.before = std::move(before);
  a.after = std::move(after);
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(next));
  batch.rows.push_back(persistence::to_row(a));
  api_reply reply{200, json::serialize(json::object{{"task", to_json(next)}})};
  add_replay_record(batch, cmd, reply);
  // `await`, as for a move: the next edit sees this one, and the state changes once durable.
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, next, reply](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view.task = next;
            // The agent registry moves the task between the old and new assignees' open lists
            // from this event; the task registry refreshes its index.
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{s.view.task, std::nullopt, std::nullopt});
            answer_after_views(self, rp, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

void post_now(self_ptr self, post_message_command& cmd, caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto& env = st.env;
  if (!cmd.by_system && cmd.actor_type == "agent" &&
      refuse_expired_lease(st.view.task, cmd.actor, rp))
    return;
  auto m = std::move(cmd.draft);
  m.task_id = st.view.task.id;
  if (auto refused = validate_new_message(st.view.task, st.view.messages, m,
                                          cmd.by_system ? poster::system : poster::caller)) {
    rp.deliver(field_error(refused->code, refused->problems));
    return;
  }
  const auto now = env.clk->now_ms();
  m.id = env.ids->next(id_prefix::message);
  m.created_at = now;
  m.mentions = merge_mentions(m.mentions, m.content);
  audit_record a;
  a.id = env.ids->next(id_prefix::activity);
  a.actor_type = cmd.by_system ? "system" : cmd.actor_type;
  a.actor_id = cmd.by_system ? "system" : cmd.actor;
  a.action = "task.message";
  a.at = now;
  a.task_id = m.task_id;
  // The content may be long; the audit keeps what identifies the message, not its text.
  a.after = json_text{json::serialize(
      json::object{{"messageId", m.id}, {"type", to_string(m.type)}, {"author", m.author}})};
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(m));
  batch.rows.push_back(persistence::to_row(a));
  api_reply reply{201, json::serialize(json::object{{"message", to_json(m)}})};
  add_replay_record(batch, cmd, reply);
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, m, reply](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view.messages.push_back(m);
            // The notification dispatcher (mentions) and the loop detector react to `posted`.
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{s.view.task, std::nullopt, m});
            answer_after_views(self, rp, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// A reply may name any earlier message of the thread, so the thread must be loaded first.
void on_post(self_ptr self, post_message_command& cmd, caf::typed_response_promise<api_reply> rp) {
  with_history(
      self, [self, cmd, rp]() mutable { post_now(self, cmd, rp); },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

/// Commits an approval request or decision (actors/approval_changes.hpp) and adopts it on the
/// ack; `await`, as for a move.
void commit_approval_change(self_ptr self, task_approval_change change,
                            caf::typed_response_promise<approval_outcome> rp) {
  const auto& env = self->state.env;
  auto batch = std::move(change.batch);
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, change](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view = std::move(change.next);
            if (s.env.events) {
              if (change.moved)
                caf::anon_send(s.env.events, task_event{s.view.task, change.moved, std::nullopt});
              caf::anon_send(s.env.events, approval_event{change.subject, s.view.task});
            }
            answer_after_views(
                self, rp, approval_outcome{std::move(change.subject), std::move(change.reply)});
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// A run's cost: the run, its agent's spend and this task's actualCost in one batch; the task
/// changes only once it is durable (`await`, like every other change of the task).
void on_charge(self_ptr self, run_charge_command& cmd, caf::typed_response_promise<api_reply> rp) {
  auto& env = self->state.env;
  if (refuse_expired_lease(self->state.view.task, cmd.recorded.agent_id, rp))
    return;
  auto prepared =
      prepare_charge(cmd, env.policy->get()->policy, self->state.view.task, env.clk->now_ms());
  self->request(env.db, env.write_timeout, persistence::write_atom::value,
                std::move(prepared.batch))
      .await(
          [self, rp, next = *prepared.task_after,
           reply = prepared.reply](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view.task = std::move(next);
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{s.view.task, std::nullopt, std::nullopt});
            answer_after_views(self, rp, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// The system's release of a task in progress from its stale assignees: one batch with the
/// move, its history record and the audit record; `await`, as for a move.
void on_release(self_ptr self, release_command& cmd, caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto& env = st.env;
  auto result = release_task(st.view.task, cmd.agent_ids, cmd.reason, env.clk->now_ms());
  if (auto* why = std::get_if<std::string>(&result)) {
    rp.deliver(make_error(errc::conflict, std::move(*why)));
    return;
  }
  auto out = std::move(std::get<transition_outcome>(result));
  auto audit = audit_of(st.view.task, out, env.ids->next(id_prefix::activity));
  audit.action = "task.release";
  persistence::write_batch batch;
  api_reply reply{200, add_move_rows(batch, out)};
  batch.rows.push_back(persistence::to_row(audit));
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, out, reply](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view.task = out.next;
            s.view.transitions.push_back(out.record);
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{s.view.task, out.record, std::nullopt});
            answer_after_views(self, rp, std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// A request or a decision: the task's approvals must be loaded first.
caf::typed_response_promise<approval_outcome> on_approval(self_ptr self, task_approval_command& cmd,
                                                          bool decision) {
  auto rp = self->make_response_promise<approval_outcome>();
  with_history(
      self,
      [self, cmd, rp, decision]() mutable {
        const auto& st = self->state;
        if (decision) {
          commit_approval_change(self, plan_approval_decision(st.view, cmd, st.env), rp);
          return;
        }
        auto planned = plan_approval_request(st.view, cmd, st.env);
        if (auto* err = std::get_if<caf::error>(&planned)) {
          rp.deliver(std::move(*err));
          return;
        }
        commit_approval_change(self, std::move(std::get<task_approval_change>(planned)), rp);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

task_actor::behavior_type task_impl(self_ptr self, task_environment env, task_view state,
                                    bool history_loaded) {
  self->state.env = std::move(env);
  self->state.view = std::move(state);
  self->state.history_loaded = history_loaded;
  return {
      [self](get_atom) -> caf::typed_response_promise<task_view> {
        auto rp = self->make_response_promise<task_view>();
        with_history(
            self, [self, rp]() mutable { rp.deliver(self->state.view); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
      [self](transition_atom, transition_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        // Leaving needs_approval depends on the approval's status: load the approvals first.
        if (self->state.view.task.status == task_status::needs_approval)
          with_history(
              self, [self, cmd, rp]() mutable { on_transition(self, cmd, rp); },
              [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        else
          on_transition(self, cmd, rp);
        return rp;
      },
      [self](request_approval_atom, task_approval_command& cmd) {
        return on_approval(self, cmd, false);
      },
      [self](decide_atom, task_approval_command& cmd) { return on_approval(self, cmd, true); },
      [self](patch_atom, task_patch_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        on_patch(self, cmd, rp);
        return rp;
      },
      [self](post_atom, post_message_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        on_post(self, cmd, rp);
        return rp;
      },
      [self](charge_atom, run_charge_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        on_charge(self, cmd, rp);
        return rp;
      },
      [self](release_atom, release_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        on_release(self, cmd, rp);
        return rp;
      },
  };
}

} // namespace

task_actor spawn_task_actor(caf::actor_system& sys, task_environment env, task_view state,
                            bool history_loaded) {
  return sys.spawn(task_impl, std::move(env), std::move(state), history_loaded);
}

std::string refusal_details(const transition_verdict& v) {
  json::object o;
  json::array errors;
  for (const auto& f : v.failures)
    errors.push_back(json::object{{"guard", f.guard}, {"message", f.message}});
  o["errors"] = std::move(errors);
  json::array allowed;
  for (auto s : v.allowed_targets)
    allowed.push_back(json::string(to_string(s)));
  o["allowedTransitions"] = std::move(allowed);
  return json::serialize(o);
}

} // namespace mc::actors
