#include "domain/ids.hpp"

namespace mc {
namespace {

constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int crockford_value(char c) noexcept {
  auto pos = crockford.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

} // namespace

id_generator::id_generator(const clock& c, std::uint64_t seed) : clock_(c), rng_(seed) {}

std::string id_generator::next(std::string_view prefix) {
  std::uint64_t ms;
  std::uint16_t hi;
  std::uint64_t lo;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = static_cast<std::uint64_t>(clock_.now_ms()) & ((std::uint64_t{1} << 48) - 1);
    if (now > last_ms_) {
      last_ms_ = now;
      tail_hi_ = static_cast<std::uint16_t>(rng_() & 0x7FFF); // headroom before overflow
      tail_lo_ = rng_();
    } else if (++tail_lo_ == 0) {
      ++tail_hi_;
    }
    ms = last_ms_;
    hi = tail_hi_;
    lo = tail_lo_;
  }
  std::string out(prefix);
  out.resize(prefix.size() + 26);
  char* p = out.data() + prefix.size();
  for (int i = 9; i >= 0; --i) {
    p[i] = crockford[ms & 31];
    ms >>= 5;
  }
  // 80 bits = 16 characters of 5 bits, most significant first.
  for (int i = 15; i >= 0; --i) {
    p[10 + i] = crockford[lo & 31];
    lo = (lo >> 5) | (static_cast<std::uint64_t>(hi & 31) << 59);
    hi = static_cast<std::uint16_t>(hi >> 5);
  }
  return out;
}

bool is_valid_agent_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64)
    return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id.front()))
    return false;
  for (char c : id.substr(1))
    if (!alnum(c) && c != '_' && c != '-')
      return false;
  return true;
}

std::int64_t id_time_ms(std::string_view id) noexcept {
  auto underscore = id.find('_');
  if (underscore == std::string_view::npos || id.size() != underscore + 1 + 26)
    return -1;
  std::int64_t ms = 0;
  for (char c : id.substr(underscore + 1, 10)) {
    int v = crockford_value(c);
    if (v < 0)
      return -1;
    ms = (ms << 5) | v;
  }
  return ms;
}

} // namespace mc
