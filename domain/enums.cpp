#include "domain/enums.hpp"

namespace mc {

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

std::string_view to_string(actor_kind kind) noexcept {
  switch (kind) {
  case actor_kind::intern:
    return "intern";
  case actor_kind::specialist:
    return "specialist";
  case actor_kind::lead:
    return "lead";
  case actor_kind::operator_:
    return "operator";
  case actor_kind::system:
    return "system";
  }
  return "unknown";
}

std::optional<actor_kind> parse_actor_kind(std::string_view text) noexcept {
  for (auto k : {actor_kind::intern, actor_kind::specialist, actor_kind::lead,
                 actor_kind::operator_, actor_kind::system})
    if (iequals_ascii(to_string(k), text))
      return k;
  if (iequals_ascii(text, "human"))
    return actor_kind::operator_;
  return std::nullopt;
}

} // namespace mc
