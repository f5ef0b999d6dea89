#include "http/policy/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace mc::http {
namespace {

constexpr std::string_view whitespace = " \t\r\n\v\f";
constexpr std::size_t max_operator_name = 64;

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(whitespace);
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(whitespace);
  return s.substr(first, last - first + 1);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_token_char(char c) {
  return c > 0x20 && c < 0x7f;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<token_digest> parse_hex_digest(std::string_view hex) {
  token_digest out{};
  if (hex.size() != out.size() * 2)
    return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

policy_error bad_entry(std::size_t position, std::string_view name, std::string_view what) {
  std::string msg = "MC_OPERATOR_TOKENS entry " + std::to_string(position);
  if (!name.empty())
    msg += " ('" + std::string(name) + "')";
  msg += ": ";
  msg += what;
  return policy_error{errc::invalid_input, std::move(msg)};
}

} // namespace

token_digest digest_token(std::string_view token) {
  token_digest out{};
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string hash_token(std::string_view token) {
  static constexpr char digits[] = "0123456789abcdef";
  auto d = digest_token(token);
  std::string out;
  out.reserve(d.size() * 2);
  for (unsigned char b : d) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> operator_tokens::match(std::string_view presented) const {
  const token_digest probe = digest_token(presented);
  const entry* found = nullptr;
  for (const auto& e : entries_) {
    // No early exit: every entry costs the same whether it matches or not.
    const bool hit = CRYPTO_memcmp(probe.data(), e.digest.data(), probe.size()) == 0;
    found = hit ? &e : found;
  }
  if (!found)
    return std::nullopt;
  return found->name;
}

std::vector<std::string> operator_tokens::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back(e.name);
  return out;
}

policy_result<operator_tokens> parse_operator_tokens(std::string_view config) {
  std::vector<operator_tokens::entry> entries;
  std::size_t position = 0;
  while (true) {
    auto comma = config.find(',');
    auto raw = trim(config.substr(0, comma));
    if (!raw.empty()) {
      ++position;
      auto colon = raw.find(':');
      if (colon == std::string_view::npos)
        // The whole entry may be a bare token: name it by position only.
        return bad_entry(position, {}, "expected name:token");
      auto name = trim(raw.substr(0, colon));
      auto token = trim(raw.substr(colon + 1));
      if (name.empty())
        return bad_entry(position, {}, "empty operator name");
      if (name.size() > max_operator_name || !std::all_of(name.begin(), name.end(), is_name_char))
        return bad_entry(position, {},
                         "operator name must be 1-64 of letters, digits, '.', '_', '-'");
      if (token.empty())
        return bad_entry(position, name, "empty token");
      if (!std::all_of(token.begin(), token.end(), is_token_char))
        return bad_entry(position, name, "token has whitespace or non-printable characters");
      operator_tokens::entry e{std::string(name), digest_token(token)};
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].name == e.name)
          return bad_entry(position, name,
                           "operator name already used by entry " + std::to_string(i + 1));
        if (CRYPTO_memcmp(entries[i].digest.data(), e.digest.data(), e.digest.size()) == 0)
          return bad_entry(position, name,
                           "same token as entry " + std::to_string(i + 1) + " ('" +
                               entries[i].name + "'); each operator needs its own token");
      }
      entries.push_back(std::move(e));
    }
    if (comma == std::string_view::npos)
      break;
    config.remove_prefix(comma + 1);
  }
  return operator_tokens(std::move(entries));
}

policy_result<issued_token> generate_agent_token() {
  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    return policy_error{errc::internal, "the random generator failed; no token was issued"};
  // Base64 of 32 bytes is 44 characters with one '=' pad; +1 for EVP_EncodeBlock's NUL.
  std::array<unsigned char, 45> b64{};
  int n = EVP_EncodeBlock(b64.data(), raw.data(), static_cast<int>(raw.size()));
  OPENSSL_cleanse(raw.data(), raw.size());
  std::string token(agent_token_prefix);
  for (int i = 0; i < n; ++i) {
    char c = static_cast<char>(b64[static_cast<std::size_t>(i)]);
    if (c == '=')
      break;
    token.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  OPENSSL_cleanse(b64.data(), b64.size());
  issued_token out;
  out.hash = hash_token(token);
  out.token = std::move(token);
  return out;
}

bool verify_token(std::string_view presented, std::string_view stored_hash) {
  auto stored = parse_hex_digest(stored_hash);
  // Hash the presented token even when the stored hash is malformed, so both paths cost alike.
  const token_digest probe = digest_token(presented);
  if (!stored)
    return false;
  return CRYPTO_memcmp(probe.data(), stored->data(), probe.size()) == 0;
}

} // namespace mc::http
