#include "domain/redaction.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace mc {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[at + i]) != lower(prefix[i]))
      return false;
  return true;
}

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

/// Characters a token or secret value is made of (base64, URL-safe base64, hex, dots of JWTs).
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '+' || c == '/' || c == '=' || c == '~';
}

std::size_t token_end(std::string_view s, std::size_t from) {
  while (from < s.size() && is_token_char(s[from]))
    ++from;
  return from;
}

/// Where an unquoted value ends: whitespace or a delimiter of the surrounding syntax.
std::size_t value_end(std::string_view s, std::size_t from) {
  while (from < s.size()) {
    const char c = s[from];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '&' || c == ',' || c == ';' ||
        c == '}' || c == ']' || c == ')' || c == '"' || c == '\'' || c == '`')
      break;
    ++from;
  }
  return from;
}

/// Replaces every `-----BEGIN … PRIVATE KEY-----` block through its END line (or to the end).
std::string redact_private_keys(std::string_view in) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    auto begin = in.find("-----BEGIN", at);
    if (begin == std::string_view::npos)
      break;
    auto header_end = in.find("-----", begin + 10);
    if (header_end == std::string_view::npos)
      break;
    const auto header = in.substr(begin, header_end - begin);
    if (header.find("PRIVATE KEY") == std::string_view::npos) {
      out.append(in.substr(at, header_end + 5 - at));
      at = header_end + 5;
      continue;
    }
    out.append(in.substr(at, begin - at));
    out.append("[REDACTED PRIVATE KEY]");
    auto end = in.find("-----END", header_end + 5);
    if (end == std::string_view::npos) {
      at = in.size();
      break;
    }
    auto end_close = in.find("-----", end + 8);
    at = end_close == std::string_view::npos ? in.size() : end_close + 5;
  }
  out.append(in.substr(std::min(at, in.size())));
  return out;
}

constexpr std::array<std::string_view, 12> token_prefixes = {
    "sk-",  "sk_live_", "sk_test_",    "rk_live_", "ghp_", "gho_",
    "ghs_", "ghu_",     "github_pat_", "glpat-",   "xox",  "AIza"};

/// A well-known token shape starting at `at` (and at a word boundary): its end, or npos.
std::size_t known_token_at(std::string_view s, std::size_t at) {
  if (at > 0 && (is_word(s[at - 1]) || s[at - 1] == '.'))
    return std::string_view::npos;
  for (auto p : token_prefixes) {
    if (s.compare(at, p.size(), p) != 0)
      continue;
    if (p == "xox" &&
        !(at + 4 < s.size() &&
          std::string_view("bapors").find(s[at + 3]) != std::string_view::npos && s[at + 4] == '-'))
      continue;
    const auto end = token_end(s, at + p.size());
    if (end - at >= p.size() + 12)
      return end;
  }
  // AWS access key ids: AKIA or ASIA and 16 upper-case letters or digits.
  if ((s.compare(at, 4, "AKIA") == 0 || s.compare(at, 4, "ASIA") == 0) && at + 20 <= s.size()) {
    bool ok = true;
    for (std::size_t i = at + 4; i < at + 20; ++i)
      ok = ok && (std::isupper(static_cast<unsigned char>(s[i])) ||
                  std::isdigit(static_cast<unsigned char>(s[i])));
    if (ok && (at + 20 == s.size() || !is_word(s[at + 20])))
      return at + 20;
  }
  // JWTs: eyJ… with two dots.
  if (s.compare(at, 3, "eyJ") == 0) {
    const auto end = token_end(s, at);
    const auto token = s.substr(at, end - at);
    if (std::count(token.begin(), token.end(), '.') >= 2 && token.size() >= 20)
      return end;
  }
  return std::string_view::npos;
}

} // namespace

bool is_secret_name(std::string_view name) {
  // The name's words: split on punctuation and at camelCase humps (`clientSecret`).
  std::vector<std::string> words(1);
  std::string n;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      if (!words.back().empty())
        words.emplace_back();
      continue;
    }
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0 &&
        std::islower(static_cast<unsigned char>(name[i - 1])) && !words.back().empty())
      words.emplace_back();
    words.back() += lower(c);
    n += lower(c);
  }
  if (n.empty())
    return false;
  // Anywhere in the name.
  static constexpr std::array<std::string_view, 9> anywhere = {
      "password",  "passwd",     "passphrase", "secret",   "apikey",
      "accesskey", "privatekey", "credential", "signature"};
  for (auto p : anywhere)
    if (n.find(p) != std::string::npos)
      return true;
  // The name's last part (`refresh_token`, `authToken`, `dbPass`), so `maxTokens` or
  // `compass` are not secrets.
  static constexpr std::array<std::string_view, 6> last = {"token", "key",  "pass",
                                                           "pwd",   "auth", "cookie"};
  std::string_view tail;
  for (auto it = words.rbegin(); it != words.rend(); ++it)
    if (!it->empty()) {
      tail = *it;
      break;
    }
  return std::find(last.begin(), last.end(), tail) != last.end();
}

std::string redact_secrets(std::string_view text) {
  const std::string s = redact_private_keys(text);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // Authorization schemes.
    if ((starts_with_ci(s, i, "bearer ") || starts_with_ci(s, i, "basic ") ||
         starts_with_ci(s, i, "token ")) &&
        (i == 0 || !is_word(s[i - 1]))) {
      const auto space = s.find(' ', i);
      auto v = space + 1;
      while (v < s.size() && s[v] == ' ')
        ++v;
      const auto end = token_end(s, v);
      if (end - v >= 8) {
        out.append(s, i, v - i);
        out.append(redacted_marker);
        i = end;
        continue;
      }
    }
    // Passwords in URLs: scheme://user:password@host.
    if (s.compare(i, 3, "://") == 0) {
      const auto stop = s.find_first_of("/ \t\n\"'@", i + 3);
      if (stop != std::string::npos && s[stop] == '@') {
        const auto colon = s.find(':', i + 3);
        if (colon != std::string::npos && colon < stop) {
          out.append(s, i, colon + 1 - i);
          out.append(redacted_marker);
          out += '@';
          i = stop + 1;
          continue;
        }
      }
    }
    if (auto end = known_token_at(s, i); end != std::string::npos) {
      out.append(redacted_marker);
      i = end;
      continue;
    }
    // A secret-named key followed by a value: `name=v`, `name: v`, `"name": "v"`, `--name v`.
    if (is_word(s[i]) && (i == 0 || !is_word(s[i - 1]))) {
      auto name_end = i;
      while (name_end < s.size() && (is_word(s[name_end]) || s[name_end] == '.'))
        ++name_end;
      const auto name = std::string_view(s).substr(i, name_end - i);
      if (is_secret_name(name)) {
        auto j = name_end;
        if (j < s.size() && (s[j] == '"' || s[j] == '\''))
          ++j;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t'))
          ++j;
        const bool flag = name.size() > 2 && name[0] == '-';
        bool separated = false;
        if (j < s.size() && (s[j] == '=' || s[j] == ':')) {
          ++j;
          separated = true;
        } else if (flag && j > name_end) {
          separated = true;
        }
        while (separated && j < s.size() && (s[j] == ' ' || s[j] == '\t'))
          ++j;
        if (separated && j < s.size()) {
          std::size_t value_begin = j, value_stop;
          if (s[j] == '"' || s[j] == '\'') {
            const char q = s[j];
            value_begin = j + 1;
            value_stop = value_begin;
            while (value_stop < s.size() && s[value_stop] != q) {
              if (s[value_stop] == '\\' && value_stop + 1 < s.size())
                ++value_stop;
              ++value_stop;
            }
          } else {
            value_stop = value_end(s, j);
          }
          // `"password": null`, `token: true` and empty values hide nothing.
          const auto value = std::string_view(s).substr(value_begin, value_stop - value_begin);
          if (!value.empty() && value != "null" && value != "true" && value != "false" &&
              value != std::string_view(redacted_marker)) {
            out.append(s, i, value_begin - i);
            out.append(redacted_marker);
            i = value_stop;
            continue;
          }
        }
      }
      out.append(s, i, name_end - i);
      i = name_end;
      continue;
    }
    out += s[i++];
  }
  return out;
}

std::string preview_of(std::string_view redacted, std::size_t max_bytes) {
  if (redacted.size() <= max_bytes)
    return std::string(redacted);
  std::size_t cut = max_bytes;
  // Back off continuation bytes so a multi-byte character is never split.
  while (cut > 0 && (static_cast<unsigned char>(redacted[cut]) & 0xC0) == 0x80)
    --cut;
  // Never leave half a marker: cut before a [REDACTED…] that straddles the limit.
  const auto open = redacted.rfind("[REDACTED", cut);
  if (open != std::string_view::npos) {
    const auto close = redacted.find(']', open);
    if (close == std::string_view::npos || close >= cut)
      cut = open;
  }
  return std::string(redacted.substr(0, cut));
}

} // namespace mc
