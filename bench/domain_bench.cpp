// Domain hot paths, per call: a transition check, a policy evaluation of a shell command, and a
// task's JSON round trip (what every request and every stored snapshot pays).
#include "domain/entity_json.hpp"
#include "domain/policy.hpp"
#include "domain/task_state_machine.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <benchmark/benchmark.h>

namespace {

using namespace mc;

task sample_task() {
  task t;
  t.id = "tsk_01HZX3K8Q2W7N5M4R6T8V0Y2B4";
  t.title = "Write the launch announcement";
  t.description = "Draft, review and publish the announcement for the new release.";
  t.status = task_status::assigned;
  t.assignee_ids = {"jordan"};
  t.labels = {"launch", "content"};
  t.work_plan = work_plan{{"outline", "draft", "edit", "publish"}, 0.5_usd, "2h"};
  t.created_at = t.updated_at = 1706745600000;
  return t;
}

void BM_TransitionCheck(benchmark::State& state) {
  const auto t = sample_task();
  transition_request req;
  req.to = task_status::in_progress;
  req.actor = {actor_kind::specialist, "jordan"};
  transition_context ctx;
  ctx.actor_status = agent_status::active;
  for (auto _ : state)
    benchmark::DoNotOptimize(check_transition(t, req, ctx));
}
BENCHMARK(BM_TransitionCheck);

void BM_PolicyEvaluateShell(benchmark::State& state) {
  const auto p = default_policy();
  policy_request req;
  req.role = agent_role::specialist;
  req.action.tool_name = "shell";
  req.action.command = "git status && npm test | tail -20";
  req.estimated_cost = 0.1_usd;
  req.today_spend = 1.0_usd;
  for (auto _ : state)
    benchmark::DoNotOptimize(evaluate(req, p));
}
BENCHMARK(BM_PolicyEvaluateShell);

void BM_TaskJsonRoundTrip(benchmark::State& state) {
  const auto t = sample_task();
  for (auto _ : state) {
    auto text = boost::json::serialize(to_json(t));
    benchmark::DoNotOptimize(from_json<task>(boost::json::parse(text)));
  }
}
BENCHMARK(BM_TaskJsonRoundTrip);

} // namespace

BENCHMARK_MAIN();
