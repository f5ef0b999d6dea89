// One HTTP/1.1 connection: reads requests (ahead of their answers, up to the pipeline limit),
// hands them to the router, and writes the answers strictly in request order, whichever thread
// and whatever order they come back in. Everything here runs on the connection's own thread.
#include "http/error_envelope.hpp"
#include "http/server_core.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <deque>

namespace mc::http::detail {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using steady = std::chrono::steady_clock;
using sys_error = boost::system::error_code;

constexpr std::size_t first_read_size = 4096;
constexpr std::size_t stream_chunk_target = 64 * 1024; // coalesce small pieces into one chunk
constexpr std::size_t linger_scratch = 16 * 1024;

const std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

method to_method(bhttp::verb v) {
  switch (v) {
  case bhttp::verb::get:
    return method::get;
  case bhttp::verb::head:
    return method::head;
  case bhttp::verb::post:
    return method::post;
  case bhttp::verb::put:
    return method::put;
  case bhttp::verb::patch:
    return method::patch;
  case bhttp::verb::delete_:
    return method::delete_;
  case bhttp::verb::options:
    return method::options;
  default:
    return method::other;
  }
}

remote_endpoint describe_peer(const tcp::socket& s) {
  remote_endpoint out;
  sys_error ec;
  auto ep = s.remote_endpoint(ec);
  if (ec)
    return out;
  auto a = ep.address();
  out.address = a.to_string();
  out.port = ep.port();
  out.loopback = a.is_loopback() || (a.is_v6() && a.to_v6().is_v4_mapped() &&
                                     net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6())
                                         .is_loopback()); // ::ffff:127.0.0.1 on a v6 socket
  return out;
}

class http_session final : public session, public std::enable_shared_from_this<http_session> {
 public:
  http_session(std::shared_ptr<server_core> core, tcp::socket socket)
      : core_(std::move(core)), socket_(std::move(socket)), executor_(socket_.get_executor()),
        timer_(executor_), remote_(describe_peer(socket_)),
        remote_text_(listen_address{remote_.address, remote_.port}.to_string()) {}

  void start() override {
    net::post(executor_, [self = shared_from_this()] {
      sys_error ec;
      self->socket_.set_option(tcp::no_delay(true), ec); // answers are small and latency-bound
      self->do_read();
    });
  }

  void request_stop() override {
    net::post(executor_, [self = shared_from_this()] { self->on_server_stop(); });
  }

  void request_close() override {
    net::post(executor_, [self = shared_from_this()] { self->close(); });
  }

 private:
  enum class read_state { none, idle, header, body };

  struct entry {
    std::uint64_t seq = 0;
    std::string method_text;
    std::string path;
    std::string_view route; // points into the router, which outlives every session
    std::string request_id;
    steady::time_point received{};
    unsigned version = 11;
    bool keep_alive = true;
    bool head = false;
    bool linger = false; // the request was not read to its end
    std::optional<response> res;
  };

  // ---- reading -------------------------------------------------------------------------------

  void do_read() {
    if (closed_ || read_closed_ || read_state_ != read_state::none)
      return;
    if (queue_.size() >= core_->opts.pipeline_limit)
      return; // resumed by finish_response once an answer is out
    if (buffer_.size() > 0) {
      read_header();
      return;
    }
    read_state_ = read_state::idle;
    if (queue_.empty() && !writing_)
      idle_deadline_ = steady::now() + core_->opts.idle_timeout;
    update_deadline();
    socket_.async_read_some(
        buffer_.prepare(first_read_size),
        [self = shared_from_this()](sys_error ec, std::size_t n) { self->on_first_bytes(ec, n); });
  }

  void on_first_bytes(sys_error ec, std::size_t n) {
    read_state_ = read_state::none;
    if (lingering_) {
      on_linger_read(ec, n);
      return;
    }
    if (closed_)
      return;
    if (ec) {
      on_read_error(ec);
      return;
    }
    buffer_.commit(n);
    if (read_closed_) { // stop() came while we waited: bytes of a request we will not serve
      maybe_finish();
      return;
    }
    read_header();
  }

  void read_header() {
    read_state_ = read_state::header;
    read_deadline_ = steady::now() + core_->opts.read_timeout;
    update_deadline();
    parser_.emplace();
    parser_->body_limit(core_->opts.body_limit);
    parser_->header_limit(core_->opts.header_limit);
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](sys_error ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(sys_error ec) {
    if (closed_)
      return;
    if (lingering_) {
      read_state_ = read_state::none;
      on_linger_read(ec, 0);
      return;
    }
    if (ec) {
      read_state_ = read_state::none;
      on_read_error(ec);
      return;
    }
    if (parser_->is_done()) {
      on_request();
      return;
    }
    // curl sends `Expect: 100-continue` before bodies over 1 KiB and waits a second for it.
    const auto expect = parser_->get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue") && queue_.empty() && !writing_) {
      writing_ = true;
      write_deadline_ = steady::now() + core_->opts.write_timeout;
      update_deadline();
      net::async_write(socket_, net::buffer(continue_100.data(), continue_100.size()),
                       [self = shared_from_this()](sys_error wec, std::size_t) {
                         self->writing_ = false;
                         if (wec) {
                           self->close();
                           return;
                         }
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    if (closed_)
      return;
    read_state_ = read_state::body;
    update_deadline();
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](sys_error ec, std::size_t) {
                        self->read_state_ = read_state::none;
                        if (self->closed_)
                          return;
                        if (self->lingering_) {
                          self->on_linger_read(ec, 0);
                          return;
                        }
                        if (ec) {
                          self->on_read_error(ec);
                          return;
                        }
                        self->on_request();
                      });
  }

  void on_read_error(sys_error ec) {
    read_closed_ = true;
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted) {
      // The client is done sending; whatever it asked for is still answered.
      maybe_finish();
      return;
    }
    if (ec.category() != bhttp::make_error_code(bhttp::error::end_of_stream).category() ||
        ec == bhttp::error::partial_message) {
      close(); // a network error, or the peer vanished mid-request: nobody to answer
      return;
    }
    entry e;
    e.seq = next_seq_++;
    e.received = steady::now();
    e.keep_alive = false;
    e.linger = true;
    if (parser_ && parser_->is_header_done()) {
      const auto& h = parser_->get();
      e.method_text = std::string(h.method_string());
      e.version = h.version();
      e.path = std::string(h.target());
      auto incoming = h["X-Request-Id"];
      if (is_well_formed_request_id(incoming))
        e.request_id = std::string(incoming);
    }
    if (e.request_id.empty())
      e.request_id = core_->next_request_id();
    if (ec == bhttp::error::body_limit) {
      e.res = error_response(413, error_code::payload_too_large,
                             "request body exceeds " + std::to_string(core_->opts.body_limit) +
                                 " bytes",
                             e.request_id);
    } else if (ec == bhttp::error::header_limit) {
      e.res = error_response(431, error_code::headers_too_large,
                             "request line and headers exceed " +
                                 std::to_string(core_->opts.header_limit) + " bytes",
                             e.request_id);
    } else {
      e.res = error_response(400, error_code::validation, "malformed HTTP request: " + ec.message(),
                             e.request_id);
    }
    e.res->note = ec.message();
    queue_.push_back(std::move(e));
    maybe_write();
  }

  void on_request() {
    read_state_ = read_state::none;
    auto msg = parser_->release();
    parser_.reset();
    request req;
    req.method = to_method(msg.method());
    req.method_text = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg)
      req.headers.add(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    req.remote = remote_;
    req.received_at = steady::now();
    auto incoming = req.headers.get("X-Request-Id");
    req.id = incoming && is_well_formed_request_id(*incoming) ? std::string(*incoming)
                                                              : core_->next_request_id();

    entry e;
    e.seq = next_seq_++;
    e.method_text = req.method_text;
    e.request_id = req.id;
    e.received = req.received_at;
    e.version = msg.version();
    e.keep_alive = msg.keep_alive();
    e.head = req.method == method::head;
    if (!e.keep_alive)
      read_closed_ = true;
    const bool target_ok = parse_target(req.target, req);
    e.path = target_ok ? req.path : req.target;
    if (!target_ok) {
      e.res =
          error_response(400, error_code::validation,
                         "malformed request target (expected a path starting with '/')", req.id);
    }
    const auto seq = e.seq;
    queue_.push_back(std::move(e));
    if (target_ok) {
      std::weak_ptr<http_session> weak = shared_from_this();
      responder r(req.id, [weak, seq](response res) {
        // Only a weak hold while the answer travels: a connection that closed meanwhile
        // (client gone, server stopped) is not kept alive for an answer nobody can read.
        if (auto s = weak.lock())
          net::post(s->executor_, [weak, seq, res = std::move(res)]() mutable {
            if (auto s2 = weak.lock())
              s2->on_response(seq, std::move(res));
          });
      });
      auto route = core_->routes.handle(req, std::move(r));
      for (auto& q : queue_)
        if (q.seq == seq)
          q.route = route;
    }
    maybe_write();
    do_read();
  }

  // ---- writing -------------------------------------------------------------------------------

  void on_response(std::uint64_t seq, response res) {
    if (closed_)
      return;
    for (auto& e : queue_) {
      if (e.seq == seq) {
        if (!e.res)
          e.res = std::move(res);
        break;
      }
    }
    maybe_write();
  }

  void maybe_write() {
    if (closed_ || writing_ || lingering_ || queue_.empty() || !queue_.front().res)
      return;
    auto& e = queue_.front();
    response& r = *e.res;
    // The last answer before a close says so; earlier pipelined ones keep the connection open.
    close_after_ =
        !e.keep_alive || (read_closed_ && queue_.size() == 1 && read_state_ != read_state::header &&
                          read_state_ != read_state::body);
    writing_ = true;
    body_bytes_ = 0;
    if (r.stream) {
      start_stream(e, r);
      return;
    }
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(e.version);
    msg->result(r.status);
    fill_header(*msg, e, r);
    msg->keep_alive(!close_after_);
    body_bytes_ = r.body.size();
    msg->body() = std::move(r.body);
    msg->prepare_payload();
    arm_write();
    if (e.head) {
      auto sr = std::make_shared<bhttp::response_serializer<bhttp::string_body>>(*msg);
      bhttp::async_write_header(socket_, *sr,
                                [self = shared_from_this(), msg, sr](sys_error ec, std::size_t) {
                                  self->on_written(ec);
                                });
      body_bytes_ = 0;
      return;
    }
    bhttp::async_write(socket_, *msg, [self = shared_from_this(), msg](sys_error ec, std::size_t) {
      self->on_written(ec);
    });
  }

  template <class Message>
  void fill_header(Message& msg, const entry& e, const response& r) {
    msg.set(bhttp::field::content_type, r.content_type);
    msg.set("X-Request-Id", e.request_id);
    for (const auto& [name, value] : r.headers)
      msg.insert(name, value);
  }

  void start_stream(const entry& e, response& r) {
    stream_ = std::move(r.stream);
    stream_raw_ = e.version < 11; // HTTP/1.0 has no chunked encoding: raw body, then close
    if (stream_raw_)
      close_after_ = true;
    stream_header_ = std::make_unique<bhttp::response<bhttp::empty_body>>();
    auto& msg = *stream_header_;
    msg.version(e.version);
    msg.result(r.status);
    fill_header(msg, e, r);
    msg.keep_alive(!close_after_);
    if (!stream_raw_)
      msg.chunked(true);
    stream_sr_ = std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(msg);
    arm_write();
    bhttp::async_write_header(
        socket_, *stream_sr_,
        [self = shared_from_this(), head = e.head](sys_error ec, std::size_t) {
          if (ec || head) {
            self->end_stream();
            self->on_written(ec);
            return;
          }
          self->pump();
        });
  }

  void pump() {
    chunk_.clear();
    bool done = false;
    try {
      while (chunk_.size() < stream_chunk_target) {
        auto piece = stream_();
        if (!piece) {
          done = true;
          break;
        }
        chunk_ += *piece;
      }
    } catch (const std::exception& e) {
      queue_.front().res->note = std::string("stream failed: ") + e.what();
      abort_stream();
      return;
    } catch (...) {
      queue_.front().res->note = "stream failed";
      abort_stream();
      return;
    }
    body_bytes_ += chunk_.size();
    arm_write();
    auto next = [self = shared_from_this(), done](sys_error ec, std::size_t) {
      if (ec || done) {
        self->end_stream();
        self->on_written(ec);
        return;
      }
      self->pump();
    };
    if (stream_raw_) {
      net::async_write(socket_, net::buffer(chunk_), std::move(next));
    } else if (done && chunk_.empty()) {
      net::async_write(socket_, bhttp::make_chunk_last(), std::move(next));
    } else if (done) {
      net::async_write(
          socket_,
          beast::buffers_cat(bhttp::make_chunk(net::buffer(chunk_)), bhttp::make_chunk_last()),
          std::move(next));
    } else {
      net::async_write(socket_, bhttp::make_chunk(net::buffer(chunk_)), std::move(next));
    }
  }

  // The client must not mistake a cut stream for a complete one: no last chunk, just a close.
  void abort_stream() {
    end_stream();
    close_after_ = true;
    log_and_count(queue_.front());
    close();
  }

  void end_stream() {
    stream_ = nullptr;
    stream_sr_.reset();
    stream_header_.reset();
    chunk_.clear();
    chunk_.shrink_to_fit();
  }

  void arm_write() {
    write_deadline_ = steady::now() + core_->opts.write_timeout;
    update_deadline();
  }

  void on_written(sys_error ec) {
    writing_ = false;
    if (closed_)
      return;
    if (ec) {
      close();
      return;
    }
    auto e = std::move(queue_.front());
    queue_.pop_front();
    log_and_count(e);
    if (close_after_) {
      graceful_close(e.linger || buffer_.size() > 0);
      return;
    }
    if (queue_.empty() && read_state_ == read_state::idle)
      idle_deadline_ = steady::now() + core_->opts.idle_timeout;
    update_deadline();
    maybe_write();
    do_read();
    maybe_finish();
  }

  void log_and_count(const entry& e) {
    const auto& r = *e.res;
    core_->counters.count(r.status);
    access_record rec;
    rec.method = e.method_text.empty() ? std::string_view("-") : std::string_view(e.method_text);
    rec.route = e.route;
    rec.path = e.path;
    rec.status = r.status;
    rec.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - e.received).count();
    rec.request_id = e.request_id;
    rec.actor = r.actor;
    rec.remote = remote_text_;
    rec.body_bytes = body_bytes_;
    rec.note = r.note;
    core_->log->write(rec);
    if (core_->opts.on_access) {
      try {
        core_->opts.on_access(rec);
      } catch (...) { // an observer's bug must not take the connection down
      }
    }
  }

  // ---- closing -------------------------------------------------------------------------------

  void on_server_stop() {
    if (closed_)
      return;
    read_closed_ = true;
    maybe_finish();
  }

  /// Closes once nothing is owed: no answer pending, nothing being written, no request half in.
  void maybe_finish() {
    if (closed_ || lingering_ || !read_closed_ || writing_ || !queue_.empty())
      return;
    if (read_state_ == read_state::header || read_state_ == read_state::body)
      return; // a request is arriving: it is answered, then the connection closes
    graceful_close(buffer_.size() > 0);
  }

  void graceful_close(bool linger) {
    if (closed_)
      return;
    sys_error ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (!linger || ec) {
      close();
      return;
    }
    lingering_ = true;
    linger_deadline_ = steady::now() + core_->opts.linger_timeout;
    update_deadline();
    if (read_state_ != read_state::none)
      return; // the read already under way turns into the discarding one when it completes
    read_state_ = read_state::idle;
    linger_read();
  }

  void linger_read() {
    parser_.reset();
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(linger_scratch),
                            [self = shared_from_this()](sys_error ec, std::size_t n) {
                              self->read_state_ = read_state::none;
                              self->on_linger_read(ec, n);
                            });
  }

  void on_linger_read(sys_error ec, std::size_t) {
    if (closed_)
      return;
    if (ec) {
      close(); // EOF: the client read our answer and went away, as it should
      return;
    }
    read_state_ = read_state::idle;
    linger_read();
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    sys_error ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
    queue_.clear();
    end_stream();
    core_->remove_session(this);
  }

  // ---- deadlines -----------------------------------------------------------------------------
  // One timer per connection, moved only when a deadline comes earlier than the one it waits
  // for: most requests then cost no timer operation at all.

  steady::time_point next_deadline() const {
    auto d = steady::time_point::max();
    if (lingering_) {
      d = linger_deadline_;
    } else {
      if (writing_)
        d = std::min(d, write_deadline_);
      if (read_state_ == read_state::header || read_state_ == read_state::body)
        d = std::min(d, read_deadline_);
      else if (read_state_ == read_state::idle && queue_.empty() && !writing_)
        d = std::min(d, idle_deadline_);
    }
    return d;
  }

  void update_deadline() {
    if (closed_)
      return;
    const auto d = next_deadline();
    if (d < armed_)
      arm(d);
  }

  void arm(steady::time_point d) {
    armed_ = d;
    timer_.expires_at(d);
    timer_.async_wait([self = shared_from_this()](sys_error ec) {
      if (ec == net::error::operation_aborted)
        return; // moved or cancelled; whoever did it has armed what is due
      self->on_timer();
    });
  }

  void on_timer() {
    armed_ = steady::time_point::max();
    if (closed_)
      return;
    // Deadlines may have moved later since the timer was set: then it just waits again.
    if (steady::now() >= next_deadline()) {
      close(); // idle, slow request, stuck reader, or linger over
      return;
    }
    update_deadline();
  }

  std::shared_ptr<server_core> core_;
  tcp::socket socket_;
  net::any_io_executor executor_;
  net::steady_timer timer_;
  remote_endpoint remote_;
  std::string remote_text_;

  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  read_state read_state_ = read_state::none;
  bool read_closed_ = false; // no more requests will be read
  bool writing_ = false;
  bool close_after_ = false;
  bool lingering_ = false;
  bool closed_ = false;
  std::deque<entry> queue_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t body_bytes_ = 0;

  body_source stream_;
  bool stream_raw_ = false;
  std::unique_ptr<bhttp::response<bhttp::empty_body>> stream_header_;
  std::unique_ptr<bhttp::response_serializer<bhttp::empty_body>> stream_sr_;
  std::string chunk_;

  steady::time_point idle_deadline_ = steady::time_point::max();
  steady::time_point read_deadline_ = steady::time_point::max();
  steady::time_point write_deadline_ = steady::time_point::max();
  steady::time_point linger_deadline_ = steady::time_point::max();
  steady::time_point armed_ = steady::time_point::max();
};

} // namespace

std::shared_ptr<session> make_session(std::shared_ptr<server_core> core, tcp::socket socket) {
  return std::make_shared<http_session>(std::move(core), std::move(socket));
}

} // namespace mc::http::detail
