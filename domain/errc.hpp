// The project's error codes: one enum every layer returns as a value; the HTTP edge maps each
// to a status and the SPEC's error envelope.
#pragma once

#include <cstdint>
#include <string_view>

namespace mc {

enum class errc : std::uint8_t {
  invalid_input = 1, // 400
  unauthenticated,   // 401
  forbidden,         // 403
  not_found,         // 404
  conflict,          // 409: state or idempotency conflict
  refused,           // 422: the state machine said no
  rate_limited,      // 429
  unavailable,       // 503: database down, overloaded, not ready
  timeout,           // 503: a reply did not come in time
  internal,          // 500
};

std::string_view to_string(errc e) noexcept;

} // namespace mc
