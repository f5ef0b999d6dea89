// The HTTP/1.1 front door: a Boost.Beast server on N I/O threads that feeds parsed requests to a
// router and writes the answers back in request order. Beast and Asio stay inside server.cpp.
#pragma once

#include "http/access_log.hpp"
#include "http/router.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::http {

namespace detail {
struct server_core;
}

struct listen_address {
  std::string host; // an IP literal, without brackets
  std::uint16_t port = 0;

  /// 127/8 or ::1: what SPEC §6 means by "listens only on loopback".
  bool is_loopback() const noexcept;
  /// "127.0.0.1:3000", "[::1]:3000".
  std::string to_string() const;
};

/// `127.0.0.1:3000`, `[::1]:3000`, `0.0.0.0:3000`, `localhost:3000` (as 127.0.0.1); port 0
/// asks for an ephemeral port. Throws std::invalid_argument naming what is wrong.
listen_address parse_listen_address(std::string_view text);

struct server_options {
  std::string listen = "127.0.0.1:3000";
  /// I/O threads, each running its own io_context (connections are spread round-robin).
  unsigned threads = 1;
  /// A keep-alive connection with no request under way is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  /// From a request's first byte to its last.
  std::chrono::milliseconds read_timeout{30'000};
  /// Per write (per chunk of a streamed body): a client that stops reading is dropped.
  std::chrono::milliseconds write_timeout{30'000};
  /// How long stop() lets in-flight requests finish before it closes their connections.
  std::chrono::milliseconds drain_timeout{10'000};
  /// After a final response (e.g. 413), unread request bytes are discarded this long before
  /// the close, so the client reads the answer instead of a connection reset.
  std::chrono::milliseconds linger_timeout{2'000};
  std::size_t body_limit = 1024 * 1024;   // larger → 413
  std::uint32_t header_limit = 16 * 1024; // request line + headers; larger → 431
  /// Requests read ahead of their answers on one connection; reading pauses at the limit.
  std::size_t pipeline_limit = 16;
  /// Null: text lines on stdout.
  std::shared_ptr<access_log> log;
  /// Called after each response is sent, on an I/O thread (metrics, tests). Must not block.
  std::function<void(const access_record&)> on_access;
};

struct server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t responses = 0;
  std::array<std::uint64_t, 6> by_class{};                   // [2] counts 2xx, … [5] counts 5xx
  std::vector<std::pair<unsigned, std::uint64_t>> by_status; // every status seen, ascending
};

class server {
 public:
  server(router routes, server_options opts);
  ~server(); // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the I/O threads. Throws std::invalid_argument for a bad
  /// address, std::system_error when the bind fails (port in use, no such interface).
  void start();
  /// The bound port (the ephemeral one for port 0); 0 before start().
  std::uint16_t port() const noexcept;
  const listen_address& address() const noexcept;

  /// Closes the acceptor (new connections are refused once it returns) and idle connections;
  /// requests under way carry on and are answered with `Connection: close`. Idempotent.
  void begin_stop();
  /// begin_stop(), then waits up to drain_timeout for answers to go out, closes what is left
  /// and joins the I/O threads. Idempotent. Must not be called from a handler on an I/O thread.
  void stop();

  server_stats stats() const;

 private:
  std::shared_ptr<detail::server_core> core_;
};

} // namespace mc::http
