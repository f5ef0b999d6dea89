#include "http/policy/agent_token_index.hpp"

namespace mc::http {

void agent_token_index::put(agent_credential c) {
  std::unique_lock lock(mutex_);
  auto old = hash_of_agent_.find(c.agent_id);
  if (old != hash_of_agent_.end()) {
    by_hash_.erase(old->second);
    old->second = c.token_hash;
  } else {
    hash_of_agent_.emplace(c.agent_id, c.token_hash);
  }
  auto hash = c.token_hash;
  by_hash_.insert_or_assign(std::move(hash), std::move(c));
}

std::optional<agent_credential> agent_token_index::find(std::string_view token_hash) const {
  std::shared_lock lock(mutex_);
  auto it = by_hash_.find(std::string(token_hash));
  if (it == by_hash_.end())
    return std::nullopt;
  return it->second;
}

void agent_token_index::set_can_spawn(std::string_view agent_id, bool can_spawn) {
  std::unique_lock lock(mutex_);
  auto it = hash_of_agent_.find(std::string(agent_id));
  if (it != hash_of_agent_.end())
    by_hash_.at(it->second).can_spawn = can_spawn;
}

std::size_t agent_token_index::size() const {
  std::shared_lock lock(mutex_);
  return by_hash_.size();
}

} // namespace mc::http
