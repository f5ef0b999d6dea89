#include "actors/agent_notifications.hpp"

#include "domain/entity_json.hpp"

namespace mc::actors {

void adopt_pending(std::vector<notification>& pending, std::int64_t& seq, pending_notifications p) {
  if (p.seq <= seq)
    return;
  seq = p.seq;
  pending = std::move(p.items);
}

boost::json::array pending_notifications_json(const std::vector<notification>& pending,
                                              epoch_ms now) {
  boost::json::array out;
  for (const auto& n : pending)
    if (heartbeat_pending(n, now))
      out.push_back(to_json(n));
  return out;
}

} // namespace mc::actors
