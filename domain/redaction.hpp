// Redaction of tool-call inputs (SPEC §2 ToolCall): secrets never reach a store, a log or an
// audit record. The hash of the full input is taken by the caller before redaction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mc {

inline constexpr std::string_view redacted_marker = "[REDACTED]";
inline constexpr std::size_t max_input_preview = 500;

/// The text with every secret it recognises replaced by [REDACTED]: private-key blocks,
/// `Bearer`/`Basic` credentials, values of secret-named keys (`password=…`, `"apiKey": "…"`,
/// `--token …`, `export AWS_SECRET_ACCESS_KEY=…`), passwords in URLs (`https://u:p@host`) and
/// well-known token shapes (`sk-…`, `ghp_…`, `AKIA…`, `xoxb-…`, `AIza…`, `glpat-…`, JWTs).
std::string redact_secrets(std::string_view text);

/// At most `max_bytes` bytes of already redacted text, cut on a UTF-8 character boundary and
/// never inside a [REDACTED] marker.
std::string preview_of(std::string_view redacted, std::size_t max_bytes = max_input_preview);

/// Whether a key or variable name names a secret (`password`, `api_key`, `clientSecret`, …).
bool is_secret_name(std::string_view name);

} // namespace mc
