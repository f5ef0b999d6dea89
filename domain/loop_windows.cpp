#include "domain/loop_windows.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace mc {
namespace {

constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

/// Clamps a late event to the newest time seen, keeping every window sorted.
std::int64_t advance(std::int64_t& latest_ms, std::int64_t at_ms) {
  latest_ms = std::max(latest_ms, at_ms);
  return latest_ms;
}

void evict_older(std::deque<std::int64_t>& times, std::int64_t now_ms, std::int64_t window_ms) {
  while (!times.empty() && now_ms - times.front() > window_ms)
    times.pop_front();
}

/// Past `cap` times, the oldest cannot change a verdict; dropping them bounds memory.
void cap_size(std::deque<std::int64_t>& times, std::size_t cap) {
  while (times.size() > cap)
    times.pop_front();
}

std::size_t keep_for_max(std::int32_t max_events) {
  return static_cast<std::size_t>(std::max(max_events, 0)) + 1;
}

} // namespace

std::string_view to_string(loop_kind kind) noexcept {
  switch (kind) {
  case loop_kind::comment_flood:
    return "comment_flood";
  case loop_kind::ping_pong:
    return "ping_pong";
  case loop_kind::retry_loop:
    return "retry_loop";
  case loop_kind::review_cycles:
    return "review_cycles";
  }
  return "unknown";
}

comment_flood_window::comment_flood_window(const loop_config& config)
    : max_messages_(config.flood_max_messages), window_ms_(config.flood_window_ms),
      latest_ms_(no_time) {}

loop_check comment_flood_window::on_message(std::int64_t at_ms) {
  const std::int64_t now = advance(latest_ms_, at_ms);
  evict_older(times_, now, window_ms_);
  times_.push_back(now);
  cap_size(times_, keep_for_max(max_messages_));
  loop_check out;
  out.kind = loop_kind::comment_flood;
  out.count = static_cast<std::int32_t>(times_.size());
  out.threshold = max_messages_;
  out.window_ms = window_ms_;
  out.tripped = out.count > max_messages_;
  return out;
}

void comment_flood_window::reset() {
  times_.clear();
  latest_ms_ = no_time;
}

ping_pong_window::ping_pong_window(const loop_config& config)
    : max_messages_(config.ping_pong_max_messages), window_ms_(config.ping_pong_window_ms),
      latest_ms_(no_time) {}

loop_check ping_pong_window::on_message(std::string_view author, std::int64_t at_ms) {
  const std::int64_t now = advance(latest_ms_, at_ms);
  evict_older(times_, now, window_ms_);
  if (times_.empty() || author == last_author_) {
    // Two in a row from one author: the alternation restarts with this message.
    times_.clear();
    other_author_.clear();
  } else if (times_.size() >= 2 && author != other_author_) {
    // A third author: the longest alternating tail is the previous message and this one.
    times_.erase(times_.begin(), times_.end() - 1);
    other_author_ = last_author_;
  } else {
    other_author_ = last_author_;
  }
  last_author_ = std::string{author};
  times_.push_back(now);
  cap_size(times_, keep_for_max(max_messages_));

  loop_check out;
  out.kind = loop_kind::ping_pong;
  out.count = static_cast<std::int32_t>(times_.size());
  out.threshold = max_messages_;
  out.window_ms = window_ms_;
  out.tripped = out.count > max_messages_;
  if (times_.size() == 1) {
    out.first_agent = last_author_;
  } else {
    // The run alternates, so its oldest message is by the last author exactly when odd-sized.
    const bool oldest_is_last = times_.size() % 2 == 1;
    out.first_agent = oldest_is_last ? last_author_ : other_author_;
    out.second_agent = oldest_is_last ? other_author_ : last_author_;
  }
  return out;
}

void ping_pong_window::reset() {
  times_.clear();
  last_author_.clear();
  other_author_.clear();
  latest_ms_ = no_time;
}

tool_retry_window::tool_retry_window(const loop_config& config)
    : min_failures_(std::max(config.retry_min_failures, 1)), window_ms_(config.retry_window_ms),
      max_keys_(static_cast<std::size_t>(std::max(config.retry_max_keys, 1))), latest_ms_(no_time) {
}

loop_check tool_retry_window::on_failure(std::string_view agent, std::string_view tool,
                                         std::string_view error, std::int64_t at_ms) {
  const std::int64_t now = advance(latest_ms_, at_ms);
  key k{std::string{agent}, std::string{tool}, std::string{error}};
  auto& times = failures_[k];
  evict_older(times, now, window_ms_);
  times.push_back(now);
  cap_size(times, static_cast<std::size_t>(min_failures_));

  loop_check out;
  out.kind = loop_kind::retry_loop;
  out.count = static_cast<std::int32_t>(times.size());
  out.threshold = min_failures_;
  out.window_ms = window_ms_;
  out.tripped = out.count >= min_failures_;
  if (failures_.size() > max_keys_)
    evict_keys(k);
  std::tie(out.agent, out.tool, out.error) = std::move(k);
  return out;
}

void tool_retry_window::evict_keys(const key& keep) {
  std::erase_if(failures_, [&](const auto& entry) {
    return entry.first != keep && latest_ms_ - entry.second.back() > window_ms_;
  });
  // Still full of live keys: drop the least likely loops, those with the fewest failures and
  // then the stalest, so a stream of one-off error texts cannot push out a real retry loop.
  const auto less_likely = [](const auto& a, const auto& b) {
    return std::pair{a.second.size(), a.second.back()} <
           std::pair{b.second.size(), b.second.back()};
  };
  while (failures_.size() > max_keys_) {
    auto victim = failures_.end();
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->first != keep && (victim == failures_.end() || less_likely(*it, *victim)))
        victim = it;
    }
    failures_.erase(victim);
  }
}

void tool_retry_window::on_success(std::string_view agent, std::string_view tool) {
  // Keys sort by agent, then tool, so one tool's errors are adjacent.
  auto it = failures_.lower_bound(key{std::string{agent}, std::string{tool}, std::string{}});
  while (it != failures_.end() && std::get<0>(it->first) == agent && std::get<1>(it->first) == tool)
    it = failures_.erase(it);
}

void tool_retry_window::reset() {
  failures_.clear();
  latest_ms_ = no_time;
}

loop_check check_review_cycles(std::int32_t review_cycles, const loop_config& config) {
  loop_check out;
  out.kind = loop_kind::review_cycles;
  out.count = review_cycles;
  out.threshold = config.review_max_cycles;
  out.tripped = review_cycles > config.review_max_cycles;
  return out;
}

} // namespace mc
