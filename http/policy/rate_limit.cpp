#include "http/policy/rate_limit.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace mc::http {
namespace {

constexpr std::int64_t window_ms = 60'000;

// Integer token bucket: one request costs `window_ms` units and the bucket refills `limit` units
// per millisecond, so `limit` requests refill per window with no rounding drift.
struct bucket {
  std::int64_t level = 0;
  std::int64_t refilled_at = 0;
  std::int64_t last_used = 0;
  std::uint32_t limit = 0;

  std::int64_t capacity() const { return static_cast<std::int64_t>(limit) * window_ms; }

  void refill(std::int64_t now) {
    if (now <= refilled_at)
      return; // a clock that steps back refills nothing and never drains
    // Past one window the bucket is full anyway; clamping keeps the product from overflowing.
    const std::int64_t elapsed = std::min(now - refilled_at, window_ms);
    level = std::min(capacity(), level + elapsed * static_cast<std::int64_t>(limit));
    refilled_at = now;
  }

  bool full() const { return level >= capacity(); }
};

std::string bucket_key(std::string_view key, rate_class cls) {
  std::string out;
  out.reserve(key.size() + 2);
  out.append(key);
  out.push_back('\x1f');
  out.push_back(static_cast<char>('0' + static_cast<int>(cls)));
  return out;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

} // namespace

struct rate_limiter::shard {
  std::mutex mutex;
  std::unordered_map<std::string, bucket> buckets;
  std::int64_t next_sweep = 0;

  std::size_t sweep(std::int64_t now) {
    std::size_t n = 0;
    for (auto it = buckets.begin(); it != buckets.end();) {
      it->second.refill(now);
      if (it->second.full()) {
        it = buckets.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  void evict_least_recent() {
    auto oldest =
        std::min_element(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) {
          return a.second.last_used < b.second.last_used;
        });
    if (oldest != buckets.end())
      buckets.erase(oldest);
  }
};

std::uint32_t rate_limits::per_minute(caller_kind kind, rate_class cls) const noexcept {
  if (cls == rate_class::none || kind == caller_kind::anonymous)
    return 0;
  const bool op = kind == caller_kind::operator_;
  switch (cls) {
  case rate_class::task_creation:
    return op ? operator_task_creation : task_creation;
  case rate_class::events:
    return op ? operator_events : events;
  case rate_class::reads:
    return op ? operator_reads : reads;
  case rate_class::none:
    break;
  }
  return 0;
}

rate_limiter::rate_limiter() : rate_limiter(options{}) {}

rate_limiter::rate_limiter(options opts) : opts_(opts) {
  for (auto& s : shards_)
    s = std::make_unique<shard>();
}

rate_limiter::~rate_limiter() = default;

rate_decision rate_limiter::check(const caller& who, rate_class cls, std::int64_t now_ms) {
  return check(rate_key(who), cls, opts_.limits.per_minute(who.kind, cls), now_ms);
}

rate_decision rate_limiter::check(std::string_view key, rate_class cls, std::uint32_t per_minute,
                                  std::int64_t now_ms) {
  if (per_minute == 0)
    return rate_decision{true, 0, 0, 0};
  std::string k = bucket_key(key, cls);
  shard& s = *shards_[std::hash<std::string>{}(k) % shard_count];
  const std::size_t cap = std::max<std::size_t>(1, opts_.max_buckets / shard_count);

  std::lock_guard lock(s.mutex);
  if (now_ms >= s.next_sweep) {
    s.sweep(now_ms);
    s.next_sweep = now_ms + window_ms;
  }
  auto it = s.buckets.find(k);
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= cap && s.sweep(now_ms) == 0)
      s.evict_least_recent();
    bucket fresh;
    fresh.limit = per_minute;
    fresh.level = fresh.capacity();
    fresh.refilled_at = now_ms;
    it = s.buckets.emplace(std::move(k), fresh).first;
  }
  bucket& b = it->second;
  if (b.limit != per_minute) { // the configuration changed under a live bucket
    b.limit = per_minute;
    b.level = std::min(b.level, b.capacity());
  }
  b.refill(now_ms);
  b.last_used = std::max(b.last_used, now_ms);

  rate_decision d;
  d.limit = per_minute;
  if (b.level >= window_ms) {
    b.level -= window_ms;
    d.allowed = true;
    d.remaining = static_cast<std::uint32_t>(b.level / window_ms);
    return d;
  }
  d.allowed = false;
  const std::int64_t wait_ms = ceil_div(window_ms - b.level, per_minute);
  d.retry_after_seconds = std::max<std::int64_t>(1, ceil_div(wait_ms, 1000));
  return d;
}

std::size_t rate_limiter::evict_idle(std::int64_t now_ms) {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->sweep(now_ms);
  }
  return n;
}

std::size_t rate_limiter::bucket_count() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->buckets.size();
  }
  return n;
}

std::string rate_key(const caller& who) {
  std::string out(to_string(who.kind));
  out.push_back(':');
  out.append(who.id);
  return out;
}

} // namespace mc::http
