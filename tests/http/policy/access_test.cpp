// Authentication cases of SPEC §6 and the whole route × caller matrix, written out by hand.
#include "http/policy/access.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace mc::http {
namespace {

// ---------------------------------------------------------------------------------------------
// authenticate

class Authenticate : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = parse_operator_tokens("alice:op-token-alice,bob:op-token-bob");
    ASSERT_TRUE(parsed);
    operators = *parsed;
    auto j = generate_agent_token();
    auto l = generate_agent_token();
    ASSERT_TRUE(j && l);
    jordan_token = j->token;
    lead_token = l->token;
    stored[j->hash] = agent_credential{"jordan", j->hash, false};
    stored[l->hash] = agent_credential{"lena", l->hash, true};
    lookup = [this](std::string_view hash) -> std::optional<agent_credential> {
      ++lookups;
      auto it = stored.find(std::string(hash));
      if (it == stored.end())
        return std::nullopt;
      return it->second;
    };
  }

  policy_result<caller> auth(std::optional<std::string_view> header, bool peer_loopback = false,
                             auth_settings s = {}) {
    return authenticate(header, peer_loopback, s, operators, lookup);
  }

  operator_tokens operators;
  std::map<std::string, agent_credential> stored;
  agent_token_lookup lookup;
  std::string jordan_token;
  std::string lead_token;
  int lookups = 0;
};

auth_settings loopback_listener(bool require_auth = false) {
  return auth_settings{true, require_auth, "operator"};
}
auth_settings public_listener(bool require_auth = false) {
  return auth_settings{false, require_auth, "operator"};
}

TEST_F(Authenticate, OperatorToken) {
  auto c = auth("Bearer op-token-bob");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(*c, (caller{caller_kind::operator_, "bob", false, false}));
  EXPECT_EQ(lookups, 0); // operators are checked first; agents are not consulted
}

TEST_F(Authenticate, OperatorTokenOnPublicListenerWithRequireAuth) {
  auto c = auth("Bearer op-token-alice", false, public_listener(true));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "alice");
}

TEST_F(Authenticate, AgentToken) {
  auto c = auth("Bearer " + jordan_token);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(*c, (caller{caller_kind::agent, "jordan", false, false}));
  auto l = auth("Bearer " + lead_token);
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (caller{caller_kind::agent, "lena", true, false}));
}

TEST_F(Authenticate, SchemeIsCaseInsensitiveAndSpacesAreTolerated) {
  EXPECT_TRUE(auth("bearer op-token-alice"));
  EXPECT_TRUE(auth("BEARER op-token-alice"));
  EXPECT_TRUE(auth("  Bearer   op-token-alice  "));
}

TEST_F(Authenticate, BadTokenIs401) {
  for (std::string_view header : {"Bearer nope", "Bearer op-token-alic", "Bearer mca_forged"}) {
    auto c = auth(header);
    ASSERT_FALSE(c) << header;
    EXPECT_EQ(c.error().code, errc::unauthenticated);
    EXPECT_EQ(c.error().message.find("nope"), std::string::npos);
  }
}

TEST_F(Authenticate, MalformedHeaderIs401) {
  for (std::string_view header :
       {"", "Bearer", "Bearer ", "Basic YWxpY2U6cHc=", "op-token-alice", "Bearer a b"}) {
    auto c = auth(header);
    ASSERT_FALSE(c) << '"' << header << '"';
    EXPECT_EQ(c.error().code, errc::unauthenticated);
  }
}

TEST_F(Authenticate, BadTokenFromLoopbackIsStill401) {
  auto c = auth("Bearer nope", true, loopback_listener());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unauthenticated);
}

TEST_F(Authenticate, NoTokenFromLoopbackOnLoopbackListenerActsAsOperator) {
  auto c = auth(std::nullopt, true, loopback_listener());
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (caller{caller_kind::operator_, "operator", false, true}));
  auth_settings named = loopback_listener();
  named.loopback_operator = "local-dev";
  auto d = auth(std::nullopt, true, named);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, "local-dev");
}

TEST_F(Authenticate, NoTokenFromLoopbackWithRequireAuthIs401) {
  auto c = auth(std::nullopt, true, loopback_listener(true));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unauthenticated);
}

TEST_F(Authenticate, NoTokenFromNonLoopbackPeerIs401) {
  auto c = auth(std::nullopt, false, loopback_listener());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unauthenticated);
}

TEST_F(Authenticate, NoTokenOnNonLoopbackListenerIs401EvenWithoutRequireAuth) {
  for (bool peer_loopback : {true, false}) {
    auto c = auth(std::nullopt, peer_loopback, public_listener(false));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, errc::unauthenticated);
  }
}

TEST_F(Authenticate, TokenlessOperatorRule) {
  // peer loopback × listener loopback-only × require_auth
  EXPECT_TRUE(tokenless_operator_allowed(loopback_listener(false), true));
  EXPECT_FALSE(tokenless_operator_allowed(loopback_listener(false), false));
  EXPECT_FALSE(tokenless_operator_allowed(loopback_listener(true), true));
  EXPECT_FALSE(tokenless_operator_allowed(loopback_listener(true), false));
  EXPECT_FALSE(tokenless_operator_allowed(public_listener(false), true));
  EXPECT_FALSE(tokenless_operator_allowed(public_listener(false), false));
  EXPECT_FALSE(tokenless_operator_allowed(public_listener(true), true));
  EXPECT_FALSE(tokenless_operator_allowed(public_listener(true), false));
}

TEST_F(Authenticate, LookupHitWithMismatchedStoredHashIsRejected) {
  // A sloppy lookup (say, a prefix match) must not let a different token in.
  agent_token_lookup sloppy = [&](std::string_view) -> std::optional<agent_credential> {
    return stored.begin()->second;
  };
  auto c = authenticate(std::string_view("Bearer mca_not-the-token"), false, {}, operators, sloppy);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unauthenticated);
}

TEST_F(Authenticate, NoAgentLookupMeansNoAgents) {
  auto c = authenticate("Bearer " + jordan_token, false, {}, operators, agent_token_lookup{});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, errc::unauthenticated);
}

TEST_F(Authenticate, LookupReceivesTheHashNotTheToken) {
  std::string seen;
  agent_token_lookup spy = [&](std::string_view h) -> std::optional<agent_credential> {
    seen = std::string(h);
    return std::nullopt;
  };
  (void)authenticate("Bearer " + jordan_token, false, {}, operators, spy);
  EXPECT_EQ(seen, hash_token(jordan_token));
}

// ---------------------------------------------------------------------------------------------
// The route × caller matrix. Expected verdicts are written out here, not derived from the table.

enum class v { ok, own, forbid, unauth };

struct row {
  std::string_view route;
  rate_class rate;
  v op;        // an operator (token or loopback)
  v self;      // an agent (no canSpawn) acting for itself: path {id} and acting id = itself
  v other;     // the same agent acting for another agent: path {id} and acting id = "riley"
  v anonymous; // no credentials
};

using enum v;
constexpr rate_class R = rate_class::reads;
constexpr rate_class E = rate_class::events;
constexpr rate_class T = rate_class::task_creation;
constexpr rate_class N = rate_class::none;

// clang-format off
const std::vector<row> matrix = {
  // route                                   rate  operator self    other   anonymous
  {"GET /health",                            N,    ok,      ok,     ok,     ok},
  {"GET /api/agents",                        R,    ok,      ok,     forbid, unauth},
  {"GET /api/agents/{id}",                   R,    ok,      ok,     forbid, unauth},
  {"PATCH /api/agents/{id}",                 E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/quarantine",       E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/pause",            E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/resume",           E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/drain",            E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/restart",          E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents",                       E,    ok,      forbid, forbid, unauth},
  {"POST /api/agents/{id}/heartbeat",        E,    ok,      ok,     forbid, unauth},
  {"POST /api/emergency/pause-squad",        E,    ok,      forbid, forbid, unauth},
  {"POST /api/emergency/resume-squad",       E,    ok,      forbid, forbid, unauth},
  {"GET /api/tasks",                         R,    ok,      ok,     forbid, unauth},
  {"POST /api/tasks",                        T,    ok,      ok,     forbid, unauth},
  {"GET /api/tasks/{id}",                    R,    ok,      ok,     forbid, unauth},
  {"PATCH /api/tasks/{id}",                  E,    ok,      forbid, forbid, unauth},
  {"POST /api/tasks/{id}/transition",        E,    ok,      ok,     forbid, unauth},
  {"GET /api/tasks/{id}/timeline",           R,    ok,      ok,     forbid, unauth},
  {"GET /api/tasks/{id}/messages",           R,    ok,      ok,     forbid, unauth},
  {"POST /api/tasks/{id}/messages",          E,    ok,      ok,     forbid, unauth},
  {"GET /api/runs",                          R,    ok,      ok,     forbid, unauth},
  {"POST /api/runs",                         E,    ok,      ok,     forbid, unauth},
  {"PATCH /api/runs/{id}",                   E,    ok,      own,    forbid, unauth},
  {"POST /api/tool-calls",                   E,    ok,      ok,     forbid, unauth},
  {"PATCH /api/tool-calls/{id}",             E,    ok,      own,    forbid, unauth},
  {"GET /api/costs/agent/{id}",              R,    ok,      ok,     forbid, unauth},
  {"GET /api/costs/daily",                   R,    ok,      ok,     forbid, unauth},
  {"GET /api/alerts",                        R,    ok,      ok,     forbid, unauth},
  {"POST /api/alerts/{id}/acknowledge",      E,    ok,      forbid, forbid, unauth},
  {"POST /api/alerts/{id}/resolve",          E,    ok,      forbid, forbid, unauth},
  {"GET /api/approvals",                     R,    ok,      ok,     forbid, unauth},
  {"POST /api/approvals",                    E,    ok,      ok,     forbid, unauth},
  {"POST /api/approvals/{id}/approve",       E,    ok,      ok,     forbid, unauth},
  {"POST /api/approvals/{id}/deny",          E,    ok,      ok,     forbid, unauth},
  {"GET /api/policy",                        R,    ok,      ok,     forbid, unauth},
  {"GET /api/policy/active",                 R,    ok,      ok,     forbid, unauth},
  {"PUT /api/policy",                        E,    ok,      forbid, forbid, unauth},
  {"POST /api/policy/evaluate",              E,    ok,      ok,     forbid, unauth},
  {"GET /api/notifications",                 R,    ok,      own,    forbid, unauth},
  {"POST /api/notifications/{id}/ack",       E,    ok,      own,    forbid, unauth},
  {"GET /api/webhooks",                      R,    ok,      own,    forbid, unauth},
  {"POST /api/webhooks",                     E,    ok,      ok,     forbid, unauth},
  {"DELETE /api/webhooks",                   E,    ok,      own,    forbid, unauth},
  {"DELETE /api/webhooks/{id}",              E,    ok,      own,    forbid, unauth},
  {"GET /api/audit/export",                  R,    ok,      forbid, forbid, unauth},
  {"GET /api/stats/overview",                R,    ok,      ok,     forbid, unauth},
  {"GET /api/standup",                       R,    ok,      ok,     forbid, unauth},
  {"POST /api/standup",                      E,    ok,      forbid, forbid, unauth},
  {"GET /metrics",                           R,    ok,      forbid, forbid, unauth},
};
// clang-format on

const caller op_caller{caller_kind::operator_, "alice", false, false};
const caller loopback_op{caller_kind::operator_, "operator", false, true};
const caller agent_caller{caller_kind::agent, "jordan", false, false};
const caller nobody{};

void expect_verdict(const policy_result<grant>& g, v expected, const std::string& what) {
  switch (expected) {
  case ok:
    ASSERT_TRUE(g) << what << ": " << g.error().message;
    EXPECT_FALSE(g->owner_must_be) << what;
    break;
  case own:
    ASSERT_TRUE(g) << what << ": " << g.error().message;
    EXPECT_EQ(g->owner_must_be, "jordan") << what;
    break;
  case forbid:
    ASSERT_FALSE(g) << what;
    EXPECT_EQ(g.error().code, errc::forbidden) << what << ": " << g.error().message;
    EXPECT_FALSE(g.error().message.empty());
    break;
  case unauth:
    ASSERT_FALSE(g) << what;
    EXPECT_EQ(g.error().code, errc::unauthenticated) << what;
    break;
  }
}

TEST(AccessMatrix, CoversEveryRouteOfTheTableExactlyOnce) {
  std::set<std::string_view> expected;
  for (const auto& r : matrix)
    EXPECT_TRUE(expected.insert(r.route).second) << "duplicate row " << r.route;
  std::set<std::string_view> actual;
  for (const auto& rule : route_table())
    actual.insert(rule.key);
  EXPECT_EQ(expected, actual);
}

TEST(AccessMatrix, RateClassOfEveryRoute) {
  for (const auto& r : matrix) {
    const route_rule* rule = find_route(r.route);
    ASSERT_NE(rule, nullptr) << r.route;
    EXPECT_EQ(rule->rate, r.rate) << r.route << ": " << to_string(rule->rate);
  }
}

TEST(AccessMatrix, EveryRouteForEveryCaller) {
  ASSERT_FALSE(matrix.empty()) << "an empty matrix would check nothing";
  const std::vector<path_param> self_params{{"id", "jordan"}};
  const std::vector<path_param> other_params{{"id", "riley"}};
  for (const auto& r : matrix) {
    const std::string route(r.route);
    expect_verdict(authorize(op_caller, r.route, self_params, "alice"), r.op, route + " operator");
    // An operator may name any agent as the actor.
    expect_verdict(authorize(op_caller, r.route, other_params, "riley"), r.op,
                   route + " operator for riley");
    expect_verdict(authorize(loopback_op, r.route, other_params, std::nullopt), r.op,
                   route + " loopback operator");
    expect_verdict(authorize(agent_caller, r.route, self_params, "jordan"), r.self,
                   route + " agent self");
    expect_verdict(authorize(agent_caller, r.route, other_params, "riley"), r.other,
                   route + " agent other");
    expect_verdict(authorize(nobody, r.route, self_params, std::nullopt), r.anonymous,
                   route + " anonymous");
  }
}

TEST(AccessMatrix, SpecExamplesReadAsStated) {
  // "An agent token acts only as that agent (it cannot heartbeat, record runs, transition or
  // approve for another)."
  const std::vector<path_param> riley{{"id", "riley"}};
  EXPECT_FALSE(authorize(agent_caller, "POST /api/agents/{id}/heartbeat", riley));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/runs", {}, "riley"));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/tasks/{id}/transition", {}, "human"));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/approvals/{id}/approve", {}, "riley"));
  // Without an acting id in the body the handler acts as the caller: allowed.
  EXPECT_TRUE(authorize(agent_caller, "POST /api/runs", {}));
  EXPECT_TRUE(authorize(agent_caller, "POST /api/tasks/{id}/transition", {}));
}

TEST(AccessMatrix, AgentsMayReadOtherAgents) {
  const std::vector<path_param> riley{{"id", "riley"}};
  EXPECT_TRUE(authorize(agent_caller, "GET /api/agents/{id}", riley));
  EXPECT_TRUE(authorize(agent_caller, "GET /api/costs/agent/{id}", riley));
}

TEST(AccessMatrix, AgentSelfRouteWithoutItsParameterFailsClosed) {
  auto g = authorize(agent_caller, "POST /api/agents/{id}/heartbeat", {});
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, errc::forbidden);
  EXPECT_TRUE(authorize(op_caller, "POST /api/agents/{id}/heartbeat", {}));
}

TEST(AccessMatrix, RegistrationByAnAgentNeedsCanSpawn) {
  caller spawner{caller_kind::agent, "lena", true, false};
  EXPECT_TRUE(authorize(spawner, "POST /api/agents", {}));
  EXPECT_TRUE(authorize(spawner, "POST /api/agents", {}, "lena"));
  auto other_parent = authorize(spawner, "POST /api/agents", {}, "jordan");
  ASSERT_FALSE(other_parent);
  EXPECT_EQ(other_parent.error().code, errc::forbidden);
  auto no_spawn = authorize(agent_caller, "POST /api/agents", {});
  ASSERT_FALSE(no_spawn);
  EXPECT_NE(no_spawn.error().message.find("canSpawn"), std::string::npos);
  // canSpawn opens registration only, nothing operator-only.
  EXPECT_FALSE(authorize(spawner, "PATCH /api/agents/{id}", {}));
}

TEST(AccessMatrix, UnknownRoutesAreDeniedForEveryone) {
  for (std::string_view key :
       {"GET /api/secrets", "DELETE /api/agents/{id}", "get /health", "GET /health/", ""}) {
    for (const caller& c : {op_caller, agent_caller, nobody}) {
      auto g = authorize(c, key, {});
      ASSERT_FALSE(g) << key;
      EXPECT_EQ(g.error().code, errc::forbidden) << key;
    }
  }
}

// Shaped like the router's parameter map.
class router_like_params {
 public:
  explicit router_like_params(std::map<std::string, std::string> m) : m_(std::move(m)) {}
  std::optional<std::string_view> find(std::string_view name) const noexcept {
    auto it = m_.find(std::string(name));
    if (it == m_.end())
      return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> m_;
};

TEST(AccessMatrix, AcceptsARouterParameterMap) {
  const router_like_params self(std::map<std::string, std::string>{{"id", "jordan"}});
  const router_like_params other(std::map<std::string, std::string>{{"id", "riley"}});
  const router_like_params empty(std::map<std::string, std::string>{});
  EXPECT_TRUE(authorize(agent_caller, "POST /api/agents/{id}/heartbeat", self));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/agents/{id}/heartbeat", other));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/agents/{id}/heartbeat", empty));
  EXPECT_FALSE(authorize(agent_caller, "POST /api/runs", empty, "riley"));
  EXPECT_TRUE(authorize(agent_caller, "GET /api/tasks/{id}", other));
  EXPECT_FALSE(authorize(agent_caller, "GET /api/unknown", self));
}

TEST(AccessMatrix, GrantCarriesItsRule) {
  auto g = authorize(op_caller, "POST /api/tasks", {});
  ASSERT_TRUE(g);
  ASSERT_NE(g->rule, nullptr);
  EXPECT_EQ(g->rule->key, "POST /api/tasks");
  EXPECT_EQ(g->rule->rate, rate_class::task_creation);
  EXPECT_EQ(find_route("POST /api/nothing"), nullptr);
}

} // namespace
} // namespace mc::http
