// Rows of the governance tables that have no entity in domain/entities.hpp: webhooks and stored
// policy versions (the `webhooks` and `policies` tables).
#pragma once

#include "domain/governance.hpp"
#include "persistence/row.hpp"

#include <string>

namespace mc::persistence {

/// The whole registration, secret included: deliveries sign with it.
row to_row(const webhook& x);
/// Keyed by the version number zero-padded to 12 digits, so key order is version order.
row to_row(const policy_version& x);

std::string policy_version_key(std::int64_t version);

webhook webhook_from_row(const row& r);
policy_version policy_version_from_row(const row& r);

} // namespace mc::persistence
