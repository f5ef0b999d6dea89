// The audit trail's hash chain: every audit record carries the SHA-256 (hex) of the record before
// it (`prev_hash`) and its own `hash` over a canonical form of its content and that prev_hash.
// The stores chain new audit rows inside the transaction that commits them, reading the tail of
// the chain under the same write lock, so every writer (the persistence actor, the CLI's cleanup
// and archive) is chained without knowing it. `verify-db` walks the chain with chain_checker.
#pragma once

#include "persistence/row.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::persistence {

/// The prev_hash of the first chained record: the chain starts from nothing.
inline constexpr std::string_view chain_genesis = "";

/// SHA-256 of `bytes`, 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

/// The canonical form of an audit row's content: each of id, at, task_id, agent_id, doc and then
/// prev_hash as `<length>:<bytes>;` (a null cell as `~;`), so no two contents share a form.
std::string audit_canonical_form(const row& r, std::string_view prev_hash);

/// sha256_hex(audit_canonical_form(r, prev_hash)).
std::string audit_hash(const row& r, std::string_view prev_hash);

/// True for an audit row that is new (no seq yet) and carries no hash: the rows a commit chains.
/// Rows written with their seq and hash (a restore) keep them.
bool needs_chaining(const row& r);

/// Chains the rows of `rows` that need it, in order, onto the chain ending at `tail()`; `tail`
/// is called once, and only when some row needs chaining. Such rows are replaced by chained
/// copies kept in `storage` (which must outlive the pointers). Returns how many were chained.
std::size_t chain_audit_rows(std::vector<const row*>& rows, std::vector<row>& storage,
                             const std::function<std::string()>& tail);

/// Walks the audit journal in seq order and reports where the chain breaks. Rows without a hash
/// before the first hashed one are records from before the chain existed (schema < 3): counted,
/// not a problem. After it, every row must be hashed, link to its predecessor and hash right.
class chain_checker {
 public:
  struct finding {
    std::int64_t seq = 0;
    std::string what;
  };
  /// The next row in seq order; a finding when it breaks the chain.
  std::optional<finding> check(const row& r);
  /// Records from before the chain began.
  std::int64_t unchained() const noexcept { return unchained_; }
  /// Records on the chain.
  std::int64_t chained() const noexcept { return chained_; }
  /// The hash of the last record on the chain (the head an operator may note down elsewhere).
  const std::string& head() const noexcept { return last_hash_; }

 private:
  bool started_ = false;
  std::string last_hash_;
  std::int64_t unchained_ = 0;
  std::int64_t chained_ = 0;
};

} // namespace mc::persistence
