#include "tests/http/test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <functional>
#include <sstream>
#include <stdexcept>

namespace mc::http::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using sys_error = boost::system::error_code;

namespace {

bhttp::request<bhttp::string_body>
make_request(bhttp::verb verb, std::string_view target, std::string body,
             const std::vector<std::pair<std::string, std::string>>& headers, unsigned version) {
  bhttp::request<bhttp::string_body> req{verb, std::string(target), version};
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [n, v] : headers)
    req.insert(n, v);
  req.body() = std::move(body);
  if (verb != bhttp::verb::get && verb != bhttp::verb::head)
    req.prepare_payload();
  return req;
}

// Runs the client's context until `done` or the bound; false on timeout.
bool run_until(net::io_context& ioc, const bool& done, std::chrono::milliseconds bound) {
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done && std::chrono::steady_clock::now() < deadline)
    ioc.run_one_until(deadline);
  return done;
}

} // namespace

client::client(std::uint16_t port, std::string_view host) : socket_(ioc_) {
  socket_.connect(tcp::endpoint(net::ip::make_address(std::string(host)), port));
}

string_response client::request(bhttp::verb verb, std::string_view target, std::string body,
                                std::vector<std::pair<std::string, std::string>> headers,
                                unsigned version) {
  auto req = make_request(verb, target, std::move(body), headers, version);
  bhttp::write(socket_, req);
  return read();
}

void client::write_raw(std::string_view bytes) {
  net::write(socket_, net::buffer(bytes));
}

string_response client::read(std::chrono::milliseconds bound) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  bool done = false;
  sys_error result;
  bhttp::async_read(socket_, buffer_, parser, [&](sys_error ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(ioc_, done, bound)) {
    socket_.cancel();
    run_until(ioc_, done, std::chrono::seconds(1));
    throw std::runtime_error("no response within the bound");
  }
  if (result)
    throw std::runtime_error("reading the response failed: " + result.message());
  return parser.release();
}

std::string client::read_some_raw(std::chrono::milliseconds bound) {
  char data[4096];
  bool done = false;
  std::size_t got = 0;
  if (buffer_.size() > 0) {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    return out;
  }
  socket_.async_read_some(net::buffer(data), [&](sys_error ec, std::size_t n) {
    got = ec ? 0 : n;
    done = true;
  });
  if (!run_until(ioc_, done, bound)) {
    socket_.cancel();
    run_until(ioc_, done, std::chrono::seconds(1));
    throw std::runtime_error("no bytes within the bound");
  }
  return std::string(data, got);
}

bool client::wait_for_close(std::chrono::milliseconds bound) {
  buffer_.consume(buffer_.size());
  char data[4096];
  bool closed = false;
  bool done = false;
  std::function<void()> next;
  next = [&] {
    socket_.async_read_some(net::buffer(data), [&](sys_error ec, std::size_t) {
      if (ec) {
        closed = ec != net::error::operation_aborted;
        done = true;
        return;
      }
      next();
    });
  };
  next();
  if (!run_until(ioc_, done, bound)) {
    socket_.cancel();
    run_until(ioc_, done, std::chrono::seconds(1));
    return false;
  }
  return closed;
}

std::string raw_request(bhttp::verb verb, std::string_view target, std::string body,
                        std::vector<std::pair<std::string, std::string>> headers) {
  auto req = make_request(verb, target, std::move(body), headers, 11);
  std::ostringstream out;
  out << req;
  return out.str();
}

bool connection_refused(std::uint16_t port) {
  net::io_context ioc;
  tcp::socket s(ioc);
  sys_error ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  return ec == net::error::connection_refused;
}

} // namespace mc::http::test
