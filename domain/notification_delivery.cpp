#include "domain/notification_delivery.hpp"

#include "domain/entity_json.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace mc {
namespace {

std::string key_of(const notification& n) {
  // Length-prefixed parts, so no target or ref can forge another key.
  std::string key;
  auto add = [&key](std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  };
  add(n.target);
  add(to_string(n.channel));
  add(to_string(n.type));
  for (const auto& r : n.refs)
    add(r);
  return key;
}

} // namespace

bool webhook_attempt_due(const notification& n, epoch_ms now) noexcept {
  return n.status == notification_status::pending && n.channel == notification_channel::webhook &&
         !notification_lapsed(n, now) && (!n.next_attempt_at || *n.next_attempt_at <= now);
}

bool notification_lapsed(const notification& n, epoch_ms now) noexcept {
  return n.status == notification_status::pending && n.expires_at <= now;
}

notification expired(notification n) {
  n.status = notification_status::expired;
  n.next_attempt_at.reset();
  return n;
}

notification after_delivery(notification n) {
  ++n.attempts;
  n.status = notification_status::delivered;
  n.next_attempt_at.reset();
  return n;
}

notification after_failed_attempt(notification n, std::string error, epoch_ms now,
                                  const retry_schedule& schedule) {
  ++n.attempts;
  n.last_error = std::move(error);
  const auto retry = static_cast<std::size_t>(n.attempts - 1);
  if (n.attempts >= schedule.max_attempts || retry >= schedule.delays_ms.size()) {
    n.status = notification_status::failed;
    n.next_attempt_at.reset();
  } else {
    n.next_attempt_at = now + schedule.delays_ms[retry];
  }
  return n;
}

bool failure_calls_for_alert(const notification& n) noexcept {
  return n.type == notification_type::approval_request || n.type == notification_type::alert;
}

bool webhook_wants(const webhook& w, const std::string& target, notification_type type) {
  if (w.deleted_at || w.owner != target)
    return false;
  const auto name = to_string(type);
  return std::any_of(w.events.begin(), w.events.end(),
                     [&](const std::string& e) { return e == "*" || e == name; });
}

std::string webhook_body(const notification& n, std::int32_t attempt, epoch_ms timestamp) {
  boost::json::array refs;
  for (const auto& r : n.refs)
    refs.emplace_back(r);
  return boost::json::serialize(boost::json::object{{"id", n.id},
                                                    {"target", n.target},
                                                    {"type", to_string(n.type)},
                                                    {"title", n.title},
                                                    {"body", n.body},
                                                    {"refs", std::move(refs)},
                                                    {"createdAt", n.created_at},
                                                    {"expiresAt", n.expires_at},
                                                    {"attempt", attempt},
                                                    {"timestamp", timestamp}});
}

void notification_dedup::drop_expired(epoch_ms now) {
  while (!admitted_.empty() && now - admitted_.front().first > window_) {
    auto it = seen_.find(admitted_.front().second);
    // A key admitted again later (or forgotten) has a newer entry of its own, or none.
    if (it != seen_.end() && it->second == admitted_.front().first)
      seen_.erase(it);
    admitted_.pop_front();
  }
}

bool notification_dedup::admit(const notification& n, epoch_ms now) {
  drop_expired(now);
  auto key = key_of(n);
  auto [it, fresh] = seen_.try_emplace(key, now);
  if (!fresh) {
    if (now - it->second <= window_)
      return false;
    it->second = now;
  }
  admitted_.emplace_back(now, std::move(key));
  return true;
}

void notification_dedup::forget(const notification& n) {
  seen_.erase(key_of(n));
}

} // namespace mc
