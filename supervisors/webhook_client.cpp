#include "supervisors/webhook_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <optional>
#include <thread>

namespace mc::supervisors {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

/// A receiver's answer is read only to learn its status: more than this is cut off as an error.
constexpr std::uint64_t answer_limit = 64 * 1024;

struct target {
  std::string host;
  std::string port;
  std::string host_header;
  std::string resource;
};

/// Only plain http: the client speaks no TLS (docs/DECISIONS.md).
std::optional<target> parse_target(const std::string& url, std::string& why) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    why = "not a URL: " + url;
    return std::nullopt;
  }
  const auto& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http) {
    why = "unsupported scheme '" + std::string(u.scheme()) +
          "': webhooks are delivered over plain http:// only";
    return std::nullopt;
  }
  target t;
  t.host = u.host_address();
  if (t.host.empty()) {
    why = "no host in " + url;
    return std::nullopt;
  }
  t.port = u.has_port() ? std::string(u.port()) : "80";
  t.host_header = u.encoded_host_and_port();
  t.resource = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query())
    t.resource += "?" + std::string(u.encoded_query());
  return t;
}

/// One POST: resolve, connect, send, read the answer, all under one deadline. Every handler
/// runs on the client's one thread, so the state needs no lock.
class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(net::io_context& ioc, outbound_post post, std::function<void(outbound_result)> done)
      : resolver_(ioc), socket_(ioc), timer_(ioc), post_(std::move(post)), done_(std::move(done)) {}

  void start() {
    std::string why;
    auto t = parse_target(post_.url, why);
    if (!t) {
      finish(outbound_result{0, why});
      return;
    }
    req_.method(bhttp::verb::post);
    req_.target(t->resource);
    req_.version(11);
    req_.set(bhttp::field::host, t->host_header);
    req_.set(bhttp::field::user_agent, "mission-control-webhooks");
    req_.set(bhttp::field::content_type, "application/json");
    req_.set(bhttp::field::connection, "close");
    for (const auto& [name, value] : post_.headers)
      req_.set(name, value);
    req_.body() = std::move(post_.body);
    req_.prepare_payload();
    parser_.body_limit(answer_limit);

    timer_.expires_after(post_.timeout);
    timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec || self->finished_)
        return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    resolver_.async_resolve(
        t->host, t->port,
        [self = shared_from_this()](const beast::error_code& ec, tcp::resolver::results_type hits) {
          if (ec)
            return self->fail(ec, "resolve");
          self->connect(hits);
        });
  }

 private:
  void connect(const tcp::resolver::results_type& hits) {
    net::async_connect(
        socket_, hits,
        [self = shared_from_this()](const beast::error_code& ec, const tcp::endpoint&) {
          if (ec)
            return self->fail(ec, "connect");
          self->send();
        });
  }

  void send() {
    bhttp::async_write(socket_, req_,
                       [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                         if (ec)
                           return self->fail(ec, "send");
                         self->read();
                       });
  }

  void read() {
    bhttp::async_read(socket_, buffer_, parser_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                        if (ec)
                          return self->fail(ec, "read");
                        self->finish(outbound_result{self->parser_.get().result_int(), {}});
                      });
  }

  void fail(const beast::error_code& ec, std::string_view step) {
    if (timed_out_)
      finish(outbound_result{0, "timed out after " + std::to_string(post_.timeout.count()) +
                                    " ms (" + std::string(step) + ")"});
    else
      finish(outbound_result{0, std::string(step) + " failed: " + ec.message()});
  }

  void finish(outbound_result r) {
    if (finished_)
      return;
    finished_ = true;
    timer_.cancel();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    done_(std::move(r));
  }

  tcp::resolver resolver_;
  tcp::socket socket_;
  net::steady_timer timer_;
  outbound_post post_;
  std::function<void(outbound_result)> done_;
  bhttp::request<bhttp::string_body> req_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  bool finished_ = false;
  bool timed_out_ = false;
};

} // namespace

std::string outbound_result::describe() const {
  if (!error.empty())
    return error;
  if (accepted())
    return "HTTP " + std::to_string(status);
  return "HTTP " + std::to_string(status) + " (not 2xx)";
}

struct webhook_client::impl {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
};

webhook_client::webhook_client() : impl_(std::make_unique<impl>()) {}

webhook_client::~webhook_client() {
  impl_->work.reset();
  impl_->ioc.stop();
  // The callbacks only send messages, so the client is not destroyed on its own thread; should
  // that ever happen, the thread cannot join itself, and its context must outlive it.
  if (impl_->thread.get_id() == std::this_thread::get_id()) {
    impl_->thread.detach();
    static_cast<void>(impl_.release());
    return;
  }
  impl_->thread.join();
}

void webhook_client::post(outbound_post request, std::function<void(outbound_result)> done) {
  auto& ioc = impl_->ioc;
  net::post(ioc, [&ioc, request = std::move(request), done = std::move(done)]() mutable {
    std::make_shared<exchange>(ioc, std::move(request), std::move(done))->start();
  });
}

} // namespace mc::supervisors
