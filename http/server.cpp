// The acceptor, the I/O threads and graceful shutdown. One io_context per thread, each run by
// exactly one thread: a connection lives on one context, so its handlers never race and need
// no strand (see http/README.md for the measurement behind the choice).
#include "http/server.hpp"

#include "http/server_core.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <future>
#include <stdexcept>
#include <system_error>

namespace mc::http {

namespace {

constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
constexpr auto close_grace = std::chrono::seconds(2);

} // namespace

bool listen_address::is_loopback() const noexcept {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

std::string listen_address::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

listen_address parse_listen_address(std::string_view text) {
  auto fail = [&](std::string_view why) {
    throw std::invalid_argument("listen address '" + std::string(text) + "': " + std::string(why));
  };
  auto parsed = boost::urls::parse_authority(text);
  if (!parsed)
    fail("expected HOST:PORT, e.g. 127.0.0.1:3000 or [::1]:3000");
  const auto& a = *parsed;
  if (a.has_userinfo())
    fail("expected HOST:PORT, e.g. 127.0.0.1:3000 or [::1]:3000");
  if (!a.has_port() || a.port().empty())
    fail("a port is required");
  listen_address out;
  switch (a.host_type()) {
  case boost::urls::host_type::ipv4:
  case boost::urls::host_type::ipv6:
    out.host = a.host_address();
    break;
  case boost::urls::host_type::name:
    if (a.host_address() != "localhost")
      fail("the host must be an IP address or localhost");
    out.host = "127.0.0.1";
    break;
  default:
    fail("the host must be an IP address or localhost");
  }
  const auto port = a.port();
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
    fail("the port must be 0–65535");
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

namespace detail {

void status_counters::count(unsigned status) noexcept {
  responses.fetch_add(1, std::memory_order_relaxed);
  by_status[status >= 100 && status < 600 ? status : 500].fetch_add(1, std::memory_order_relaxed);
}

server_stats status_counters::snapshot() const {
  server_stats s;
  s.connections_accepted = accepted.load(std::memory_order_relaxed);
  s.connections_open = open.load(std::memory_order_relaxed);
  s.responses = responses.load(std::memory_order_relaxed);
  for (unsigned st = 100; st < 600; ++st) {
    auto n = by_status[st].load(std::memory_order_relaxed);
    if (n == 0)
      continue;
    s.by_status.emplace_back(st, n);
    s.by_class[st / 100] += n;
  }
  return s;
}

server_core::server_core(router r, server_options o)
    : opts(std::move(o)), routes(std::move(r)),
      log(opts.log ? opts.log : access_log::to_stdout(log_format::text)) {}

bool server_core::add_session(const std::shared_ptr<session>& s) {
  std::lock_guard lock(mutex);
  if (stopping)
    return false;
  sessions.emplace(s.get(), s);
  counters.open.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void server_core::remove_session(session* s) {
  std::shared_ptr<session> last; // released outside the lock: its destructor may be long
  {
    std::lock_guard lock(mutex);
    auto it = sessions.find(s);
    if (it == sessions.end())
      return;
    last = std::move(it->second);
    sessions.erase(it);
    counters.open.fetch_sub(1, std::memory_order_relaxed);
  }
  changed.notify_all();
}

bool server_core::on_io_thread() const {
  return std::any_of(contexts.begin(), contexts.end(),
                     [](const auto& c) { return c->get_executor().running_in_this_thread(); });
}

namespace {

void do_accept(const std::shared_ptr<server_core>& core) {
  auto& target = *core->contexts[core->next_context];
  core->next_context = (core->next_context + 1) % core->contexts.size();
  core->acceptor->async_accept(target, [core](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !core->acceptor->is_open())
      return;
    if (ec) {
      // Typically EMFILE: back off instead of spinning on an error that will repeat at once.
      core->log->event(access_log::level::error, "accept failed: " + ec.message());
      core->accept_retry->expires_after(accept_retry_delay);
      core->accept_retry->async_wait([core](boost::system::error_code wait_ec) {
        if (!wait_ec && core->acceptor->is_open())
          do_accept(core);
      });
      return;
    }
    core->counters.accepted.fetch_add(1, std::memory_order_relaxed);
    auto s = make_session(core, std::move(socket));
    if (core->add_session(s))
      s->start();
    do_accept(core);
  });
}

} // namespace

} // namespace detail

server::server(router routes, server_options opts)
    : core_(std::make_shared<detail::server_core>(std::move(routes), std::move(opts))) {}

server::~server() {
  try {
    stop();
  } catch (...) { // stop() from an I/O thread: nothing sane is left to do in a destructor
  }
}

void server::start() {
  namespace net = boost::asio;
  auto& c = *core_;
  {
    std::lock_guard lock(c.mutex);
    if (c.started || !c.contexts.empty())
      throw std::logic_error("server::start() called twice");
  }
  c.address = parse_listen_address(c.opts.listen);
  const unsigned n = std::max(1u, c.opts.threads);
  for (unsigned i = 0; i < n; ++i) {
    // Concurrency hint 1: exactly one thread runs each context.
    c.contexts.push_back(std::make_unique<net::io_context>(1));
    c.guards.push_back(net::make_work_guard(*c.contexts.back()));
  }
  const detail::tcp::endpoint ep(net::ip::make_address(c.address.host), c.address.port);
  c.acceptor.emplace(*c.contexts.front());
  boost::system::error_code ec;
  auto check = [&](std::string_view what) {
    if (ec)
      throw std::system_error(ec, std::string(what) + " " + c.address.to_string());
  };
  c.acceptor->open(ep.protocol(), ec);
  check("open");
  // A restart must not wait for the previous process's TIME_WAIT sockets to expire.
  c.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  check("set SO_REUSEADDR on");
  c.acceptor->bind(ep, ec);
  check("bind");
  c.acceptor->listen(net::socket_base::max_listen_connections, ec);
  check("listen on");
  c.bound_port = c.acceptor->local_endpoint().port();
  c.accept_retry.emplace(*c.contexts.front());
  detail::do_accept(core_);
  {
    std::lock_guard lock(c.mutex);
    c.started = true;
    c.threads_running = n;
  }
  for (unsigned i = 0; i < n; ++i) {
    c.threads.emplace_back([core = core_, i] {
      for (;;) {
        try {
          core->contexts[i]->run();
          break;
        } catch (const std::exception& e) {
          core->log->event(access_log::level::error,
                           std::string("I/O thread caught an exception: ") + e.what());
        }
      }
      {
        std::lock_guard lock(core->mutex);
        --core->threads_running;
      }
      core->changed.notify_all();
    });
  }
  c.log->event(access_log::level::info,
               "listening on " + listen_address{c.address.host, port()}.to_string() + " with " +
                   std::to_string(n) + " I/O thread" + (n == 1 ? "" : "s"));
}

std::uint16_t server::port() const noexcept {
  return core_->bound_port.load();
}

const listen_address& server::address() const noexcept {
  return core_->address;
}

void server::begin_stop() {
  namespace net = boost::asio;
  auto& c = *core_;
  std::vector<std::shared_ptr<detail::session>> sessions;
  {
    std::lock_guard lock(c.mutex);
    if (!c.started || c.stopping)
      return;
    c.stopping = true;
    for (const auto& [p, s] : c.sessions)
      sessions.push_back(s);
  }
  auto close_acceptor = [core = core_] {
    boost::system::error_code ec;
    core->acceptor->close(ec);
    core->accept_retry->cancel();
  };
  if (c.contexts.front()->get_executor().running_in_this_thread()) {
    close_acceptor();
  } else {
    std::promise<void> closed;
    net::post(*c.contexts.front(), [&] {
      close_acceptor();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  for (const auto& s : sessions)
    s->request_stop();
  c.log->event(access_log::level::info,
               "stopping: " + std::to_string(sessions.size()) + " connection(s) to drain");
}

void server::stop() {
  auto& c = *core_;
  {
    std::lock_guard lock(c.mutex);
    if (!c.started || c.stopped)
      return;
  }
  if (c.on_io_thread())
    throw std::logic_error("server::stop() called from one of its own I/O threads");
  begin_stop();
  std::unique_lock lock(c.mutex);
  const bool drained =
      c.changed.wait_for(lock, c.opts.drain_timeout, [&] { return c.sessions.empty(); });
  if (!drained) {
    std::vector<std::shared_ptr<detail::session>> left;
    for (const auto& [p, s] : c.sessions)
      left.push_back(s);
    lock.unlock();
    c.log->event(access_log::level::warn, "drain time over: closing " +
                                              std::to_string(left.size()) +
                                              " connection(s) with requests under way");
    for (const auto& s : left)
      s->request_close();
    left.clear();
    lock.lock();
    c.changed.wait_for(lock, close_grace, [&] { return c.sessions.empty(); });
  }
  lock.unlock();
  // With every connection closed, each context runs out of work and its thread returns.
  for (auto& g : c.guards)
    g.reset();
  lock.lock();
  if (!c.changed.wait_for(lock, close_grace, [&] { return c.threads_running == 0; })) {
    lock.unlock();
    c.log->event(access_log::level::error, "I/O threads still busy after close; stopping them");
    for (auto& ctx : c.contexts)
      ctx->stop();
    lock.lock();
  }
  lock.unlock();
  for (auto& t : c.threads)
    t.join();
  c.threads.clear();
  lock.lock();
  c.sessions.clear();
  c.stopped = true;
  lock.unlock();
  c.log->event(access_log::level::info, "stopped");
}

server_stats server::stats() const {
  return core_->counters.snapshot();
}

} // namespace mc::http
