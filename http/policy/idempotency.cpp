#include "http/policy/idempotency.hpp"

#include "http/policy/tokens.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace mc::http {
namespace {

constexpr std::int64_t sweep_interval_ms = 60'000;
// Map node, strings' headers and bookkeeping: a rough per-entry cost on top of the text.
constexpr std::size_t entry_overhead = 128;
// Doubles up to 2^53 are exact integers; beyond that `1e300` stays a double.
constexpr double max_exact_integer = 9007199254740992.0;

void write_canonical(const boost::json::value& v, std::string& out, std::string_view drop) {
  switch (v.kind()) {
  case boost::json::kind::object: {
    const auto& obj = v.get_object();
    std::vector<const boost::json::key_value_pair*> members;
    members.reserve(obj.size());
    for (const auto& kv : obj)
      if (drop.empty() || kv.key() != drop)
        members.push_back(&kv);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i)
        out.push_back(',');
      out += boost::json::serialize(boost::json::string_view(members[i]->key()));
      out.push_back(':');
      write_canonical(members[i]->value(), out, {});
    }
    out.push_back('}');
    return;
  }
  case boost::json::kind::array: {
    const auto& arr = v.get_array();
    out.push_back('[');
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (i)
        out.push_back(',');
      write_canonical(arr[i], out, {});
    }
    out.push_back(']');
    return;
  }
  case boost::json::kind::double_: {
    const double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= max_exact_integer) {
      out += std::to_string(static_cast<std::int64_t>(d));
      return;
    }
    out += boost::json::serialize(v);
    return;
  }
  default:
    out += boost::json::serialize(v);
    return;
  }
}

std::size_t entry_bytes(std::string_view key, std::string_view fingerprint, std::string_view body) {
  return key.size() + fingerprint.size() + body.size() + entry_overhead;
}

} // namespace

bool is_valid_idempotency_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > max_idempotency_key_length)
    return false;
  if (key.front() == ' ' || key.back() == ' ')
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

policy_result<std::optional<std::string>> idempotency_key_of(std::optional<std::string_view> header,
                                                             const boost::json::value* body) {
  std::optional<std::string_view> from_body;
  if (body && body->is_object()) {
    if (const auto* field = body->get_object().if_contains(idempotency_body_field)) {
      if (!field->is_string())
        return policy_error{errc::invalid_input, "idempotencyKey must be a string"};
      from_body = std::string_view(field->get_string());
    }
  }
  const char* const rule = "1-200 printable ASCII characters, no leading or trailing space";
  if (header && !is_valid_idempotency_key(*header))
    return policy_error{errc::invalid_input, std::string("X-Idempotency-Key must be ") + rule};
  if (from_body && !is_valid_idempotency_key(*from_body))
    return policy_error{errc::invalid_input, std::string("idempotencyKey must be ") + rule};
  if (header && from_body && *header != *from_body)
    return policy_error{errc::invalid_input,
                        "X-Idempotency-Key and the body's idempotencyKey differ; send one key"};
  if (header)
    return std::optional<std::string>(std::string(*header));
  if (from_body)
    return std::optional<std::string>(std::string(*from_body));
  return std::optional<std::string>();
}

std::string canonical_json(const boost::json::value& v, std::string_view drop_top_level_key) {
  std::string out;
  write_canonical(v, out, drop_top_level_key);
  return out;
}

std::string request_fingerprint(std::string_view method, std::string_view target,
                                const boost::json::value* body, std::string_view scope) {
  // Newlines cannot occur in a method, a request target or a scope, so the framing is unambiguous.
  std::string text;
  text.append(method).push_back('\n');
  text.append(target).push_back('\n');
  text.append(scope).push_back('\n');
  if (body)
    write_canonical(*body, text, idempotency_body_field);
  return hash_token(text);
}

std::string_view to_string(reservation_kind kind) noexcept {
  switch (kind) {
  case reservation_kind::fresh:
    return "fresh";
  case reservation_kind::replay:
    return "replay";
  case reservation_kind::conflict:
    return "conflict";
  case reservation_kind::in_flight:
    return "in_flight";
  case reservation_kind::full:
    return "full";
  }
  return "fresh";
}

struct idempotency_index::shard {
  struct entry {
    std::string fingerprint;
    bool done = false;
    int status = 0;
    std::string body;
    // Completed: when the key is forgotten. In flight: when the reservation is abandoned.
    std::int64_t expires_at = 0;
    std::size_t bytes = 0;
  };

  std::mutex mutex;
  std::unordered_map<std::string, entry> entries;
  std::size_t bytes = 0;
  std::int64_t next_sweep = 0;

  std::size_t sweep(std::int64_t now) {
    return std::erase_if(entries, [&](const auto& kv) {
      if (kv.second.expires_at > now)
        return false;
      bytes -= kv.second.bytes;
      return true;
    });
  }

  void erase(std::unordered_map<std::string, entry>::iterator it) {
    bytes -= it->second.bytes;
    entries.erase(it);
  }

  void put(std::string_view key, entry e) {
    e.bytes = entry_bytes(key, e.fingerprint, e.body);
    bytes += e.bytes;
    entries.insert_or_assign(std::string(key), std::move(e));
  }
};

idempotency_index::idempotency_index() : idempotency_index(options{}) {}

idempotency_index::idempotency_index(options opts) : opts_(opts) {
  for (auto& s : shards_)
    s = std::make_unique<shard>();
}

idempotency_index::~idempotency_index() = default;

idempotency_index::shard& idempotency_index::shard_for(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shard_count];
}

reservation idempotency_index::reserve(std::string_view key, std::string_view fingerprint,
                                       std::int64_t now_ms) {
  shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  if (now_ms >= s.next_sweep) {
    s.sweep(now_ms);
    s.next_sweep = now_ms + sweep_interval_ms;
  }
  auto it = s.entries.find(std::string(key));
  if (it != s.entries.end() && it->second.expires_at <= now_ms) {
    s.erase(it);
    it = s.entries.end();
  }
  if (it != s.entries.end()) {
    const auto& e = it->second;
    reservation r;
    if (e.fingerprint != fingerprint) {
      r.kind = reservation_kind::conflict;
      r.message = "idempotency key already used for a different request";
    } else if (!e.done) {
      r.kind = reservation_kind::in_flight;
      r.message = "a request with this idempotency key is still being processed; retry shortly";
    } else {
      r.kind = reservation_kind::replay;
      r.status = e.status;
      r.body = e.body;
    }
    return r;
  }

  const std::size_t max_entries = std::max<std::size_t>(1, opts_.max_entries / shard_count);
  const std::size_t max_bytes = std::max<std::size_t>(1, opts_.max_bytes / shard_count);
  const std::size_t need = entry_bytes(key, fingerprint, {});
  // Expired entries leave with the periodic sweep above, so a full shard costs no scan here.
  if (s.entries.size() >= max_entries || s.bytes + need > max_bytes) {
    // Refusing is safer than forgetting an unexpired key, which would let a retry run twice.
    reservation r;
    r.kind = reservation_kind::full;
    r.message = "too many idempotency keys are being remembered; retry later";
    return r;
  }
  shard::entry e;
  e.fingerprint = std::string(fingerprint);
  e.expires_at = now_ms + opts_.in_flight_ttl_ms;
  s.put(key, std::move(e));
  return reservation{};
}

bool idempotency_index::complete(std::string_view key, int status, std::string body,
                                 std::int64_t expires_at_ms) {
  shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  auto it = s.entries.find(std::string(key));
  if (it == s.entries.end() || it->second.done)
    return false;
  shard::entry e = std::move(it->second);
  s.erase(it);
  e.done = true;
  e.status = status;
  e.body = std::move(body);
  e.expires_at = expires_at_ms;
  s.put(key, std::move(e));
  return true;
}

bool idempotency_index::release(std::string_view key) {
  shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  auto it = s.entries.find(std::string(key));
  if (it == s.entries.end() || it->second.done)
    return false;
  s.erase(it);
  return true;
}

std::size_t idempotency_index::load(const std::vector<idempotency_record>& records,
                                    std::int64_t now_ms) {
  std::size_t adopted = 0;
  for (const auto& r : records) {
    if (r.expires_at <= now_ms)
      continue;
    shard& s = shard_for(r.key);
    std::lock_guard lock(s.mutex);
    auto it = s.entries.find(r.key);
    if (it != s.entries.end()) {
      if (it->second.done && it->second.expires_at >= r.expires_at)
        continue;
      s.erase(it);
    }
    shard::entry e;
    e.fingerprint = r.fingerprint;
    e.done = true;
    e.status = r.status;
    e.body = r.body;
    e.expires_at = r.expires_at;
    s.put(r.key, std::move(e));
    ++adopted;
  }
  return adopted;
}

std::size_t idempotency_index::evict_expired(std::int64_t now_ms) {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->sweep(now_ms);
  }
  return n;
}

std::size_t idempotency_index::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->entries.size();
  }
  return n;
}

std::size_t idempotency_index::bytes() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->bytes;
  }
  return n;
}

} // namespace mc::http
