// Method + path-pattern routing (`/api/tasks/{id}/transition`) onto plain callbacks: the router
// answers 404 and 405 itself and turns what a handler throws into the error envelope.
#pragma once

#include "http/request.hpp"
#include "http/responder.hpp"

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::http {

/// The `{name}` segments of the matched pattern, percent-decoded.
class path_params {
 public:
  using value_type = std::pair<std::string, std::string>;

  void add(std::string name, std::string value);
  std::optional<std::string_view> find(std::string_view name) const noexcept;
  /// "" when the pattern has no such parameter.
  std::string_view get(std::string_view name) const noexcept { return find(name).value_or(""); }
  std::string_view operator[](std::string_view name) const noexcept { return get(name); }
  std::size_t size() const noexcept { return params_.size(); }
  auto begin() const noexcept { return params_.begin(); }
  auto end() const noexcept { return params_.end(); }

 private:
  std::vector<value_type> params_;
};

/// The request and params live only for the duration of the call: copy what an asynchronous
/// answer needs. `responder` may be moved anywhere and called from any thread.
using handler = std::function<void(const request&, const path_params&, responder)>;

class router {
 public:
  router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;
  ~router();

  /// Throws std::invalid_argument for a pattern that does not start with '/', has an empty or
  /// malformed `{param}`, or repeats a method already routed on the same shape.
  router& add(method m, std::string_view pattern, handler h);
  router& get(std::string_view pattern, handler h) {
    return add(method::get, pattern, std::move(h));
  }
  router& post(std::string_view pattern, handler h) {
    return add(method::post, pattern, std::move(h));
  }
  router& put(std::string_view pattern, handler h) {
    return add(method::put, pattern, std::move(h));
  }
  router& patch(std::string_view pattern, handler h) {
    return add(method::patch, pattern, std::move(h));
  }
  router& del(std::string_view pattern, handler h) {
    return add(method::delete_, pattern, std::move(h));
  }

  struct match {
    enum class outcome { found, no_path, no_method } result = outcome::no_path;
    const handler* target = nullptr;
    std::string_view pattern; // the route's pattern, "" when no path matched
    path_params params;
    std::vector<method> allowed; // for 405: every method some matching pattern takes
  };

  /// Literal segments beat `{param}` ones, left to right, so `/api/tasks/export` wins over
  /// `/api/tasks/{id}`; HEAD falls back to GET. A trailing slash is ignored.
  match find(method m, const std::vector<std::string>& segments) const;

  /// Routes `req` and answers through `r` (the handler's answer, a 404/405 envelope, or the
  /// envelope for what the handler threw). Returns the matched pattern for the access log.
  std::string_view handle(const request& req, responder r) const;

 private:
  struct route;
  std::vector<route> routes_;
};

/// "GET, HEAD, PATCH": the value of an Allow header.
/// The envelope for an exception a handler threw (an http_error, a JSON mapping error as 400,
/// anything else as 500), wherever it was caught: the router, or a handler's continuation.
response error_from_exception(std::exception_ptr failed, std::string_view request_id);

std::string allow_header(const std::vector<method>& methods);

} // namespace mc::http
