// Who a thread message mentions (SPEC §2): the explicit `mentions` ids plus every `@name` in the
// content, as agent ids. Pure text rules; whether such an agent exists is the notifier's concern.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mc {

/// The agent ids `@name` tokens in `content` name, in order of first appearance, without
/// duplicates. A token is `@` followed by ASCII letters, digits, `_` and `-`, lower-cased; it
/// counts only when it is a valid agent id, when the `@` does not follow an ASCII letter, digit
/// or one of `_-.+@` (so `a@b.com` and `@@x` are not mentions), and when the name is not
/// followed by another `@` (`@user@host` is an address, not an agent).
std::vector<std::string> mentions_in(std::string_view content);

/// `explicit_ids` (kept as given, in order) then the content's mentions, without duplicates.
std::vector<std::string> merge_mentions(const std::vector<std::string>& explicit_ids,
                                        std::string_view content);

} // namespace mc
