// The agent and task commands of the operators' runbook (RUNBOOK.md), run as written against the
// real server on both stores: the curl lines are parsed as curl would read them (no token, the
// form Content-Type curl gives `-d`), and the answers are checked.
#include "actors/governance.hpp"
#include "tests/e2e/api_server.hpp"

#include <caf/scoped_actor.hpp>

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::e2e {
namespace {

namespace json = boost::json;

// ---- curl, as the runbook writes it -------------------------------------------------------------

/// The words of a shell command line: single and double quotes, backslash-newline continuation;
/// a pipe or a redirect ends the command (`| jq`, `> audit.json`).
std::vector<std::string> shell_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      const auto close = line.find(c, i + 1);
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (!in_word && (c == '|' || c == '>'))
      break;
    word += c;
    in_word = true;
  }
  if (in_word)
    words.push_back(std::move(word));
  return words;
}

struct curl_request {
  verb method = verb::get;
  std::string target;
  std::optional<std::string> data;
  header_list headers;
};

/// What `curl [-s] [-X VERB] [-H 'h: v'] [-d DATA] URL` sends: POST when there is data and no
/// -X, curl's own User-Agent and Accept, and `Content-Type: application/x-www-form-urlencoded`
/// with -d unless -H sets one. No Authorization: the runbook's operator is the loopback one.
curl_request parse_curl(std::string_view command) {
  const auto words = shell_words(command);
  EXPECT_FALSE(words.empty() || words.front() != "curl") << command;
  curl_request out;
  std::optional<verb> explicit_method;
  header_list extra;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto& w = words[i];
    if (w == "-s")
      continue;
    if ((w == "-X" || w == "-d" || w == "-H") && i + 1 < words.size()) {
      const auto& arg = words[++i];
      if (w == "-X")
        explicit_method = bhttp::string_to_verb(arg);
      else if (w == "-d")
        out.data = arg;
      else
        extra.emplace_back(arg.substr(0, arg.find(':')), arg.substr(arg.find(':') + 2));
      continue;
    }
    constexpr std::string_view origin = "http://localhost:3000";
    EXPECT_EQ(w.rfind(origin, 0), 0u) << "not a runbook URL: " << w;
    out.target = w.substr(origin.size());
  }
  out.method = explicit_method.value_or(out.data ? verb::post : verb::get);
  out.headers = {{"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}};
  const bool typed = std::any_of(extra.begin(), extra.end(),
                                 [](const auto& h) { return h.first == "Content-Type"; });
  if (out.data && !typed)
    out.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  out.headers.insert(out.headers.end(), extra.begin(), extra.end());
  return out;
}

/// `{agentId}` → `riley` …; the runbook's shell variables (`$agentId`) the same way.
std::string substitute(std::string command, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values)
    for (const auto& placeholder : {"{" + name + "}", "$" + name}) {
      for (auto at = command.find(placeholder); at != std::string::npos;
           at = command.find(placeholder, at + value.size()))
        command.replace(at, placeholder.size(), value);
    }
  return command;
}

TEST(CurlLine, IsReadAsCurlReadsIt) {
  auto unblock = parse_curl(
      substitute(std::string(R"(curl -X POST http://localhost:3000/api/tasks/{taskId}/transition \
  -d '{
    "toStatus": "assigned"
  }')"),
                 {{"taskId", "tsk_1"}}));
  EXPECT_EQ(unblock.method, verb::post);
  EXPECT_EQ(unblock.target, "/api/tasks/tsk_1/transition");
  EXPECT_EQ(unblock.data, "{\n    \"toStatus\": \"assigned\"\n  }");
  EXPECT_EQ(unblock.headers.back(), (std::pair<std::string, std::string>{
                                        "Content-Type", "application/x-www-form-urlencoded"}));
  auto jq =
      parse_curl("curl -s http://localhost:3000/api/tasks?status=blocked,needs_approval | jq");
  EXPECT_EQ(jq.method, verb::get);
  EXPECT_EQ(jq.target, "/api/tasks?status=blocked,needs_approval");
  EXPECT_FALSE(jq.data);
  auto typed = parse_curl(R"(curl -X POST http://localhost:3000/api/approvals/apr_1/approve \
  -H "Content-Type: application/json" \
  -d '{"approver": "operator"}')");
  EXPECT_EQ(typed.headers.back(),
            (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  EXPECT_EQ(std::count_if(typed.headers.begin(), typed.headers.end(),
                          [](const auto& h) { return h.first == "Content-Type"; }),
            1);
}

class Runbook : public ::testing::TestWithParam<store_kind> {
 protected:
  // A developer's machine: loopback-only listener, no MC_REQUIRE_AUTH, no tokens at all.
  Runbook() : srv(GetParam(), app::runtime_options{}) {
    srv.register_agent("jordan", "lead");
    srv.register_agent("riley", "specialist");
  }

  /// Runs one runbook command with its placeholders filled in.
  response run(std::string_view command, const std::map<std::string, std::string>& values = {}) {
    const auto line = substitute(std::string(command), values);
    const auto req = parse_curl(line);
    auto r = srv.call(req.method, req.target, req.data.value_or(""), req.headers);
    last = line + "\n→ " + std::to_string(r.result_int()) + " " + r.body();
    return r;
  }

  /// Runs it and expects a 2xx JSON answer.
  json::value run_ok(std::string_view command,
                     const std::map<std::string, std::string>& values = {}) {
    auto r = run(command, values);
    EXPECT_GE(r.result_int(), 200u) << last;
    EXPECT_LT(r.result_int(), 300u) << last;
    return json_of(r);
  }

  json::value agent(std::string_view id) {
    return json_of(srv.call(verb::get, "/api/agents/" + std::string(id))).at("agent");
  }
  std::string status_of_task(const std::string& id) {
    return std::string(
        json_of(srv.call(verb::get, "/api/tasks/" + id)).at("task").at("status").as_string());
  }

  /// A task of `assignee` moved to in_progress, as the operator moves it.
  std::string task_in_progress(std::string_view title, std::string_view assignee) {
    const auto id = srv.create_task(R"({"title":")" + std::string(title) +
                                    R"(","type":"engineering","assigneeIds":[")" +
                                    std::string(assignee) + R"("]})");
    srv.move_task(id, R"({"toStatus":"in_progress","actor":"human",)"
                      R"("workPlan":{"bullets":["reproduce","fix","verify"]}})");
    // Time passes between the operator's moves, so histories read in order.
    srv.clock().advance(std::chrono::seconds(1));
    return id;
  }
  std::string blocked_task(std::string_view title, std::string_view assignee) {
    const auto id = task_in_progress(title, assignee);
    srv.move_task(id, R"({"toStatus":"blocked","actor":"human","reason":"loop detected"})");
    return id;
  }

  void patch_agent(std::string_view id, std::string_view body) {
    auto r = srv.call(verb::patch, "/api/agents/" + std::string(id), std::string(body));
    ASSERT_EQ(r.result_int(), 200u) << r.body();
  }

  api_server srv;
  std::string last; // the last command and its answer, for failure messages
};

double number(const json::value& v) {
  return v.to_number<double>();
}

// ---- Health Checks ------------------------------------------------------------------------------

TEST_P(Runbook, HealthChecks) {
  // Startup (local, Docker, VPS), Incident 4 step 5, Rollback step 5 and the Appendix.
  for (std::string_view command :
       {"curl http://localhost:3000/health", "curl -s http://localhost:3000/health | jq"}) {
    auto body = run_ok(command);
    EXPECT_EQ(body.at("status").as_string(), "ok") << last;
    EXPECT_EQ(body.at("timestamp").as_int64(), start_ms) << last;
    for (const char* service : {"api", "database", "workers"})
      EXPECT_EQ(body.at("services").at(service).as_string(), "ok") << service << ": " << last;
  }
}

TEST_P(Runbook, AgentLivenessListsAgentsWithTheirLastHeartbeat) {
  ASSERT_EQ(
      srv.call(verb::post, "/api/agents/jordan/heartbeat", R"({"status":"idle"})").result_int(),
      200u);
  srv.clock().advance(std::chrono::minutes(6));
  // Health Checks › Agent Liveness, and the Appendix's `| jq` form.
  for (std::string_view command :
       {"curl http://localhost:3000/api/agents", "curl -s http://localhost:3000/api/agents | jq"}) {
    auto body = run_ok(command);
    EXPECT_EQ(body.at("total").as_int64(), 2) << last;
    std::map<std::string, json::value> by_id;
    for (const auto& a : body.at("agents").as_array())
      by_id[std::string(a.at("id").as_string())] = a;
    ASSERT_EQ(by_id.size(), 2u) << last;
    // "Check for stale agents (lastHeartbeat > 5 min ago)": the list has what that needs.
    EXPECT_EQ(by_id["jordan"].at("lastHeartbeat").as_int64(), start_ms) << last;
    EXPECT_TRUE(by_id["riley"].at("lastHeartbeat").is_null()) << last;
  }
}

// ---- Incident 1: Budget Exceeded ----------------------------------------------------------------

TEST_P(Runbook, Incident1IncreaseTheBudgetThenQuarantine) {
  const std::map<std::string, std::string> ids{{"agentId", "riley"}};
  auto patched = run_ok(R"(curl -X PATCH http://localhost:3000/api/agents/{agentId} \
  -d '{"budgets": {"dailyCap": 20}}')",
                        ids);
  EXPECT_EQ(number(patched.at("agent").at("budgets").at("dailyCap")), 20.0) << last;
  EXPECT_EQ(number(agent("riley").at("budgets").at("dailyCap")), 20.0);

  auto quarantined =
      run_ok("curl -X POST http://localhost:3000/api/agents/{agentId}/quarantine", ids);
  EXPECT_EQ(quarantined.at("agent").at("status").as_string(), "quarantined") << last;
  EXPECT_EQ(agent("riley").at("status").as_string(), "quarantined");
  EXPECT_EQ(agent("jordan").at("status").as_string(), "active");
}

// ---- Incident 2: Loop Detected ------------------------------------------------------------------

constexpr std::string_view unblock_command =
    R"(curl -X POST http://localhost:3000/api/tasks/{taskId}/transition \
  -d '{
    "toStatus": "assigned",
    "actor": "human",
    "reason": "Clarified requirements: use approach X",
    "idempotencyKey": "manual-unblock-123"
  }')";

constexpr std::string_view cancel_command =
    R"(curl -X POST http://localhost:3000/api/tasks/{taskId}/transition \
  -d '{
    "toStatus": "canceled",
    "actor": "human",
    "reason": "Loop unrecoverable, requirements unclear",
    "idempotencyKey": "cancel-loop-123"
  }')";

TEST_P(Runbook, Incident2UnblockOnceEvenWhenSentTwiceThenCancel) {
  const auto id = blocked_task("Fix the flaky signup test", "riley");
  const std::map<std::string, std::string> ids{{"taskId", id}, {"newAgentId", "jordan"}};

  // Step 1, and the Appendix's `| jq` form: the history that led to the block.
  for (std::string_view command : {"curl http://localhost:3000/api/tasks/{taskId}/timeline",
                                   "curl -s http://localhost:3000/api/tasks/{id}/timeline | jq"}) {
    auto timeline = run_ok(command, {{"taskId", id}, {"id", id}});
    EXPECT_EQ(timeline.at("taskId").as_string(), id) << last;
    const auto& entries = timeline.at("timeline").as_array();
    ASSERT_FALSE(entries.empty()) << last;
    // In time order: the plan posted on the way to in_progress, then the block, last.
    EXPECT_EQ(entries.at(entries.size() - 2).at("message").at("type").as_string(), "work_plan")
        << last;
    EXPECT_EQ(entries.back().at("kind").as_string(), "transition") << last;
    EXPECT_EQ(entries.back().at("transition").at("to").as_string(), "blocked") << last;
    EXPECT_EQ(entries.back().at("transition").at("reason").as_string(), "loop detected") << last;
  }

  auto first = run(unblock_command, ids);
  ASSERT_EQ(first.result_int(), 200u) << last;
  const auto moved = json_of(first);
  EXPECT_EQ(moved.at("task").at("status").as_string(), "assigned") << last;
  EXPECT_EQ(moved.at("transition").at("from").as_string(), "blocked") << last;
  EXPECT_EQ(moved.at("transition").at("reason").as_string(),
            "Clarified requirements: use approach X")
      << last;
  EXPECT_TRUE(first["Idempotent-Replayed"].empty());

  auto again = run(unblock_command, ids);
  EXPECT_EQ(again.result_int(), 200u) << last;
  EXPECT_EQ(again["Idempotent-Replayed"], "true") << last;
  EXPECT_EQ(again.body(), first.body());
  auto shown = json_of(srv.call(verb::get, "/api/tasks/" + id));
  EXPECT_EQ(shown.at("task").at("status").as_string(), "assigned");
  std::size_t unblocks = 0;
  for (const auto& t : shown.at("transitions").as_array())
    unblocks += t.at("from") == "blocked" ? 1u : 0u;
  EXPECT_EQ(unblocks, 1u) << json::serialize(shown.at("transitions"));

  // Step 4b: reassign to a different agent.
  auto reassigned = run_ok(R"(curl -X PATCH http://localhost:3000/api/tasks/{taskId} \
  -d '{"assigneeIds": ["{newAgentId}"]}')",
                           ids);
  EXPECT_EQ(reassigned.at("task").at("assigneeIds"), json::array{"jordan"}) << last;
  EXPECT_EQ(reassigned.at("task").at("status").as_string(), "assigned") << last;

  auto canceled = run_ok(cancel_command, ids);
  EXPECT_EQ(canceled.at("task").at("status").as_string(), "canceled") << last;
  EXPECT_EQ(status_of_task(id), "canceled");
  auto timeline = json_of(srv.call(verb::get, "/api/tasks/" + id + "/timeline"));
  EXPECT_EQ(timeline.at("timeline").as_array().back().at("transition").at("to").as_string(),
            "canceled");
}

TEST_P(Runbook, Incident2CancelAnUnrecoverableLoop) {
  const auto id = blocked_task("Endless review ping-pong", "jordan");
  auto canceled = run_ok(cancel_command, {{"taskId", id}});
  EXPECT_EQ(canceled.at("task").at("status").as_string(), "canceled") << last;
  EXPECT_EQ(canceled.at("transition").at("from").as_string(), "blocked") << last;
  // Sent again, the same key replays instead of refusing a move out of a terminal state.
  auto again = run(cancel_command, {{"taskId", id}});
  EXPECT_EQ(again.result_int(), 200u) << last;
  EXPECT_EQ(again["Idempotent-Replayed"], "true") << last;
}

// ---- Incident 3: Agent Stuck --------------------------------------------------------------------

TEST_P(Runbook, Incident3InspectRestartAndQuarantine) {
  const auto task = task_in_progress("Migrate the billing cron", "riley");
  patch_agent("riley", R"({"status":"paused","errorStreak":4,"currentTaskId":")" + task + R"("})");
  const std::map<std::string, std::string> ids{{"agentId", "riley"}, {"taskId", task}};

  auto shown = run_ok("curl http://localhost:3000/api/agents/{agentId}", ids);
  EXPECT_EQ(shown.at("agent").at("id").as_string(), "riley") << last;
  EXPECT_EQ(shown.at("agent").at("currentTaskId").as_string(), task) << last;
  EXPECT_EQ(shown.at("currentTask").at("id").as_string(), task) << last;
  EXPECT_EQ(shown.at("stats").at("tasksInProgress").as_int64(), 1) << last;

  auto current = run_ok("curl http://localhost:3000/api/tasks/{taskId}", ids);
  EXPECT_EQ(current.at("task").at("status").as_string(), "in_progress") << last;
  EXPECT_EQ(current.at("task").at("assigneeIds"), json::array{"riley"}) << last;
  EXPECT_FALSE(current.at("transitions").as_array().empty()) << last;

  auto restarted = run_ok("curl -X POST http://localhost:3000/api/agents/{agentId}/restart", ids);
  EXPECT_EQ(restarted.at("agent").at("status").as_string(), "active") << last;
  EXPECT_EQ(restarted.at("agent").at("errorStreak").as_int64(), 0) << last;
  // The agent learns of the restart in its next heartbeat.
  auto beat = json_of(srv.call(verb::post, "/api/agents/riley/heartbeat", "{}"));
  EXPECT_TRUE(beat.as_object().contains("restartRequested")) << json::serialize(beat);

  // Option b: reassign the task to another agent.
  auto reassigned = run_ok(R"(curl -X PATCH http://localhost:3000/api/tasks/{taskId} \
  -d '{"assigneeIds": ["{newAgentId}"]}')",
                           {{"taskId", task}, {"newAgentId", "jordan"}});
  EXPECT_EQ(reassigned.at("task").at("assigneeIds"), json::array{"jordan"}) << last;
  auto listed = json_of(srv.call(verb::get, "/api/tasks?assigneeId=jordan"));
  EXPECT_EQ(listed.at("total").as_int64(), 1) << json::serialize(listed);

  auto quarantined =
      run_ok("curl -X POST http://localhost:3000/api/agents/{agentId}/quarantine", ids);
  EXPECT_EQ(quarantined.at("agent").at("status").as_string(), "quarantined") << last;
  EXPECT_EQ(agent("riley").at("status").as_string(), "quarantined");
}

// ---- Shutdown and Incident 5: pause the squad ---------------------------------------------------

TEST_P(Runbook, EmergencyPauseSquadPausesEveryAgentAndTasksStillList) {
  const auto working = task_in_progress("Draft the launch announcement", "jordan");
  srv.create_task(R"({"title":"Research competitor pricing pages"})");
  patch_agent("jordan", R"({"todaySpend":1.5})");
  patch_agent("riley", R"({"todaySpend":4.25})");

  // Graceful Shutdown step 1, Incident 5 step 1, the Appendix.
  auto paused = run_ok("curl -X POST http://localhost:3000/api/emergency/pause-squad");
  EXPECT_EQ(paused.at("paused").as_int64(), 2) << last;
  EXPECT_TRUE(paused.at("failed").as_array().empty()) << last;
  auto agents = run_ok("curl http://localhost:3000/api/agents");
  for (const auto& a : agents.at("agents").as_array())
    EXPECT_EQ(a.at("status").as_string(), "paused") << json::serialize(a);

  // Graceful Shutdown step 2 and the Appendix: the work still to finish.
  for (std::string_view command :
       {"curl http://localhost:3000/api/tasks?status=in_progress",
        "curl -s http://localhost:3000/api/tasks?status=in_progress | jq"}) {
    auto in_progress = run_ok(command);
    EXPECT_EQ(in_progress.at("total").as_int64(), 1) << last;
    EXPECT_EQ(in_progress.at("tasks").at(0).at("id").as_string(), working) << last;
  }

  // Incident 5 step 3: the culprits first.
  auto culprits = run_ok("curl http://localhost:3000/api/agents?sortBy=todaySpend&order=desc");
  ASSERT_EQ(culprits.at("agents").as_array().size(), 2u) << last;
  EXPECT_EQ(culprits.at("agents").at(0).at("id").as_string(), "riley") << last;
  EXPECT_EQ(number(culprits.at("agents").at(0).at("todaySpend")), 4.25) << last;
  EXPECT_EQ(culprits.at("agents").at(1).at("id").as_string(), "jordan") << last;

  // Incident 5 step 5, for each culprit.
  for (const char* id : {"riley", "jordan"}) {
    auto r = run_ok("curl -X POST http://localhost:3000/api/agents/$agentId/quarantine",
                    {{"agentId", id}});
    EXPECT_EQ(r.at("agent").at("status").as_string(), "quarantined") << last;
  }
  // A second pause-squad leaves quarantined agents quarantined.
  run_ok("curl -X POST http://localhost:3000/api/emergency/pause-squad");
  for (const char* id : {"riley", "jordan"})
    EXPECT_EQ(agent(id).at("status").as_string(), "quarantined") << id;
}

// ---- Recovery: Reset Agent State ----------------------------------------------------------------

TEST_P(Runbook, ResetAgentStateGivesACleanSlate) {
  const auto task = task_in_progress("Stuck job", "riley");
  patch_agent("riley", R"({"errorStreak":5,"todaySpend":3.5,"currentTaskId":")" + task + R"("})");
  ASSERT_EQ(srv.call(verb::post, "/api/agents/riley/quarantine").result_int(), 200u);

  auto reset = run_ok(R"(curl -X PATCH http://localhost:3000/api/agents/{agentId} \
  -d '{
    "status": "active",
    "errorStreak": 0,
    "todaySpend": 0,
    "currentTaskId": null
  }')",
                      {{"agentId", "riley"}});
  for (const auto& a : {reset.at("agent"), agent("riley")}) {
    EXPECT_EQ(a.at("status").as_string(), "active") << last;
    EXPECT_EQ(a.at("errorStreak").as_int64(), 0) << last;
    EXPECT_EQ(number(a.at("todaySpend")), 0.0) << last;
    EXPECT_TRUE(a.at("currentTaskId").is_null()) << last;
  }
}

// ---- Maintenance (weekly) and the Appendix ------------------------------------------------------

TEST_P(Runbook, WeeklyReviewListsAgentsBySpendAndStaleTasks) {
  const auto blocked = blocked_task("Waiting on the API key", "riley");
  const auto approval = task_in_progress("Send the newsletter", "jordan");
  srv.move_task(approval, R"({"toStatus":"needs_approval","actor":"human",)"
                          R"("reason":"sending email is red"})");
  task_in_progress("Still going", "riley");
  srv.create_task(R"({"title":"Untouched"})");

  auto by_spend = run_ok("curl http://localhost:3000/api/agents?sortBy=totalSpend&order=desc");
  EXPECT_EQ(by_spend.at("agents").as_array().size(), 2u) << last;

  auto stale = run_ok("curl http://localhost:3000/api/tasks?status=blocked,needs_approval");
  EXPECT_EQ(stale.at("total").as_int64(), 2) << last;
  std::map<std::string, std::string> found;
  for (const auto& t : stale.at("tasks").as_array())
    found[std::string(t.at("id").as_string())] = t.at("status").as_string();
  EXPECT_EQ(found[blocked], "blocked") << last;
  EXPECT_EQ(found[approval], "needs_approval") << last;
}

TEST_P(Runbook, AppendixQuarantineAndPauseAllAgents) {
  auto quarantined =
      run_ok("curl -X POST http://localhost:3000/api/agents/{id}/quarantine", {{"id", "jordan"}});
  EXPECT_EQ(quarantined.at("agent").at("status").as_string(), "quarantined") << last;
  auto paused = run_ok("curl -X POST http://localhost:3000/api/emergency/pause-squad");
  EXPECT_EQ(paused.at("paused").as_int64(), 1) << last;
  EXPECT_EQ(agent("riley").at("status").as_string(), "paused");
  EXPECT_EQ(agent("jordan").at("status").as_string(), "quarantined");
}

TEST_P(Runbook, AppendixExportAuditLogs) {
  // Appendix, as written (the fixture's clock is 2026-02-01 09:00 in Los Angeles).
  auto r = run(
      R"(curl -s "http://localhost:3000/api/audit/export?startDate=2026-02-01&endDate=2026-02-02" > audit.json)");
  ASSERT_EQ(r.result_int(), 200u) << last;
  EXPECT_EQ(r[bhttp::field::transfer_encoding], "chunked");
  const auto records = json_of(r);
  ASSERT_TRUE(records.is_array()) << last;
  std::vector<std::string> registered;
  std::string prev;
  for (const auto& v : records.as_array()) {
    EXPECT_EQ(v.at("prevHash").as_string(), prev) << last;
    prev = std::string(v.at("hash").as_string());
    if (v.at("action").as_string() == "agent.register")
      registered.emplace_back(v.at("agentId").as_string());
  }
  EXPECT_EQ(registered, (std::vector<std::string>{"jordan", "riley"})) << last;
}

TEST_P(Runbook, MonitoringKeyMetrics) {
  // Monitoring → Key Metrics: the runbook names the metrics, SPEC §6 the request.
  const auto s = run_ok("curl -s http://localhost:3000/api/stats/overview | jq");
  EXPECT_EQ(s.at("agents").at("active").as_int64(), 2) << last;
  EXPECT_TRUE(s.at("agents").at("averageErrorStreak").is_number()) << last;
  EXPECT_EQ(s.at("agents").at("stale").as_int64(), 2) << last; // neither has heartbeated
  for (const auto* key :
       {"completedPerDay", "averageTimeToCompletionMs", "reviewWithoutInterventionRate"})
    EXPECT_TRUE(s.at("tasks").as_object().contains(key)) << key;
  for (const auto* key : {"perDay", "byAgent", "byTaskType"})
    EXPECT_TRUE(s.at("cost").as_object().contains(key)) << key;
  for (const auto* key : {"budgetBreachesPerDay", "loopsDetectedPerDay", "approvalRequestsPerDay"})
    EXPECT_TRUE(s.at("incidents").as_object().contains(key)) << key;
}

// ---- Runs and costs: Incidents 1, 3 and 5, Daily Tasks ------------------------------------------

/// An agent reports a run (as an agent SDK would; the runbook only reads them).
void record_run(api_server& srv, std::string_view agent, std::string_view model, double cost) {
  auto r = srv.call(verb::post, "/api/runs",
                    R"({"agentId":")" + std::string(agent) + R"(","model":")" + std::string(model) +
                        R"(","costUsd":)" + std::to_string(cost) + "}");
  ASSERT_EQ(r.result_int(), 201u) << r.body();
  srv.clock().advance(std::chrono::seconds(1));
}

TEST_P(Runbook, Incident1CheckSpendAndReviewRecentRuns) {
  for (int i = 0; i < 12; ++i)
    record_run(srv, "riley", i % 3 ? "gpt-4o" : "claude-sonnet-4", 0.25);
  record_run(srv, "jordan", "gpt-4o", 1.0);
  const std::map<std::string, std::string> ids{{"agentId", "riley"}};

  auto spend = run_ok("curl http://localhost:3000/api/costs/agent/{agentId}", ids);
  EXPECT_EQ(spend.at("agentId").as_string(), "riley") << last;
  EXPECT_EQ(number(spend.at("today")), 3.0) << last;
  EXPECT_EQ(number(spend.at("week")), 3.0) << last;
  EXPECT_EQ(number(spend.at("month")), 3.0) << last;
  EXPECT_EQ(spend.at("runs").as_int64(), 12) << last;
  EXPECT_EQ(number(spend.at("averagePerRun")), 0.25) << last;
  EXPECT_EQ(spend.at("byModel").at("claude-sonnet-4").at("runs").as_int64(), 4) << last;
  EXPECT_EQ(number(spend.at("byTaskType").at("none").at("cost")), 3.0) << last;

  auto recent = run_ok("curl http://localhost:3000/api/runs?agentId={agentId}&limit=10", ids);
  EXPECT_EQ(recent.at("total").as_int64(), 12) << last;
  EXPECT_TRUE(recent.at("hasMore").as_bool()) << last;
  const auto& runs = recent.at("runs").as_array();
  ASSERT_EQ(runs.size(), 10u) << last;
  // Newest first.
  EXPECT_EQ(runs.front().at("startedAt").as_int64(), start_ms + 11'000) << last;
  for (const auto& r : runs)
    EXPECT_EQ(r.at("agentId").as_string(), "riley") << last;
}

TEST_P(Runbook, Incident3CheckRecentRuns) {
  for (int i = 0; i < 7; ++i)
    record_run(srv, "jordan", "gpt-4o", 0.1);
  auto recent = run_ok("curl http://localhost:3000/api/runs?agentId={agentId}&limit=5",
                       {{"agentId", "jordan"}});
  EXPECT_EQ(recent.at("runs").as_array().size(), 5u) << last;
  EXPECT_EQ(recent.at("total").as_int64(), 7) << last;
}

TEST_P(Runbook, Incident5PauseTheSquadThenFindTheSpend) {
  record_run(srv, "riley", "gpt-4o", 0.4);
  record_run(srv, "jordan", "claude-opus-4", 1.25);
  record_run(srv, "riley", "gpt-4o", 0.1);
  run_ok("curl -X POST http://localhost:3000/api/emergency/pause-squad");

  auto daily = run_ok("curl http://localhost:3000/api/costs/daily");
  EXPECT_EQ(number(daily.at("total")), 1.75) << last;
  EXPECT_EQ(number(daily.at("byAgent").at("riley").at("cost")), 0.5) << last;
  EXPECT_EQ(number(daily.at("byAgent").at("jordan").at("cost")), 1.25) << last;

  auto expensive = run_ok("curl http://localhost:3000/api/runs?sortBy=cost&order=desc&limit=20");
  const auto& runs = expensive.at("runs").as_array();
  ASSERT_EQ(runs.size(), 3u) << last;
  EXPECT_EQ(runs[0].at("agentId").as_string(), "jordan") << last;
  EXPECT_EQ(number(runs[0].at("costUsd")), 1.25) << last;
  EXPECT_EQ(number(runs[2].at("costUsd")), 0.1) << last;
}

TEST_P(Runbook, DailyTasksCheckSpend) {
  record_run(srv, "riley", "gpt-4o", 0.3);
  auto daily = run_ok("curl http://localhost:3000/api/costs/daily");
  EXPECT_EQ(number(daily.at("total")), 0.3) << last;
  EXPECT_EQ(daily.at("runs").as_int64(), 1) << last;
  EXPECT_EQ(daily.at("timezone").as_string(), "America/Los_Angeles") << last;
}

// ---- Approvals: Incident 1 step 4c and the Appendix ---------------------------------------------

/// A pending budget_override approval for a task of `agent` in progress, filed through the API
/// (by the operator on the agent's behalf); returns the approval's id.
std::string pending_approval(api_server& srv, const std::string& task, const std::string& agent) {
  auto r = srv.call(verb::post, "/api/approvals",
                    R"({"taskId":")" + task + R"(","requestorId":")" + agent +
                        R"(","actionType":"budget_override","riskLevel":"red",)"
                        R"("actionSummary":"Raise the daily cap to $20",)"
                        R"("justification":"Two more runs finish the job"})");
  EXPECT_EQ(r.result_int(), 201u) << r.body();
  return std::string(json_of(r).at("approval").at("id").as_string());
}

TEST_P(Runbook, Incident1ApproveTaskToContinue) {
  const auto task = task_in_progress("Launch campaign", "jordan");
  const auto approval = pending_approval(srv, task, "jordan");
  ASSERT_EQ(status_of_task(task), "needs_approval");

  const auto line = R"(curl -X POST http://localhost:3000/api/approvals/{approvalId}/approve \
  -d '{"approver": "operator", "decision": "Approved with increased budget"}')";
  auto approved = run_ok(line, {{"approvalId", approval}});
  const auto& a = approved.at("approval");
  EXPECT_EQ(a.at("status").as_string(), "approved") << last;
  EXPECT_EQ(a.at("decidedBy").as_string(), "operator") << last;
  EXPECT_EQ(a.at("decisionNote").as_string(), "Approved with increased budget") << last;
  EXPECT_EQ(status_of_task(task), "in_progress");
  // The task lists its approval, decided.
  auto shown = json_of(srv.call(verb::get, "/api/tasks/" + task));
  EXPECT_EQ(shown.at("approvals").at(0).at("status").as_string(), "approved");

  // Running the line again: the approval is already decided.
  auto again = run(line, {{"approvalId", approval}});
  EXPECT_EQ(again.result_int(), 409u) << last;
}

TEST_P(Runbook, AppendixApproveAction) {
  const auto task = task_in_progress("Publish the post", "riley");
  const auto approval = pending_approval(srv, task, "riley");
  auto approved = run_ok(R"(curl -X POST http://localhost:3000/api/approvals/{id}/approve \
  -H "Content-Type: application/json" \
  -d '{"approver": "operator", "decision": "Approved"}')",
                         {{"id", approval}});
  EXPECT_EQ(approved.at("approval").at("status").as_string(), "approved") << last;
  EXPECT_EQ(approved.at("approval").at("decisionNote").as_string(), "Approved") << last;
  EXPECT_EQ(approved.at("task").at("status").as_string(), "in_progress") << last;
  auto listed = json_of(srv.call(verb::get, "/api/approvals?status=approved"));
  EXPECT_EQ(listed.at("total").as_int64(), 1);
}

// ---- Daily Tasks --------------------------------------------------------------------------------

TEST_P(Runbook, DailyTasksCheckAlertsListsTheUnresolvedOnes) {
  // Two alerts raised the way the supervisors raise them; the operator resolves one.
  std::vector<std::string> ids;
  for (auto [type, severity] : {std::pair{"agent_stale", alert_severity::warning},
                                std::pair{"budget_exceeded", alert_severity::critical}}) {
    alert draft;
    draft.type = type;
    draft.title = type;
    draft.severity = severity;
    draft.agent_id = "riley";
    caf::scoped_actor self{srv.system()};
    self->request(srv.api()->alerts, std::chrono::seconds(10), actors::raise_atom::value, draft)
        .receive([&](alert& a) { ids.push_back(a.id); },
                 [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    srv.clock().advance(std::chrono::seconds(1));
  }
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_EQ(
      srv.call(verb::post, "/api/alerts/" + ids[0] + "/resolve", R"({"note":"back"})").result_int(),
      200u);
  // Daily Tasks step 1.
  auto body = run_ok("curl http://localhost:3000/api/alerts?resolved=false");
  ASSERT_EQ(body.at("total").as_int64(), 1) << last;
  EXPECT_EQ(body.at("alerts").at(0).at("id").as_string(), ids[1]) << last;
  EXPECT_EQ(body.at("alerts").at(0).at("type").as_string(), "budget_exceeded") << last;
  EXPECT_FALSE(body.at("alerts").at(0).at("resolved").as_bool()) << last;
  EXPECT_EQ(body.at("openCount").as_int64(), 1) << last;
  EXPECT_EQ(body.at("criticalCount").as_int64(), 1) << last;
}

INSTANTIATE_TEST_SUITE_P(Stores, Runbook, ::testing::ValuesIn(all_stores), store_name);

} // namespace
} // namespace mc::e2e
