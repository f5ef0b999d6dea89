// Request bodies as JSON whatever their Content-Type says (SPEC §1: `curl -d` labels JSON as a
// form), with a nesting limit so a hostile body cannot blow the parser's stack or memory.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <string_view>

namespace mc::http {

struct json_body_options {
  std::size_t max_depth = 32;
};

/// The parsed body; an empty (or whitespace-only) body is `{}`, so POST routes that take no
/// body (`/pause`) need no special case. Throws http_error (400 VALIDATION_ERROR) naming the
/// problem and, in `details.offset`, the byte where parsing stopped.
boost::json::value parse_json_body(std::string_view body, const json_body_options& opts = {});

/// As parse_json_body, and the top level must be an object (every mutating route takes one).
boost::json::object parse_json_object_body(std::string_view body,
                                           const json_body_options& opts = {});

} // namespace mc::http
