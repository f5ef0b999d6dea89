#include "actors/field_errors.hpp"

#include <boost/json/serialize.hpp>

namespace mc::actors {

caf::error field_error(errc code, const std::vector<field_problem>& problems) {
  namespace json = boost::json;
  json::array errors;
  for (const auto& p : problems)
    errors.push_back(json::object{{"field", p.field}, {"message", p.message}});
  const auto first = problems.empty() ? std::string("refused") : problems.front().message;
  return caf::error{static_cast<std::uint8_t>(code), errc_category,
                    caf::make_message(first, json::serialize(json::object{{"errors", errors}}))};
}

} // namespace mc::actors
