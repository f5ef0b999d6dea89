#include "persistence/audit_chain.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace mc::persistence {
namespace {

void put_cell(std::string& out, const cell& c) {
  switch (c.k) {
  case cell::kind::null:
    out += "~;";
    return;
  case cell::kind::integer: {
    const std::string v = std::to_string(c.i);
    out += std::to_string(v.size());
    out += ':';
    out += v;
    out += ';';
    return;
  }
  case cell::kind::text:
    out += std::to_string(c.s.size());
    out += ':';
    out += c.s;
    out += ';';
    return;
  }
}

const cell& hash_cell(const row& r) {
  return r.at("hash");
}

} // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

std::string audit_canonical_form(const row& r, std::string_view prev_hash) {
  std::string out;
  out.reserve(r.at("doc").s.size() + 160);
  for (const std::string_view column : {"id", "at", "task_id", "agent_id", "doc"})
    put_cell(out, r.at(column));
  put_cell(out, cell::of(std::string(prev_hash)));
  return out;
}

std::string audit_hash(const row& r, std::string_view prev_hash) {
  return sha256_hex(audit_canonical_form(r, prev_hash));
}

bool needs_chaining(const row& r) {
  return r.table == table_id::audit && r.seq == 0 && hash_cell(r).is_null();
}

std::size_t chain_audit_rows(std::vector<const row*>& rows, std::vector<row>& storage,
                             const std::function<std::string()>& tail) {
  std::size_t n = 0;
  for (const row* r : rows)
    if (needs_chaining(*r))
      ++n;
  if (n == 0)
    return 0;
  storage.clear();
  storage.reserve(n); // no reallocation: the pointers into it stay valid
  std::string prev = tail();
  const int prev_col = column_index(table_id::audit, "prev_hash");
  const int hash_col = column_index(table_id::audit, "hash");
  for (const row*& r : rows) {
    if (!needs_chaining(*r))
      continue;
    row& c = storage.emplace_back(*r);
    std::string h = audit_hash(c, prev);
    c.cells[static_cast<std::size_t>(prev_col)] = cell::of(std::move(prev));
    c.cells[static_cast<std::size_t>(hash_col)] = cell::of(h);
    prev = std::move(h);
    r = &c;
  }
  return n;
}

std::optional<chain_checker::finding> chain_checker::check(const row& r) {
  const cell& hash = hash_cell(r);
  const cell& prev = r.at("prev_hash");
  if (hash.is_null() || hash.k != cell::kind::text) {
    if (!started_) {
      ++unchained_;
      return std::nullopt;
    }
    return finding{r.seq, "audit record without a hash after the chain began (inserted by "
                          "hand, or its hash was removed)"};
  }
  ++chained_;
  std::optional<finding> out;
  const std::string expected_prev = started_ ? last_hash_ : std::string(chain_genesis);
  const std::string stored_prev = prev.k == cell::kind::text ? prev.s : std::string();
  if (prev.k != cell::kind::text || stored_prev != expected_prev) {
    out =
        finding{r.seq, started_ ? "audit chain broken: prev_hash does not match the record before "
                                  "it (a record was deleted, inserted or moved)"
                                : "audit chain broken: its first record links to a record that is "
                                  "not there (records at the start were deleted)"};
  }
  if (hash.s != audit_hash(r, stored_prev)) {
    const std::string what = "audit record does not match its hash (it was edited)";
    if (out)
      out->what += "; " + what;
    else
      out = finding{r.seq, what};
  }
  started_ = true;
  last_hash_ = hash.s;
  return out;
}

} // namespace mc::persistence
