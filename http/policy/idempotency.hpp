// Idempotency of mutating requests (SPEC §1): which key a request carries, a fingerprint that
// ignores JSON formatting, and the in-memory index that replays, refuses or admits a keyed request.
#pragma once

#include "http/policy/policy_result.hpp"

#include <boost/json/fwd.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::http {

inline constexpr std::size_t max_idempotency_key_length = 200;
inline constexpr std::string_view idempotency_header = "X-Idempotency-Key";
inline constexpr std::string_view idempotency_body_field = "idempotencyKey";

/// 1–200 printable ASCII characters (space through `~`), not starting or ending with a space.
bool is_valid_idempotency_key(std::string_view key) noexcept;

/// The request's key: the header, else the body's `idempotencyKey` (a string). Both present and
/// different, a non-string body field, or an invalid key is invalid_input. No key: nullopt.
/// `body` may be null (no body).
policy_result<std::optional<std::string>> idempotency_key_of(std::optional<std::string_view> header,
                                                             const boost::json::value* body);

/// The body with object keys sorted at every level, no whitespace, and integral doubles written
/// as integers (so `1.0` and `1` agree), serialized by Boost.JSON. `drop_top_level_key`
/// removes one member of a top-level object first.
std::string canonical_json(const boost::json::value& v, std::string_view drop_top_level_key = {});

/// SHA-256 hex over method, target, scope and the canonical body without `idempotencyKey`.
/// `target` is the request target as routed (path and query). `scope` is who is asking (e.g.
/// rate_key(caller)), so the same key from two callers conflicts instead of replaying one
/// caller's response to the other. `body` may be null (no body).
std::string request_fingerprint(std::string_view method, std::string_view target,
                                const boost::json::value* body, std::string_view scope = {});

/// The durable record, written by the actor that makes the change in the same commit.
struct idempotency_record {
  std::string key;
  std::string fingerprint;
  int status = 0;
  std::string body;
  std::int64_t expires_at = 0;
  friend bool operator==(const idempotency_record&, const idempotency_record&) = default;
};

enum class reservation_kind : std::uint8_t {
  /// The caller owns the key now: execute, then complete() or release().
  fresh,
  /// Done before with the same fingerprint: send `status` and `body` again.
  replay,
  /// The key was used for a different request (409).
  conflict,
  /// The same request is being executed right now (409; retry later).
  in_flight,
  /// The index is at its memory bound (503); nothing was reserved.
  full,
};

std::string_view to_string(reservation_kind kind) noexcept;

struct reservation {
  reservation_kind kind = reservation_kind::fresh;
  /// replay only.
  int status = 0;
  std::string body;
  /// For the error envelope (conflict, in_flight, full).
  std::string message;
};

/// Thread-safe, sharded by key. Entries live until `expires_at`; expired ones are ignored on
/// access and swept at most once a minute per shard (so a full index frees up within a minute
/// of its keys expiring).
class idempotency_index {
 public:
  struct options {
    /// How long a completed key is remembered (SPEC: at least 24 h).
    std::int64_t ttl_ms = 24LL * 60 * 60 * 1000;
    /// A reservation never completed nor released (a lost handler) is abandoned after this and
    /// the key may be reserved again.
    std::int64_t in_flight_ttl_ms = 5LL * 60 * 1000;
    /// Bounds on what the index holds (entries, and bytes of keys, fingerprints and bodies).
    std::size_t max_entries = 1'000'000;
    std::size_t max_bytes = 512ULL * 1024 * 1024;
  };

  idempotency_index();
  explicit idempotency_index(options opts);
  ~idempotency_index();
  idempotency_index(const idempotency_index&) = delete;
  idempotency_index& operator=(const idempotency_index&) = delete;

  reservation reserve(std::string_view key, std::string_view fingerprint, std::int64_t now_ms);

  /// Turns the caller's reservation into a replayable response. False if the key is not in
  /// flight (never reserved, released, or abandoned and swept).
  bool complete(std::string_view key, int status, std::string body, std::int64_t expires_at_ms);

  /// Gives the key back after a failure with no durable effect; a retry then runs afresh.
  /// Only in-flight keys are released; completed ones stay. False if nothing was released.
  bool release(std::string_view key);

  /// Boot: adopts the durable records, skipping those expired at `now_ms`. A key already held
  /// keeps the later expiry. Loads past the memory bound: forgetting a durable key is worse than
  /// refusing new ones. Returns how many were adopted.
  std::size_t load(const std::vector<idempotency_record>& records, std::int64_t now_ms);

  /// Drops expired completions and abandoned reservations; returns how many.
  std::size_t evict_expired(std::int64_t now_ms);

  /// `now_ms + ttl`: the expiry to write into the durable record and pass to complete().
  std::int64_t expiry_for(std::int64_t now_ms) const noexcept { return now_ms + opts_.ttl_ms; }

  std::size_t size() const;
  std::size_t bytes() const;
  const options& settings() const noexcept { return opts_; }

 private:
  struct shard;
  static constexpr std::size_t shard_count = 16;
  shard& shard_for(std::string_view key);
  options opts_;
  std::array<std::unique_ptr<shard>, shard_count> shards_;
};

} // namespace mc::http
