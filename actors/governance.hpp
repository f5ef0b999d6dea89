// The governance actors: the policy holder's one writer, the alerts index, the notifications
// index (and its push of pending heartbeat notifications to the agents) and the webhook
// registrations. Each persists a change (with its audit record and the request's idempotency
// record) before it replies and adopts it only once it is durable.
#pragma once

#include "actors/active_policy.hpp"
#include "actors/governance_messages.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "persistence/persistence_actor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/group.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace mc::actors {

struct governance_environment {
  persistence::persistence_actor db;
  /// Where alert_events and notification_events go (the supervisors of issue 6 watch them).
  caf::group events;
  const clock* clk = nullptr;
  id_generator* ids = nullptr;
  policy_ptr policy = std::make_shared<active_policy>();
  std::chrono::milliseconds write_timeout{10000};
};

/// The policy writer. Messages:
/// - (put_atom, policy_put_command) -> api_reply `{"policy":…,"version":N,"activatedAt":ms,
///   "activatedBy":…}`: validates (errc::invalid_input with every problem), stores a new version
///   in `policies` (every version kept) with an audit record, then swaps `env.policy`.
/// At spawn, `latest` (the newest stored version, if any) becomes the policy in force.
caf::actor spawn_policy_actor(caf::actor_system& sys, governance_environment env,
                              std::optional<policy_version> latest);

/// The alerts index. Messages:
/// - (raise_atom, alert draft) -> alert: stores a new open alert (id and time given here, the
///   draft's type and title required), audits it and publishes alert_event{raised = true};
/// - (list_atom, alert_query) -> api_reply `{"alerts":[…],"total":N,"hasMore":bool,
///   "openCount":N,"criticalCount":N}` (counts of unresolved alerts, whatever the filter);
/// - (get_atom, std::string id) -> alert, or errc::not_found;
/// - alert_action_command -> api_reply `{"alert":…}`; errc::not_found, errc::invalid_input (no
///   resolution note), errc::conflict (already resolved / acknowledged).
caf::actor spawn_alerts_actor(caf::actor_system& sys, governance_environment env,
                              std::vector<alert> recovered);

/// The notifications index. Messages:
/// - (notify_atom, notification draft) -> notification: stores it pending (id, time and a 24 h
///   expiry given here), publishes notification_event and, for a heartbeat one, pushes the
///   target's pending list;
/// - (list_atom, notification_query) -> api_reply `{"notifications":[…],"total":N,"hasMore":…}`;
/// - notification_ack_command -> api_reply `{"notification":…,"changed":bool}`;
///   errc::not_found, errc::forbidden (an agent acking another's);
/// - (ack_atom, std::string agent, std::vector<std::string> ids) -> pending_notifications: a
///   heartbeat's acknowledgements, durable before the reply (unknown or foreign ids ignored);
/// - (agents_atom, caf::actor registry): the agent registry, asked once per agent for its actor;
///   pending lists then go straight to the agent actors (every agent's list is sent at once).
caf::actor spawn_notifications_actor(caf::actor_system& sys, governance_environment env,
                                     std::vector<notification> recovered);

/// The webhook registrations. Messages:
/// - (create_atom, webhook_create_command) -> api_reply 201 `{"webhook":…}` (never the secret:
///   the route adds it to the first reply only); errc::invalid_input;
/// - (list_atom, webhook_query) -> api_reply `{"webhooks":[…],"total":N,"hasMore":false}`;
/// - webhook_delete_command -> api_reply `{"deleted":[ids]}`; errc::not_found, errc::forbidden.
caf::actor spawn_webhooks_actor(caf::actor_system& sys, governance_environment env,
                                std::vector<webhook> recovered);

/// `{"policy":…,"version":N,"activatedAt":ms|null,"builtin":bool}`.
std::string policy_body(const active_policy::version& v);

/// A webhook as the API shows it: everything but the secret.
boost::json::value webhook_view(const webhook& w);

} // namespace mc::actors
