// The CAF face of mc::errc: lets actors reply with `make_error(errc::…, "detail")`. It lives in
// the lowest layer that speaks CAF, so every actor layer above can use it.
#pragma once

#include "domain/errc.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <string>

namespace mc {

inline constexpr caf::atom_value errc_category = caf::atom("mc");

inline caf::error make_error(errc e) {
  return caf::error{static_cast<std::uint8_t>(e), errc_category};
}

inline caf::error make_error(errc e, std::string detail) {
  return caf::error{static_cast<std::uint8_t>(e), errc_category,
                    caf::make_message(std::move(detail))};
}

} // namespace mc
