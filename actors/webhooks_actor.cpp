// The webhook registrations: create (the secret is stored for signing, never listed), list and
// delete, durable and audited, restored at boot.
#include "actors/delivery_messages.hpp"
#include "actors/field_errors.hpp"
#include "actors/governance.hpp"
#include "actors/governance_support.hpp"
#include "domain/notification_delivery.hpp"
#include "persistence/errc_caf.hpp"
#include "persistence/governance_rows.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <map>

namespace mc::actors {
namespace {

namespace json = boost::json;
using namespace governance_detail;

struct webhooks_state {
  static inline const char* name = "webhooks";
  governance_environment env;
  std::map<std::string, webhook> hooks;
};

using self_ptr = caf::stateful_actor<webhooks_state>*;

caf::result<api_reply> create(self_ptr self, webhook_create_command& cmd) {
  auto& st = self->state;
  auto problems = validate_webhook(cmd.draft);
  if (cmd.draft.secret.empty())
    problems.push_back({"secret", "a webhook needs a secret"});
  if (!problems.empty())
    return field_error(errc::invalid_input, problems);
  const auto now = st.env.clk->now_ms();
  webhook w = std::move(cmd.draft);
  w.id = st.env.ids->next(webhook_id_prefix);
  w.deleted_at.reset();
  w.created_at = now;
  auto audit = audit_of(st.env, cmd.actor_type, cmd.actor, "webhook.create", now, std::nullopt,
                        webhook_view(w));
  if (cmd.actor_type == "agent")
    audit.agent_id = cmd.actor;
  api_reply reply{201, json::serialize(json::object{{"webhook", webhook_view(w)}})};
  persistence::write_batch batch;
  batch.rows.push_back(persistence::to_row(w));
  batch.rows.push_back(persistence::to_row(audit));
  add_idempotency(batch, cmd.idempotency_key, cmd.idempotency_fingerprint,
                  cmd.idempotency_expires_at, reply);
  auto rp = self->make_response_promise<api_reply>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, w, reply]() mutable {
        self->state.hooks[w.id] = w;
        rp.deliver(reply);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::result<api_reply> remove(self_ptr self, const webhook_delete_command& cmd) {
  auto& st = self->state;
  std::vector<webhook> gone;
  if (cmd.id) {
    auto it = st.hooks.find(*cmd.id);
    if (it == st.hooks.end())
      return make_error(errc::not_found, "no webhook " + *cmd.id);
    if (!may_manage(it->second, cmd.agent))
      return make_error(errc::forbidden, "webhook " + *cmd.id + " belongs to someone else");
    gone.push_back(it->second);
  } else if (cmd.url) {
    for (const auto& [id, w] : st.hooks)
      if (w.url == *cmd.url && may_manage(w, cmd.agent))
        gone.push_back(w);
    if (gone.empty())
      return make_error(errc::not_found, "no webhook of yours is registered for " + *cmd.url);
  } else {
    return make_error(errc::invalid_input, "name the webhook by id or by ?url=");
  }
  const auto now = st.env.clk->now_ms();
  json::array ids;
  for (const auto& w : gone)
    ids.push_back(json::string(w.id));
  api_reply reply{200, json::serialize(json::object{{"deleted", ids}})};
  persistence::write_batch batch;
  for (auto& w : gone) {
    auto audit = audit_of(st.env, cmd.actor_type, cmd.actor, "webhook.delete", now, webhook_view(w),
                          std::nullopt);
    if (cmd.actor_type == "agent")
      audit.agent_id = cmd.actor;
    batch.rows.push_back(persistence::to_row(audit));
    // A deleted registration stays as a tombstone (the store upserts; nothing is erased), so
    // the audit trail can still name what it was.
    w.deleted_at = now;
    batch.rows.push_back(persistence::to_row(w));
  }
  add_idempotency(batch, cmd.idempotency_key, cmd.idempotency_fingerprint,
                  cmd.idempotency_expires_at, reply);
  auto rp = self->make_response_promise<api_reply>();
  commit(
      self, st.env, std::move(batch),
      [self, rp, gone, reply]() mutable {
        for (const auto& w : gone)
          self->state.hooks.erase(w.id);
        rp.deliver(reply);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::behavior webhooks_impl(self_ptr self, governance_environment env,
                            std::vector<webhook> recovered) {
  self->state.env = std::move(env);
  for (auto& w : recovered)
    if (!w.deleted_at)
      self->state.hooks[w.id] = std::move(w);
  return {
      [self](create_atom, webhook_create_command& cmd) { return create(self, cmd); },
      [self](list_atom, const webhook_query& q) {
        json::array out;
        for (const auto& [id, w] : self->state.hooks)
          if (may_manage(w, q.agent))
            out.push_back(webhook_view(w));
        const auto n = out.size();
        return api_reply{200, json::serialize(json::object{
                                  {"webhooks", std::move(out)}, {"total", n}, {"hasMore", false}})};
      },
      [self](const webhook_delete_command& cmd) { return remove(self, cmd); },
      [self](const webhook_match_query& q) {
        std::vector<webhook> out;
        for (const auto& [id, w] : self->state.hooks)
          if (webhook_wants(w, q.owner, q.type))
            out.push_back(w);
        return out;
      },
  };
}

} // namespace

caf::actor spawn_webhooks_actor(caf::actor_system& sys, governance_environment env,
                                std::vector<webhook> recovered) {
  return sys.spawn(webhooks_impl, std::move(env), std::move(recovered));
}

json::value webhook_view(const webhook& w) {
  auto v = to_json(w);
  v.as_object().erase("secret");
  v.as_object().erase("deletedAt");
  return v;
}

} // namespace mc::actors
