// The root supervisor under CAF's deterministic scheduler: it ticks every supervisor, restarts
// one that dies, raises worker_missed for a death or a missed tick (once per outage), and the
// health board reads degraded until that supervisor answers a tick again.
#include "actors/governance_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "supervisors/root_supervisor.hpp"

#include <caf/all.hpp>
#include <caf/test/dsl.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace mc::supervisors {
namespace {

using ::test_coordinator_fixture;
using namespace actors;

/// A supervisor that answers its ticks, or holds them forever when `answers` is false.
caf::behavior worker(caf::event_based_actor* self, std::string name, bool answers) {
  return {[self, name, answers](tick_atom) {
    auto rp = self->make_response_promise<tick_report>();
    if (answers)
      rp.deliver(tick_report{name, 0});
    return rp;
  }};
}

class RootSupervisor : public ::testing::Test,
                       public test_coordinator_fixture<caf::actor_system_config> {
 protected:
  RootSupervisor() {
    alerts_probe = sys.spawn([this](caf::event_based_actor*) -> caf::behavior {
      return {[this](raise_atom, alert& a) { raised.push_back(a); }};
    });
    env.alerts = alerts_probe;
    env.settings.tick_deadline = std::chrono::milliseconds(100);
  }

  ~RootSupervisor() override {
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(alerts_probe, caf::exit_reason::user_shutdown);
    drain();
  }

  void drain() {
    while (sched.try_run_once()) {
    }
  }

  void start(std::vector<supervisor_spec> specs) {
    root = spawn_root_supervisor(sys, env, std::move(specs), health, /*timer=*/false);
    drain();
  }

  std::optional<tick_summary> tick() {
    auto out = std::make_shared<std::optional<tick_summary>>();
    sys.spawn([this, out](caf::event_based_actor* client) {
      client->request(root, caf::infinite, tick_atom::value).then([out](tick_summary& s) {
        *out = std::move(s);
      });
    });
    drain();
    return *out;
  }

  caf::actor running(const std::string& name) {
    auto out = std::make_shared<caf::actor>();
    sys.spawn([this, out, name](caf::event_based_actor* client) {
      client->request(root, caf::infinite, get_atom::value, name).then([out](caf::actor a) {
        *out = std::move(a);
      });
    });
    drain();
    return *out;
  }

  static supervisor_spec spec(std::string name, bool answers = true) {
    return {name, [name, answers](caf::actor_system& s, const supervisor_environment&) {
              return s.spawn(worker, name, answers);
            }};
  }

  supervisor_environment env;
  std::shared_ptr<worker_health> health = std::make_shared<worker_health>();
  caf::actor alerts_probe;
  caf::actor root;
  std::vector<alert> raised;
};

TEST_F(RootSupervisor, TicksEverySupervisorAndReportsAllHealthy) {
  start({spec("HeartbeatMonitor"), spec("BudgetMonitor")});
  auto s = tick();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->answered.size(), 2u);
  EXPECT_TRUE(s->missed.empty());
  EXPECT_TRUE(health->all_ok());
  EXPECT_TRUE(raised.empty());
}

TEST_F(RootSupervisor, AKilledSupervisorIsRestartedAndReportedOnce) {
  start({spec("HeartbeatMonitor"), spec("LoopDetector")});
  auto first = running("LoopDetector");
  ASSERT_TRUE(first);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  drain();

  auto second = running("LoopDetector");
  ASSERT_TRUE(second);
  EXPECT_NE(first, second) << "the dead supervisor was not replaced";
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].type, "worker_missed");
  EXPECT_EQ(raised[0].severity, alert_severity::critical);
  EXPECT_NE(raised[0].title.find("LoopDetector"), std::string::npos) << raised[0].title;
  EXPECT_FALSE(health->all_ok()) << "workers must read degraded until the new one answers";

  auto s = tick();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->answered.size(), 2u);
  EXPECT_TRUE(health->all_ok()) << "the restarted supervisor answered its tick";
  EXPECT_EQ(raised.size(), 1u);
}

TEST_F(RootSupervisor, AMissedTickIsReportedOncePerOutage) {
  start({spec("HeartbeatMonitor"), spec("ApprovalExpirer", /*answers=*/false)});
  auto answer_of = [this] {
    auto out = std::make_shared<std::optional<tick_summary>>();
    sys.spawn([this, out](caf::event_based_actor* client) {
      client->request(root, caf::infinite, tick_atom::value).then([out](tick_summary& s) {
        *out = std::move(s);
      });
    });
    drain();
    EXPECT_FALSE(out->has_value()) << "answered before the deadline passed";
    sched.trigger_timeouts();
    drain();
    return *out;
  };
  auto s = answer_of();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->missed, std::vector<std::string>{"ApprovalExpirer"});
  EXPECT_FALSE(health->all_ok());
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].type, "worker_missed");
  EXPECT_NE(raised[0].title.find("missed its tick"), std::string::npos) << raised[0].title;

  // Still stuck: still degraded, but no second alert for the same outage.
  s = answer_of();
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(health->all_ok());
  EXPECT_EQ(raised.size(), 1u);
}

/// A supervisor that holds its tick until it is sent `ok_atom`, writing down what it does.
caf::behavior holding_worker(caf::event_based_actor* self,
                             std::shared_ptr<std::vector<std::string>> log) {
  auto held = std::make_shared<caf::response_promise>();
  return {[self, log, held](tick_atom) {
            log->push_back("detector ticked");
            *held = self->make_response_promise();
            return *held;
          },
          [log, held](caf::ok_atom) {
            log->push_back("detector answered");
            held->deliver(tick_report{"Detector", 1});
          }};
}

TEST_F(RootSupervisor, TheSupervisorThatTicksLastWaitsForTheOthersToAnswer) {
  auto log = std::make_shared<std::vector<std::string>>();
  supervisor_spec detector{"Detector", [log](caf::actor_system& s, const supervisor_environment&) {
                             return s.spawn(holding_worker, log);
                           }};
  supervisor_spec dispatcher{"Dispatcher",
                             [log](caf::actor_system& s, const supervisor_environment&) {
                               return s.spawn([log](caf::event_based_actor*) -> caf::behavior {
                                 return {[log](tick_atom) {
                                   log->push_back("dispatcher ticked");
                                   return tick_report{"Dispatcher", 0};
                                 }};
                               });
                             },
                             /*ticks_last=*/true};
  // Listed first, still ticked last.
  start({dispatcher, detector});
  auto out = std::make_shared<std::optional<tick_summary>>();
  sys.spawn([this, out](caf::event_based_actor* client) {
    client->request(root, caf::infinite, tick_atom::value).then([out](tick_summary& s) {
      *out = std::move(s);
    });
  });
  drain();
  EXPECT_EQ(*log, std::vector<std::string>{"detector ticked"});
  EXPECT_FALSE(out->has_value());

  caf::anon_send(running("Detector"), caf::ok_atom::value);
  drain();
  EXPECT_EQ(*log, (std::vector<std::string>{"detector ticked", "detector answered",
                                            "dispatcher ticked"}));
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->answered.size(), 2u);
  EXPECT_TRUE((*out)->missed.empty());
}

TEST_F(RootSupervisor, AnUnknownSupervisorNameIsNotFound) {
  start({spec("HeartbeatMonitor")});
  auto out = std::make_shared<std::optional<caf::error>>();
  sys.spawn([this, out](caf::event_based_actor* client) {
    client->request(root, caf::infinite, get_atom::value, std::string("Nobody"))
        .then([](caf::actor) {}, [out](caf::error& e) { *out = e; });
  });
  drain();
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ(static_cast<errc>((*out)->code()), errc::not_found);
}

} // namespace
} // namespace mc::supervisors
