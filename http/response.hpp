// What a handler answers: status, JSON text, extra headers, or a pull-based body stream that the
// server sends chunk by chunk so a huge export never sits in memory whole.
#pragma once

#include <boost/json/fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mc::http {

/// Returns the next piece of a streamed body, or nullopt at the end. The server calls it on the
/// connection's I/O thread, one call at a time, only when the previous pieces are on the wire:
/// it must not block. An exception aborts the connection, so the client sees a truncated body
/// rather than a well-formed lie.
using body_source = std::function<std::optional<std::string>()>;

struct response {
  unsigned status = 200;
  std::string body; // ignored when `stream` is set
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers; // e.g. Allow, Retry-After
  body_source stream; // set: chunked transfer encoding (HTTP/1.0: raw body, then close)
  std::string actor;  // who acted ("operator:alice", "agent:jordan"), for the access log
  std::string note;   // why it failed, for the access log; never sent to the client
};

/// A JSON body with the given status (200 unless told).
response json_response(const boost::json::value& body, unsigned status = 200);

/// A streamed JSON body (e.g. the audit export's bare array).
response streaming_response(body_source source, unsigned status = 200);

} // namespace mc::http
