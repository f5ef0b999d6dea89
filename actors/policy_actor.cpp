// The one writer of the policy in force: `PUT /api/policy` validates the document, stores it as
// a new version (every version kept), audits it, and only then swaps the shared holder.
#include "actors/field_errors.hpp"
#include "actors/governance.hpp"
#include "actors/governance_support.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/governance_rows.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace mc::actors {
namespace {

namespace json = boost::json;
using namespace governance_detail;

struct policy_state {
  static inline const char* name = "policy";
  governance_environment env;
};

using self_ptr = caf::stateful_actor<policy_state>*;

caf::result<api_reply> put(self_ptr self, policy_put_command& cmd) {
  auto& st = self->state;
  auto problems = validate_policy(cmd.policy);
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  const auto now = st.env.clk->now_ms();
  const auto current = st.env.policy->get();
  policy_version v{current->number + 1, now, cmd.actor, cmd.policy};
  auto audit = audit_of(
      st.env, "operator", cmd.actor, "policy.update", now,
      json::value(json::object{{"version", current->number}, {"policy", to_json(current->policy)}}),
      json::value(json::object{{"version", v.version}, {"policy", to_json(v.policy)}}));
  active_policy::version next{v.policy, v.version, v.activated_at};
  auto body = json::parse(policy_body(next)).as_object();
  body["activatedBy"] = cmd.actor;
  api_reply reply{200, json::serialize(body)};
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(v));
  batch.rows.push_back(persistence::to_row(audit));
  add_idempotency(batch, cmd.idempotency_key, cmd.idempotency_fingerprint,
                  cmd.idempotency_expires_at, reply);
  auto rp = self->make_response_promise<api_reply>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, next, reply]() mutable {
        self->state.env.policy->set(next);
        rp.deliver(reply);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::behavior policy_impl(self_ptr self, governance_environment env) {
  self->state.env = std::move(env);
  return {
      [self](put_atom, policy_put_command& cmd) { return put(self, cmd); },
  };
}

} // namespace

caf::actor spawn_policy_actor(caf::actor_system& sys, governance_environment env,
                              std::optional<policy_version> latest) {
  // Restored before anything is served, so no request ever sees the default by mistake.
  if (latest)
    env.policy->set({latest->policy, latest->version, latest->activated_at});
  return sys.spawn(policy_impl, std::move(env));
}

std::string policy_body(const active_policy::version& v) {
  return json::serialize(json::object{
      {"policy", to_json(v.policy)},
      {"version", v.number},
      {"activatedAt", v.number == 0 ? json::value(nullptr) : json::value(v.activated_at)},
      {"builtin", v.number == 0}});
}

} // namespace mc::actors
