#include "actors/task_actor.hpp"

#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

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

std::string transition_reply_body(const task& t, const transition& tr) {
  json::object o;
  o["task"] = to_json(t);
  o["transition"] = to_json(tr);
  return json::serialize(o);
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

void on_transition(self_ptr self, transition_command& cmd,
                   caf::typed_response_promise<api_reply> rp) {
  auto& st = self->state;
  const auto& env = st.env;
  transition_context ctx;
  ctx.actor_status = cmd.actor_status;
  ctx.max_review_cycles = env.max_review_cycles;
  ctx.lead_may_complete = env.lead_may_complete;
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
  batch.rows.push_back(persistence::to_row(out.next));
  batch.rows.push_back(persistence::to_row(out.record));
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
  api_reply reply{200, transition_reply_body(out.next, out.record)};
  if (!cmd.idempotency_key.empty())
    batch.rows.push_back(
        persistence::idempotency_row(cmd.idempotency_key, cmd.idempotency_fingerprint,
                                     stored_reply(reply), cmd.idempotency_expires_at));
  // `await`: no other message of this task is handled until the write is settled, so moves of
  // one task never interleave and the state changes only once the change is durable.
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await(
          [self, rp, out, plan_message, reply](persistence::write_ack) mutable {
            auto& s = self->state;
            s.view.task = out.next;
            s.view.transitions.push_back(out.record);
            if (plan_message)
              s.view.messages.push_back(*plan_message);
            if (s.env.events)
              caf::anon_send(s.env.events, task_event{s.view.task, out.record, plan_message});
            rp.deliver(std::move(reply));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// Reads the task's journal from the store, then answers. `await`: nothing else of this task
/// runs meanwhile, so the history cannot miss a move made in between.
void load_history_then_answer(self_ptr self, caf::typed_response_promise<task_view> rp) {
  auto& env = self->state.env;
  const auto id = self->state.view.task.id;
  auto fail = [rp](caf::error& e) mutable { rp.deliver(std::move(e)); };
  self->request(env.db, env.write_timeout, persistence::read_atom::value,
                persistence::table_id::transitions, std::string("task_id"), id)
      .await(
          [self, rp, id, fail](std::vector<persistence::row>& transitions) mutable {
            const auto& e = self->state.env;
            self->request(e.db, e.write_timeout, persistence::read_atom::value,
                          persistence::table_id::messages, std::string("task_id"), id)
                .await(
                    [self, rp, transitions](std::vector<persistence::row>& messages) mutable {
                      auto& s = self->state;
                      s.view.transitions.clear();
                      for (const auto& r : transitions)
                        s.view.transitions.push_back(persistence::from_row<transition>(r));
                      s.view.messages.clear();
                      for (const auto& r : messages)
                        s.view.messages.push_back(persistence::from_row<message>(r));
                      s.history_loaded = true;
                      rp.deliver(s.view);
                    },
                    fail);
          },
          fail);
}

task_actor::behavior_type task_impl(self_ptr self, task_environment env, task_view state,
                                    bool history_loaded) {
  self->state.env = std::move(env);
  self->state.view = std::move(state);
  self->state.history_loaded = history_loaded;
  return {
      [self](get_atom) -> caf::typed_response_promise<task_view> {
        auto rp = self->make_response_promise<task_view>();
        if (self->state.history_loaded)
          rp.deliver(self->state.view);
        else
          load_history_then_answer(self, rp);
        return rp;
      },
      [self](transition_atom, transition_command& cmd) -> caf::typed_response_promise<api_reply> {
        auto rp = self->make_response_promise<api_reply>();
        on_transition(self, cmd, rp);
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
