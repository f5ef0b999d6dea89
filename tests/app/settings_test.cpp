// Settings (SPEC §9): flags and MC_* variables, the flag winning, in an ordinary environment
// full of variables that are not ours.
#include "app/settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace mc::app {
namespace {

class AppSettings : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("PATH", "/usr/bin:/bin", 1);
    ::setenv("HOME", "/root", 1);
    ::setenv("MCX_UNRELATED", "1", 1);
    ::unsetenv("MC_DATA_DIR");
    ::unsetenv("MC_LISTEN");
    ::unsetenv("MC_REQUIRE_AUTH");
  }
  void TearDown() override {
    ::unsetenv("MC_DATA_DIR");
    ::unsetenv("MC_LISTEN");
    ::unsetenv("MC_REQUIRE_AUTH");
    ::unsetenv("MCX_UNRELATED");
  }
  boost::program_options::options_description own{"test"};
};

TEST_F(AppSettings, DefaultsWithAnOrdinaryEnvironment) {
  auto cmd = parse_command({}, setting_group::all, own);
  EXPECT_EQ(cmd.values.listen, "127.0.0.1:3000");
  EXPECT_EQ(cmd.values.data_dir, "./var");
  EXPECT_EQ(cmd.values.timezone, "America/Los_Angeles");
  EXPECT_FALSE(cmd.values.require_auth.has_value());
  EXPECT_GE(cmd.values.threads, 1u);
  EXPECT_EQ(cmd.values.io_threads, 2u);
}

TEST_F(AppSettings, IoThreadsComeFromTheFlagOrTheEnvironmentAndAreAtLeastOne) {
  ::setenv("MC_IO_THREADS", "3", 1);
  EXPECT_EQ(parse_command({}, setting_group::all, own).values.io_threads, 3u);
  EXPECT_EQ(parse_command({"--io-threads", "0"}, setting_group::all, own).values.io_threads, 1u);
  ::unsetenv("MC_IO_THREADS");
}

TEST_F(AppSettings, EnvironmentVariablesApply) {
  ::setenv("MC_DATA_DIR", "/srv/mc", 1);
  ::setenv("MC_REQUIRE_AUTH", "true", 1);
  auto cmd = parse_command({}, setting_group::all, own);
  EXPECT_EQ(cmd.values.data_dir, "/srv/mc");
  EXPECT_EQ(cmd.values.require_auth, true);
}

TEST_F(AppSettings, TheFlagWinsOverTheEnvironment) {
  ::setenv("MC_LISTEN", "0.0.0.0:8080", 1);
  auto cmd = parse_command({"--listen", "127.0.0.1:4000"}, setting_group::all, own);
  EXPECT_EQ(cmd.values.listen, "127.0.0.1:4000");
}

TEST_F(AppSettings, ServerSettingsAreNotStoreSettings) {
  EXPECT_THROW(parse_command({"--listen", "x"}, setting_group::store, own),
               boost::program_options::error);
}

} // namespace
} // namespace mc::app
