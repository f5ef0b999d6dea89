// The policy in force (SPEC §4), shared by the actors and the HTTP routes that read it and the one
// place that replaces it (`PUT /api/policy`). Readers get an immutable snapshot, so a policy change
// never shows half-applied.
#pragma once

#include "domain/policy.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace mc::actors {

class active_policy {
 public:
  /// A stored policy version; version 0 is the built-in default that was never stored.
  struct version {
    mc::policy policy;
    std::int64_t number = 0;
    std::int64_t activated_at = 0;
  };

  active_policy() : current_(std::make_shared<const version>(version{default_policy(), 0, 0})) {}
  explicit active_policy(version v) : current_(std::make_shared<const version>(std::move(v))) {}

  std::shared_ptr<const version> get() const { return current_.load(); }
  void set(version v) { current_.store(std::make_shared<const version>(std::move(v))); }

 private:
  std::atomic<std::shared_ptr<const version>> current_;
};

using policy_ptr = std::shared_ptr<active_policy>;

} // namespace mc::actors
