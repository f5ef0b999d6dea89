#include "http/request.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>

namespace mc::http {

std::string_view to_string(method m) noexcept {
  switch (m) {
  case method::get:
    return "GET";
  case method::head:
    return "HEAD";
  case method::post:
    return "POST";
  case method::put:
    return "PUT";
  case method::patch:
    return "PATCH";
  case method::delete_:
    return "DELETE";
  case method::options:
    return "OPTIONS";
  case method::other:
    return "OTHER";
  }
  return "OTHER";
}

void field_list::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

bool field_list::same(std::string_view a, std::string_view b) const noexcept {
  if (!ignore_case_)
    return a == b;
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

std::optional<std::string_view> field_list::first(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields_)
    if (same(n, name))
      return std::string_view(v);
  return std::nullopt;
}

std::vector<std::string_view> field_list::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields_)
    if (same(n, name))
      out.emplace_back(v);
  return out;
}

bool parse_target(std::string_view target, request& out) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed)
    return false;
  const boost::urls::url_view& u = *parsed;
  out.path = u.path();
  out.segments.clear();
  for (auto seg : u.segments())
    out.segments.push_back(seg);
  out.query = query_params{};
  // params() decodes `+` as a space, as browsers and curl --data-urlencode send it.
  for (auto p : u.params())
    out.query.add(p.key, p.has_value ? p.value : std::string());
  return true;
}

bool is_well_formed_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

} // namespace mc::http
