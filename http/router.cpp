#include "http/router.hpp"

#include "domain/entity_json.hpp"
#include "http/error_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <stdexcept>

namespace mc::http {

void path_params::add(std::string name, std::string value) {
  params_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> path_params::find(std::string_view name) const noexcept {
  for (const auto& [n, v] : params_)
    if (n == name)
      return std::string_view(v);
  return std::nullopt;
}

struct router::route {
  struct segment {
    bool param = false;
    std::string text; // the literal, or the parameter's name
  };
  struct endpoint {
    method verb;
    std::string pattern;
    std::vector<std::string> names; // this pattern's parameter names, left to right
    handler target;
  };

  std::vector<segment> shape;
  std::vector<endpoint> endpoints;

  bool same_shape(const std::vector<segment>& other) const {
    return std::equal(shape.begin(), shape.end(), other.begin(), other.end(),
                      [](const segment& a, const segment& b) {
                        return a.param == b.param && (a.param || a.text == b.text);
                      });
  }

  bool matches(const std::vector<std::string>& segs, std::size_t n) const {
    if (shape.size() != n)
      return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (shape[i].param ? segs[i].empty() : shape[i].text != segs[i])
        return false;
    }
    return true;
  }

  // Both match the same path, so they have the same length.
  bool more_specific_than(const route& other) const {
    for (std::size_t i = 0; i < shape.size(); ++i)
      if (shape[i].param != other.shape[i].param)
        return !shape[i].param;
    return false;
  }

  const endpoint* find(method m) const {
    for (const auto& e : endpoints)
      if (e.verb == m)
        return &e;
    if (m == method::head)
      return find(method::get);
    return nullptr;
  }
};

namespace {

bool valid_param_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

} // namespace

router::router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;
router::~router() = default;

router& router::add(method m, std::string_view pattern, handler h) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  if (m == method::other)
    throw std::invalid_argument("routes need a named method: " + std::string(pattern));
  if (!h)
    throw std::invalid_argument("route without a handler: " + std::string(pattern));
  std::vector<route::segment> shape;
  std::vector<std::string> names;
  std::string_view rest = pattern.substr(1);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() && rest.empty())
      break; // trailing slash, ignored as in matching
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      auto name = seg.substr(1, seg.size() - 2);
      if (!valid_param_name(name) || std::find(names.begin(), names.end(), name) != names.end())
        throw std::invalid_argument("bad path parameter in " + std::string(pattern));
      names.emplace_back(name);
      shape.push_back({true, std::string(name)});
    } else {
      if (seg.empty() || seg.find_first_of("{}") != std::string_view::npos)
        throw std::invalid_argument("bad route segment in " + std::string(pattern));
      shape.push_back({false, std::string(seg)});
    }
  }
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const route& r) { return r.same_shape(shape); });
  if (it == routes_.end()) {
    routes_.push_back(route{std::move(shape), {}});
    it = std::prev(routes_.end());
  }
  for (const auto& e : it->endpoints)
    if (e.verb == m)
      throw std::invalid_argument("route added twice: " + std::string(to_string(m)) + " " +
                                  std::string(pattern));
  it->endpoints.push_back({m, std::string(pattern), std::move(names), std::move(h)});
  return *this;
}

router::match router::find(method m, const std::vector<std::string>& segments) const {
  std::size_t n = segments.size();
  if (n > 0 && segments.back().empty())
    --n;
  match out;
  const route* best_path = nullptr;
  const route* best = nullptr;
  const route::endpoint* best_endpoint = nullptr;
  for (const auto& r : routes_) {
    if (!r.matches(segments, n))
      continue;
    if (best_path == nullptr || r.more_specific_than(*best_path))
      best_path = &r;
    for (const auto& e : r.endpoints)
      if (std::find(out.allowed.begin(), out.allowed.end(), e.verb) == out.allowed.end())
        out.allowed.push_back(e.verb);
    if (const auto* e = r.find(m);
        e != nullptr && (best == nullptr || r.more_specific_than(*best))) {
      best = &r;
      best_endpoint = e;
    }
  }
  if (best_path == nullptr)
    return out;
  if (best_endpoint == nullptr) {
    out.result = match::outcome::no_method;
    out.pattern = best_path->endpoints.front().pattern;
    if (std::find(out.allowed.begin(), out.allowed.end(), method::get) != out.allowed.end() &&
        std::find(out.allowed.begin(), out.allowed.end(), method::head) == out.allowed.end())
      out.allowed.push_back(method::head);
    std::sort(out.allowed.begin(), out.allowed.end());
    return out;
  }
  out.result = match::outcome::found;
  out.target = &best_endpoint->target;
  out.pattern = best_endpoint->pattern;
  out.allowed.clear();
  std::size_t k = 0;
  for (std::size_t i = 0; i < best->shape.size(); ++i)
    if (best->shape[i].param)
      out.params.add(best_endpoint->names[k++], segments[i]);
  return out;
}

std::string_view router::handle(const request& req, responder r) const {
  auto m = find(req.method, req.segments);
  if (m.result == match::outcome::no_path) {
    r(error_response(404, error_code::not_found, "no route for " + req.method_text + " " + req.path,
                     req.id));
    return {};
  }
  if (m.result == match::outcome::no_method) {
    boost::json::array allowed;
    for (auto verb : m.allowed)
      allowed.emplace_back(to_string(verb));
    boost::json::object details;
    details["allowed"] = std::move(allowed);
    auto res = error_response(405, error_code::method_not_allowed,
                              req.method_text + " is not allowed on " + std::string(m.pattern),
                              req.id, &details);
    res.headers.emplace_back("Allow", allow_header(m.allowed));
    r(std::move(res));
    return m.pattern;
  }
  // An empty responder (nobody to answer) still runs the handler, for its side effects.
  responder::guard(
      std::move(r), [&](responder res) { (*m.target)(req, m.params, std::move(res)); },
      [&](std::exception_ptr failed) { return error_from_exception(std::move(failed), req.id); });
  return m.pattern;
}

response error_from_exception(std::exception_ptr failed, std::string_view request_id) {
  response out;
  try {
    std::rethrow_exception(std::move(failed));
  } catch (const http_error& e) {
    out = error_response(e, request_id);
    out.note = e.what();
  } catch (const json_mapping_error& e) {
    boost::json::object details;
    details["field"] = e.field();
    details["problem"] = e.problem();
    out = error_response(errc::invalid_input, e.what(), request_id, details);
    out.note = e.what();
  } catch (const std::exception& e) {
    out = error_response(errc::internal, "internal error", request_id);
    out.note = e.what();
  } catch (...) {
    out = error_response(errc::internal, "internal error", request_id);
    out.note = "unknown exception";
  }
  return out;
}

std::string allow_header(const std::vector<method>& methods) {
  auto sorted = methods;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (auto m : sorted) {
    if (!out.empty())
      out += ", ";
    out += to_string(m);
  }
  return out;
}

} // namespace mc::http
