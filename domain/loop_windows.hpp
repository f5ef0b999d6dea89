// Sliding-window counters behind the LoopDetector (SPEC §5). They are fed event times and never
// read a clock; each keeps at most threshold + 1 times per key, whatever the event rate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

namespace mc {

enum class loop_kind : std::uint8_t { comment_flood, ping_pong, retry_loop, review_cycles };

/// `comment_flood`, `ping_pong`, `retry_loop`, `review_cycles`: the names loop summaries and
/// alerts use.
std::string_view to_string(loop_kind kind) noexcept;

inline constexpr std::int64_t minutes_ms(std::int64_t m) noexcept {
  return m * 60'000;
}

/// Thresholds as SPEC §5 words them. `max_*` trips when strictly exceeded, `min_*` when reached.
struct loop_config {
  std::int32_t flood_max_messages = 20;
  std::int64_t flood_window_ms = minutes_ms(30);
  std::int32_t ping_pong_max_messages = 8;
  std::int64_t ping_pong_window_ms = minutes_ms(10);
  std::int32_t retry_min_failures = 3;
  /// SPEC gives retries no window; failures hours apart are not a loop.
  std::int64_t retry_window_ms = minutes_ms(30);
  /// Distinct (agent, tool, error) keys remembered at once; error texts may be unique per call.
  std::int32_t retry_max_keys = 64;
  std::int32_t review_max_cycles = 3;
};

/// One detector's verdict after an event, with what a loop summary needs to say why.
struct loop_check {
  loop_kind kind = loop_kind::comment_flood;
  bool tripped = false;
  /// Events in the window, saturating one past the threshold (enough to decide and to report).
  std::int32_t count = 0;
  std::int32_t threshold = 0;
  /// 0 when the rule has no window (review cycles).
  std::int64_t window_ms = 0;
  /// Ping-pong: the author of the oldest message of the run, then the other one.
  std::string first_agent;
  std::string second_agent;
  /// Retry loop: whose calls, which tool, which error.
  std::string agent;
  std::string tool;
  std::string error;
  friend bool operator==(const loop_check&, const loop_check&) = default;
};

// Events are expected in non-decreasing time order. An earlier time than one already seen is
// taken as that later time, so a late event still counts and the window stays ordered. An event
// exactly window_ms old is still inside; older ones drop out.

/// Messages on one task: trips at more than flood_max_messages within flood_window_ms.
class comment_flood_window {
 public:
  explicit comment_flood_window(const loop_config& config = {});
  loop_check on_message(std::int64_t at_ms);
  /// Forget everything, e.g. once the task is unblocked, so old messages cannot re-trip it.
  void reset();

 private:
  std::int32_t max_messages_;
  std::int64_t window_ms_;
  std::int64_t latest_ms_;
  std::deque<std::int64_t> times_;
};

/// Messages on one task: trips at more than ping_pong_max_messages consecutive messages
/// alternating between the same two authors, all within ping_pong_window_ms.
class ping_pong_window {
 public:
  explicit ping_pong_window(const loop_config& config = {});
  loop_check on_message(std::string_view author, std::int64_t at_ms);
  void reset();

 private:
  std::int32_t max_messages_;
  std::int64_t window_ms_;
  std::int64_t latest_ms_;
  /// The current run alternates, so its last author and the other one describe all of it.
  std::string last_author_;
  std::string other_author_;
  std::deque<std::int64_t> times_;
};

/// Tool calls: trips when one agent's calls of one tool failed with one error at least
/// retry_min_failures times within retry_window_ms. A success of the tool clears its failures.
class tool_retry_window {
 public:
  explicit tool_retry_window(const loop_config& config = {});
  loop_check on_failure(std::string_view agent, std::string_view tool, std::string_view error,
                        std::int64_t at_ms);
  void on_success(std::string_view agent, std::string_view tool);
  void reset();
  /// How many (agent, tool, error) keys are remembered; bounded by retry_max_keys.
  std::size_t tracked_keys() const noexcept { return failures_.size(); }

 private:
  using key = std::tuple<std::string, std::string, std::string>;
  void evict_keys(const key& keep);

  std::int32_t min_failures_;
  std::int64_t window_ms_;
  std::size_t max_keys_;
  std::int64_t latest_ms_;
  std::map<key, std::deque<std::int64_t>> failures_;
};

/// Review cycles are counted on the task itself; trips at more than review_max_cycles.
loop_check check_review_cycles(std::int32_t review_cycles, const loop_config& config = {});

} // namespace mc
