// The one clock interface. Production reads the system clock; tests advance a manual clock,
// so nothing timer-driven ever needs a test to sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace mc {

class clock {
 public:
  virtual ~clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
};

class system_clock final : public clock {
 public:
  std::int64_t now_ms() const override;
};

/// A clock that moves only when told to. Thread-safe, so actors may read it while a test
/// thread advances it.
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start_ms = 0) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(std::memory_order_acquire); }
  void set(std::int64_t ms) { now_.store(ms, std::memory_order_release); }
  void advance(std::chrono::milliseconds d) {
    now_.fetch_add(d.count(), std::memory_order_acq_rel);
  }

 private:
  std::atomic<std::int64_t> now_;
};

} // namespace mc
