#include "http/access_log.hpp"

#include "http/batched_writer.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <sys/stat.h>
#include <unistd.h>

namespace mc::http {

namespace {

class function_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit function_sink(std::function<void(std::string_view)> f) : f_(std::move(f)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    f_(std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> f_;
};

/// stdout when it is a pipe or a file (a log collector, not a person at a terminal). Lines are
/// formatted on the I/O thread and written by a thread of its own (a write(2) to a file may wait
/// for the file system, and every connection of an I/O thread would wait with it), in batches:
/// spdlog's asynchronous queue woke its thread for nearly every line, a futex call and a
/// context switch per request. Lines reach the collector within a quarter of a second; warnings
/// and errors at once.
class collected_stdout_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  collected_stdout_sink()
      : writer_(
            [](std::string_view batch) {
              std::fwrite(batch.data(), 1, batch.size(), stdout);
              std::fflush(stdout);
            },
            // A regular file also goes to the disk about once a second: left to the kernel,
            // tens of megabytes of it were written back at once, in the middle of the
            // database's fsyncs on the same file system, and durable moves waited (the
            // transition benchmark's p99: 15-16 ms with this, 22-71 ms without).
            regular_stdout() ? batched_writer::sync_fn([] { ::fdatasync(::fileno(stdout)); })
                             : batched_writer::sync_fn()) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    line_.clear();
    formatter_->format(msg, line_);
    writer_.append(std::string_view(line_.data(), line_.size()));
  }
  void flush_() override { writer_.flush(); }

 private:
  static bool regular_stdout() {
    struct stat st {};
    return ::fstat(::fileno(stdout), &st) == 0 && S_ISREG(st.st_mode);
  }

  spdlog::memory_buf_t line_; // guarded by the sink's mutex, like the formatter
  batched_writer writer_;     // last: its destructor writes every line before the rest goes
};

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view or_dash(std::string_view s) {
  return s.empty() ? std::string_view("-") : s;
}

std::string_view level_name(access_log::level lv) {
  switch (lv) {
  case access_log::level::info:
    return "info";
  case access_log::level::warn:
    return "warn";
  case access_log::level::error:
    return "error";
  }
  return "info";
}

} // namespace

std::optional<log_format> parse_log_format(std::string_view s) noexcept {
  auto eq = [&](std::string_view want) {
    return s.size() == want.size() &&
           std::equal(s.begin(), s.end(), want.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  if (eq("text"))
    return log_format::text;
  if (eq("json"))
    return log_format::json;
  return std::nullopt;
}

struct access_log::impl {
  std::shared_ptr<spdlog::logger> logger; // null: disabled
  log_format format = log_format::text;
};

access_log::access_log(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

access_log::~access_log() = default;

std::shared_ptr<access_log> access_log::to_logger(std::shared_ptr<spdlog::logger> logger,
                                                  log_format f) {
  auto p = std::make_unique<impl>();
  p->logger = std::move(logger);
  p->format = f;
  return std::shared_ptr<access_log>(new access_log(std::move(p)));
}

std::shared_ptr<access_log> access_log::to_stdout(log_format f) {
  const bool terminal = ::isatty(::fileno(stdout)) == 1;
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (terminal)
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  else
    sink = std::make_shared<collected_stdout_sink>();
  auto logger = std::make_shared<spdlog::logger>("http", std::move(sink));
  // JSON lines carry their own time and level, so the pattern adds nothing around them.
  logger->set_pattern(f == log_format::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  if (!terminal)
    logger->flush_on(spdlog::level::warn);
  return to_logger(std::move(logger), f);
}

std::shared_ptr<access_log> access_log::to_function(log_format f,
                                                    std::function<void(std::string_view)> sink) {
  auto logger =
      std::make_shared<spdlog::logger>("http", std::make_shared<function_sink>(std::move(sink)));
  return to_logger(std::move(logger), f);
}

std::shared_ptr<access_log> access_log::disabled() {
  return std::shared_ptr<access_log>(new access_log(std::make_unique<impl>()));
}

std::string access_log::format(const access_record& r) const {
  // Latency rounded to microseconds: more digits are noise and make lines longer.
  const double latency = std::round(r.latency_ms * 1000.0) / 1000.0;
  if (impl_->format == log_format::json) {
    boost::json::object o;
    o["time"] = epoch_ms();
    o["level"] = "info";
    o["type"] = "access";
    o["method"] = r.method;
    o["route"] = r.route;
    o["path"] = r.path;
    o["status"] = r.status;
    o["latencyMs"] = latency;
    o["requestId"] = r.request_id;
    o["actor"] = r.actor;
    o["remote"] = r.remote;
    o["bytes"] = r.body_bytes;
    if (!r.note.empty())
      o["note"] = r.note;
    return boost::json::serialize(o);
  }
  auto line = fmt::format("{} {} {} {:.3f}ms id={} actor={} path={} remote={} bytes={}", r.method,
                          or_dash(r.route), r.status, latency, r.request_id, or_dash(r.actor),
                          r.path, r.remote, r.body_bytes);
  if (!r.note.empty())
    line += fmt::format(" note={}", r.note);
  return line;
}

void access_log::write(const access_record& r) noexcept {
  if (!impl_->logger)
    return;
  try {
    impl_->logger->info(format(r));
  } catch (...) { // a log line is never worth failing a request over
  }
}

void access_log::event(level lv, std::string_view message) noexcept {
  if (!impl_->logger)
    return;
  try {
    auto spd = lv == level::info   ? spdlog::level::info
               : lv == level::warn ? spdlog::level::warn
                                   : spdlog::level::err;
    if (impl_->format == log_format::json) {
      boost::json::object o;
      o["time"] = epoch_ms();
      o["level"] = level_name(lv);
      o["type"] = "server";
      o["message"] = message;
      impl_->logger->log(spd, boost::json::serialize(o));
      return;
    }
    impl_->logger->log(spd, message);
  } catch (...) {
  }
}

} // namespace mc::http
