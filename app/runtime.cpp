#include "app/runtime.hpp"

#include "actors/agent_registry.hpp"
#include "actors/approval_actor.hpp"
#include "actors/governance.hpp"
#include "actors/run_ledger.hpp"
#include "actors/task_registry.hpp"
#include "http/routes/audit_services.hpp"
#include "supervisors/all_supervisors.hpp"

#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <stdexcept>

namespace mc::app {
namespace {

namespace json = boost::json;

/// Idempotency keys survive a restart (SPEC §1): the index starts from the durable records.
void load_idempotency(persistence::store& db, http::idempotency_index& index, std::int64_t now) {
  std::vector<http::idempotency_record> records;
  db.transact(
      [&](persistence::store_txn& txn) {
        txn.scan(persistence::table_id::idempotency, {}, [&](const persistence::row& r) {
          auto stored = json::parse(r.at("response").s);
          records.push_back({r.at("key").s, r.at("fingerprint").s,
                             static_cast<int>(stored.at("status").as_int64()),
                             json::serialize(stored.at("body")), r.at("expires_at").i});
          return true;
        });
      },
      true);
  index.load(records, now);
}

} // namespace

runtime::runtime(caf::actor_system& sys, std::shared_ptr<persistence::store> db, const clock& clk,
                 id_generator& ids, persistence::recovered_state recovered, runtime_options opts)
    : sys_(sys) {
  ctx_ = std::make_shared<http::api_context>(std::move(opts.rate_limits));
  ctx_->sys = &sys;
  ctx_->clk = &clk;
  ctx_->bridge =
      std::make_unique<http::actor_bridge>(sys, sys.scheduler().num_workers(), http::actor_timeout);
  ctx_->auth = opts.auth;
  ctx_->operators = std::move(opts.operators);
  // Heartbeat state waits up to one coalescing window in its agent actor, then up to the rest of
  // the soft interval in the persistence actor: together never longer than the interval.
  const auto soft_window = opts.persistence.soft_interval / 5;
  auto persistence_cfg = opts.persistence;
  persistence_cfg.soft_interval -= soft_window;
  ctx_->db =
      persistence::spawn_persistence(sys, db, clk, persistence_cfg, opts.detached_persistence);
  load_idempotency(*db, ctx_->idempotency, clk.now_ms());

  auto events = sys.groups().anonymous();
  std::unordered_map<std::string, bool> can_spawn;
  for (const auto& a : recovered.agents)
    can_spawn[a.id] = a.can_spawn;
  for (auto& [agent_id, hash] : recovered.agent_token_hashes)
    ctx_->agent_tokens.put({agent_id, hash, can_spawn[agent_id]});

  actors::ledger_environment ledger_env;
  ledger_env.events = events;
  ledger_env.clk = &clk;
  ledger_env.policy = ctx_->policy;
  ctx_->ledger =
      actors::spawn_run_ledger(sys, ledger_env, std::move(recovered.runs),
                               std::move(recovered.tool_calls), recovered.tasks, recovered.agents);
  // Policy, alerts, notifications, webhooks: before the agents, whose heartbeats ack
  // notifications; the stored policy is in force before anything is served.
  actors::governance_environment gov_env;
  gov_env.db = ctx_->db;
  gov_env.events = events;
  gov_env.clk = &clk;
  gov_env.ids = &ids;
  gov_env.policy = ctx_->policy;
  ctx_->policies = actors::spawn_policy_actor(sys, gov_env, std::move(recovered.policy));
  auto alerts = std::move(recovered.open_alerts);
  alerts.insert(alerts.end(), recovered.resolved_alerts.begin(), recovered.resolved_alerts.end());
  ctx_->alerts = actors::spawn_alerts_actor(sys, gov_env, std::move(alerts));
  auto notes = std::move(recovered.pending_notifications);
  notes.insert(notes.end(), recovered.settled_notifications.begin(),
               recovered.settled_notifications.end());
  ctx_->notifications = actors::spawn_notifications_actor(sys, gov_env, std::move(notes));
  ctx_->webhooks = actors::spawn_webhooks_actor(sys, gov_env, std::move(recovered.webhooks));

  actors::agent_environment agent_env;
  agent_env.db = ctx_->db;
  agent_env.events = events;
  agent_env.clk = &clk;
  agent_env.ids = &ids;
  agent_env.policy = ctx_->policy;
  agent_env.soft_coalesce = soft_window;
  agent_env.ledger = ctx_->ledger;
  if (opts.prices)
    agent_env.prices = opts.prices;
  agent_env.notifications = ctx_->notifications;
  ctx_->agents =
      actors::spawn_agent_registry(sys, agent_env, std::move(recovered.agents), recovered.tasks);
  caf::anon_send(ctx_->notifications, actors::agents_atom::value, ctx_->agents);

  actors::task_environment task_env;
  task_env.db = ctx_->db;
  task_env.events = events;
  task_env.clk = &clk;
  task_env.ids = &ids;
  task_env.policy = ctx_->policy;
  // A change's answer waits until the agents' open-task lists have it (a reassignment shows in
  // the new assignee's next heartbeat).
  task_env.views.push_back(ctx_->agents.address());
  ctx_->tasks = actors::spawn_task_registry(sys, task_env, std::move(recovered.tasks));

  // The audit export and the stats read through their own connection on their own thread.
  const auto zone = local_zone::find(opts.timezone);
  if (!zone)
    throw std::invalid_argument("timezone: " + zone.error);
  ctx_->audit = http::make_audit_services([db] { return db->open_another(); }, *zone.zone);
  actors::approval_environment approval_env;
  approval_env.db = ctx_->db;
  approval_env.events = events;
  approval_env.tasks = ctx_->tasks;
  approval_env.clk = &clk;
  approval_env.ids = &ids;
  approval_env.policy = ctx_->policy;
  ctx_->approvals = actors::spawn_approval_actor(sys, approval_env, std::move(recovered.approvals));

  // Last: the supervisors watch and command everything above.
  supervisors::supervisor_environment sup_env;
  sup_env.db = ctx_->db;
  sup_env.events = events;
  sup_env.clk = &clk;
  sup_env.ids = &ids;
  sup_env.policy = ctx_->policy;
  sup_env.agents = ctx_->agents;
  sup_env.tasks = ctx_->tasks;
  sup_env.approvals = ctx_->approvals;
  sup_env.alerts = ctx_->alerts;
  sup_env.notifications = ctx_->notifications;
  sup_env.webhooks = ctx_->webhooks;
  sup_env.ledger = ctx_->ledger;
  sup_env.settings = opts.supervision;
  sup_env.log = opts.supervisor_log;
  if (!sup_env.log) {
    // Not registered with spdlog, so several runtimes (tests) may each have one.
    sup_env.log = std::make_shared<spdlog::logger>(
        "supervisors", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    // The access log's text layout, so one grep reads both.
    sup_env.log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  auto health = std::make_shared<actors::worker_health>();
  ctx_->workers = health;
  ctx_->supervisors = supervisors::spawn_root_supervisor(
      sys, std::move(sup_env),
      opts.supervisor_specs ? std::move(*opts.supervisor_specs) : supervisors::all_supervisors(),
      health, opts.supervisor_timer);
}

runtime::~runtime() {
  shutdown();
}

void runtime::add_routes(http::router& r) const {
  http::add_api_routes(r, ctx_);
}

void runtime::shutdown() {
  if (stopped_)
    return;
  stopped_ = true;
  if (ctx_->audit)
    ctx_->audit->reader->stop();
  caf::scoped_actor self{sys_};
  // The supervisors first: they command the actors below and must not act on a half-stopped
  // system.
  self->send_exit(ctx_->supervisors, caf::exit_reason::user_shutdown);
  self->request(ctx_->db, std::chrono::seconds(30), persistence::sync_atom::value)
      .receive([](persistence::write_ack) {},
               [](caf::error& e) {
                 std::cerr << "shutdown: final flush failed: " << to_string(e) << "\n";
               });
  self->send_exit(ctx_->tasks, caf::exit_reason::user_shutdown);
  self->send_exit(ctx_->agents, caf::exit_reason::user_shutdown);
  self->send_exit(ctx_->ledger, caf::exit_reason::user_shutdown);
  self->send_exit(ctx_->approvals, caf::exit_reason::user_shutdown);
  for (const auto& a : {ctx_->policies, ctx_->alerts, ctx_->notifications, ctx_->webhooks})
    self->send_exit(a, caf::exit_reason::user_shutdown);
  self->send_exit(ctx_->db, caf::exit_reason::user_shutdown);
  ctx_->bridge->stop();
}

} // namespace mc::app
