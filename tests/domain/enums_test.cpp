// Enum wire names: lower snake_case out, any ASCII case in, unknown names rejected.
#include "domain/enums.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

TEST(Enums, WireNamesAreLowerSnakeCase) {
  EXPECT_EQ(to_string(task_status::needs_approval), "needs_approval");
  EXPECT_EQ(to_string(task_type::email_marketing), "email_marketing");
  EXPECT_EQ(to_string(approval_action::budget_override), "budget_override");
  EXPECT_EQ(to_string(actor_kind::operator_), "operator");
}

TEST(Enums, ParsingIgnoresCase) {
  EXPECT_EQ(parse_enum<task_status>("IN_PROGRESS"), task_status::in_progress);
  EXPECT_EQ(parse_enum<task_status>("In_Progress"), task_status::in_progress);
  EXPECT_EQ(parse_enum<agent_role>("Lead"), agent_role::lead);
}

TEST(Enums, UnknownNamesAreRejected) {
  EXPECT_EQ(parse_enum<task_status>("in-progress"), std::nullopt);
  EXPECT_EQ(parse_enum<task_status>(""), std::nullopt);
  EXPECT_EQ(parse_enum<risk_level>("greenish"), std::nullopt);
}

TEST(Enums, ActorKindsIncludeTheRunbooksHuman) {
  EXPECT_EQ(parse_actor_kind("operator"), actor_kind::operator_);
  EXPECT_EQ(parse_actor_kind("Human"), actor_kind::operator_);
  EXPECT_EQ(parse_actor_kind("SYSTEM"), actor_kind::system);
  EXPECT_EQ(parse_actor_kind("robot"), std::nullopt);
}

TEST(Enums, EveryNameRoundTrips) {
  for (auto s : all_values<task_status>())
    EXPECT_EQ(parse_enum<task_status>(to_string(s)), s);
  EXPECT_EQ(all_values<task_status>().size(), 8u);
  EXPECT_EQ(all_values<task_type>().size(), 8u);
}

} // namespace
} // namespace mc
