// The pieces of http/ that need no socket: error mapping, envelope, JSON bodies, targets,
// listen addresses, router matching, responder semantics and access-log lines.
#include "domain/entity_json.hpp"
#include "http/access_log.hpp"
#include "http/error_envelope.hpp"
#include "http/json_body.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mc::http {
namespace {

namespace json = boost::json;

json::object error_of(const response& r) {
  return json::parse(r.body).as_object().at("error").as_object();
}

TEST(ErrorMapping, EveryErrcHasItsStatusAndCode) {
  const std::vector<std::tuple<errc, unsigned, std::string_view>> want = {
      {errc::invalid_input, 400, "VALIDATION_ERROR"},
      {errc::unauthenticated, 401, "UNAUTHORIZED"},
      {errc::forbidden, 403, "FORBIDDEN"},
      {errc::not_found, 404, "NOT_FOUND"},
      {errc::conflict, 409, "CONFLICT"},
      {errc::refused, 422, "TRANSITION_REFUSED"},
      {errc::rate_limited, 429, "RATE_LIMITED"},
      {errc::unavailable, 503, "SERVICE_UNAVAILABLE"},
      {errc::timeout, 503, "SERVICE_UNAVAILABLE"},
      {errc::internal, 500, "INTERNAL_ERROR"},
  };
  for (const auto& [e, status, code] : want) {
    EXPECT_EQ(http_status(e).status, status) << to_string(e);
    EXPECT_EQ(http_status(e).code, code) << to_string(e);
  }
}

TEST(ErrorEnvelope, HasTheSpecShape) {
  json::object details{{"field", "title"}};
  auto r = error_response(errc::invalid_input, "title is required", "req_1", details);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.content_type, "application/json");
  auto doc = json::parse(r.body).as_object();
  ASSERT_EQ(doc.size(), 1u);
  const auto& err = doc.at("error").as_object();
  EXPECT_EQ(err.at("code"), "VALIDATION_ERROR");
  EXPECT_EQ(err.at("message"), "title is required");
  EXPECT_EQ(err.at("details").as_object().at("field"), "title");
  EXPECT_EQ(err.at("requestId"), "req_1");
}

TEST(ErrorEnvelope, DetailsAreAnEmptyObjectWhenThereAreNone) {
  auto r = error_response(405, error_code::method_not_allowed, "no", "req_2");
  EXPECT_EQ(r.status, 405u);
  EXPECT_TRUE(error_of(r).at("details").as_object().empty());
}

TEST(ErrorEnvelope, HttpErrorCarriesStatusCodeAndDetails) {
  http_error e(errc::refused, "illegal move",
               json::object{{"allowedTransitions", json::array{"done"}}});
  auto r = error_response(e, "req_3");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(error_of(r).at("code"), "TRANSITION_REFUSED");
  EXPECT_EQ(error_of(r).at("details").at("allowedTransitions").as_array().size(), 1u);
}

TEST(JsonBody, ParsesWhateverTheContentType) {
  auto v = parse_json_body(R"({"toStatus":"assigned"})");
  EXPECT_EQ(v.at("toStatus"), "assigned");
  EXPECT_EQ(parse_json_body("[1,2]\n").as_array().size(), 2u);
}

TEST(JsonBody, EmptyOrBlankBodyIsAnEmptyObject) {
  EXPECT_EQ(parse_json_body(""), json::object());
  EXPECT_EQ(parse_json_body(" \r\n"), json::object());
}

TEST(JsonBody, SyntaxErrorIsA400WithTheOffset) {
  try {
    parse_json_body(R"({"a": tru})");
    FAIL() << "expected http_error";
  } catch (const http_error& e) {
    EXPECT_EQ(e.status(), 400u);
    EXPECT_EQ(e.code(), "VALIDATION_ERROR");
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
    ASSERT_NE(e.details(), nullptr);
    EXPECT_TRUE(e.details()->at("offset").is_number());
  }
}

TEST(JsonBody, TrailingDataIsRefused) {
  EXPECT_THROW(parse_json_body("{} {}"), http_error);
  EXPECT_THROW(parse_json_body("{\"a\":1"), http_error);
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonBody, DepthIsLimitedTo32ByDefault) {
  EXPECT_NO_THROW(parse_json_body(nested(32)));
  try {
    parse_json_body(nested(33));
    FAIL() << "expected http_error";
  } catch (const http_error& e) {
    EXPECT_EQ(e.status(), 400u);
    EXPECT_NE(std::string(e.what()).find("deeper than 32"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_json_body(nested(5), {4}), http_error);
}

TEST(JsonBody, ObjectBodyRefusesOtherDocuments) {
  EXPECT_EQ(parse_json_object_body("").size(), 0u);
  EXPECT_THROW(parse_json_object_body("[1]"), http_error);
}

TEST(ParseTarget, DecodesPathSegmentsAndQuery) {
  request r;
  ASSERT_TRUE(
      parse_target("/api/tasks/a%20b/x%2Fy?status=a,b&tag=1&tag=two%20&q=hello+world&flag", r));
  EXPECT_EQ(r.path, "/api/tasks/a b/x/y");
  ASSERT_EQ(r.segments.size(), 4u);
  EXPECT_EQ(r.segments[2], "a b");
  EXPECT_EQ(r.segments[3], "x/y"); // an encoded slash stays inside its segment
  EXPECT_EQ(r.query.get("status"), "a,b");
  EXPECT_EQ(r.query.get_all("tag"), (std::vector<std::string_view>{"1", "two "}));
  EXPECT_EQ(r.query.get("q"), "hello world");
  EXPECT_EQ(r.query.get("flag"), "");
  EXPECT_FALSE(r.query.contains("Status")); // query names are case-sensitive
}

TEST(ParseTarget, RefusesWhatIsNotOriginForm) {
  request r;
  EXPECT_FALSE(parse_target("api/tasks", r));
  EXPECT_FALSE(parse_target("http://example.com/api", r));
  EXPECT_FALSE(parse_target("*", r));
  EXPECT_FALSE(parse_target("/bad%zz", r));
}

TEST(Headers, LookupIgnoresCase) {
  header_map h;
  h.add("X-Idempotency-Key", "k1");
  h.add("accept", "a");
  h.add("Accept", "b");
  EXPECT_EQ(h.get("x-idempotency-key"), "k1");
  EXPECT_EQ(h.get_all("ACCEPT").size(), 2u);
  EXPECT_FALSE(h.get("authorization").has_value());
}

TEST(RequestId, OnlyTameIncomingIdsAreKept) {
  EXPECT_TRUE(is_well_formed_request_id("3f2c9a1e-77b1-4c1b-9a7e-4dd0b1e6c0aa"));
  EXPECT_TRUE(is_well_formed_request_id("trace:abc.def_1"));
  EXPECT_FALSE(is_well_formed_request_id(""));
  EXPECT_FALSE(is_well_formed_request_id("has space"));
  EXPECT_FALSE(is_well_formed_request_id("line\nbreak"));
  EXPECT_FALSE(is_well_formed_request_id(std::string(129, 'a')));
}

TEST(ListenAddress, ParsesTheUsualForms) {
  auto a = parse_listen_address("127.0.0.1:3000");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 3000);
  EXPECT_TRUE(a.is_loopback());
  auto b = parse_listen_address("[::1]:3000");
  EXPECT_EQ(b.host, "::1");
  EXPECT_TRUE(b.is_loopback());
  EXPECT_EQ(b.to_string(), "[::1]:3000");
  auto c = parse_listen_address("0.0.0.0:0");
  EXPECT_EQ(c.port, 0);
  EXPECT_FALSE(c.is_loopback());
  EXPECT_EQ(parse_listen_address("localhost:8080").host, "127.0.0.1");
  EXPECT_FALSE(parse_listen_address("[::]:3000").is_loopback());
}

TEST(ListenAddress, RefusesWhatItCannotBind) {
  for (auto bad : {"127.0.0.1", "127.0.0.1:", ":3000", "127.0.0.1:65536", "127.0.0.1:3x",
                   "example.com:3000", "user@127.0.0.1:3000", "::1:3000", ""})
    EXPECT_THROW(parse_listen_address(bad), std::invalid_argument) << bad;
}

// ---- router ---------------------------------------------------------------------------------

struct captured {
  std::optional<response> res;
  responder make() {
    return responder("req_t", [this](response r) { res = std::move(r); });
  }
};

request make_request(method m, std::string_view target) {
  request r;
  r.method = m;
  r.method_text = std::string(to_string(m));
  r.id = "req_t";
  EXPECT_TRUE(parse_target(target, r));
  return r;
}

handler answer_with(std::string tag) {
  return [tag](const request&, const path_params& p, responder r) {
    json::object o{{"tag", tag}};
    for (const auto& [k, v] : p)
      o[k] = v;
    r(json_response(o));
  };
}

TEST(Router, LiteralSegmentsBeatParameters) {
  router rt;
  rt.get("/api/tasks/{id}", answer_with("by-id"));
  rt.get("/api/tasks/export", answer_with("export"));
  captured a, b;
  rt.handle(make_request(method::get, "/api/tasks/export"), a.make());
  rt.handle(make_request(method::get, "/api/tasks/tsk_1"), b.make());
  EXPECT_EQ(json::parse(a.res->body).at("tag"), "export");
  EXPECT_EQ(json::parse(b.res->body).at("tag"), "by-id");
  EXPECT_EQ(json::parse(b.res->body).at("id"), "tsk_1");
}

TEST(Router, FindsTheMethodOnALessSpecificPattern) {
  router rt;
  rt.del("/api/webhooks/{id}", answer_with("delete"));
  rt.post("/api/webhooks/test", answer_with("test"));
  auto m = rt.find(method::delete_, {"api", "webhooks", "test"});
  EXPECT_EQ(m.result, router::match::outcome::found);
  EXPECT_EQ(m.pattern, "/api/webhooks/{id}");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  router rt;
  rt.get("/api/tasks/{id}", answer_with("get"));
  rt.patch("/api/tasks/{id}", answer_with("patch"));
  captured nf, na;
  EXPECT_EQ(rt.handle(make_request(method::get, "/nope"), nf.make()), "");
  EXPECT_EQ(nf.res->status, 404u);
  EXPECT_EQ(error_of(*nf.res).at("code"), "NOT_FOUND");
  EXPECT_EQ(rt.handle(make_request(method::post, "/api/tasks/1"), na.make()), "/api/tasks/{id}");
  EXPECT_EQ(na.res->status, 405u);
  ASSERT_EQ(na.res->headers.size(), 1u);
  EXPECT_EQ(na.res->headers[0].first, "Allow");
  EXPECT_EQ(na.res->headers[0].second, "GET, HEAD, PATCH");
  EXPECT_EQ(error_of(*na.res).at("requestId"), "req_t");
}

TEST(Router, HeadFallsBackToGetAndTrailingSlashIsIgnored) {
  router rt;
  rt.get("/health", answer_with("health"));
  EXPECT_EQ(rt.find(method::head, {"health"}).result, router::match::outcome::found);
  EXPECT_EQ(rt.find(method::get, {"health", ""}).result, router::match::outcome::found);
  EXPECT_EQ(rt.find(method::get, {"health", "x"}).result, router::match::outcome::no_path);
}

TEST(Router, EmptyParameterDoesNotMatch) {
  router rt;
  rt.post("/api/tasks/{id}/transition", answer_with("t"));
  EXPECT_EQ(rt.find(method::post, {"api", "tasks", "", "transition"}).result,
            router::match::outcome::no_path);
}

TEST(Router, RefusesBadPatternsAndDuplicates) {
  router rt;
  rt.get("/a/{id}", answer_with("a"));
  EXPECT_THROW(rt.get("/a/{other}", answer_with("b")), std::invalid_argument);
  EXPECT_NO_THROW(rt.post("/a/{other}", answer_with("b")));
  EXPECT_THROW(rt.get("no-slash", answer_with("c")), std::invalid_argument);
  EXPECT_THROW(rt.get("/a/{}", answer_with("c")), std::invalid_argument);
  EXPECT_THROW(rt.get("/a/{x}{y}", answer_with("c")), std::invalid_argument);
  EXPECT_THROW(rt.get("/b/{x}/{x}", answer_with("c")), std::invalid_argument);
  EXPECT_THROW(rt.get("/a//b", answer_with("c")), std::invalid_argument);
}

TEST(Router, ThrownErrorsBecomeEnvelopes) {
  router rt;
  rt.post("/conflict", [](const request&, const path_params&, responder) {
    throw http_error(errc::conflict, "idempotency key reused");
  });
  rt.post("/mapping", [](const request&, const path_params&, responder) {
    throw json_mapping_error("workPlan.bullets", "expected an array");
  });
  rt.post("/boom", [](const request&, const path_params&, responder) {
    throw std::runtime_error("secret detail");
  });
  captured c, m, b;
  rt.handle(make_request(method::post, "/conflict"), c.make());
  rt.handle(make_request(method::post, "/mapping"), m.make());
  rt.handle(make_request(method::post, "/boom"), b.make());
  EXPECT_EQ(c.res->status, 409u);
  EXPECT_EQ(error_of(*c.res).at("code"), "CONFLICT");
  EXPECT_EQ(m.res->status, 400u);
  EXPECT_EQ(error_of(*m.res).at("details").at("field"), "workPlan.bullets");
  EXPECT_EQ(b.res->status, 500u);
  EXPECT_EQ(error_of(*b.res).at("message"), "internal error"); // no internals leak out
  EXPECT_EQ(b.res->note, "secret detail");                     // but the log has them
}

TEST(Responder, DroppedUncalledAnswers500Once) {
  int calls = 0;
  std::optional<response> got;
  {
    responder r("req_d", [&](response res) {
      ++calls;
      got = std::move(res);
    });
    responder moved = std::move(r); // the moved-from one owes nothing
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got->status, 500u);
  EXPECT_EQ(error_of(*got).at("requestId"), "req_d");
}

TEST(Responder, OnlyTheFirstCallCounts) {
  int calls = 0;
  responder r("req_o", [&](response) { ++calls; });
  r(json_response(json::object()));
  r(json_response(json::object())); // consumed: nothing happens
  EXPECT_FALSE(r);
  EXPECT_EQ(calls, 1);
}

TEST(Responder, MayBeCalledFromAnotherThread) {
  std::optional<response> got;
  std::thread::id where;
  responder r("req_x", [&](response res) {
    where = std::this_thread::get_id();
    got = std::move(res);
  });
  std::thread t([r = std::move(r)]() mutable { r(json_response(json::object{{"ok", true}})); });
  const auto worker = t.get_id();
  t.join();
  EXPECT_EQ(where, worker);
  EXPECT_EQ(got->status, 200u);
}

TEST(Responder, HandlerThatThrowsAfterMovingItAwayStillAnswersWithTheError) {
  router rt;
  responder kept;
  rt.post("/x", [&](const request&, const path_params&, responder r) {
    kept = std::move(r);
    throw http_error(errc::forbidden, "no");
  });
  captured c;
  rt.handle(make_request(method::post, "/x"), c.make());
  EXPECT_EQ(c.res->status, 403u);
  kept(json_response(json::object())); // too late: ignored
  EXPECT_EQ(c.res->status, 403u);
}

TEST(Responder, HandlerThatDropsItGets500) {
  router rt;
  rt.get("/drop", [](const request&, const path_params&, responder) {});
  captured c;
  rt.handle(make_request(method::get, "/drop"), c.make());
  ASSERT_TRUE(c.res);
  EXPECT_EQ(c.res->status, 500u);
}

// ---- access log -----------------------------------------------------------------------------

access_record sample_record() {
  access_record r;
  r.method = "POST";
  r.route = "/api/tasks/{id}/transition";
  r.path = "/api/tasks/tsk_1/transition";
  r.status = 422;
  r.latency_ms = 1.23456;
  r.request_id = "req_1";
  r.actor = "operator:alice";
  r.remote = "127.0.0.1:5555";
  r.body_bytes = 42;
  return r;
}

TEST(AccessLog, TextLineHasTheFields) {
  std::vector<std::string> lines;
  auto log =
      access_log::to_function(log_format::text, [&](std::string_view l) { lines.emplace_back(l); });
  log->write(sample_record());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "POST /api/tasks/{id}/transition 422 1.235ms id=req_1 actor=operator:alice "
                      "path=/api/tasks/tsk_1/transition remote=127.0.0.1:5555 bytes=42");
}

TEST(AccessLog, JsonLineParses) {
  std::vector<std::string> lines;
  auto log =
      access_log::to_function(log_format::json, [&](std::string_view l) { lines.emplace_back(l); });
  log->write(sample_record());
  ASSERT_EQ(lines.size(), 1u);
  auto o = json::parse(lines[0]).as_object();
  EXPECT_EQ(o.at("route"), "/api/tasks/{id}/transition");
  EXPECT_EQ(o.at("status"), 422);
  EXPECT_EQ(o.at("actor"), "operator:alice");
  EXPECT_EQ(o.at("requestId"), "req_1");
  EXPECT_DOUBLE_EQ(o.at("latencyMs").as_double(), 1.235);
}

TEST(AccessLog, ToAFileEveryLineIsWrittenInOrderByTheTimeTheLogIsGone) {
  // stdout becomes a file for the test's body: the log's own writer thread writes there.
  const auto path = std::filesystem::temp_directory_path() /
                    ("mc-access-log-" + std::to_string(::getpid()) + ".log");
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_NE(std::freopen(path.c_str(), "w", stdout), nullptr);
  // More lines than its queue holds; the last are still queued when the log goes.
  constexpr int lines = 20'000;
  {
    auto log = access_log::to_stdout(log_format::text);
    auto r = sample_record();
    for (int i = 0; i < lines; ++i) {
      const auto id = "req_" + std::to_string(i);
      r.request_id = id;
      log->write(r);
    }
  }
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  std::ifstream in(path);
  std::string line;
  int n = 0;
  bool in_order = true;
  while (std::getline(in, line))
    in_order = in_order && line.find(" id=req_" + std::to_string(n++) + " ") != std::string::npos;
  std::filesystem::remove(path);
  EXPECT_EQ(n, lines);
  EXPECT_TRUE(in_order);
}

TEST(AccessLog, FormatNames) {
  EXPECT_EQ(parse_log_format("JSON"), log_format::json);
  EXPECT_EQ(parse_log_format("text"), log_format::text);
  EXPECT_FALSE(parse_log_format("xml"));
}

} // namespace
} // namespace mc::http
