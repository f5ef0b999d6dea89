// Counts a supervisor's reactions still in flight (requests it sent and not yet answered), so
// its tick answer can wait for them: after a tick, a test sees every consequence of the events
// that arrived before it, without sleeping.
#pragma once

#include "actors/supervisor_messages.hpp"

#include <caf/response_promise.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mc::supervisors {

class pending_work {
 public:
  explicit pending_work(std::string worker = {}) : worker_(std::move(worker)) {}

  void begin() noexcept { ++in_flight_; }
  /// One reaction finished; `acted` counts what it changed for the next tick report.
  void end(bool acted = true) {
    if (acted)
      ++actions_;
    if (--in_flight_ == 0)
      release();
  }
  void add_actions(std::int32_t n) noexcept { actions_ += n; }

  /// Answers `rp` with a tick_report when nothing is in flight (at once if already so).
  void answer_when_idle(caf::typed_response_promise<actors::tick_report> rp) {
    waiting_.push_back(std::move(rp));
    if (in_flight_ == 0)
      release();
  }

  std::int32_t in_flight() const noexcept { return in_flight_; }

 private:
  void release() {
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& rp : waiting)
      rp.deliver(actors::tick_report{worker_, actions_});
    if (!waiting.empty())
      actions_ = 0;
  }

  std::string worker_;
  std::int32_t in_flight_ = 0;
  std::int32_t actions_ = 0;
  std::vector<caf::typed_response_promise<actors::tick_report>> waiting_;
};

} // namespace mc::supervisors
