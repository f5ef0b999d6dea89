// The notifications index: notifications created by other actors (the dispatcher of issue 6,
// the demo seed), listed and acknowledged through the API or a heartbeat, and the push of each
// agent's pending heartbeat notifications to its actor (through the agent registry), so a
// heartbeat never has to ask for them.
#include "actors/agent_actor.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/field_errors.hpp"
#include "actors/governance.hpp"
#include "actors/governance_support.hpp"
#include "domain/notification_delivery.hpp"
#include "persistence/errc_caf.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace mc::actors {
namespace {

namespace json = boost::json;
using namespace governance_detail;

struct notifications_state {
  static inline const char* name = "notifications";
  governance_environment env;
  std::map<std::string, notification> all;
  /// Pending heartbeat notifications by target agent.
  std::unordered_map<std::string, std::set<std::string>> pending;
  /// The agent registry, and the agent actors it named.
  caf::actor agents;
  std::unordered_map<std::string, agent_actor> handles;
  std::int64_t seq = 0;
};

using self_ptr = caf::stateful_actor<notifications_state>*;

void index(notifications_state& st, const notification& n) {
  auto& mine = st.pending[n.target];
  if (n.channel == notification_channel::heartbeat && n.status == notification_status::pending)
    mine.insert(n.id);
  else
    mine.erase(n.id);
  st.all[n.id] = n;
}

pending_notifications pending_of(notifications_state& st, const std::string& target) {
  pending_notifications p;
  p.agent_id = target;
  p.seq = ++st.seq;
  for (const auto& id : st.pending[target])
    p.items.push_back(st.all.at(id));
  return p;
}

/// Sends `target` its pending list straight to its actor (asking the registry for the handle
/// once), then runs `after`. Straight, not through the registry: the push is in the agent's
/// mailbox before `after` replies, so a heartbeat sent after that reply sees it.
void push_then(self_ptr self, const std::string& target, std::function<void()> after) {
  auto& st = self->state;
  if (!st.agents || target == "operator") {
    after();
    return;
  }
  if (auto it = st.handles.find(target); it != st.handles.end()) {
    self->send(it->second, pending_of(st, target));
    after();
    return;
  }
  self->request(st.agents, st.env.write_timeout, get_atom::value, target)
      .then(
          [self, target, after](agent_actor& h) {
            self->state.handles[target] = h;
            self->send(h, pending_of(self->state, target));
            after();
          },
          [after](caf::error&) { after(); });
}

void publish(self_ptr self, const notification& n, bool created) {
  if (self->state.env.events)
    caf::anon_send(self->state.env.events, notification_event{n, created});
}

/// Writes the notification with its audit record, then indexes and publishes it; a heartbeat
/// notification is answered only once its agent's pending list has been pushed, so the agent's
/// next heartbeat reply already shows it.
caf::result<notification> save(self_ptr self, notification n, audit_record audit, bool created) {
  if (n.target != "operator")
    audit.agent_id = n.target;
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(n));
  batch.rows.push_back(persistence::to_row(audit));
  auto rp = self->make_response_promise<notification>();
  commit(
      self, self->state.env, std::move(batch),
      [self, rp, n, created]() mutable {
        index(self->state, n);
        publish(self, n, created);
        if (n.channel != notification_channel::heartbeat) {
          rp.deliver(n);
          return;
        }
        push_then(self, n.target, [rp, n]() mutable { rp.deliver(n); });
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::result<notification> create(self_ptr self, notification draft) {
  auto& st = self->state;
  auto problems = validate_new_notification(draft);
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  const auto now = st.env.clk->now_ms();
  notification n = std::move(draft);
  n.id = st.env.ids->next(id_prefix::notification);
  n.status = notification_status::pending;
  n.attempts = 0;
  n.created_at = now;
  if (n.expires_at <= now)
    n.expires_at = now + notification_ttl_ms;
  auto audit =
      audit_of(st.env, "system", "system", "notification.create", now, std::nullopt, to_json(n));
  return save(self, std::move(n), std::move(audit), true);
}

caf::result<api_reply> ack(self_ptr self, const notification_ack_command& cmd) {
  auto& st = self->state;
  auto it = st.all.find(cmd.id);
  if (it == st.all.end())
    return make_error(errc::not_found, "no notification " + cmd.id);
  if (cmd.agent && it->second.target != *cmd.agent)
    return make_error(errc::forbidden,
                      "notification " + cmd.id + " is not for agent '" + *cmd.agent + "'");
  auto next = acknowledge_notification(it->second);
  if (!next) {
    // Acknowledging twice changes nothing and writes nothing (delivery is at least once).
    return api_reply{200, json::serialize(json::object{{"notification", to_json(it->second)},
                                                       {"changed", false}})};
  }
  const auto now = st.env.clk->now_ms();
  auto audit = audit_of(st.env, cmd.actor_type, cmd.actor, "notification.ack", now,
                        to_json(it->second), to_json(*next));
  if (next->target != "operator")
    audit.agent_id = next->target;
  api_reply reply{
      200, json::serialize(json::object{{"notification", to_json(*next)}, {"changed", true}})};
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(*next));
  batch.rows.push_back(persistence::to_row(audit));
  add_idempotency(batch, cmd.idempotency_key, cmd.idempotency_fingerprint,
                  cmd.idempotency_expires_at, reply);
  auto rp = self->make_response_promise<api_reply>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, n = *next, reply]() mutable {
        index(self->state, n);
        publish(self, n, false);
        push_then(self, n.target, [rp, reply]() mutable { rp.deliver(reply); });
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

/// A heartbeat's acknowledgements: one commit for all of them, then the agent's list.
caf::result<pending_notifications> ack_from_heartbeat(self_ptr self, const std::string& agent_id,
                                                      const std::vector<std::string>& ids) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  std::vector<notification> changed;
  persistence::write_batch batch;
  for (const auto& id : ids) {
    auto it = st.all.find(id);
    if (it == st.all.end() || it->second.target != agent_id)
      continue;
    auto next = acknowledge_notification(it->second);
    if (!next || std::any_of(changed.begin(), changed.end(),
                             [&](const notification& n) { return n.id == id; }))
      continue;
    auto audit = audit_of(st.env, "agent", agent_id, "notification.ack", now, to_json(it->second),
                          to_json(*next));
    audit.agent_id = agent_id;
    audit.reason = "acknowledged in a heartbeat";
    batch.rows.push_back(persistence::to_row(*next));
    batch.rows.push_back(persistence::to_row(audit));
    changed.push_back(std::move(*next));
  }
  if (changed.empty())
    return pending_of(st, agent_id);
  auto rp = self->make_response_promise<pending_notifications>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, changed, agent_id]() mutable {
        for (const auto& n : changed) {
          index(self->state, n);
          publish(self, n, false);
        }
        rp.deliver(pending_of(self->state, agent_id));
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

std::vector<notification> due(const notifications_state& st, epoch_ms now) {
  std::vector<notification> out;
  for (const auto& [id, n] : st.all)
    if (notification_lapsed(n, now) || webhook_attempt_due(n, now))
      out.push_back(n);
  return out;
}

/// A delivery outcome or an expiry. Only the delivery fields change: what the notification says
/// and to whom is not the dispatcher's to rewrite.
caf::result<notification> update(self_ptr self, const notification_update_command& cmd) {
  auto& st = self->state;
  auto it = st.all.find(cmd.next.id);
  if (it == st.all.end())
    return make_error(errc::not_found, "no notification " + cmd.next.id);
  const auto& before = it->second;
  if (before.status != notification_status::pending)
    return before;
  notification n = before;
  n.status = cmd.next.status;
  n.attempts = cmd.next.attempts;
  n.next_attempt_at = cmd.next.next_attempt_at;
  n.last_error = cmd.next.last_error;
  if (n == before)
    return n;
  const auto now = st.env.clk->now_ms();
  auto audit = audit_of(st.env, "system", "system", cmd.action, now, to_json(before), to_json(n));
  audit.reason = n.last_error;
  return save(self, std::move(n), std::move(audit), false);
}

api_reply list(const notifications_state& st, const notification_query& q) {
  std::vector<const notification*> hits;
  for (const auto& [id, n] : st.all)
    if (matches(n, q.filter))
      hits.push_back(&n);
  if (q.descending)
    std::reverse(hits.begin(), hits.end());
  const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 200));
  const auto offset = std::min(static_cast<std::size_t>(std::max(q.offset, 0)), hits.size());
  const auto end = std::min(hits.size(), offset + limit);
  json::array page;
  for (std::size_t i = offset; i < end; ++i)
    page.push_back(to_json(*hits[i]));
  return api_reply{200, json::serialize(json::object{{"notifications", std::move(page)},
                                                     {"total", hits.size()},
                                                     {"hasMore", end < hits.size()}})};
}

caf::behavior notifications_impl(self_ptr self, governance_environment env,
                                 std::vector<notification> recovered) {
  self->state.env = std::move(env);
  for (const auto& n : recovered)
    index(self->state, n);
  return {
      [self](notify_atom, notification& draft) { return create(self, std::move(draft)); },
      [self](list_atom, const notification_query& q) { return list(self->state, q); },
      [self](const notification_ack_command& cmd) { return ack(self, cmd); },
      [self](ack_atom, const std::string& agent, const std::vector<std::string>& ids) {
        return ack_from_heartbeat(self, agent, ids);
      },
      [self](const notification_due_query& q) { return due(self->state, q.now); },
      [self](const notification_update_command& cmd) { return update(self, cmd); },
      [self](agents_atom, const caf::actor& registry) {
        auto& st = self->state;
        st.agents = registry;
        for (const auto& [target, ids] : st.pending)
          if (!ids.empty())
            push_then(self, target, [] {});
      },
  };
}

} // namespace

caf::actor spawn_notifications_actor(caf::actor_system& sys, governance_environment env,
                                     std::vector<notification> recovered) {
  return sys.spawn(notifications_impl, std::move(env), std::move(recovered));
}

} // namespace mc::actors
