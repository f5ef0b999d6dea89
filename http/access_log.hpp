// The access log: one structured line per request (text for people, JSON for machines) plus the
// server's own events. The only file of http/ that touches spdlog.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace mc::http {

enum class log_format { text, json };

/// "text" or "json" (MC_LOG_FORMAT), any case.
std::optional<log_format> parse_log_format(std::string_view s) noexcept;

struct access_record {
  std::string_view method;
  std::string_view route; // the matched pattern, "" when none matched
  std::string_view path;
  unsigned status = 0;
  double latency_ms = 0; // from the request's last byte to the response's last byte
  std::string_view request_id;
  std::string_view actor; // from response::actor; "" when the handler set none
  std::string_view remote;
  std::uint64_t body_bytes = 0; // response body bytes sent
  std::string_view note;        // from response::note
};

class access_log {
 public:
  enum class level { info, warn, error };

  /// A logger of its own on stdout (not registered with spdlog, so any number may exist).
  static std::shared_ptr<access_log> to_stdout(log_format f);
  /// Lines go to an existing spdlog logger, which keeps its own pattern and sinks.
  static std::shared_ptr<access_log> to_logger(std::shared_ptr<spdlog::logger> logger,
                                               log_format f);
  /// Each formatted line is handed to `sink` (tests, or a caller's own transport).
  static std::shared_ptr<access_log> to_function(log_format f,
                                                 std::function<void(std::string_view)> sink);
  static std::shared_ptr<access_log> disabled();

  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  void write(const access_record& r) noexcept;
  /// Server events: listening, accept failures, shutdown progress.
  void event(level lv, std::string_view message) noexcept;

  /// The line `write` would log.
  std::string format(const access_record& r) const;

 private:
  struct impl;
  explicit access_log(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace mc::http
