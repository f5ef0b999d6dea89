// SPEC §1 idempotency, actor side: the reply to a keyed API call is stored in the same write
// batch as the change it made, so a replay answers exactly what the first call answered.
#pragma once

#include "actors/messages.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/row.hpp"

namespace mc::actors {

/// Adds the replay record of `cmd` (any command with the idempotency key, fingerprint and
/// expiry) answering `reply`; nothing when the call carried no key.
template <class Command>
void add_replay_record(persistence::write_batch& batch, const Command& cmd,
                       const api_reply& reply) {
  if (cmd.idempotency_key.empty())
    return;
  batch.rows.push_back(
      persistence::idempotency_row(cmd.idempotency_key, cmd.idempotency_fingerprint,
                                   stored_reply(reply), cmd.idempotency_expires_at));
}

} // namespace mc::actors
