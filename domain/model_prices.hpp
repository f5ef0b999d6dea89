// The model price table (SPEC §2 Run): what a million input, output, cache-read and cache-write
// tokens cost per model, and the cost of a run that reports tokens without a cost. A reported
// cost always wins; the table only fills in what the agent did not say.
#pragma once

#include "domain/entities.hpp"
#include "domain/money.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mc {

/// Dollars per million tokens of each kind, held as micro-dollars.
struct model_price {
  usd input;
  usd output;
  usd cache_read;
  usd cache_write;
  friend bool operator==(const model_price&, const model_price&) = default;
};

class price_table {
 public:
  /// Adds or replaces a model's price; names compare case-insensitively.
  void set(std::string_view model, model_price price);
  /// The price of `model`: an exact name first, then without a provider prefix
  /// (`anthropic/claude-sonnet-4` → `claude-sonnet-4`), then the longest listed name the model
  /// starts with (`claude-sonnet-4-20250514` → `claude-sonnet-4`). Null when none fits.
  const model_price* find(std::string_view model) const;
  std::size_t size() const noexcept { return prices_.size(); }
  const std::map<std::string, model_price>& entries() const noexcept { return prices_; }

 private:
  std::map<std::string, model_price> prices_;
};

/// Built-in list prices of a few common models (see docs/DECISIONS.md for their date).
price_table default_price_table();

/// Reads a configured table, `{"model":{"input":3,"output":15,"cacheRead":0.3,"cacheWrite":3.75}}`
/// in dollars per million tokens (`models` may wrap it), over `base`: listed models are added or
/// replaced, the others stay. Throws std::invalid_argument naming the bad entry.
price_table parse_price_table(std::string_view json_text, price_table base = default_price_table());

/// Micro-dollars for the run's four token counts at `price`, rounded once to the nearest
/// micro-dollar (half up). Exact: no floating point.
usd token_cost(const run& r, const model_price& price);

enum class cost_source : std::uint8_t {
  reported,     ///< the run carried costUsd
  computed,     ///< from its tokens and the price table
  unknown_model ///< no cost and no price for the model: counted as 0
};

const char* to_string(cost_source s) noexcept;

struct priced_cost {
  usd cost;
  cost_source source = cost_source::reported;
};

/// The cost to record for a run: `reported` when the agent sent one, otherwise the table's
/// price of its tokens; an unpriced model with no reported cost costs 0 and says so.
priced_cost price_run(const run& r, bool cost_reported, const price_table& prices);

} // namespace mc
