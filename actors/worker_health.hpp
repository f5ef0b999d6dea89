// Which supervisors are healthy right now: the root supervisor writes it, `GET /health` reads
// it (SPEC §6 `workers`). Shared between threads, so every access takes the lock.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mc::actors {

class worker_health {
 public:
  /// A worker that died or missed its tick is degraded until it answers a tick again.
  void set(const std::string& worker, bool ok) {
    std::lock_guard lock{mutex_};
    workers_[worker] = ok;
  }

  /// True when every known worker is ok (and when none is known yet).
  bool all_ok() const {
    std::lock_guard lock{mutex_};
    for (const auto& [name, ok] : workers_)
      if (!ok)
        return false;
    return true;
  }

  /// Every worker and whether it is ok, by name.
  std::vector<std::pair<std::string, bool>> snapshot() const {
    std::lock_guard lock{mutex_};
    return {workers_.begin(), workers_.end()};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, bool> workers_;
};

} // namespace mc::actors
