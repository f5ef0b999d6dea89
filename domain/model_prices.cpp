#include "domain/model_prices.hpp"

#include "domain/entity_json.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace mc {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

usd dollars_per_million(const boost::json::object& o, std::string_view field,
                        const std::string& model) {
  const auto* v = o.if_contains(field);
  if (v == nullptr)
    return usd{};
  if (!v->is_number())
    throw std::invalid_argument("price of '" + model + "': " + std::string(field) +
                                " must be a number of dollars per million tokens");
  const auto d = v->to_number<double>();
  if (d < 0)
    throw std::invalid_argument("price of '" + model + "': " + std::string(field) +
                                " cannot be negative");
  return usd::from_dollars(d);
}

} // namespace

void price_table::set(std::string_view model, model_price price) {
  prices_[lower(model)] = price;
}

const model_price* price_table::find(std::string_view model) const {
  auto name = lower(model);
  if (auto it = prices_.find(name); it != prices_.end())
    return &it->second;
  if (auto slash = name.rfind('/'); slash != std::string::npos) {
    name = name.substr(slash + 1);
    if (auto it = prices_.find(name); it != prices_.end())
      return &it->second;
  }
  const model_price* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [listed, price] : prices_)
    if (listed.size() > best_len && name.compare(0, listed.size(), listed) == 0) {
      best = &price;
      best_len = listed.size();
    }
  return best;
}

price_table default_price_table() {
  price_table t;
  // Anthropic.
  t.set("claude-opus-4", {15.00_usd, 75.00_usd, 1.50_usd, 18.75_usd});
  t.set("claude-3-opus", {15.00_usd, 75.00_usd, 1.50_usd, 18.75_usd});
  t.set("claude-sonnet-4", {3.00_usd, 15.00_usd, 0.30_usd, 3.75_usd});
  t.set("claude-3-7-sonnet", {3.00_usd, 15.00_usd, 0.30_usd, 3.75_usd});
  t.set("claude-3-5-sonnet", {3.00_usd, 15.00_usd, 0.30_usd, 3.75_usd});
  t.set("claude-3-5-haiku", {0.80_usd, 4.00_usd, 0.08_usd, 1.00_usd});
  t.set("claude-3-haiku", {0.25_usd, 1.25_usd, 0.03_usd, 0.30_usd});
  // OpenAI (no separate cache-write price: writing the cache costs the input price).
  t.set("gpt-4o", {2.50_usd, 10.00_usd, 1.25_usd, 2.50_usd});
  t.set("gpt-4o-mini", {0.15_usd, 0.60_usd, 0.075_usd, 0.15_usd});
  t.set("gpt-4.1", {2.00_usd, 8.00_usd, 0.50_usd, 2.00_usd});
  t.set("gpt-4.1-mini", {0.40_usd, 1.60_usd, 0.10_usd, 0.40_usd});
  // Google.
  t.set("gemini-2.0-flash", {0.10_usd, 0.40_usd, 0.025_usd, 0.10_usd});
  return t;
}

price_table parse_price_table(std::string_view json_text, price_table base) {
  boost::json::value doc;
  try {
    doc = boost::json::parse(json_text);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("price table is not JSON: ") + e.what());
  }
  const auto* top = doc.if_object();
  if (top == nullptr)
    throw std::invalid_argument("price table must be a JSON object of models");
  if (const auto* wrapped = top->if_contains("models")) {
    top = wrapped->if_object();
    if (top == nullptr)
      throw std::invalid_argument("price table: models must be an object");
  }
  for (const auto& kv : *top) {
    const std::string model(kv.key());
    const auto* o = kv.value().if_object();
    if (o == nullptr)
      throw std::invalid_argument("price of '" + model + "' must be an object");
    for (const auto& field : *o)
      if (field.key() != "input" && field.key() != "output" && field.key() != "cacheRead" &&
          field.key() != "cacheWrite")
        throw std::invalid_argument("price of '" + model + "': unknown field '" +
                                    std::string(field.key()) + "'");
    base.set(model,
             {dollars_per_million(*o, "input", model), dollars_per_million(*o, "output", model),
              dollars_per_million(*o, "cacheRead", model),
              dollars_per_million(*o, "cacheWrite", model)});
  }
  return base;
}

usd token_cost(const run& r, const model_price& price) {
  // tokens × micro-dollars per million tokens, summed, then one division: a 128-bit sum so
  // even absurd token counts cannot overflow before the division.
  __extension__ using wide = __int128;
  const wide sum = wide{std::max<std::int64_t>(r.input_tokens, 0)} * price.input.micros +
                   wide{std::max<std::int64_t>(r.output_tokens, 0)} * price.output.micros +
                   wide{std::max<std::int64_t>(r.cache_read_tokens, 0)} * price.cache_read.micros +
                   wide{std::max<std::int64_t>(r.cache_write_tokens, 0)} * price.cache_write.micros;
  return usd{static_cast<std::int64_t>((sum + 500'000) / 1'000'000)};
}

const char* to_string(cost_source s) noexcept {
  switch (s) {
  case cost_source::reported:
    return "reported";
  case cost_source::computed:
    return "computed";
  case cost_source::unknown_model:
    return "unknown_model";
  }
  return "reported";
}

priced_cost price_run(const run& r, bool cost_reported, const price_table& prices) {
  if (cost_reported)
    return {r.cost_usd, cost_source::reported};
  if (const auto* p = prices.find(r.model))
    return {token_cost(r, *p), cost_source::computed};
  return {usd{}, cost_source::unknown_model};
}

} // namespace mc
