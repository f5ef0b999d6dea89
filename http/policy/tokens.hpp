// Bearer tokens: operator tokens parsed from configuration, agent tokens issued at registration.
// Only SHA-256 digests are kept in memory or stored; every comparison is constant-time.
#pragma once

#include "http/policy/policy_result.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::http {

inline constexpr std::string_view agent_token_prefix = "mca_";

using token_digest = std::array<unsigned char, 32>;

/// SHA-256 of the token's bytes.
token_digest digest_token(std::string_view token);
/// SHA-256 of the token as 64 lower-case hex characters: the form agent tokens are stored in.
std::string hash_token(std::string_view token);

/// The operator tokens of `MC_OPERATOR_TOKENS`. Holds names and digests, never the tokens.
class operator_tokens {
 public:
  struct entry {
    std::string name;
    token_digest digest{};
  };

  operator_tokens() = default;
  explicit operator_tokens(std::vector<entry> entries) : entries_(std::move(entries)) {}

  /// The operator whose token this is. Compares against every entry, whether or not an
  /// earlier one matched, so the time taken says nothing about which entry (or whether any) hit.
  std::optional<std::string> match(std::string_view presented) const;

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  /// Operator names in configuration order.
  std::vector<std::string> names() const;

 private:
  std::vector<entry> entries_;
};

/// Parses `name:token,name:token`. Whitespace around entries, names and tokens is trimmed and
/// blank entries are skipped; an empty string gives no operator tokens. Names are
/// `[A-Za-z0-9._-]{1,64}`; tokens are visible ASCII without `,`. A malformed entry, a name used
/// twice or a token shared by two names is an invalid_input error naming the entry by position
/// (and its name when it has one), never by its token.
policy_result<operator_tokens> parse_operator_tokens(std::string_view config);

/// A freshly issued agent token: show `token` once, store only `hash`.
struct issued_token {
  std::string token;
  std::string hash;
};

/// `mca_` + base64url (no padding) of 32 bytes from OpenSSL's CSPRNG: 47 characters.
/// Fails (errc::internal) only if the CSPRNG does.
policy_result<issued_token> generate_agent_token();

/// Whether `presented` hashes to `stored_hash` (64 hex characters, either case). The digests
/// are compared with CRYPTO_memcmp; a malformed stored hash never matches.
bool verify_token(std::string_view presented, std::string_view stored_hash);

} // namespace mc::http
