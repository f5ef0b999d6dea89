// What a handler sees of one HTTP request: method, decoded path and query, headers, body, peer
// and request id. Plain data with no Beast or Asio in sight, so handler files compile fast.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::http {

enum class method : std::uint8_t { get, head, post, put, patch, delete_, options, other };

std::string_view to_string(method m) noexcept;

/// Ordered name/value pairs; `header_map` looks names up case-insensitively, `query_params`
/// exactly. Repeated names keep every value in arrival order.
class field_list {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  void add(std::string name, std::string value);
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  const_iterator begin() const noexcept { return fields_.begin(); }
  const_iterator end() const noexcept { return fields_.end(); }

 protected:
  explicit field_list(bool ignore_case) noexcept : ignore_case_(ignore_case) {}
  bool same(std::string_view a, std::string_view b) const noexcept;
  std::optional<std::string_view> first(std::string_view name) const noexcept;
  std::vector<std::string_view> all(std::string_view name) const;

 private:
  std::vector<value_type> fields_;
  bool ignore_case_;
};

class header_map : public field_list {
 public:
  header_map() noexcept : field_list(true) {}
  /// The first value of `name`, compared without regard to case.
  std::optional<std::string_view> get(std::string_view name) const noexcept { return first(name); }
  std::vector<std::string_view> get_all(std::string_view name) const { return all(name); }
  bool contains(std::string_view name) const noexcept { return first(name).has_value(); }
};

/// Decoded query parameters. `status=a,b` stays the one value "a,b": splitting a multi-value
/// filter is the handler's call, since only it knows which parameters are lists.
class query_params : public field_list {
 public:
  query_params() noexcept : field_list(false) {}
  std::optional<std::string_view> get(std::string_view name) const noexcept { return first(name); }
  std::vector<std::string_view> get_all(std::string_view name) const { return all(name); }
  bool contains(std::string_view name) const noexcept { return first(name).has_value(); }
};

struct remote_endpoint {
  std::string address; // "127.0.0.1", "::1"
  std::uint16_t port = 0;
  bool loopback = false; // 127/8, ::1, or a v4-mapped 127/8
};

struct request {
  http::method method = method::get;
  std::string method_text;           // as sent, e.g. "GET" or "PROPFIND"
  std::string target;                // the raw request-target, query included
  std::string path;                  // percent-decoded, without the query
  std::vector<std::string> segments; // the path's decoded segments; "%2F" stays inside one
  query_params query;
  header_map headers;
  std::string body;
  remote_endpoint remote;
  std::string id; // the request id: a well-formed incoming X-Request-Id, or a generated one
  std::chrono::steady_clock::time_point received_at{};

  bool is_loopback() const noexcept { return remote.loopback; }
};

/// Fills `path`, `segments` and `query` from an origin-form target ("/a/b?x=1"), decoding
/// percent-escapes and `+` in the query. False when the target is not origin-form.
bool parse_target(std::string_view target, request& out);

/// An incoming X-Request-Id is kept when it is 1–128 characters of `[A-Za-z0-9._:-]`, so a
/// client's correlation id survives into logs without letting it inject anything there.
bool is_well_formed_request_id(std::string_view id) noexcept;

} // namespace mc::http
