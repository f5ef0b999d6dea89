#include "domain/errc.hpp"

namespace mc {

std::string_view to_string(errc e) noexcept {
  switch (e) {
  case errc::invalid_input:
    return "invalid_input";
  case errc::unauthenticated:
    return "unauthenticated";
  case errc::forbidden:
    return "forbidden";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::refused:
    return "refused";
  case errc::rate_limited:
    return "rate_limited";
  case errc::unavailable:
    return "unavailable";
  case errc::timeout:
    return "timeout";
  case errc::internal:
    return "internal";
  }
  return "internal";
}

} // namespace mc
