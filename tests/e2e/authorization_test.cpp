// SPEC §6 authorization through the real server on both stores: every route the server serves ×
// every kind of caller, against a literal table of expected outcomes; the loopback operator and
// MC_REQUIRE_AUTH; and the per-token rate limits with the runtime's manual clock.
#include "actors/governance.hpp"
#include "http/policy/access.hpp"
#include "tests/e2e/api_server.hpp"

#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace mc::e2e {
namespace {

namespace json = boost::json;

/// A listener that is not loopback-only: every request needs a token.
http::auth_settings tokens_required() {
  http::auth_settings a;
  a.listener_loopback_only = false;
  return a;
}

/// MC_REQUIRE_AUTH on a loopback-only listener.
http::auth_settings require_auth() {
  http::auth_settings a;
  a.require_auth = true;
  return a;
}

// ---- the matrix ---------------------------------------------------------------------------------

/// What a cell expects: 401, 403, or allowed (the guard let it through: anything but 401/403).
enum class outcome { unauthenticated, forbidden, allowed };

constexpr auto U = outcome::unauthenticated;
constexpr auto F = outcome::forbidden;
constexpr auto ok = outcome::allowed;

/// The callers, in the order each route's cells run (the operator last, so its changes do not
/// decide the agents' cells).
enum caller_column { no_token, bad_token, agent_self, agent_other, operator_ };
constexpr std::array column_names{"no token (non-loopback listener)", "bad token",
                                  "agent token for itself", "agent token for another agent",
                                  "operator token"};

struct expectation {
  std::string_view route;
  std::array<outcome, 5> cells; // no token, bad token, agent self, agent other, operator
};

// The expected outcome of every cell. A route the server serves without a row here fails the
// test: add its row (and its request below) when a route lands.
constexpr expectation expected[] = {
    //  route                                 none bad self other operator
    {"GET /health", {ok, U, ok, ok, ok}},
    {"GET /api/agents", {U, U, ok, ok, ok}},
    {"GET /api/agents/{id}", {U, U, ok, ok, ok}},
    {"PATCH /api/agents/{id}", {U, U, F, F, ok}},
    {"POST /api/agents/{id}/quarantine", {U, U, F, F, ok}},
    {"POST /api/agents/{id}/pause", {U, U, F, F, ok}},
    {"POST /api/agents/{id}/resume", {U, U, F, F, ok}},
    {"POST /api/agents/{id}/drain", {U, U, F, F, ok}},
    {"POST /api/agents/{id}/restart", {U, U, F, F, ok}},
    {"POST /api/agents", {U, U, ok, F, ok}},
    {"POST /api/agents/{id}/heartbeat", {U, U, ok, F, ok}},
    {"POST /api/emergency/pause-squad", {U, U, F, F, ok}},
    {"POST /api/emergency/resume-squad", {U, U, F, F, ok}},
    {"GET /api/tasks", {U, U, ok, ok, ok}},
    {"POST /api/tasks", {U, U, ok, F, ok}},
    {"GET /api/tasks/{id}", {U, U, ok, ok, ok}},
    {"PATCH /api/tasks/{id}", {U, U, F, F, ok}},
    {"POST /api/tasks/{id}/transition", {U, U, ok, F, ok}},
    {"GET /api/tasks/{id}/timeline", {U, U, ok, ok, ok}},
    {"GET /api/tasks/{id}/messages", {U, U, ok, ok, ok}},
    {"POST /api/tasks/{id}/messages", {U, U, ok, F, ok}},
    {"GET /api/audit/export", {U, U, F, F, ok}},
    {"GET /api/stats/overview", {U, U, ok, ok, ok}},
    {"GET /api/standup", {U, U, ok, ok, ok}},
    {"POST /api/standup", {U, U, F, F, ok}},
    {"GET /api/runs", {U, U, ok, ok, ok}},
    {"POST /api/runs", {U, U, ok, F, ok}},
    {"PATCH /api/runs/{id}", {U, U, ok, F, ok}},
    {"POST /api/tool-calls", {U, U, ok, F, ok}},
    {"PATCH /api/tool-calls/{id}", {U, U, ok, F, ok}},
    {"GET /api/costs/agent/{id}", {U, U, ok, ok, ok}},
    {"GET /api/costs/daily", {U, U, ok, ok, ok}},
    {"GET /api/approvals", {U, U, ok, ok, ok}},
    {"POST /api/approvals", {U, U, ok, F, ok}},
    // Past the guard, a specialist is refused by the approval rules (403), a lead decides where
    // the policy allows it: the approval here does not exist, so the allowed cells answer 404.
    {"POST /api/approvals/{id}/approve", {U, U, ok, F, ok}},
    {"POST /api/approvals/{id}/deny", {U, U, ok, F, ok}},
    {"GET /api/alerts", {U, U, ok, ok, ok}},
    {"POST /api/alerts/{id}/acknowledge", {U, U, F, F, ok}},
    {"POST /api/alerts/{id}/resolve", {U, U, F, F, ok}},
    {"GET /api/policy", {U, U, ok, ok, ok}},
    {"GET /api/policy/active", {U, U, ok, ok, ok}},
    {"PUT /api/policy", {U, U, F, F, ok}},
    {"POST /api/policy/evaluate", {U, U, ok, F, ok}},
    // Notifications and webhooks are the agent's own (the handler checks the owner).
    {"GET /api/notifications", {U, U, ok, F, ok}},
    {"POST /api/notifications/{id}/ack", {U, U, ok, F, ok}},
    {"GET /api/webhooks", {U, U, ok, ok, ok}},
    {"POST /api/webhooks", {U, U, ok, ok, ok}},
    {"DELETE /api/webhooks", {U, U, ok, ok, ok}},
    {"DELETE /api/webhooks/{id}", {U, U, ok, F, ok}},
};

/// Whom one cell's request is about. Agent `ann` holds the agent token; `bob` is the other agent.
struct subject {
  std::string agent; // the path's agent
  std::string task;  // the path's task: one assigned to `agent`
  /// Who the body says acts (a transition's actor, a task's creatorId, a message's author, a new
  /// agent's parentAgentId); empty for the operator, who acts under its own name.
  std::string acting;
  std::string nonce;        // for what must be new in each cell (agent ids)
  std::string run;          // a run of `agent`
  std::string tool_call;    // a tool call of `agent`
  std::string notification; // one of `agent`'s notifications
  std::string webhook;      // a webhook `agent` may delete (ann's own; bob's: the operator's)
};

struct request_spec {
  verb method;
  std::string target;
  std::string body;
};

/// `"field":"value",` when `value` is set.
std::string field_if(std::string_view field, const std::string& value) {
  return value.empty() ? std::string{} : "\"" + std::string(field) + "\":\"" + value + "\",";
}

/// The request each route's cells send: a valid call for the caller it names.
std::map<std::string, std::function<request_spec(const subject&)>, std::less<>> requests() {
  using s = const subject&;
  std::map<std::string, std::function<request_spec(const subject&)>, std::less<>> r;
  r["GET /health"] = [](s) { return request_spec{verb::get, "/health", ""}; };
  r["GET /api/agents"] = [](s) { return request_spec{verb::get, "/api/agents", ""}; };
  r["GET /api/agents/{id}"] = [](s x) {
    return request_spec{verb::get, "/api/agents/" + x.agent, ""};
  };
  r["PATCH /api/agents/{id}"] = [](s x) {
    return request_spec{verb::patch, "/api/agents/" + x.agent, R"({"budgets":{"dailyCap":20}})"};
  };
  for (std::string_view control : {"quarantine", "pause", "resume", "drain", "restart"}) {
    r["POST /api/agents/{id}/" + std::string(control)] = [control = std::string(control)](s x) {
      return request_spec{verb::post, "/api/agents/" + x.agent + "/" + control, ""};
    };
  }
  r["POST /api/agents"] = [](s x) {
    return request_spec{verb::post, "/api/agents",
                        "{" + field_if("parentAgentId", x.acting) + R"("id":"spawn-)" + x.nonce +
                            R"(","role":"intern"})"};
  };
  r["POST /api/agents/{id}/heartbeat"] = [](s x) {
    return request_spec{verb::post, "/api/agents/" + x.agent + "/heartbeat",
                        R"({"status":"working"})"};
  };
  r["POST /api/emergency/pause-squad"] = [](s) {
    return request_spec{verb::post, "/api/emergency/pause-squad", ""};
  };
  r["POST /api/emergency/resume-squad"] = [](s) {
    return request_spec{verb::post, "/api/emergency/resume-squad", ""};
  };
  r["GET /api/tasks"] = [](s) { return request_spec{verb::get, "/api/tasks", ""}; };
  r["POST /api/tasks"] = [](s x) {
    return request_spec{verb::post, "/api/tasks",
                        "{" + field_if("creatorId", x.acting) + R"("title":"Matrix task"})"};
  };
  r["GET /api/tasks/{id}"] = [](s x) {
    return request_spec{verb::get, "/api/tasks/" + x.task, ""};
  };
  r["PATCH /api/tasks/{id}"] = [](s x) {
    return request_spec{verb::patch, "/api/tasks/" + x.task,
                        R"({"assigneeIds":[")" + x.agent + R"("]})"};
  };
  r["POST /api/tasks/{id}/transition"] = [](s x) {
    return request_spec{verb::post, "/api/tasks/" + x.task + "/transition",
                        "{" + field_if("actor", x.acting) +
                            R"("toStatus":"in_progress","workPlan":{"bullets":["a","b","c"]}})"};
  };
  r["GET /api/tasks/{id}/timeline"] = [](s x) {
    return request_spec{verb::get, "/api/tasks/" + x.task + "/timeline", ""};
  };
  r["GET /api/tasks/{id}/messages"] = [](s x) {
    return request_spec{verb::get, "/api/tasks/" + x.task + "/messages", ""};
  };
  r["POST /api/tasks/{id}/messages"] = [](s x) {
    return request_spec{verb::post, "/api/tasks/" + x.task + "/messages",
                        "{" + field_if("author", x.acting) +
                            R"("type":"comment","content":"looks good"})"};
  };
  r["GET /api/audit/export"] = [](s) {
    return request_spec{verb::get, "/api/audit/export?startDate=2026-02-01&endDate=2026-02-02", ""};
  };
  r["GET /api/stats/overview"] = [](s) {
    return request_spec{verb::get, "/api/stats/overview", ""};
  };
  r["GET /api/standup"] = [](s) { return request_spec{verb::get, "/api/standup", ""}; };
  r["POST /api/standup"] = [](s) { return request_spec{verb::post, "/api/standup", ""}; };
  r["GET /api/runs"] = [](s x) {
    return request_spec{verb::get, "/api/runs?agentId=" + x.agent, ""};
  };
  r["POST /api/runs"] = [](s x) {
    return request_spec{verb::post, "/api/runs",
                        R"({"agentId":")" + x.agent + R"(","model":"gpt-4o","costUsd":0.01})"};
  };
  r["PATCH /api/runs/{id}"] = [](s x) {
    return request_spec{verb::patch, "/api/runs/" + x.run, R"({"outputTokens":10})"};
  };
  r["POST /api/tool-calls"] = [](s x) {
    return request_spec{verb::post, "/api/tool-calls",
                        R"({"agentId":")" + x.agent + R"(","toolName":"read"})"};
  };
  r["PATCH /api/tool-calls/{id}"] = [](s x) {
    return request_spec{verb::patch, "/api/tool-calls/" + x.tool_call, R"({"retryCount":1})"};
  };
  r["GET /api/costs/agent/{id}"] = [](s x) {
    return request_spec{verb::get, "/api/costs/agent/" + x.agent, ""};
  };
  r["GET /api/costs/daily"] = [](s) { return request_spec{verb::get, "/api/costs/daily", ""}; };
  r["GET /api/approvals"] = [](s) { return request_spec{verb::get, "/api/approvals", ""}; };
  r["POST /api/approvals"] = [](s x) {
    return request_spec{verb::post, "/api/approvals",
                        "{" + field_if("requestorId", x.acting) + R"("taskId":")" + x.task +
                            R"(","actionType":"tool_exec","riskLevel":"red",)"
                            R"("actionSummary":"send the mail","justification":"launch day"})"};
  };
  for (std::string_view verdict : {"approve", "deny"}) {
    r["POST /api/approvals/{id}/" + std::string(verdict)] = [verdict = std::string(verdict)](s x) {
      return request_spec{verb::post, "/api/approvals/apr_unknown/" + verdict,
                          "{" + field_if("approver", x.acting) + R"("decision":"ok"})"};
    };
  }
  r["GET /api/alerts"] = [](s) {
    return request_spec{verb::get, "/api/alerts?resolved=false", ""};
  };
  r["POST /api/alerts/{id}/acknowledge"] = [](s) {
    return request_spec{verb::post, "/api/alerts/alr_unknown/acknowledge", ""};
  };
  r["POST /api/alerts/{id}/resolve"] = [](s) {
    return request_spec{verb::post, "/api/alerts/alr_unknown/resolve", R"({"note":"done"})"};
  };
  r["GET /api/policy"] = [](s) { return request_spec{verb::get, "/api/policy", ""}; };
  r["GET /api/policy/active"] = [](s) { return request_spec{verb::get, "/api/policy/active", ""}; };
  r["PUT /api/policy"] = [](s) {
    return request_spec{verb::put, "/api/policy", R"({"maxReviewCycles":3})"};
  };
  r["POST /api/policy/evaluate"] = [](s x) {
    return request_spec{verb::post, "/api/policy/evaluate",
                        R"({"agentId":")" + x.agent + R"(","toolName":"read_file"})"};
  };
  r["GET /api/notifications"] = [](s x) {
    return request_spec{verb::get, "/api/notifications?target=" + x.agent, ""};
  };
  r["POST /api/notifications/{id}/ack"] = [](s x) {
    return request_spec{verb::post, "/api/notifications/" + x.notification + "/ack", ""};
  };
  r["GET /api/webhooks"] = [](s) { return request_spec{verb::get, "/api/webhooks", ""}; };
  r["POST /api/webhooks"] = [](s) {
    return request_spec{verb::post, "/api/webhooks",
                        R"({"url":"https://hooks.example.com/new","events":["alert"]})"};
  };
  r["DELETE /api/webhooks"] = [](s x) {
    return request_spec{verb::delete_, "/api/webhooks?url=https://hooks.example.com/" + x.agent,
                        ""};
  };
  r["DELETE /api/webhooks/{id}"] = [](s x) {
    return request_spec{verb::delete_, "/api/webhooks/" + x.webhook, ""};
  };
  return r;
}

/// A run and a tool call of `agent`, recorded by the operator, when their routes are served.
std::pair<std::string, std::string> run_and_call_of(const api_server& srv, const std::string& agent,
                                                    const header_list& op) {
  if (!api_server::serves("POST /api/runs"))
    return {};
  auto run = srv.call(verb::post, "/api/runs",
                      R"({"agentId":")" + agent + R"(","model":"gpt-4o","costUsd":0.01})", op);
  auto call = srv.call(verb::post, "/api/tool-calls",
                       R"({"agentId":")" + agent + R"(","toolName":"read"})", op);
  return {std::string(json_of(run).at("run").at("id").as_string()),
          std::string(json_of(call).at("toolCall").at("id").as_string())};
}

struct matrix_case {
  store_kind store;
  std::string route;
};

void PrintTo(const matrix_case& c, std::ostream* os) {
  *os << to_string(c.store) << " " << c.route;
}

/// Every route of the access table the server serves now, on both stores. The routes of later
/// issues are left out here (they answer 404) and join the matrix as soon as they are routed.
std::vector<matrix_case> served_cases() {
  std::vector<matrix_case> out;
  for (auto store : all_stores)
    for (const auto& rule : http::route_table())
      if (api_server::serves(rule.key))
        out.push_back({store, std::string(rule.key)});
  return out;
}

std::string case_name(const ::testing::TestParamInfo<matrix_case>& info) {
  std::string name = std::string(to_string(info.param.store)) + "_";
  for (char c : info.param.route)
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  // `GET /api/x/{id}` → `sqlite_GET_api_x_id`, without runs of underscores.
  name.erase(
      std::unique(name.begin(), name.end(), [](char a, char b) { return a == '_' && b == '_'; }),
      name.end());
  if (name.back() == '_')
    name.pop_back();
  return name;
}

class AuthorizationMatrix : public ::testing::TestWithParam<matrix_case> {};

TEST_P(AuthorizationMatrix, EveryCallerGetsTheExpectedStatus) {
  const auto& route = GetParam().route;
  const auto* row = std::find_if(std::begin(expected), std::end(expected),
                                 [&](const expectation& e) { return e.route == route; });
  ASSERT_NE(row, std::end(expected)) << route << " is served but has no row in `expected`";
  const auto all = requests();
  const auto make = all.find(route);
  ASSERT_NE(make, all.end()) << route << " is served but has no request in requests()";

  // Tokens are required on this listener, as on any non-loopback one.
  api_server srv(GetParam().store, options_with_operator(tokens_required()));
  const auto op = bearer(operator_token);
  const auto ann = bearer(srv.register_agent("ann", "specialist", op));
  srv.register_agent("bob", "specialist", op);
  const std::map<std::string, std::string> task_of{
      {"ann", srv.create_task(R"({"title":"Ann's task","assigneeIds":["ann"]})", op)},
      {"bob", srv.create_task(R"({"title":"Bob's task","assigneeIds":["bob"]})", op)}};

  std::array<subject, 5> subjects{subject{"ann", task_of.at("ann"), "ann", "0", {}, {}, {}, {}},
                                  subject{"ann", task_of.at("ann"), "ann", "1", {}, {}, {}, {}},
                                  subject{"ann", task_of.at("ann"), "ann", "2", {}, {}, {}, {}},
                                  subject{"bob", task_of.at("bob"), "bob", "3", {}, {}, {}, {}},
                                  subject{"ann", task_of.at("ann"), "", "4", {}, {}, {}, {}}};
  const std::map<std::string, std::pair<std::string, std::string>> runs_of{
      {"ann", run_and_call_of(srv, "ann", op)}, {"bob", run_and_call_of(srv, "bob", op)}};
  for (auto& x : subjects)
    std::tie(x.run, x.tool_call) = runs_of.at(x.agent);
  // Each agent's own notification and webhook (bob's webhook is the operator's: ann may not
  // delete it).
  std::map<std::string, std::string> note_of, hook_of;
  for (const char* name : {"ann", "bob"}) {
    const std::string id = name;
    notification draft;
    draft.target = id;
    draft.title = "for " + id;
    caf::scoped_actor self{srv.system()};
    self->request(srv.api()->notifications, std::chrono::seconds(10), actors::notify_atom::value,
                  draft)
        .receive([&](notification& n) { note_of[id] = n.id; },
                 [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    auto made = srv.call(verb::post, "/api/webhooks",
                         R"({"url":"https://hooks.example.com/)" + id + R"(","events":["*"]})",
                         id == "ann" ? ann : op);
    EXPECT_EQ(made.result_int(), 201u) << made.body();
    hook_of[id] = std::string(json_of(made).at("webhook").at("id").as_string());
  }
  for (auto& x : subjects) {
    x.notification = note_of.at(x.agent);
    x.webhook = hook_of.at(x.agent);
  }
  const std::array<header_list, 5> headers{header_list{}, bearer("mca_not-a-real-token"), ann, ann,
                                           op};

  for (std::size_t col = 0; col < subjects.size(); ++col) {
    const auto req = make->second(subjects[col]);
    auto r = srv.call(req.method, req.target, req.body, headers[col]);
    const auto status = r.result_int();
    SCOPED_TRACE(std::string(column_names[col]) + ": " + req.target + " " + req.body + " → " +
                 std::to_string(status) + " " + r.body());
    switch (row->cells[col]) {
    case outcome::unauthenticated:
      EXPECT_EQ(status, 401u);
      EXPECT_EQ(json_of(r).at("error").at("code").as_string(), "UNAUTHORIZED");
      break;
    case outcome::forbidden:
      EXPECT_EQ(status, 403u);
      EXPECT_EQ(json_of(r).at("error").at("code").as_string(), "FORBIDDEN");
      break;
    case outcome::allowed:
      EXPECT_NE(status, 401u);
      EXPECT_NE(status, 403u);
      // The guard let it through and the handler answered (a refusal like 422 is fine).
      EXPECT_LT(status, 500u);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Served, AuthorizationMatrix, ::testing::ValuesIn(served_cases()),
                         case_name);

// ---- loopback operator, MC_REQUIRE_AUTH, rate limits --------------------------------------------

class Authentication : public ::testing::TestWithParam<store_kind> {};

TEST_P(Authentication, ATokenlessLoopbackRequestActsAsTheOperator) {
  api_server srv(GetParam()); // loopback-only listener, MC_REQUIRE_AUTH off
  srv.register_agent("ann", "specialist");
  // Operator-only routes answer a bare curl from this machine.
  auto paused = srv.call(verb::post, "/api/emergency/pause-squad");
  EXPECT_EQ(paused.result_int(), 200u) << paused.body();
  auto patched = srv.call(verb::patch, "/api/agents/ann", R"({"budgets":{"dailyCap":20}})");
  EXPECT_EQ(patched.result_int(), 200u) << patched.body();
  // A token that is sent is checked, even where none is needed.
  EXPECT_EQ(srv.call(verb::get, "/api/agents", "", bearer("mca_wrong")).result_int(), 401u);
  EXPECT_EQ(srv.call(verb::get, "/api/agents", "", bearer(operator_token)).result_int(), 200u);
}

TEST_P(Authentication, RequireAuthTurnsTheLoopbackOperatorOff) {
  api_server srv(GetParam(), options_with_operator(require_auth()));
  const std::pair<verb, std::string_view> bare[] = {{verb::get, "/api/agents"},
                                                    {verb::get, "/api/tasks"},
                                                    {verb::post, "/api/emergency/pause-squad"}};
  for (auto [v, target] : bare) {
    auto r = srv.call(v, target);
    EXPECT_EQ(r.result_int(), 401u) << target << ": " << r.body();
    EXPECT_EQ(json_of(r).at("error").at("code").as_string(), "UNAUTHORIZED");
  }
  EXPECT_EQ(srv.call(verb::get, "/api/agents", "", bearer(operator_token)).result_int(), 200u);
  const auto ann = srv.register_agent("ann", "specialist", bearer(operator_token));
  EXPECT_EQ(srv.call(verb::get, "/api/tasks", "", bearer(ann)).result_int(), 200u);
}

app::runtime_options small_limits() {
  auto opts = options_with_operator(tokens_required());
  auto& l = opts.rate_limits.limits;
  l.reads = 3;
  l.events = 4;
  l.task_creation = 2;
  l.operator_reads = 5;
  l.operator_events = 100;
  l.operator_task_creation = 100;
  return opts;
}

void expect_rate_limited(const response& r) {
  EXPECT_EQ(r.result_int(), 429u) << r.body();
  const auto retry = std::string(r["Retry-After"]);
  ASSERT_FALSE(retry.empty()) << "no Retry-After";
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);
  auto body = json_of(r);
  const auto& e = body.at("error");
  EXPECT_EQ(e.at("code").as_string(), "RATE_LIMITED");
  EXPECT_FALSE(e.at("message").as_string().empty());
  EXPECT_TRUE(e.at("details").is_object());
  EXPECT_FALSE(e.at("requestId").as_string().empty());
}

TEST_P(Authentication, TheRequestOverTheLimitIs429WithRetryAfterAndTheClockRefills) {
  api_server srv(GetParam(), small_limits());
  const auto op = bearer(operator_token);
  const auto ann = bearer(srv.register_agent("ann", "specialist", op));
  const auto bob = bearer(srv.register_agent("bob", "specialist", op));

  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(srv.call(verb::get, "/api/tasks", "", ann).result_int(), 200u) << i;
  auto limited = srv.call(verb::get, "/api/agents", "", ann); // reads share one bucket
  expect_rate_limited(limited);
  // Per token: bob and the operator still read.
  EXPECT_EQ(srv.call(verb::get, "/api/tasks", "", bob).result_int(), 200u);
  EXPECT_EQ(srv.call(verb::get, "/api/tasks", "", op).result_int(), 200u);
  // Other classes keep their own buckets, and health counts against none.
  EXPECT_EQ(srv.call(verb::post, "/api/agents/ann/heartbeat", "{}", ann).result_int(), 200u);
  EXPECT_EQ(srv.call(verb::get, "/health", "", ann).result_int(), 200u);

  // Waiting as long as Retry-After says lets one more through; no wall clock involved.
  const int retry = std::stoi(std::string(limited["Retry-After"]));
  srv.clock().advance(std::chrono::seconds(retry));
  EXPECT_EQ(srv.call(verb::get, "/api/tasks", "", ann).result_int(), 200u);
  expect_rate_limited(srv.call(verb::get, "/api/tasks", "", ann));
  // A full minute refills the bucket.
  srv.clock().advance(std::chrono::minutes(1));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(srv.call(verb::get, "/api/tasks", "", ann).result_int(), 200u) << i;
  expect_rate_limited(srv.call(verb::get, "/api/tasks", "", ann));
}

TEST_P(Authentication, TaskCreationAndOperatorReadsHaveTheirOwnLimits) {
  api_server srv(GetParam(), small_limits());
  const auto op = bearer(operator_token);
  const auto ann = bearer(srv.register_agent("ann", "specialist", op));
  EXPECT_EQ(srv.call(verb::post, "/api/tasks", R"({"title":"one"})", ann).result_int(), 201u);
  EXPECT_EQ(srv.call(verb::post, "/api/tasks", R"({"title":"two"})", ann).result_int(), 201u);
  auto third = srv.call(verb::post, "/api/tasks", R"({"title":"three"})", ann);
  expect_rate_limited(third);
  // The refused request created nothing.
  auto list = srv.call(verb::get, "/api/tasks", "", op);
  EXPECT_EQ(json_of(list).at("total").as_int64(), 2);

  // The operator's reads: 5 a minute here, one of them spent on the list above.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(srv.call(verb::get, "/api/agents", "", op).result_int(), 200u) << i;
  expect_rate_limited(srv.call(verb::get, "/api/agents", "", op));
}

INSTANTIATE_TEST_SUITE_P(Stores, Authentication, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
