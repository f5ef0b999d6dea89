#include "domain/mentions.hpp"

#include "domain/ids.hpp"

#include <algorithm>

namespace mc {
namespace {

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) {
  return is_ascii_alnum(c) || c == '_' || c == '-';
}

/// The code point of the UTF-8 sequence starting at `s[i]`; 0 for a malformed one.
char32_t decode_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80)
    return b0;
  const int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + static_cast<std::size_t>(extra) >= s.size())
    return 0;
  char32_t cp = b0 & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  return cp;
}

/// The code point that ends just before `s[i]`.
char32_t decode_before(std::string_view s, std::size_t i) {
  std::size_t start = i - 1;
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
    --start;
  return decode_at(s, start);
}

/// Letters of alphabets that write words with spaces (Latin, Greek, Cyrillic): next to a name
/// they make it part of a longer word (`@léa` is not agent `l`, `josé@x.com` is an address).
/// Punctuation and CJK do not: `请@sam看看` and `@sam，` mention sam.
bool is_alphabetic_letter(char32_t cp) {
  return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x52F) ||
         (cp >= 0x1E00 && cp <= 0x1EFF);
}

/// What makes an `@` part of a word (an e-mail address, a handle with a host) rather than the
/// start of a mention.
bool glues_to_word(char32_t cp) {
  return (cp < 0x80 && (is_ascii_alnum(static_cast<char>(cp)) || cp == '_' || cp == '-' ||
                        cp == '.' || cp == '+' || cp == '@')) ||
         is_alphabetic_letter(cp);
}

void add_once(std::vector<std::string>& out, std::string id) {
  if (std::find(out.begin(), out.end(), id) == out.end())
    out.push_back(std::move(id));
}

} // namespace

std::vector<std::string> mentions_in(std::string_view content) {
  std::vector<std::string> out;
  for (std::size_t at = content.find('@'); at != std::string_view::npos;
       at = content.find('@', at + 1)) {
    if (at > 0 && glues_to_word(decode_before(content, at)))
      continue;
    std::size_t end = at + 1;
    while (end < content.size() && is_name_char(content[end]))
      ++end;
    if (end < content.size() &&
        (content[end] == '@' || is_alphabetic_letter(decode_at(content, end))))
      continue;
    std::string name(content.substr(at + 1, end - at - 1));
    std::transform(name.begin(), name.end(), name.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (is_valid_agent_id(name))
      add_once(out, std::move(name));
  }
  return out;
}

std::vector<std::string> merge_mentions(const std::vector<std::string>& explicit_ids,
                                        std::string_view content) {
  std::vector<std::string> out;
  for (const auto& id : explicit_ids)
    add_once(out, id);
  for (auto& id : mentions_in(content))
    add_once(out, std::move(id));
  return out;
}

} // namespace mc
