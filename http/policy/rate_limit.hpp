// Per-token rate limits of SPEC §6: a token bucket per (caller, class), driven by the caller's
// clock, thread-safe through sharded locks, with idle buckets evicted so memory stays bounded.
#pragma once

#include "http/policy/access.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mc::http {

/// Requests per minute. SPEC §6 fixes the agent figures; operators get the same except reads,
/// because one dashboard polls several list endpoints at once.
struct rate_limits {
  std::uint32_t task_creation = 100;
  std::uint32_t events = 1000;
  std::uint32_t reads = 300;
  std::uint32_t operator_task_creation = 100;
  std::uint32_t operator_events = 1000;
  std::uint32_t operator_reads = 1200;

  /// The limit for a caller kind and class; 0 means unlimited (rate_class::none, anonymous).
  std::uint32_t per_minute(caller_kind kind, rate_class cls) const noexcept;
};

struct rate_decision {
  bool allowed = true;
  /// For `Retry-After` when denied: whole seconds until one request fits, at least 1.
  std::int64_t retry_after_seconds = 0;
  /// The bucket's capacity and what is left after this request (for X-RateLimit-* headers).
  std::uint32_t limit = 0;
  std::uint32_t remaining = 0;
};

/// Thread-safe. A bucket holds `limit` requests and refills at `limit` per minute, so a caller
/// may burst to the limit and then sustain it. A bucket that has refilled completely carries no
/// information and is dropped; the table is also capped, evicting the least recently used bucket
/// when idle ones do not make room.
class rate_limiter {
 public:
  struct options {
    rate_limits limits;
    /// Upper bound on buckets across all shards.
    std::size_t max_buckets = 100'000;
  };

  rate_limiter();
  explicit rate_limiter(options opts);
  ~rate_limiter();
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  /// Counts one request of `who` in `cls` at `now_ms`. Callers are keyed by identity (see
  /// rate_key), so one token is one bucket per class.
  rate_decision check(const caller& who, rate_class cls, std::int64_t now_ms);

  /// The same for an arbitrary key and limit; `per_minute == 0` always allows.
  rate_decision check(std::string_view key, rate_class cls, std::uint32_t per_minute,
                      std::int64_t now_ms);

  /// Drops every bucket that has refilled by `now_ms`; returns how many.
  std::size_t evict_idle(std::int64_t now_ms);
  std::size_t bucket_count() const;
  const rate_limits& limits() const noexcept { return opts_.limits; }

 private:
  struct shard;
  static constexpr std::size_t shard_count = 16;
  options opts_;
  std::array<std::unique_ptr<shard>, shard_count> shards_;
};

/// The bucket key of a caller: its kind and id. Keying on identity rather than the token keeps
/// tokens out of memory; each identity has exactly one token.
std::string rate_key(const caller& who);

} // namespace mc::http
