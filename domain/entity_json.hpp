// The JSON mapping of every entity (SPEC §1): camelCase names, snake_case enums out and any case
// in, money as dollars, absent optionals as null. One generic rule for all described structs.
#pragma once

#include "domain/entities.hpp"

#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/mp11/algorithm.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mc {

/// Input that does not fit an entity; `what()` names the field path, e.g. `workPlan.bullets`.
class json_mapping_error : public std::invalid_argument {
 public:
  json_mapping_error(std::string field, std::string problem);
  const std::string& field() const noexcept { return field_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string field_;
  std::string problem_;
};

/// `review_checklist` → `reviewChecklist`.
std::string camel_case(std::string_view snake);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, usd v);
usd tag_invoke(boost::json::value_to_tag<usd>, const boost::json::value& jv);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, actor_kind k);
actor_kind tag_invoke(boost::json::value_to_tag<actor_kind>, const boost::json::value& jv);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const json_text& v);
json_text tag_invoke(boost::json::value_to_tag<json_text>, const boost::json::value& jv);

namespace detail {

[[noreturn]] void throw_unknown_enum(std::string_view got, const std::vector<std::string_view>& ok);
std::string_view expect_string(const boost::json::value& jv);

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
const std::vector<std::string>& camel_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto d) { out.push_back(camel_case(d.name)); });
    return out;
  }();
  return names;
}

template <class M>
boost::json::value member_to_json(const M& m) {
  if constexpr (is_optional<M>::value) {
    if (!m)
      return nullptr;
    return boost::json::value_from(*m);
  } else {
    return boost::json::value_from(m);
  }
}

template <class M>
void member_from_json(M& m, const boost::json::value& jv) {
  if constexpr (is_optional<M>::value) {
    if (jv.is_null())
      m.reset();
    else
      m = boost::json::value_to<typename M::value_type>(jv);
  } else if (!jv.is_null()) {
    m = boost::json::value_to<M>(jv);
  }
}

std::string describe_system_error(const boost::json::value& jv, const std::exception& e);

} // namespace detail

template <class E>
requires is_domain_enum_v<E>
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, E e) {
  jv = to_string(e);
}

template <class E>
requires is_domain_enum_v<E> E tag_invoke(boost::json::value_to_tag<E>,
                                          const boost::json::value& jv) {
  const auto text = detail::expect_string(jv);
  if (auto e = parse_enum<E>(text))
    return *e;
  std::vector<std::string_view> names;
  for (auto v : all_values<E>())
    names.push_back(to_string(v));
  detail::throw_unknown_enum(text, names);
}

template <class T>
requires boost::describe::has_describe_members<T>::value void
tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& x) {
  auto& obj = jv.emplace_object();
  const auto& names = detail::camel_names<T>();
  std::size_t i = 0;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto d) { obj[names[i++]] = detail::member_to_json(x.*d.pointer); });
}

/// Missing members keep their defaults: whether a field is required is the caller's rule.
template <class T>
requires boost::describe::has_describe_members<T>::value T
tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv) {
  const auto* obj = jv.if_object();
  if (obj == nullptr)
    throw json_mapping_error("", "expected an object");
  T out{};
  const auto& names = detail::camel_names<T>();
  std::size_t i = 0;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto d) {
        const auto& name = names[i++];
        const auto* field = obj->if_contains(name);
        if (field == nullptr)
          return;
        try {
          detail::member_from_json(out.*d.pointer, *field);
        } catch (const json_mapping_error& e) {
          throw json_mapping_error(e.field().empty() ? name : name + "." + e.field(), e.problem());
        } catch (const std::exception& e) {
          throw json_mapping_error(name, detail::describe_system_error(*field, e));
        }
      });
  return out;
}

/// Parses an entity, turning every mapping failure into a json_mapping_error.
template <class T>
T from_json(const boost::json::value& jv) {
  try {
    return boost::json::value_to<T>(jv);
  } catch (const json_mapping_error&) {
    throw;
  } catch (const std::exception& e) {
    throw json_mapping_error("", detail::describe_system_error(jv, e));
  }
}

template <class T>
boost::json::value to_json(const T& x) {
  return boost::json::value_from(x);
}

} // namespace mc
