#include "domain/liveness.hpp"

#include <date/date.h>

#include <chrono>

namespace mc {
namespace {

std::string notice_prefix(const std::string& agent_id) {
  return "Agent " + agent_id + " went stale";
}

} // namespace

epoch_ms last_sign_of_life(const agent& a) noexcept {
  return a.last_heartbeat.value_or(a.created_at);
}

bool is_stale(const agent& a, epoch_ms now, std::int64_t stale_after_ms) noexcept {
  return now - last_sign_of_life(a) > stale_after_ms;
}

std::optional<agent> mark_offline(const agent& a) {
  if (a.status != agent_status::active)
    return std::nullopt;
  agent next = a;
  next.status = agent_status::offline;
  return next;
}

epoch_ms release_due_at(const agent& a, std::int64_t stale_after_ms,
                        std::int64_t release_grace_ms) noexcept {
  return last_sign_of_life(a) + stale_after_ms + release_grace_ms;
}

std::string utc_text(epoch_ms t) {
  using namespace std::chrono;
  return date::format("%FT%TZ", time_point_cast<seconds>(sys_time<milliseconds>{milliseconds{t}}));
}

std::string stale_task_notice(const std::string& agent_id, epoch_ms last_seen,
                              epoch_ms release_at) {
  return notice_prefix(agent_id) + ": no heartbeat since " + utc_text(last_seen) +
         ". Unless it reports again, this task is released for reassignment at " +
         utc_text(release_at) +
         " (back to assigned); from then on the agent's reports on it are refused until the "
         "operator assigns it to the agent again.";
}

bool is_stale_task_notice(const message& m, const std::string& agent_id, epoch_ms since) {
  return m.author == "system" && m.created_at >= since &&
         m.content.rfind(notice_prefix(agent_id) + ":", 0) == 0;
}

} // namespace mc
