// The outbound HTTP client of webhook deliveries: Beast's async client on its own io_context
// thread, so no actor ever waits on a socket. Each POST ends in exactly one callback, on that
// thread; the dispatcher's callback only sends itself a message.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mc::supervisors {

struct outbound_post {
  /// `http://host[:port]/path`; any other scheme is refused without a connection.
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// For the whole exchange: resolve, connect, send and the complete answer.
  std::chrono::milliseconds timeout{5'000};
};

struct outbound_result {
  /// The answer's status; 0 when none came.
  unsigned status = 0;
  /// Empty when an answer came; else what went wrong (timeout, refused, unsupported scheme...).
  std::string error;
  bool accepted() const noexcept { return error.empty() && status >= 200 && status < 300; }
  /// One line for a notification's lastError.
  std::string describe() const;
};

class webhook_client {
 public:
  /// Starts the client's thread.
  webhook_client();
  /// Stops the thread; posts still in flight end without their callbacks.
  ~webhook_client();
  webhook_client(const webhook_client&) = delete;
  webhook_client& operator=(const webhook_client&) = delete;

  void post(outbound_post request, std::function<void(outbound_result)> done);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mc::supervisors
