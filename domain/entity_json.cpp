#include "domain/entity_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mc {

json_mapping_error::json_mapping_error(std::string field, std::string problem)
    : std::invalid_argument(field.empty() ? problem : field + ": " + problem),
      field_(std::move(field)), problem_(std::move(problem)) {}

std::string camel_case(std::string_view snake) {
  std::string out;
  out.reserve(snake.size());
  bool upper_next = false;
  for (char c : snake) {
    if (c == '_') {
      upper_next = true;
    } else if (upper_next && c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
      upper_next = false;
    } else {
      out.push_back(c);
      upper_next = false;
    }
  }
  return out;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, usd v) {
  // Whole dollars as integers: Boost.JSON 1.81 prints every double in exponent form (0E0,
  // 2E1), which is valid JSON but hard to read in a terminal. Fractions stay doubles.
  if (v.micros % 1'000'000 == 0)
    jv = v.micros / 1'000'000;
  else
    jv = v.dollars();
}

usd tag_invoke(boost::json::value_to_tag<usd>, const boost::json::value& jv) {
  if (jv.is_int64())
    return usd::from_micros(jv.get_int64() * 1'000'000);
  if (jv.is_uint64())
    return usd::from_micros(static_cast<std::int64_t>(jv.get_uint64()) * 1'000'000);
  if (jv.is_double())
    return usd::from_dollars(jv.get_double());
  throw json_mapping_error("", "expected an amount in dollars (a number)");
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, actor_kind k) {
  jv = to_string(k);
}

actor_kind tag_invoke(boost::json::value_to_tag<actor_kind>, const boost::json::value& jv) {
  const auto text = detail::expect_string(jv);
  if (auto k = parse_actor_kind(text))
    return *k;
  detail::throw_unknown_enum(text, {"intern", "specialist", "lead", "operator", "system"});
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const json_text& v) {
  jv = boost::json::parse(v.text);
}

json_text tag_invoke(boost::json::value_to_tag<json_text>, const boost::json::value& jv) {
  return json_text{boost::json::serialize(jv)};
}

namespace detail {

void throw_unknown_enum(std::string_view got, const std::vector<std::string_view>& ok) {
  std::string list;
  for (auto name : ok) {
    if (!list.empty())
      list += ", ";
    list += name;
  }
  throw json_mapping_error("", "unknown value '" + std::string(got) +
                                   "' (expected one of: " + list + ")");
}

std::string_view expect_string(const boost::json::value& jv) {
  if (const auto* s = jv.if_string())
    return *s;
  throw json_mapping_error("", "expected a string");
}

std::string describe_system_error(const boost::json::value& jv, const std::exception& e) {
  const char* kind = "value";
  switch (jv.kind()) {
  case boost::json::kind::null:
    kind = "null";
    break;
  case boost::json::kind::bool_:
    kind = "a boolean";
    break;
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
  case boost::json::kind::double_:
    kind = "a number";
    break;
  case boost::json::kind::string:
    kind = "a string";
    break;
  case boost::json::kind::array:
    kind = "an array";
    break;
  case boost::json::kind::object:
    kind = "an object";
    break;
  }
  return std::string("unexpected ") + kind + " (" + e.what() + ")";
}

} // namespace detail
} // namespace mc
