// The one error shape of SPEC §1 and the mapping of mc::errc to HTTP statuses, plus the
// exception a handler may throw to answer with it.
#pragma once

#include "domain/errc.hpp"
#include "http/response.hpp"

#include <boost/json/fwd.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mc::http {

namespace error_code {
inline constexpr std::string_view validation = "VALIDATION_ERROR";
inline constexpr std::string_view unauthorized = "UNAUTHORIZED";
inline constexpr std::string_view forbidden = "FORBIDDEN";
inline constexpr std::string_view not_found = "NOT_FOUND";
inline constexpr std::string_view method_not_allowed = "METHOD_NOT_ALLOWED";
inline constexpr std::string_view conflict = "CONFLICT";
inline constexpr std::string_view payload_too_large = "PAYLOAD_TOO_LARGE";
inline constexpr std::string_view transition_refused = "TRANSITION_REFUSED";
inline constexpr std::string_view rate_limited = "RATE_LIMITED";
inline constexpr std::string_view headers_too_large = "HEADERS_TOO_LARGE";
inline constexpr std::string_view internal = "INTERNAL_ERROR";
inline constexpr std::string_view unavailable = "SERVICE_UNAVAILABLE";
} // namespace error_code

struct status_code {
  unsigned status;
  std::string_view code;
};

/// invalid_input → 400 VALIDATION_ERROR … timeout → 503 SERVICE_UNAVAILABLE.
status_code http_status(errc e) noexcept;

/// Thrown by a handler (before or instead of answering): the router answers with the envelope.
class http_error : public std::runtime_error {
 public:
  http_error(errc e, std::string message);
  http_error(errc e, std::string message, boost::json::object details);
  /// For the statuses mc::errc has no name for (405, 413, 431).
  http_error(unsigned status, std::string_view code, std::string message);

  unsigned status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }
  /// Null when there are none.
  const boost::json::object* details() const noexcept { return details_.get(); }

 private:
  unsigned status_;
  std::string code_;
  std::shared_ptr<const boost::json::object> details_; // shared: exceptions must copy cheaply
};

/// `{"error":{"code":…,"message":…,"details":{…},"requestId":…}}`; `details` is `{}` when
/// there are none, so clients can read it without a presence check.
response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id, const boost::json::object* details = nullptr);
response error_response(errc e, std::string_view message, std::string_view request_id);
response error_response(errc e, std::string_view message, std::string_view request_id,
                        const boost::json::object& details);
response error_response(const http_error& e, std::string_view request_id);

} // namespace mc::http
