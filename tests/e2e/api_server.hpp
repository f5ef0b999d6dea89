// The end-to-end fixture: a fresh store (SQLite or a fresh PostgreSQL database), the runtime as
// `serve` builds it, and the real HTTP server on an ephemeral loopback port, driven over TCP.
#pragma once

#include "actors/supervisor_messages.hpp"
#include "app/runtime.hpp"
#include "domain/clock.hpp"
#include "domain/ids.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

#include <boost/json/value.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::e2e {

namespace bhttp = http::test::bhttp;
using bhttp::verb;
using header_list = std::vector<std::pair<std::string, std::string>>;
using response = http::test::string_response;

enum class store_kind { sqlite, postgres };

std::string_view to_string(store_kind kind) noexcept;
void PrintTo(store_kind kind, std::ostream* os);

/// "sqlite" / "postgres", as INSTANTIATE_TEST_SUITE_P's name generator.
std::string store_name(const ::testing::TestParamInfo<store_kind>& info);

/// Both stores, for INSTANTIATE_TEST_SUITE_P.
inline constexpr store_kind all_stores[] = {store_kind::sqlite, store_kind::postgres};

/// 2026-02-01T17:00:00Z, where every server's manual clock starts.
inline constexpr std::int64_t start_ms = 1'769'965'200'000;

/// The operator of the servers that take tokens: `alice`, with this token.
inline constexpr std::string_view operator_name = "alice";
inline constexpr std::string_view operator_token = "e2e-operator-token-0123456789abcdef";

/// Runtime options with `alice` as the configured operator and the given listener settings.
app::runtime_options options_with_operator(http::auth_settings auth = {});
/// The same without the per-token event and read limits, for tests that post in bulk.
app::runtime_options generous_limits();

/// `Authorization: Bearer <token>`.
header_list bearer(std::string_view token);

class api_server {
 public:
  explicit api_server(store_kind kind, app::runtime_options opts = options_with_operator());
  /// Stops the server, shuts the runtime down and waits for every actor.
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// One request on a fresh connection; no Authorization unless `headers` carry one.
  response call(verb v, std::string_view target, std::string body = {},
                header_list headers = {}) const;

  /// The runtime's clock (also the rate limiter's): it moves only when a test moves it.
  manual_clock& clock() noexcept { return clk_; }
  std::uint16_t port() const noexcept { return srv_->port(); }
  /// The server's store, for tests that seed rows directly or count what was written.
  persistence::store& store() const noexcept { return *db_; }
  /// The routes' context (e.g. the audit export's memory gauge).
  const http::context_ptr& api() const noexcept { return rt_->api(); }
  store_kind kind() const noexcept { return kind_; }
  /// Waits until every write the server has queued so far, soft state included, is committed:
  /// for tests that read the store behind soft (coalesced) writes such as heartbeats.
  void sync() const;

  /// Whether the server routes `method pattern` (a key of http::route_table()); false for the
  /// routes of later issues, which answer 404.
  static bool serves(std::string_view route_key);

  /// Registers an agent as the operator (with `token`, when the server takes tokens) and
  /// returns the agent token the reply shows once.
  std::string register_agent(std::string_view id, std::string_view role,
                             const header_list& as = {}) const;
  /// Creates a task as the operator; returns its id.
  std::string create_task(std::string_view body, const header_list& as = {}) const;
  /// Moves a task as the operator; the reply must be 200.
  void move_task(const std::string& id, std::string_view body, const header_list& as = {}) const;

  /// Ticks every supervisor (after a test moved the clock) and waits until each answered: what
  /// the supervisors did about anything that happened before, and the notices of what they
  /// raised, are done when it returns. Fails the test when one missed its tick.
  actors::tick_summary tick() const;
  /// The root supervisor (supervisors/root_supervisor.hpp).
  const caf::actor& supervisors() const noexcept { return rt_->supervisors(); }
  /// Every line the supervisors logged so far.
  std::string supervisor_log() const;

  /// The actor system, for tests that message the actors the routes are wired to (api()).
  caf::actor_system& system() const noexcept { return *sys_; }

 private:
  store_kind kind_;
  std::filesystem::path dir_; // SQLite only
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  manual_clock clk_{start_ms};
  id_generator ids_{clk_};
  std::shared_ptr<persistence::store> db_;
  std::unique_ptr<app::runtime> rt_;
  std::unique_ptr<http::server> srv_;
  std::shared_ptr<std::ostringstream> log_text_ = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> log_;
};

/// The body as JSON; a test failure (and null) when it is not JSON.
boost::json::value json_of(const response& r);

} // namespace mc::e2e
