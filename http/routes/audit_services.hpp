// What the audit export and the stats overview need beside the actors: the reader thread with
// its own database connection, the zone date parameters are read in, and the export's paging
// knobs and memory gauge (tests read the gauge to show memory stays flat).
#pragma once

#include "domain/local_day.hpp"
#include "http/routes/store_reader.hpp"

#include <atomic>
#include <cstddef>
#include <memory>

namespace mc::http {

struct audit_services {
  audit_services(std::shared_ptr<store_reader> r, local_zone z) : reader(std::move(r)), zone(z) {}

  std::shared_ptr<store_reader> reader;
  local_zone zone;
  /// Records per page (one short read-only transaction each).
  std::size_t export_page_rows = 1000;
  /// Pages read ahead of the client, beyond the one being sent.
  std::size_t export_pages_ahead = 2;
  /// Audit records the exports hold right now (read, not yet handed to the socket), and the most
  /// they ever held at once.
  std::atomic<std::size_t> export_buffered_records{0};
  std::atomic<std::size_t> export_peak_records{0};
};

/// The reader and zone for a runtime: `open` makes the reader's own connection.
std::shared_ptr<audit_services> make_audit_services(store_reader::open_fn open,
                                                    const local_zone& zone);

} // namespace mc::http
