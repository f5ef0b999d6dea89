// What the governance actors share: their audit records and their one way to commit a batch
// (entity rows + audit + idempotency record) before they adopt a change.
#pragma once

#include "actors/governance.hpp"
#include "persistence/entity_rows.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <caf/event_based_actor.hpp>

#include <functional>
#include <optional>
#include <string>

namespace mc::actors::governance_detail {

inline audit_record audit_of(const governance_environment& env, std::string actor_type,
                             std::string actor_id, std::string action, epoch_ms at,
                             std::optional<boost::json::value> before,
                             std::optional<boost::json::value> after) {
  audit_record rec;
  rec.id = env.ids->next(id_prefix::activity);
  rec.actor_type = std::move(actor_type);
  rec.actor_id = std::move(actor_id);
  rec.action = std::move(action);
  rec.at = at;
  if (before)
    rec.before = json_text{boost::json::serialize(*before)};
  if (after)
    rec.after = json_text{boost::json::serialize(*after)};
  return rec;
}

/// Adds the idempotency record of a request (when it carried a key) to `batch`.
inline void add_idempotency(persistence::write_batch& batch, const std::string& key,
                            const std::string& fingerprint, epoch_ms expires_at,
                            const api_reply& reply) {
  if (!key.empty())
    batch.rows.push_back(
        persistence::idempotency_row(key, fingerprint, stored_reply(reply), expires_at));
}

/// Writes `batch` and waits for it (`await`: no other message of this actor runs meanwhile, so
/// changes never interleave), then runs `done`, or `failed` with the error.
inline void commit(caf::event_based_actor* self, const governance_environment& env,
                   persistence::write_batch batch, std::function<void()> done,
                   std::function<void(caf::error&)> failed) {
  self->request(env.db, env.write_timeout, persistence::write_atom::value, std::move(batch))
      .await([done](persistence::write_ack) { done(); }, [failed](caf::error& e) { failed(e); });
}

} // namespace mc::actors::governance_detail
