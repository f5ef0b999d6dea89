// The alerts index: raise (from the supervisors and the demo seed), list with counts,
// acknowledge and resolve; every change durable and audited before it is adopted.
#include "actors/field_errors.hpp"
#include "actors/governance.hpp"
#include "actors/governance_support.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <map>

namespace mc::actors {
namespace {

namespace json = boost::json;
using namespace governance_detail;

struct alerts_state {
  static inline const char* name = "alerts";
  governance_environment env;
  /// By id: generated ids sort by creation time.
  std::map<std::string, alert> alerts;
};

using self_ptr = caf::stateful_actor<alerts_state>*;

void publish(self_ptr self, const alert& a, bool raised) {
  if (self->state.env.events)
    caf::anon_send(self->state.env.events, alert_event{a, raised});
}

caf::result<alert> raise(self_ptr self, alert draft) {
  auto& st = self->state;
  auto problems = validate_new_alert(draft);
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  const auto now = st.env.clk->now_ms();
  alert a = std::move(draft);
  a.id = st.env.ids->next(id_prefix::alert);
  a.status = alert_status::open;
  a.resolved = false;
  a.acknowledged_by.reset();
  a.acknowledged_at.reset();
  a.resolved_at.reset();
  a.resolution_note.reset();
  a.created_at = now;
  auto audit = audit_of(st.env, "system", "system", "alert.raise", now, std::nullopt, to_json(a));
  audit.agent_id = a.agent_id;
  audit.task_id = a.task_id;
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(a));
  batch.rows.push_back(persistence::to_row(audit));
  auto rp = self->make_response_promise<alert>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, a]() mutable {
        self->state.alerts[a.id] = a;
        publish(self, a, true);
        rp.deliver(a);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::result<api_reply> act(self_ptr self, const alert_action_command& cmd) {
  auto& st = self->state;
  auto it = st.alerts.find(cmd.id);
  if (it == st.alerts.end())
    return make_error(errc::not_found, "no alert " + cmd.id);
  const auto now = st.env.clk->now_ms();
  auto out = cmd.resolve ? resolve_alert(it->second, cmd.actor, cmd.note, now)
                         : acknowledge_alert(it->second, cmd.actor, now);
  if (auto* refused = std::get_if<alert_refusal>(&out))
    return make_error(refused->code, refused->message);
  auto next = std::get<alert>(std::move(out));
  auto audit =
      audit_of(st.env, "operator", cmd.actor, cmd.resolve ? "alert.resolve" : "alert.acknowledge",
               now, to_json(it->second), to_json(next));
  audit.agent_id = next.agent_id;
  audit.task_id = next.task_id;
  if (!cmd.note.empty())
    audit.reason = cmd.note;
  api_reply reply{200, json::serialize(json::object{{"alert", to_json(next)}})};
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(next));
  batch.rows.push_back(persistence::to_row(audit));
  add_idempotency(batch, cmd.idempotency_key, cmd.idempotency_fingerprint,
                  cmd.idempotency_expires_at, reply);
  auto rp = self->make_response_promise<api_reply>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, next, reply]() mutable {
        self->state.alerts[next.id] = next;
        publish(self, next, false);
        rp.deliver(reply);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

api_reply list(const alerts_state& st, const alert_query& q) {
  std::vector<const alert*> hits;
  std::int64_t open = 0, critical = 0;
  for (const auto& [id, a] : st.alerts) {
    if (!a.resolved) {
      ++open;
      if (a.severity == alert_severity::critical)
        ++critical;
    }
    if (matches(a, q.filter))
      hits.push_back(&a);
  }
  if (q.descending)
    std::reverse(hits.begin(), hits.end());
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = std::min(static_cast<std::size_t>(std::max(q.offset, 0)), hits.size());
  const auto end = std::min(hits.size(), offset + limit);
  json::array page;
  for (std::size_t i = offset; i < end; ++i)
    page.push_back(to_json(*hits[i]));
  return api_reply{200, json::serialize(json::object{{"alerts", std::move(page)},
                                                     {"total", hits.size()},
                                                     {"hasMore", end < hits.size()},
                                                     {"openCount", open},
                                                     {"criticalCount", critical}})};
}

caf::behavior alerts_impl(self_ptr self, governance_environment env, std::vector<alert> recovered) {
  self->state.env = std::move(env);
  for (auto& a : recovered)
    self->state.alerts[a.id] = std::move(a);
  return {
      [self](raise_atom, alert& draft) { return raise(self, std::move(draft)); },
      [self](list_atom, const alert_query& q) { return list(self->state, q); },
      [self](get_atom, const std::string& id) -> caf::result<alert> {
        auto it = self->state.alerts.find(id);
        if (it == self->state.alerts.end())
          return make_error(errc::not_found, "no alert " + id);
        return it->second;
      },
      [self](const alert_action_command& cmd) { return act(self, cmd); },
  };
}

} // namespace

caf::actor spawn_alerts_actor(caf::actor_system& sys, governance_environment env,
                              std::vector<alert> recovered) {
  return sys.spawn(alerts_impl, std::move(env), std::move(recovered));
}

} // namespace mc::actors
