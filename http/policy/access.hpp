// Who is calling (SPEC §6 authentication) and whether they may call a route: one route × role
// table, in one place, that the router, the rate limiter and the tests all read.
#pragma once

#include "http/policy/policy_result.hpp"
#include "http/policy/tokens.hpp"

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mc::http {

enum class caller_kind : std::uint8_t { anonymous, operator_, agent };

std::string_view to_string(caller_kind kind) noexcept;

struct caller {
  caller_kind kind = caller_kind::anonymous;
  /// Operator name or agent id; empty for anonymous.
  std::string id;
  /// Agents only: may register sub-agents (the agent's canSpawn, as the token lookup saw it).
  bool can_spawn = false;
  /// Operator admitted without a token (loopback peer on a loopback-only listener), so the
  /// audit trail can tell a bare curl from a configured operator.
  bool implicit = false;

  friend bool operator==(const caller&, const caller&) = default;
};

/// What the agent token lookup returns for a stored hash.
struct agent_credential {
  std::string agent_id;
  /// The stored SHA-256 hex; compared again in constant time, whatever the lookup matched on.
  std::string token_hash;
  bool can_spawn = false;
};

/// Finds the agent whose stored token hash is `token_hash` (see hash_token). Called on the
/// HTTP threads, so it must be thread-safe.
using agent_token_lookup =
    std::function<std::optional<agent_credential>(std::string_view token_hash)>;

struct auth_settings {
  /// Every address the server listens on is a loopback address.
  bool listener_loopback_only = true;
  /// MC_REQUIRE_AUTH: tokens even from loopback.
  bool require_auth = false;
  /// The name a tokenless loopback request acts under (the runbook says `"approver":"operator"`).
  std::string loopback_operator = "operator";
};

/// Tokenless loopback requests act as the operator only when the listener is loopback-only and
/// require_auth is off; a non-loopback listener always requires tokens.
bool tokenless_operator_allowed(const auth_settings& settings, bool peer_is_loopback) noexcept;

/// SPEC §6 authentication. `authorization` is the raw Authorization header value, if any.
/// A `Bearer` token (scheme case-insensitive) that matches an operator token gives that
/// operator; one whose hash the lookup knows gives that agent. A header that is present but
/// malformed or unknown is 401 even where a tokenless request would pass: a client that sends a
/// token expects it to be checked. No header: the loopback operator where allowed, else 401.
policy_result<caller> authenticate(std::optional<std::string_view> authorization,
                                   bool peer_is_loopback, const auth_settings& settings,
                                   const operator_tokens& operators,
                                   const agent_token_lookup& agents);

/// Who may call a route.
enum class route_access : std::uint8_t {
  /// Anyone, without a token (health checks).
  open,
  /// Operators only.
  operator_only,
  /// Any operator or agent; an agent acts only as itself.
  authenticated,
  /// Operators, or the agent the path's agent parameter names.
  agent_self,
  /// Operators, or an agent allowed to spawn (canSpawn), registering as the parent.
  spawner,
};

std::string_view to_string(route_access access) noexcept;

/// Which per-token rate limit a route counts against (SPEC §6).
enum class rate_class : std::uint8_t { none, task_creation, events, reads };

std::string_view to_string(rate_class cls) noexcept;

struct route_rule {
  /// `METHOD /pattern`, e.g. `POST /api/agents/{id}/heartbeat`.
  std::string_view key;
  route_access access = route_access::operator_only;
  rate_class rate = rate_class::reads;
  /// The path parameter holding an agent id, for agent_self routes.
  std::string_view agent_param;
  /// For agents: the resource (run, tool call, notification, webhook) or the listing is theirs
  /// only if the handler checks its owner; authorize reports whose it must be.
  bool owner_checked_downstream = false;
};

/// Every route of SPEC §6 (and the policy routes of §4), in one table.
std::span<const route_rule> route_table() noexcept;

/// The rule for a route key, or nullptr.
const route_rule* find_route(std::string_view key) noexcept;

struct path_param {
  std::string_view name;
  std::string_view value;
};

struct grant {
  const route_rule* rule = nullptr;
  /// Set for agents on owner_checked_downstream routes: the handler must confirm the resource
  /// belongs to this agent (or list only this agent's) and answer 403 (or 404) otherwise.
  std::optional<std::string> owner_must_be;
};

/// Whether `who` may call `route_key`. `acting_agent` is whoever the body (or query) says acts:
/// a transition's `actor`, a run's or tool call's `agentId`, a message's `author`, a task's
/// `creatorId`, an approval's `requestorId`, a new agent's `parentAgentId`. An agent may only act
/// as itself; operators may name anyone. Unknown route keys are forbidden (fail closed);
/// anonymous callers on routes that need a token are unauthenticated (401), not forbidden.
policy_result<grant> authorize(const caller& who, std::string_view route_key,
                               std::span<const path_param> params = {},
                               std::optional<std::string_view> acting_agent = std::nullopt);

/// The same for a router's parameter map (anything with `find(name)` → optional string_view),
/// so the front door can pass its matched parameters as they are.
template <class Params>
requires requires(const Params& p, std::string_view name) {
  { p.find(name) } -> std::convertible_to<std::optional<std::string_view>>;
}
policy_result<grant> authorize(const caller& who, std::string_view route_key, const Params& params,
                               std::optional<std::string_view> acting_agent = std::nullopt) {
  const route_rule* rule = find_route(route_key);
  std::optional<std::string_view> agent;
  if (rule && !rule->agent_param.empty())
    agent = params.find(rule->agent_param);
  if (!agent)
    return authorize(who, route_key, std::span<const path_param>{}, acting_agent);
  const path_param p{rule->agent_param, *agent};
  return authorize(who, route_key, std::span<const path_param>(&p, 1), acting_agent);
}

} // namespace mc::http
