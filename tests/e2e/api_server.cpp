#include "tests/e2e/api_server.hpp"

#include "http/routes/api_routes.hpp"
#include "tests/support/pg_server.hpp"

#include <boost/json/parse.hpp>

#include <caf/atom.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace mc::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Postgres starts on first use, so a run of the SQLite cases alone never pays for it.
const auto* const pg_env =
    ::testing::AddGlobalTestEnvironment(new persistence::testing::pg_environment);

std::atomic<int> servers{0};

std::optional<http::method> method_of(std::string_view text) {
  using http::method;
  for (auto m : {method::get, method::head, method::post, method::put, method::patch,
                 method::delete_, method::options})
    if (http::to_string(m) == text)
      return m;
  return std::nullopt;
}

std::vector<std::string> segments_of(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash);
  }
  return out;
}

/// The routes the runtime registers, built once on an idle context: registering touches no
/// actor, so this router is the server's route list without a server.
const http::router& served_routes() {
  static const http::router r = [] {
    http::router out;
    http::add_api_routes(out, std::make_shared<http::api_context>());
    return out;
  }();
  return r;
}

} // namespace

std::string_view to_string(store_kind kind) noexcept {
  return kind == store_kind::sqlite ? "sqlite" : "postgres";
}

std::string store_name(const ::testing::TestParamInfo<store_kind>& info) {
  return std::string(to_string(info.param));
}

void PrintTo(store_kind kind, std::ostream* os) {
  *os << to_string(kind);
}

app::runtime_options options_with_operator(http::auth_settings auth) {
  app::runtime_options opts;
  opts.auth = std::move(auth);
  auto ops =
      http::parse_operator_tokens(std::string(operator_name) + ":" + std::string(operator_token));
  if (!ops)
    throw std::logic_error("operator tokens: " + ops.error().message);
  opts.operators = std::move(ops.value());
  return opts;
}

app::runtime_options generous_limits() {
  auto o = options_with_operator();
  o.rate_limits.limits.operator_events = 0;
  o.rate_limits.limits.events = 0;
  o.rate_limits.limits.operator_reads = 0;
  return o;
}

header_list bearer(std::string_view token) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

api_server::api_server(store_kind kind, app::runtime_options opts) : kind_(kind) {
  cfg_.set("scheduler.max-threads", 2);
  cfg_.set("logger.console", caf::atom("none"));
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  if (kind == store_kind::sqlite) {
    dir_ = fs::temp_directory_path() /
           ("mc-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(servers++));
    fs::remove_all(dir_);
    db_ = persistence::open_store({"", dir_.string()});
  } else {
    auto& pg = persistence::testing::shared_pg_server();
    db_ = persistence::open_store({pg.create_database(pg.fresh_database_name("mc_e2e")), ""});
  }
  db_->migrate();
  // Supervisors tick when the test says so, and their lines are kept for the test to read.
  opts.supervisor_timer = false;
  if (!opts.supervisor_log) {
    log_ = std::make_shared<spdlog::logger>(
        "supervisors", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_text_));
    log_->set_pattern("%v");
    opts.supervisor_log = log_;
  }
  rt_ = std::make_unique<app::runtime>(*sys_, db_, clk_, ids_, persistence::recover(*db_),
                                       std::move(opts));
  http::router routes;
  rt_->add_routes(routes);
  http::server_options so;
  so.listen = "127.0.0.1:0";
  so.log = http::access_log::disabled();
  srv_ = std::make_unique<http::server>(std::move(routes), so);
  srv_->start();
}

api_server::~api_server() {
  srv_->stop();
  rt_->shutdown();
  sys_->await_all_actors_done();
  // The routes hold the API context, which holds actor handles: drop them before the system,
  // whose destructor waits for the detached persistence actor's last reference.
  srv_.reset();
  rt_.reset();
  sys_.reset();
  db_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

response api_server::call(verb v, std::string_view target, std::string body,
                          header_list headers) const {
  http::test::client c(srv_->port());
  return c.request(v, target, std::move(body), std::move(headers));
}

bool api_server::serves(std::string_view route_key) {
  auto space = route_key.find(' ');
  auto m = method_of(route_key.substr(0, space));
  if (space == std::string_view::npos || !m)
    return false;
  auto found = served_routes().find(*m, segments_of(route_key.substr(space + 1)));
  return found.result == http::router::match::outcome::found &&
         found.pattern == route_key.substr(space + 1);
}

std::string api_server::register_agent(std::string_view id, std::string_view role,
                                       const header_list& as) const {
  auto r = call(verb::post, "/api/agents",
                R"({"id":")" + std::string(id) + R"(","role":")" + std::string(role) + R"("})", as);
  EXPECT_EQ(r.result_int(), 201u) << r.body();
  auto body = json_of(r);
  if (!body.is_object() || !body.as_object().contains("token"))
    return {};
  return std::string(body.at("token").as_string());
}

void api_server::sync() const {
  caf::scoped_actor self{*sys_};
  bool done = false;
  self->request(rt_->api()->db, caf::infinite, persistence::sync_atom::value)
      .receive([&](const persistence::write_ack&) { done = true; },
               [&](const caf::error& e) { ADD_FAILURE() << "sync: " << sys_->render(e); });
  EXPECT_TRUE(done);
}

actors::tick_summary api_server::tick() const {
  caf::scoped_actor self{*sys_};
  actors::tick_summary out;
  // The root ticks the NotificationDispatcher after the detectors, and it answers once the
  // notices of what they raised are stored: one tick is enough for a test to read them.
  self->request(rt_->supervisors(), caf::infinite, actors::tick_atom::value)
      .receive([&](actors::tick_summary& s) { out = std::move(s); },
               [&](const caf::error& e) { ADD_FAILURE() << "tick: " << sys_->render(e); });
  for (const auto& name : out.missed)
    ADD_FAILURE() << name << " missed its tick";
  return out;
}

std::string api_server::supervisor_log() const {
  if (log_)
    log_->flush();
  return log_text_->str();
}

std::string api_server::create_task(std::string_view body, const header_list& as) const {
  auto r = call(verb::post, "/api/tasks", std::string(body), as);
  EXPECT_EQ(r.result_int(), 201u) << r.body();
  auto v = json_of(r);
  if (!v.is_object() || !v.as_object().contains("task"))
    return {};
  return std::string(v.at("task").at("id").as_string());
}

void api_server::move_task(const std::string& id, std::string_view body,
                           const header_list& as) const {
  auto r = call(verb::post, "/api/tasks/" + id + "/transition", std::string(body), as);
  EXPECT_EQ(r.result_int(), 200u) << body << " → " << r.body();
}

json::value json_of(const response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body(), ec);
  if (ec) {
    ADD_FAILURE() << "not JSON (" << r.result_int() << "): " << r.body();
    return nullptr;
  }
  return v;
}

} // namespace mc::e2e
