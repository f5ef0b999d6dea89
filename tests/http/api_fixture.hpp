// A real server for API tests: a fresh SQLite store, the whole runtime (actors, registries,
// routes) and the Beast server on an ephemeral loopback port, with a client call per request.
#pragma once

#include "app/runtime.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

#include <boost/json/parse.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace mc::http::test {

class api_fixture : public ::testing::Test {
 protected:
  using headers = std::vector<std::pair<std::string, std::string>>;

  explicit api_fixture(app::runtime_options opts = {}) : sys(quiet(cfg)) {
    dir = std::filesystem::temp_directory_path() /
          ("mc-api-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    db = persistence::open_store({"", dir.string()});
    db->migrate();
    rt = std::make_unique<app::runtime>(sys, db, clk, ids, persistence::recover(*db),
                                        std::move(opts));
    ctx = rt->api();
    router routes;
    rt->add_routes(routes);
    server_options so;
    so.listen = "127.0.0.1:0";
    so.log = access_log::disabled();
    srv = std::make_unique<server>(std::move(routes), so);
    srv->start();
  }

  ~api_fixture() override {
    srv->stop();
    rt->shutdown();
    sys.await_all_actors_done();
    std::filesystem::remove_all(dir);
  }

  string_response call(bhttp::verb v, std::string target, std::string body = {},
                       headers extra = {}) {
    client c(srv->port());
    return c.request(v, target, std::move(body), std::move(extra));
  }

  boost::json::value json_of(const string_response& r) { return boost::json::parse(r.body()); }

  std::string create_task(std::string body) {
    auto r = call(bhttp::verb::post, "/api/tasks", std::move(body));
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(json_of(r).at("task").at("id").as_string());
  }

  /// Registers an agent as the operator and returns its token.
  std::string register_agent(std::string id, std::string role = "specialist") {
    auto r = call(bhttp::verb::post, "/api/agents",
                  R"({"id":")" + id + R"(","name":")" + id + R"(","role":")" + role + R"("})");
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(json_of(r).at("token").as_string());
  }

  static headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  static caf::actor_system_config& quiet(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", 2);
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  static inline int counter = 0;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  system_clock clk;
  id_generator ids{clk};
  std::filesystem::path dir;
  std::shared_ptr<persistence::store> db;
  std::unique_ptr<app::runtime> rt;
  std::shared_ptr<api_context> ctx;
  std::unique_ptr<server> srv;
};

} // namespace mc::http::test
