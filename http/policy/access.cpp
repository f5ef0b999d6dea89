#include "http/policy/access.hpp"

#include <algorithm>
#include <array>

namespace mc::http {
namespace {

using enum route_access;
using enum rate_class;

constexpr route_rule open_route(std::string_view key, rate_class rate) {
  return {key, open, rate, {}, false};
}
constexpr route_rule op(std::string_view key, rate_class rate) {
  return {key, operator_only, rate, {}, false};
}
constexpr route_rule any(std::string_view key, rate_class rate) {
  return {key, authenticated, rate, {}, false};
}
// An agent may call it, but only on its own resource, which the handler must check.
constexpr route_rule owned(std::string_view key, rate_class rate) {
  return {key, authenticated, rate, {}, true};
}

// Kept in SPEC §6 order so a reviewer can read the two side by side.
constexpr std::array routes{
    open_route("GET /health", none),

    // Agents: reads for everyone, controls for operators, heartbeats for the agent itself.
    any("GET /api/agents", reads),
    any("GET /api/agents/{id}", reads),
    op("PATCH /api/agents/{id}", events),
    op("POST /api/agents/{id}/quarantine", events),
    op("POST /api/agents/{id}/pause", events),
    op("POST /api/agents/{id}/resume", events),
    op("POST /api/agents/{id}/drain", events),
    op("POST /api/agents/{id}/restart", events),
    route_rule{"POST /api/agents", spawner, events, {}, false},
    route_rule{"POST /api/agents/{id}/heartbeat", agent_self, events, "id", false},

    op("POST /api/emergency/pause-squad", events),
    op("POST /api/emergency/resume-squad", events),

    // Tasks: the state machine decides who may move what; PATCH edits assignees and other
    // fields outside it, so it stays with operators.
    any("GET /api/tasks", reads),
    any("POST /api/tasks", task_creation),
    any("GET /api/tasks/{id}", reads),
    op("PATCH /api/tasks/{id}", events),
    any("POST /api/tasks/{id}/transition", events),
    any("GET /api/tasks/{id}/timeline", reads),
    any("GET /api/tasks/{id}/messages", reads),
    any("POST /api/tasks/{id}/messages", events),

    any("GET /api/runs", reads),
    any("POST /api/runs", events),
    owned("PATCH /api/runs/{id}", events),

    any("POST /api/tool-calls", events),
    owned("PATCH /api/tool-calls/{id}", events),

    any("GET /api/costs/agent/{id}", reads),
    any("GET /api/costs/daily", reads),

    any("GET /api/alerts", reads),
    op("POST /api/alerts/{id}/acknowledge", events),
    op("POST /api/alerts/{id}/resolve", events),

    any("GET /api/approvals", reads),
    any("POST /api/approvals", events),
    // The operator decides; a lead agent too where the policy allows it (never its own request):
    // the approvals actor checks, so agents pass the table and act only as themselves.
    any("POST /api/approvals/{id}/approve", events),
    any("POST /api/approvals/{id}/deny", events),

    // Policies are data (SPEC §4): anyone may read and evaluate, only operators edit.
    any("GET /api/policy", reads),
    any("GET /api/policy/active", reads),
    op("PUT /api/policy", events),
    any("POST /api/policy/evaluate", events),

    owned("GET /api/notifications", reads),
    owned("POST /api/notifications/{id}/ack", events),

    owned("GET /api/webhooks", reads),
    any("POST /api/webhooks", events),
    owned("DELETE /api/webhooks", events),
    owned("DELETE /api/webhooks/{id}", events),

    op("GET /api/audit/export", reads),
    any("GET /api/stats/overview", reads),
    any("GET /api/standup", reads),
    op("POST /api/standup", events),
    op("GET /metrics", reads),
};

constexpr bool keys_unique() {
  for (std::size_t i = 0; i < routes.size(); ++i)
    for (std::size_t j = i + 1; j < routes.size(); ++j)
      if (routes[i].key == routes[j].key)
        return false;
  return true;
}
static_assert(keys_unique(), "each route key appears once in the access table");

constexpr std::string_view bearer_scheme = "bearer";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

policy_error unauthenticated(std::string message) {
  return policy_error{errc::unauthenticated, std::move(message)};
}

policy_error forbidden(std::string message) {
  return policy_error{errc::forbidden, std::move(message)};
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

} // namespace

std::string_view to_string(caller_kind kind) noexcept {
  switch (kind) {
  case caller_kind::anonymous:
    return "anonymous";
  case caller_kind::operator_:
    return "operator";
  case caller_kind::agent:
    return "agent";
  }
  return "anonymous";
}

std::string_view to_string(route_access access) noexcept {
  switch (access) {
  case open:
    return "open";
  case operator_only:
    return "operator_only";
  case authenticated:
    return "authenticated";
  case agent_self:
    return "agent_self";
  case spawner:
    return "spawner";
  }
  return "operator_only";
}

std::string_view to_string(rate_class cls) noexcept {
  switch (cls) {
  case none:
    return "none";
  case task_creation:
    return "task_creation";
  case events:
    return "events";
  case reads:
    return "reads";
  }
  return "none";
}

bool tokenless_operator_allowed(const auth_settings& settings, bool peer_is_loopback) noexcept {
  return peer_is_loopback && settings.listener_loopback_only && !settings.require_auth;
}

policy_result<caller> authenticate(std::optional<std::string_view> authorization,
                                   bool peer_is_loopback, const auth_settings& settings,
                                   const operator_tokens& operators,
                                   const agent_token_lookup& agents) {
  if (!authorization) {
    if (tokenless_operator_allowed(settings, peer_is_loopback))
      return caller{caller_kind::operator_, settings.loopback_operator, false, true};
    return unauthenticated("missing bearer token (Authorization: Bearer <token>)");
  }
  auto value = trim_spaces(*authorization);
  auto space = value.find_first_of(" \t");
  if (space == std::string_view::npos || !iequals(value.substr(0, space), bearer_scheme))
    return unauthenticated("the Authorization header must be 'Bearer <token>'");
  auto token = trim_spaces(value.substr(space + 1));
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos)
    return unauthenticated("the Authorization header must be 'Bearer <token>'");

  if (auto name = operators.match(token))
    return caller{caller_kind::operator_, std::move(*name), false, false};
  if (agents) {
    if (auto cred = agents(hash_token(token)); cred && verify_token(token, cred->token_hash))
      return caller{caller_kind::agent, std::move(cred->agent_id), cred->can_spawn, false};
  }
  return unauthenticated("invalid or revoked token");
}

std::span<const route_rule> route_table() noexcept {
  return routes;
}

const route_rule* find_route(std::string_view key) noexcept {
  auto it =
      std::find_if(routes.begin(), routes.end(), [&](const route_rule& r) { return r.key == key; });
  return it == routes.end() ? nullptr : &*it;
}

policy_result<grant> authorize(const caller& who, std::string_view route_key,
                               std::span<const path_param> params,
                               std::optional<std::string_view> acting_agent) {
  const route_rule* rule = find_route(route_key);
  if (!rule)
    return forbidden("no access rule for " + std::string(route_key));
  if (rule->access == open)
    return grant{rule, std::nullopt};
  if (who.kind == caller_kind::anonymous)
    return unauthenticated("missing bearer token (Authorization: Bearer <token>)");
  if (who.kind == caller_kind::operator_)
    return grant{rule, std::nullopt};

  // An agent from here on: it acts only as itself, whatever the route.
  if (acting_agent && *acting_agent != who.id)
    return forbidden("agent " + quoted(who.id) + " may not act as " + quoted(*acting_agent));

  switch (rule->access) {
  case open:
  case authenticated:
    break;
  case operator_only:
    return forbidden(std::string(route_key) + " is for operators only");
  case agent_self: {
    auto it = std::find_if(params.begin(), params.end(),
                           [&](const path_param& p) { return p.name == rule->agent_param; });
    if (it == params.end())
      return forbidden("the route's " + quoted(rule->agent_param) + " parameter is missing");
    if (it->value != who.id)
      return forbidden("agent " + quoted(who.id) + " may not act for agent " + quoted(it->value));
    break;
  }
  case spawner:
    if (!who.can_spawn)
      return forbidden("agent " + quoted(who.id) + " may not register agents (canSpawn is off)");
    break;
  }
  if (rule->owner_checked_downstream)
    return grant{rule, who.id};
  return grant{rule, std::nullopt};
}

} // namespace mc::http
