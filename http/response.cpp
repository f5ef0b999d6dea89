#include "http/response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mc::http {

response json_response(const boost::json::value& body, unsigned status) {
  response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

response streaming_response(body_source source, unsigned status) {
  response r;
  r.status = status;
  r.stream = std::move(source);
  return r;
}

} // namespace mc::http
