#include "http/error_envelope.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mc::http {

status_code http_status(errc e) noexcept {
  switch (e) {
  case errc::invalid_input:
    return {400, error_code::validation};
  case errc::unauthenticated:
    return {401, error_code::unauthorized};
  case errc::forbidden:
    return {403, error_code::forbidden};
  case errc::not_found:
    return {404, error_code::not_found};
  case errc::conflict:
    return {409, error_code::conflict};
  case errc::refused:
    return {422, error_code::transition_refused};
  case errc::rate_limited:
    return {429, error_code::rate_limited};
  case errc::unavailable:
  case errc::timeout:
    return {503, error_code::unavailable};
  case errc::internal:
    return {500, error_code::internal};
  }
  return {500, error_code::internal};
}

http_error::http_error(errc e, std::string message)
    : std::runtime_error(std::move(message)), status_(http_status(e).status),
      code_(http_status(e).code) {}

http_error::http_error(errc e, std::string message, boost::json::object details)
    : http_error(e, std::move(message)) {
  details_ = std::make_shared<const boost::json::object>(std::move(details));
}

http_error::http_error(unsigned status, std::string_view code, std::string message)
    : std::runtime_error(std::move(message)), status_(status), code_(code) {}

response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id, const boost::json::object* details) {
  boost::json::object err;
  err["code"] = code;
  err["message"] = message;
  err["details"] = details != nullptr ? *details : boost::json::object();
  err["requestId"] = request_id;
  boost::json::object envelope;
  envelope["error"] = std::move(err);
  response r;
  r.status = status;
  r.body = boost::json::serialize(envelope);
  return r;
}

response error_response(errc e, std::string_view message, std::string_view request_id) {
  auto sc = http_status(e);
  return error_response(sc.status, sc.code, message, request_id);
}

response error_response(errc e, std::string_view message, std::string_view request_id,
                        const boost::json::object& details) {
  auto sc = http_status(e);
  return error_response(sc.status, sc.code, message, request_id, &details);
}

response error_response(const http_error& e, std::string_view request_id) {
  return error_response(e.status(), e.code(), e.what(), request_id, e.details());
}

} // namespace mc::http
