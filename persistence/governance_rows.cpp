#include "persistence/governance_rows.hpp"

#include "domain/entity_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace mc::persistence {

row to_row(const webhook& x) {
  return {table_id::webhooks,
          0,
          {cell::of(x.id), cell::of(x.created_at), cell::of(boost::json::serialize(to_json(x)))}};
}

std::string policy_version_key(std::int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(version));
  return buf;
}

row to_row(const policy_version& x) {
  return {table_id::policies,
          0,
          {cell::of(policy_version_key(x.version)), cell::of(x.activated_at),
           cell::of(boost::json::serialize(to_json(x)))}};
}

webhook webhook_from_row(const row& r) {
  return from_json<webhook>(boost::json::parse(r.at("doc").s));
}

policy_version policy_version_from_row(const row& r) {
  return from_json<policy_version>(boost::json::parse(r.at("doc").s));
}

} // namespace mc::persistence
