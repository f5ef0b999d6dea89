// Private to http/: the state a server shares with its connections (I/O contexts, router,
// options, the session registry, counters). Includes Asio, so nothing outside http/ may.
#pragma once

#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace mc::http::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// One connection, as the server sees it. Each call posts to the connection's own thread, so
/// any thread may make it.
class session {
 public:
  virtual ~session() = default;
  virtual void start() = 0;
  /// Graceful: close when idle, otherwise after the requests under way are answered.
  virtual void request_stop() = 0;
  /// Now, whatever is under way.
  virtual void request_close() = 0;
};

struct server_core;

std::shared_ptr<session> make_session(std::shared_ptr<server_core> core, tcp::socket socket);

struct status_counters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> responses{0};
  std::array<std::atomic<std::uint64_t>, 600> by_status{}; // 100–599; anything else counts as 500

  void count(unsigned status) noexcept;
  server_stats snapshot() const;
};

struct server_core : std::enable_shared_from_this<server_core> {
  server_core(router r, server_options o);

  // Declared first so they are destroyed last: sockets and timers must die before their context.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;

  const server_options opts;
  const router routes;
  const std::shared_ptr<access_log> log;
  listen_address address;
  std::atomic<std::uint16_t> bound_port{0};
  status_counters counters;

  std::vector<std::thread> threads;
  std::size_t next_context = 0; // touched only by the acceptor's thread

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::unordered_map<session*, std::shared_ptr<session>> sessions; // guarded by mutex
  std::size_t threads_running = 0;                                 // guarded by mutex
  bool started = false;                                            // guarded by mutex
  bool stopping = false;                                           // guarded by mutex
  bool stopped = false;                                            // guarded by mutex

  std::string next_request_id() { return ids.next("req_"); }
  /// False when the server is stopping: the caller closes the connection instead.
  bool add_session(const std::shared_ptr<session>& s);
  void remove_session(session* s);
  bool on_io_thread() const;

 private:
  system_clock clock_;
  id_generator ids{clock_};
};

} // namespace mc::http::detail
