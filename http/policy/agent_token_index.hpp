// The agent token hashes the HTTP threads authenticate against: loaded from the store at boot,
// extended when an agent registers. Holds only SHA-256 hex digests, never a token.
#pragma once

#include "http/policy/access.hpp"

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mc::http {

class agent_token_index {
 public:
  /// Adds or replaces the credential of an agent (a restart issues a new token).
  void put(agent_credential c);
  std::optional<agent_credential> find(std::string_view token_hash) const;
  /// Keeps canSpawn current when an operator edits the agent.
  void set_can_spawn(std::string_view agent_id, bool can_spawn);
  std::size_t size() const;

  /// The lookup `authenticate` takes; the index must outlive it.
  agent_token_lookup lookup() const {
    return [this](std::string_view h) { return find(h); };
  }

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, agent_credential> by_hash_;
  std::unordered_map<std::string, std::string> hash_of_agent_;
};

} // namespace mc::http
