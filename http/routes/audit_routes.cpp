// GET /api/audit/export: every audit record in a date range as one bare JSON array in seq (time)
// order, streamed, as of the moment it began. Pages of `export_page_rows` records are read by
// keyset on seq, each in its own short read-only transaction on the reader thread (never on an
// I/O thread or an actor), at most `export_pages_ahead` pages ahead of the socket: memory stays
// flat whatever the range.
#include "domain/date_range.hpp"
#include "http/error_envelope.hpp"
#include "http/routes/api_routes.hpp"
#include "http/routes/audit_services.hpp"
#include "persistence/store.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace mc::http {
namespace {

using persistence::row;

void append_text_or_null(std::string& out, const persistence::cell& c) {
  if (c.k != persistence::cell::kind::text) {
    out += "null";
    return;
  }
  // Hashes are hex digits: nothing to escape.
  out += '"';
  out += c.s;
  out += '"';
}

/// The record as exported: its document with `seq`, `prevHash` and `hash` in front, so anyone can
/// check the chain from the export alone (docs/PERSISTENCE.md gives the canonical form).
void render(std::string& out, const row& r) {
  out += "{\"seq\":";
  out += std::to_string(r.seq);
  out += ",\"prevHash\":";
  append_text_or_null(out, r.at("prev_hash"));
  out += ",\"hash\":";
  append_text_or_null(out, r.at("hash"));
  const std::string& doc = r.at("doc").s;
  // The document is a JSON object written by the server: splice its members in after ours.
  const auto open = doc.find('{');
  const auto rest =
      open == std::string::npos ? std::string_view("}") : std::string_view(doc).substr(open + 1);
  const auto first = rest.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && rest[first] != '}')
    out += ',';
  out += rest;
}

class export_job : public std::enable_shared_from_this<export_job> {
 public:
  export_job(std::shared_ptr<audit_services> svc, epoch_range range)
      : svc_(std::move(svc)), range_(range) {}

  ~export_job() { release(buffered_); }

  /// Queues the first page; `then` runs on the reader thread once it is read (or failed).
  void start(std::function<void(bool ok)> then) {
    std::function<void(bool)> failed;
    {
      std::lock_guard lock(m_);
      on_first_ = std::move(then);
      schedule_locked();
      if (!error_.empty())
        failed = std::exchange(on_first_, nullptr);
    }
    if (failed)
      failed(false);
  }

  /// The stream's next piece (I/O thread). Waits only when the client drains faster than the
  /// reader reads: the next page is already being read ahead.
  std::optional<std::string> next() {
    if (!opened_) {
      opened_ = true;
      return std::string("[");
    }
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !ready_.empty() || done_ || !error_.empty(); });
    if (!error_.empty())
      throw std::runtime_error(error_);
    if (!ready_.empty()) {
      auto [text, n] = std::move(ready_.front());
      ready_.pop_front();
      buffered_ -= n;
      schedule_locked();
      lock.unlock();
      release(n);
      return std::move(text);
    }
    if (closed_)
      return std::nullopt;
    closed_ = true;
    return std::string("]");
  }

  /// The client went away: stop reading.
  void cancel() {
    std::lock_guard lock(m_);
    cancelled_ = true;
  }

  std::string error() {
    std::lock_guard lock(m_);
    return error_;
  }

 private:
  void schedule_locked() {
    if (reading_ || done_ || cancelled_ || !error_.empty() ||
        ready_.size() >= std::max<std::size_t>(svc_->export_pages_ahead, 1))
      return;
    reading_ = true;
    if (!svc_->reader->post(
            [self = shared_from_this()](persistence::store* db) { self->read_page(db); })) {
      reading_ = false;
      error_ = "the server is stopping";
      cv_.notify_all();
    }
  }

  /// Records the failure; returns the first page's callback, if still pending, for the caller to
  /// run after unlocking.
  std::function<void(bool)> fail_locked(std::string why) {
    reading_ = false;
    error_ = std::move(why);
    cv_.notify_all();
    return std::exchange(on_first_, nullptr);
  }

  void read_page(persistence::store* db) {
    std::int64_t after = 0;
    {
      std::lock_guard lock(m_);
      if (cancelled_) {
        reading_ = false;
        return;
      }
      after = after_seq_;
    }
    if (db == nullptr) {
      std::function<void(bool)> first;
      {
        std::lock_guard lock(m_);
        first = fail_locked("the database is unavailable");
      }
      if (first)
        first(false);
      return;
    }
    const std::size_t page = std::max<std::size_t>(svc_->export_page_rows, 1);
    std::string text;
    std::size_t n = 0;       // records rendered
    std::size_t scanned = 0; // rows read, in range or not
    bool past_end = false;
    std::int64_t last = after;
    try {
      db->transact(
          [&](persistence::store_txn& txn) {
            if (!bounds_)
              bounds_ = seq_bounds(txn);
            if (bounds_->first > bounds_->last) {
              past_end = true;
              return;
            }
            // Pages walk the seq key alone, so no planner estimate of the date range can turn a
            // page into a sort of the whole range; the range is a filter here.
            persistence::scan_filter f;
            f.after_seq = std::max(after, bounds_->first - 1);
            f.limit = page;
            txn.scan(persistence::table_id::audit, f, [&](const row& r) {
              if (r.seq > bounds_->last) {
                past_end = true;
                return false;
              }
              ++scanned;
              last = r.seq;
              const auto at = r.at("at").i;
              if (at < range_.from || at >= range_.to)
                return true;
              if (any_ || n > 0)
                text += ',';
              render(text, r);
              ++n;
              hold(1);
              return true;
            });
          },
          true);
    } catch (const std::exception& e) {
      release(n);
      std::function<void(bool)> first;
      {
        std::lock_guard lock(m_);
        first = fail_locked(std::string("reading the audit trail failed: ") + e.what());
      }
      if (first)
        first(false);
      throw; // a store_error makes the reader reconnect
    }
    std::function<void(bool)> first;
    {
      std::lock_guard lock(m_);
      reading_ = false;
      after_seq_ = last;
      any_ = any_ || n > 0;
      if (past_end || scanned < page || last >= bounds_->last)
        done_ = true;
      if (n > 0) {
        ready_.emplace_back(std::move(text), n);
        buffered_ += n;
      }
      schedule_locked();
      cv_.notify_all();
      first = std::exchange(on_first_, nullptr);
    }
    if (first)
      first(true);
  }

  struct seq_range {
    std::int64_t first = 1;
    std::int64_t last = 0; // first > last: nothing in the date range
  };

  /// The first and last seq of the records in the date range, read once: every record in the
  /// range lies between them, and records appended after the export began are not in it.
  seq_range seq_bounds(persistence::store_txn& txn) const {
    persistence::scan_filter f;
    f.range_column = "at";
    f.range_from = range_.from;
    f.range_to = range_.to;
    f.limit = 1;
    seq_range b;
    bool any = false;
    txn.scan(persistence::table_id::audit, f, [&](const row& r) {
      b.first = r.seq;
      any = true;
      return false;
    });
    if (!any)
      return b;
    f.descending = true;
    txn.scan(persistence::table_id::audit, f, [&](const row& r) {
      b.last = r.seq;
      return false;
    });
    return b;
  }

  void hold(std::size_t n) {
    const auto now = svc_->export_buffered_records.fetch_add(n) + n;
    auto peak = svc_->export_peak_records.load();
    while (now > peak && !svc_->export_peak_records.compare_exchange_weak(peak, now)) {
    }
  }

  void release(std::size_t n) {
    if (n > 0)
      svc_->export_buffered_records.fetch_sub(n);
  }

  std::shared_ptr<audit_services> svc_;
  const epoch_range range_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::size_t>> ready_;
  std::size_t buffered_ = 0; // records in ready_
  std::int64_t after_seq_ = 0;
  std::optional<seq_range> bounds_; // reader thread only
  bool reading_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  std::string error_;
  std::function<void(bool)> on_first_;
  bool any_ = false;    // reader thread: a record was rendered (comma before the next)
  bool opened_ = false; // I/O thread: "[" sent
  bool closed_ = false; // I/O thread: "]" sent
};

/// Cancels the job when the stream is dropped (client gone, or the answer sent).
/// Built in place and never copied: a copy's destructor would cancel a stream still being sent.
struct cancel_on_drop {
  explicit cancel_on_drop(std::shared_ptr<export_job> j) : job(std::move(j)) {}
  cancel_on_drop(const cancel_on_drop&) = delete;
  cancel_on_drop& operator=(const cancel_on_drop&) = delete;
  ~cancel_on_drop() { job->cancel(); }
  std::shared_ptr<export_job> job;
};

void export_audit(const context_ptr& ctx, const request& req, responder res) {
  const auto parsed =
      parse_date_range(req.query.get("startDate"), req.query.get("endDate"), ctx->audit->zone);
  if (!parsed.range)
    throw http_error(errc::invalid_input, parsed.error);
  auto job = std::make_shared<export_job>(ctx->audit, *parsed.range);
  auto shared = std::make_shared<responder>(std::move(res));
  // Answer once the first page is read, so a database that is down gets a 503, not a cut stream.
  job->start([job, shared](bool ok) {
    if (!ok) {
      (*shared)(error_response(errc::unavailable, job->error(), shared->request_id()));
      return;
    }
    auto guard = std::make_shared<cancel_on_drop>(job);
    auto r = streaming_response([job, guard] { return job->next(); });
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"audit.json\"");
    (*shared)(std::move(r));
  });
}

} // namespace

std::shared_ptr<audit_services> make_audit_services(store_reader::open_fn open,
                                                    const local_zone& zone) {
  return std::make_shared<audit_services>(std::make_shared<store_reader>(std::move(open)), zone);
}

void add_audit_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::get, "/api/audit/export",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                export_audit(ctx, req, std::move(res));
              });
}

} // namespace mc::http
