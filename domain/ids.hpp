// Entity ids (SPEC §1): a type prefix plus 26 Crockford base-32 characters (48-bit time in ms,
// then 80 bits that are random per millisecond and counted up within it), so ids sort by time.
#pragma once

#include "domain/clock.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace mc {

namespace id_prefix {
inline constexpr std::string_view task = "tsk_";
inline constexpr std::string_view approval = "apr_";
inline constexpr std::string_view run = "run_";
inline constexpr std::string_view tool_call = "tc_";
inline constexpr std::string_view alert = "alr_";
inline constexpr std::string_view message = "msg_";
inline constexpr std::string_view notification = "ntf_";
inline constexpr std::string_view activity = "act_";
inline constexpr std::string_view document = "doc_";
} // namespace id_prefix

/// Thread-safe. Ids made by one generator are strictly increasing, even when the clock stalls
/// or steps back (the previous time is reused and the counter part carries on).
class id_generator {
 public:
  explicit id_generator(const clock& c, std::uint64_t seed = std::random_device{}());
  std::string next(std::string_view prefix);

 private:
  const clock& clock_;
  std::mutex mutex_;
  std::mt19937_64 rng_;
  std::uint64_t last_ms_ = 0;
  // 80-bit tail as a high 16-bit and a low 64-bit part.
  std::uint16_t tail_hi_ = 0;
  std::uint64_t tail_lo_ = 0;
};

/// Agent ids are chosen by operators: `[a-z0-9][a-z0-9_-]{0,63}`.
bool is_valid_agent_id(std::string_view id) noexcept;

/// The epoch-ms time encoded in a generated id, or -1 when it is not one.
std::int64_t id_time_ms(std::string_view id) noexcept;

} // namespace mc
