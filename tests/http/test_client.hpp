// A Beast client for the HTTP tests. Every read waits for an event with a generous bound, so a
// server bug fails a test instead of hanging it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::http::test {

namespace bhttp = boost::beast::http;
using string_response = bhttp::response<bhttp::string_body>;

inline constexpr std::chrono::seconds event_bound{10};

class client {
 public:
  explicit client(std::uint16_t port, std::string_view host = "127.0.0.1");

  /// Writes one request and reads its answer.
  string_response request(bhttp::verb verb, std::string_view target, std::string body = {},
                          std::vector<std::pair<std::string, std::string>> headers = {},
                          unsigned version = 11);
  string_response get(std::string_view target) { return request(bhttp::verb::get, target); }

  void write_raw(std::string_view bytes);
  /// Throws when no complete response arrives within the bound.
  string_response read(std::chrono::milliseconds bound = event_bound);
  /// The first line (and anything after it) of the raw bytes received within the bound.
  std::string read_some_raw(std::chrono::milliseconds bound = event_bound);
  /// Waits until the server closes the connection: true when it did within the bound. Any
  /// bytes received meanwhile are discarded.
  bool wait_for_close(std::chrono::milliseconds bound = event_bound);

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

/// Serializes a request the way a client would send it, for pipelining tests.
std::string raw_request(bhttp::verb verb, std::string_view target, std::string body = {},
                        std::vector<std::pair<std::string, std::string>> headers = {});

/// True when a fresh connection to the port is refused (or reset) right away.
bool connection_refused(std::uint16_t port);

} // namespace mc::http::test
