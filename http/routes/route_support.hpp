// What every route handler shares: the context the routes are wired to, the guard that
// authenticates, authorizes and rate-limits a request before its handler runs, and the small
// parsing and idempotency helpers. No domain rule lives here.
#pragma once

#include "actors/agent_actor.hpp"
#include "actors/messages.hpp"
#include "actors/task_actor.hpp"
#include "actors/worker_health.hpp"
#include "http/policy/access.hpp"
#include "http/policy/agent_token_index.hpp"
#include "http/policy/idempotency.hpp"
#include "http/policy/rate_limit.hpp"
#include "http/policy/tokens.hpp"
#include "http/router.hpp"
#include "http/routes/actor_bridge.hpp"
#include "persistence/persistence_actor.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace mc::http {

struct audit_services;

/// Actor handles the HTTP threads have already looked up, so a request for a known task or agent
/// goes straight to its actor instead of through its registry first (one hop less per request;
/// the actors live as long as the runtime, so a handle never goes stale).
template <class Handle>
class handle_cache {
 public:
  std::optional<Handle> find(const std::string& id) const {
    const auto& s = shard(id);
    std::shared_lock lock(s.mutex);
    auto it = s.handles.find(id);
    if (it == s.handles.end())
      return std::nullopt;
    return it->second;
  }
  void put(const std::string& id, Handle h) {
    auto& s = shard(id);
    std::unique_lock lock(s.mutex);
    s.handles.insert_or_assign(id, std::move(h));
  }

 private:
  struct part {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, Handle> handles;
  };
  part& shard(const std::string& id) {
    return parts_[std::hash<std::string>{}(id) % parts_.size()];
  }
  const part& shard(const std::string& id) const {
    return parts_[std::hash<std::string>{}(id) % parts_.size()];
  }
  std::array<part, 16> parts_;
};

struct api_context {
  api_context() = default;
  explicit api_context(rate_limiter::options limits_options) : limits(std::move(limits_options)) {}

  caf::actor_system* sys = nullptr;
  persistence::persistence_actor db;
  caf::actor tasks;
  caf::actor agents;
  const clock* clk = nullptr;
  actors::policy_ptr policy = std::make_shared<actors::active_policy>();
  auth_settings auth;
  operator_tokens operators;
  agent_token_index agent_tokens;
  idempotency_index idempotency;
  rate_limiter limits;
  handle_cache<actors::task_actor> task_handles;
  handle_cache<actors::agent_actor> agent_handles;
  /// How handlers ask actors (set by the runtime).
  std::unique_ptr<actor_bridge> bridge;
  /// The audit export's and the stats' reader thread and zone (http/routes/audit_services.hpp).
  std::shared_ptr<audit_services> audit;
  /// The approvals actor (actors/approval_actor.hpp).
  caf::actor approvals;
  /// The governance actors (actors/governance.hpp).
  caf::actor policies;
  caf::actor alerts;
  caf::actor notifications;
  caf::actor webhooks;

  template <class Handle>
  handle_cache<Handle>& handles() {
    if constexpr (std::is_same_v<Handle, actors::task_actor>)
      return task_handles;
    else
      return agent_handles;
  }

  /// The run ledger (actors/run_ledger.hpp): runs, tool calls and cost reports.
  caf::actor ledger;
  /// The root supervisor (standups go through it) and what it says of the supervisors' health.
  caf::actor supervisors;
  std::shared_ptr<const actors::worker_health> workers = std::make_shared<actors::worker_health>();
};

using context_ptr = std::shared_ptr<api_context>;

/// A handler behind the guard: it runs only for a caller the route table admits, within its
/// rate limit, and learns who that caller is.
using guarded_handler =
    std::function<void(const request&, const path_params&, const caller&, responder)>;

/// Registers `pattern` behind the guard. The route must be in the access table (http/policy);
/// a route without a rule is a programming error and throws at start-up, never at request time.
void add_guarded(router& r, context_ptr ctx, method m, std::string_view pattern, guarded_handler h);

/// For handlers whose body names who acts (a transition's `actor`, a message's `author`): an
/// agent may only act as itself (403 otherwise).
void require_acting_as(const caller& who, std::string_view acting);

/// Takes the reply whole: a list page's body is tens of kilobytes, and it is only moved.
response from_reply(actors::api_reply r);

std::vector<std::string> split_commas(std::string_view s);

/// A query or body enum value, or a 400 naming the field.
template <class E>
E enum_param(std::string_view field, std::string_view text) {
  if (auto v = parse_enum<E>(text))
    return *v;
  throw http_error(errc::invalid_input,
                   "unknown " + std::string(field) + " '" + std::string(text) + "'");
}

/// A whole-number query parameter, or a 400 naming it.
std::int32_t int_param(std::string_view field, std::string_view text);

/// Refuses (400) a body member that is not in `known`: a misspelt field must not pass silently.
void refuse_unknown_fields(const boost::json::object& o, std::span<const std::string_view> known);

/// `order=asc|desc` (default desc), or a 400.
bool descending_param(const request& req);

/// The idempotency record a command carries to its actor.
struct idempotency_claim {
  std::string key; // empty: the request carried none
  std::string fingerprint;
  epoch_ms expires_at = 0;
};

/// Idempotent replay (SPEC §1): answers a replay or a conflict itself and returns nothing;
/// otherwise the claim (possibly keyless) the actor records with its change.
std::optional<idempotency_claim> reserve_key(api_context& ctx, const request& req,
                                             const caller& who, const boost::json::value& body,
                                             responder& res);

/// A responder that settles the reservation with the actor's answer, then answers the client.
responder settle(context_ptr ctx, const idempotency_claim& claim, responder res);

/// Asks `to` and answers with what `on_reply` makes of its reply.
template <class Reply, class Handle, class... Ts>
void ask_actor(const context_ptr& ctx, Handle to, responder res,
               std::function<response(Reply&)> on_reply, Ts... msg) {
  ctx->bridge->template ask<Reply>(std::move(to), std::move(res), std::move(on_reply),
                                   std::move(msg)...);
}

/// Asks `to` and answers with the api_reply it sends back (status and body as they are).
template <class Handle, class... Ts>
void ask_for_reply(const context_ptr& ctx, Handle to, responder res, Ts... msg) {
  ask_actor<actors::api_reply>(
      ctx, std::move(to), std::move(res),
      [](actors::api_reply& r) { return from_reply(std::move(r)); }, std::move(msg)...);
}

/// Asks a registry for the actor of `id` (404 when it has none), then hands it to `next`,
/// which answers through the responder it is given.
template <class Handle>
void with_actor(const context_ptr& ctx, const caf::actor& registry, std::string id, responder res,
                std::function<void(Handle, responder)> next) {
  if (auto known = ctx->template handles<Handle>().find(id)) {
    next(std::move(*known), std::move(res));
    return;
  }
  ctx->bridge->template ask_then<Handle>(
      registry, std::move(res),
      std::function<void(Handle&, responder)>([ctx, id, next](Handle& h, responder out) {
        ctx->template handles<Handle>().put(id, h);
        next(h, std::move(out));
      }),
      actors::get_atom::value, id);
}

} // namespace mc::http
