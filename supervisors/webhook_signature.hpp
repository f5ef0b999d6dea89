// How a webhook delivery is signed (SPEC §5): `X-MC-Signature: sha256=<hex HMAC-SHA256 of the
// exact body with the webhook's secret>`, beside the send time in `X-MC-Timestamp`.
#pragma once

#include <string>
#include <string_view>

namespace mc::supervisors {

inline constexpr std::string_view signature_header = "X-MC-Signature";
inline constexpr std::string_view timestamp_header = "X-MC-Timestamp";

/// `sha256=` and the lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
std::string webhook_signature(std::string_view secret, std::string_view body);

/// Whether `signature` (a header's value) is `body` signed with `secret`, compared in constant
/// time: what a receiver does.
bool signature_matches(std::string_view secret, std::string_view body, std::string_view signature);

} // namespace mc::supervisors
