#include "actors/approval_actor.hpp"
#include "actors/event_subscription.hpp"

#include "actors/approval_changes.hpp"
#include "actors/field_errors.hpp"
#include "actors/replay_record.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/serialize.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <unordered_map>
#include <unordered_set>

namespace mc::actors {
namespace {

namespace json = boost::json;

struct approvals_state {
  static inline const char* name = "approvals";
  approval_environment env;
  std::unordered_map<std::string, approval> index;
  /// Decisions on their way to the store: a second decision of the same approval meanwhile is
  /// a conflict, as it would be once the first one lands.
  std::unordered_set<std::string> deciding;
};

using self_ptr = caf::stateful_actor<approvals_state>*;

/// Where a change's outcome goes once it is durable (or failed): the API's reply, or the
/// expirer's count.
using done_fn = std::function<void(caf::expected<api_reply>)>;

/// Answers `rp` with the outcome.
done_fn reply_to(caf::response_promise rp) {
  return [rp](caf::expected<api_reply> r) mutable {
    if (r)
      rp.deliver(std::move(*r));
    else
      rp.deliver(std::move(r.error()));
  };
}

/// Asks the task registry for the task's actor, then sends it `atom` with the command; the
/// outcome's approval is adopted into the index before `done` hears of it.
template <class Atom>
void through_task(self_ptr self, Atom atom, task_approval_command cmd, done_fn done) {
  auto& env = self->state.env;
  const auto task_id = *cmd.subject.task_id;
  self->request(env.tasks, env.write_timeout, get_atom::value, task_id)
      .then(
          [self, atom, cmd, done](task_actor& t) mutable {
            self->request(t, self->state.env.write_timeout, atom, cmd)
                .then(
                    [self, done](approval_outcome& out) mutable {
                      self->state.index[out.subject.id] = out.subject;
                      done(std::move(out.reply));
                    },
                    [done](caf::error& e) mutable { done(std::move(e)); });
          },
          [done](caf::error& e) mutable { done(std::move(e)); });
}

/// Commits a change of an approval without a task (approval row, audit, idempotency, and for a
/// decision its journal row), then adopts and publishes it.
void commit_alone(self_ptr self, persistence::write_batch batch, approval subject, api_reply reply,
                  done_fn done) {
  auto& env = self->state.env;
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .then(
          [self, subject, reply, done](persistence::write_ack) mutable {
            self->state.index[subject.id] = subject;
            if (self->state.env.events)
              caf::anon_send(self->state.env.events, approval_event{subject, std::nullopt});
            done(std::move(reply));
          },
          [done](caf::error& e) mutable { done(std::move(e)); });
}

/// The rows of a decision (or expiry) of an approval without a task, and its reply.
void commit_decision_alone(self_ptr self, approval decided, const std::string& actor_type,
                           const decide_approval_command* cmd, done_fn done) {
  auto& st = self->state;
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(decided));
  batch.rows.push_back(decision_row(decided));
  batch.rows.push_back(persistence::to_row(
      decision_audit(decided, actor_type, st.env.ids->next(id_prefix::activity))));
  api_reply reply{200,
                  json::serialize(json::object{
                      {"approval", to_json(decided)}, {"task", nullptr}, {"transition", nullptr}})};
  if (cmd)
    add_replay_record(batch, *cmd, reply);
  commit_alone(self, std::move(batch), std::move(decided), std::move(reply), std::move(done));
}

caf::response_promise create(self_ptr self, create_approval_command& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  const auto now = st.env.clk->now_ms();
  auto problems =
      validate_approval_request(cmd.draft, cmd.action_type_given, cmd.risk_level_given, now);
  if (problems.empty() && cmd.draft.task_id && cmd.draft.task_id->empty())
    problems.push_back({"taskId", "taskId names a task, or is left out"});
  if (!problems.empty()) {
    rp.deliver(field_error(errc::invalid_input, problems));
    return rp;
  }
  auto a = file_approval(std::move(cmd.draft), st.env.ids->next(id_prefix::approval), cmd.requestor,
                         now);
  if (a.task_id) {
    task_approval_command out{a,
                              cmd.requested_by_agent,
                              cmd.actor_type,
                              cmd.actor,
                              cmd.idempotency_key,
                              cmd.idempotency_fingerprint,
                              cmd.idempotency_expires_at};
    through_task(self, request_approval_atom::value, std::move(out), reply_to(rp));
    return rp;
  }
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(a));
  batch.rows.push_back(persistence::to_row(
      request_audit(a, cmd.actor_type, cmd.actor, st.env.ids->next(id_prefix::activity))));
  api_reply reply{201, json::serialize(json::object{{"approval", to_json(a)}, {"task", nullptr}})};
  add_replay_record(batch, cmd, reply);
  commit_alone(self, std::move(batch), std::move(a), std::move(reply), reply_to(rp));
  return rp;
}

caf::response_promise decide(self_ptr self, decide_approval_command& cmd) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto it = st.index.find(cmd.approval_id);
  if (it == st.index.end()) {
    rp.deliver(make_error(errc::not_found, "no approval " + cmd.approval_id));
    return rp;
  }
  if (st.deciding.contains(cmd.approval_id)) {
    rp.deliver(make_error(errc::conflict, "approval " + cmd.approval_id + " is being decided"));
    return rp;
  }
  const auto check = check_decision(it->second, {cmd.decider_kind, cmd.decider},
                                    st.env.policy->get()->policy.lead_may_decide_approvals);
  if (!check.allowed()) {
    rp.deliver(make_error(check.outcome == decision_refusal::already_decided ? errc::conflict
                                                                             : errc::forbidden,
                          check.message));
    return rp;
  }
  auto decided = decide_approval(it->second, cmd.approve, cmd.decider, std::move(cmd.note),
                                 st.env.clk->now_ms());
  const std::string actor_type = cmd.decider_kind == actor_kind::operator_ ? "operator" : "agent";
  st.deciding.insert(decided.id);
  done_fn done = [self, id = decided.id, reply = reply_to(rp)](caf::expected<api_reply> r) {
    self->state.deciding.erase(id);
    reply(std::move(r));
  };
  if (decided.task_id) {
    task_approval_command out{decided,
                              false,
                              actor_type,
                              cmd.decider,
                              cmd.idempotency_key,
                              cmd.idempotency_fingerprint,
                              cmd.idempotency_expires_at};
    through_task(self, decide_atom::value, std::move(out), std::move(done));
    return rp;
  }
  commit_decision_alone(self, std::move(decided), actor_type, &cmd, std::move(done));
  return rp;
}

/// Expires every pending approval past its time (each through its task actor, which keeps the
/// task where it is) and answers with the ones that expired once all are durable. One that is
/// being decided right now is left to its decision.
caf::typed_response_promise<std::vector<approval>> expire_overdue(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<std::vector<approval>>();
  const auto now = st.env.clk->now_ms();
  std::vector<approval> due;
  for (const auto& [id, a] : st.index)
    if (is_overdue(a, now) && !st.deciding.contains(id))
      due.push_back(expire_approval(a, now));
  if (due.empty()) {
    rp.deliver(std::vector<approval>{});
    return rp;
  }
  auto expired = std::make_shared<std::vector<approval>>();
  auto left = std::make_shared<std::size_t>(due.size());
  for (auto& a : due) {
    st.deciding.insert(a.id);
    done_fn done = [self, rp, expired, left, a](caf::expected<api_reply> r) mutable {
      self->state.deciding.erase(a.id);
      // A failed expiry stays pending and is tried again on the next tick.
      if (r)
        expired->push_back(a);
      if (--*left == 0)
        rp.deliver(std::move(*expired));
    };
    if (a.task_id) {
      task_approval_command out{a, false, "system", "system", {}, {}, 0};
      through_task(self, decide_atom::value, std::move(out), std::move(done));
    } else {
      commit_decision_alone(self, a, "system", nullptr, std::move(done));
    }
  }
  return rp;
}

api_reply list(self_ptr self, const approval_query& q) {
  const auto& st = self->state;
  std::vector<const approval*> all;
  all.reserve(st.index.size());
  for (const auto& [id, a] : st.index)
    all.push_back(&a);
  auto page = list_approvals(all, q, st.env.clk->now_ms());
  json::array items;
  for (const auto* a : page.items)
    items.push_back(to_json(*a));
  return {200, json::serialize(json::object{{"approvals", std::move(items)},
                                            {"total", page.total},
                                            {"hasMore", page.has_more},
                                            {"urgentCount", page.urgent}})};
}

caf::behavior approvals_impl(self_ptr self, approval_environment env,
                             std::vector<approval> recovered) {
  self->state.env = std::move(env);
  subscribe_to_events(self, self->state.env.events);
  for (auto& a : recovered) {
    auto id = a.id;
    self->state.index.insert_or_assign(std::move(id), std::move(a));
  }
  return {
      [self](create_atom, create_approval_command& cmd) { return create(self, cmd); },
      [self](decide_atom, decide_approval_command& cmd) { return decide(self, cmd); },
      [self](list_atom, const approval_query& q) { return list(self, q); },
      [self](expire_atom) { return expire_overdue(self); },
      [self](approval_event& e) {
        auto id = e.subject.id;
        self->state.index.insert_or_assign(std::move(id), std::move(e.subject));
      },
  };
}

} // namespace

caf::actor spawn_approval_actor(caf::actor_system& sys, approval_environment env,
                                std::vector<approval> recovered) {
  return sys.spawn(approvals_impl, std::move(env), std::move(recovered));
}

} // namespace mc::actors
