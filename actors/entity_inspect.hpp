// Lets every domain entity travel in CAF messages: one generic `inspect` for all described
// structs that crosses a node boundary as the entity's JSON document (the same text the API and
// the stores use). Local messages are never serialized, so they pay nothing for it.
#pragma once

#include "domain/entity_json.hpp"

#include <boost/describe/members.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <type_traits>

namespace mc {

template <class Inspector, class T>
requires boost::describe::has_describe_members<T>::value typename Inspector::result_type
inspect(Inspector& f, T& x) {
  using result = typename Inspector::result_type;
  std::string text;
  if constexpr (Inspector::reads_state)
    text = boost::json::serialize(to_json(x));
  if constexpr (std::is_void_v<result>) {
    f(text);
  } else {
    result r = f(text);
    if constexpr (Inspector::writes_state)
      if (!r)
        x = from_json<T>(boost::json::parse(text));
    return r;
  }
}

} // namespace mc
