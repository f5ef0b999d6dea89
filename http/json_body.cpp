#include "http/json_body.hpp"

#include "http/error_envelope.hpp"

#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <string>

namespace mc::http {

namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

[[noreturn]] void fail(std::string message, std::size_t offset) {
  boost::json::object details;
  details["offset"] = offset;
  throw http_error(errc::invalid_input, std::move(message), std::move(details));
}

} // namespace

boost::json::value parse_json_body(std::string_view body, const json_body_options& opts) {
  if (blank(body))
    return boost::json::object();
  boost::json::parse_options po;
  po.max_depth = opts.max_depth;
  boost::json::stream_parser p({}, po);
  boost::system::error_code ec;
  // write_some reports how far it got, which is what makes the message point at the problem.
  const std::size_t used = p.write_some(body.data(), body.size(), ec);
  if (!ec && used < body.size() && !blank(body.substr(used)))
    fail("request body is not valid JSON: unexpected data after the document", used);
  if (!ec)
    p.finish(ec);
  if (ec == boost::json::error::too_deep)
    fail("request body nests deeper than " + std::to_string(opts.max_depth) + " levels", used);
  if (ec)
    fail("request body is not valid JSON: " + ec.message(), used);
  return p.release();
}

boost::json::object parse_json_object_body(std::string_view body, const json_body_options& opts) {
  auto v = parse_json_body(body, opts);
  if (!v.is_object())
    throw http_error(errc::invalid_input, "request body must be a JSON object");
  return std::move(v.as_object());
}

} // namespace mc::http
