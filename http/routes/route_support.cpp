#include "http/routes/route_support.hpp"

#include <algorithm>

#include "http/error_envelope.hpp"

#include <boost/json/parse.hpp>

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace mc::http {

namespace json = boost::json;

void add_guarded(router& r, context_ptr ctx, method m, std::string_view pattern,
                 guarded_handler h) {
  std::string key = std::string(to_string(m)) + " " + std::string(pattern);
  const route_rule* rule = find_route(key);
  if (!rule)
    throw std::logic_error("route " + key + " has no rule in the access table");
  r.add(
      m, pattern,
      [ctx, key, rule, h = std::move(h)](const request& req, const path_params& p, responder res) {
        const auto header = req.headers.get("Authorization");
        // Open routes (health checks) need no token on any listener; a token that is sent is
        // still checked, as everywhere.
        auto who = rule->access == route_access::open && !header
                       ? policy_result<caller>(caller{})
                       : authenticate(header, req.is_loopback(), ctx->auth, ctx->operators,
                                      ctx->agent_tokens.lookup());
        if (!who) {
          res(error_response(who.error().code, who.error().message, req.id));
          return;
        }
        auto granted = authorize(who.value(), key, p);
        if (!granted) {
          res(error_response(granted.error().code, granted.error().message, req.id));
          return;
        }
        if (rule->rate != rate_class::none) {
          auto d = ctx->limits.check(who.value(), rule->rate, ctx->clk->now_ms());
          if (!d.allowed) {
            auto out = error_response(errc::rate_limited,
                                      "rate limit of " + std::to_string(d.limit) + " " +
                                          std::string(to_string(rule->rate)) +
                                          " requests per minute reached",
                                      req.id);
            out.headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
            res(std::move(out));
            return;
          }
        }
        // The access log names who acted, whatever the handler answers.
        if (who->kind != caller_kind::anonymous)
          res.set_actor(std::string(to_string(who->kind)) + ":" + who->id);
        h(req, p, who.value(), std::move(res));
      });
}

void require_acting_as(const caller& who, std::string_view acting) {
  if (who.kind == caller_kind::agent && acting != who.id)
    throw http_error(errc::forbidden,
                     "agent '" + who.id + "' may not act as '" + std::string(acting) + "'");
}

response from_reply(actors::api_reply r) {
  response out;
  out.status = static_cast<unsigned>(r.status);
  out.body = std::move(r.body);
  return out;
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    if (!part.empty())
      out.emplace_back(part);
    if (comma == std::string_view::npos)
      break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::int32_t int_param(std::string_view field, std::string_view text) {
  try {
    std::size_t used = 0;
    auto v = std::stoi(std::string(text), &used);
    if (used == text.size())
      return v;
  } catch (const std::exception&) {
  }
  throw http_error(errc::invalid_input, std::string(field) + " must be a whole number");
}

void refuse_unknown_fields(const boost::json::object& o, std::span<const std::string_view> known) {
  for (const auto& kv : o)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      throw http_error(errc::invalid_input,
                       "unknown or read-only field '" + std::string(kv.key()) + "'");
}

bool descending_param(const request& req) {
  auto o = req.query.get("order");
  if (!o)
    return true;
  if (*o != "asc" && *o != "desc")
    throw http_error(errc::invalid_input, "order is asc or desc");
  return *o == "desc";
}

std::optional<idempotency_claim> reserve_key(api_context& ctx, const request& req,
                                             const caller& who, const json::value& body,
                                             responder& res) {
  auto key = idempotency_key_of(req.headers.get("X-Idempotency-Key"), &body);
  if (!key) {
    res(error_response(key.error().code, key.error().message, req.id));
    return std::nullopt;
  }
  if (!key.value())
    return idempotency_claim{};
  idempotency_claim claim;
  claim.fingerprint = request_fingerprint(req.method_text, req.target, &body, rate_key(who));
  const auto now = ctx.clk->now_ms();
  auto r = ctx.idempotency.reserve(*key.value(), claim.fingerprint, now);
  switch (r.kind) {
  case reservation_kind::fresh:
    claim.key = *key.value();
    claim.expires_at = ctx.idempotency.expiry_for(now);
    return claim;
  case reservation_kind::replay: {
    response out;
    out.status = static_cast<unsigned>(r.status);
    out.body = r.body;
    out.headers.emplace_back("Idempotent-Replayed", "true");
    res(std::move(out));
    return std::nullopt;
  }
  case reservation_kind::full:
    res(error_response(errc::unavailable, r.message, req.id));
    return std::nullopt;
  default:
    res(error_response(errc::conflict, r.message, req.id));
    return std::nullopt;
  }
}

responder settle(context_ptr ctx, const idempotency_claim& claim, responder res) {
  auto shared = std::make_shared<responder>(std::move(res));
  const auto id = shared->request_id();
  return responder(id, [ctx, key = claim.key, shared](response out) {
    if (!key.empty()) {
      if (out.status < 300)
        ctx->idempotency.complete(key, static_cast<int>(out.status), out.body,
                                  ctx->idempotency.expiry_for(ctx->clk->now_ms()));
      else
        ctx->idempotency.release(key);
    }
    (*shared)(std::move(out));
  });
}

} // namespace mc::http

namespace mc::http {

response error_from_actor(const caf::error& e, const std::string& request_id) {
  if (e.category() == errc_category) {
    const auto code = static_cast<errc>(e.code());
    const auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string>()) {
      auto details = json::parse(ctx.get_as<std::string>(1));
      if (details.is_object())
        return error_response(code, ctx.get_as<std::string>(0), request_id, details.as_object());
    }
    if (ctx.match_elements<std::string>())
      return error_response(code, ctx.get_as<std::string>(0), request_id);
    return error_response(code, std::string(to_string(code)), request_id);
  }
  if (e == caf::sec::request_timeout)
    return error_response(errc::timeout, "the actor did not answer in time", request_id);
  // No secret travels in a CAF error; its text is what an operator needs to report the bug.
  return error_response(errc::internal, "internal error: " + to_string(e), request_id);
}

} // namespace mc::http
