// Every (from, to) cell of SPEC §3's matrix for every actor kind, with all guards satisfied,
// against an expected table written out by hand from the SPEC.
#include "domain/task_state_machine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <tuple>

namespace mc {
namespace {

// Columns: inbox assigned in_progress review needs_approval blocked done canceled.
// 'A' = allowed, '-' = not an edge (422), 'F' = an edge this actor may not take (403).
using grid = std::array<const char*, 8>;

constexpr grid operator_grid = {
    "-A-----A", // inbox
    "A-A----A", // assigned
    "---AAA-A", // in_progress
    "--A-AAAA", // review
    "AAAA-AAA", // needs_approval
    "-AA-A--A", // blocked
    "--------", // done
    "--------", // canceled
};
constexpr grid system_grid = {
    "-F-----F", "F-F----F", "---FAA-F", "--F-AAFF", "FFFF-AFF", "-FF-A--F", "--------", "--------",
};
constexpr grid intern_grid = {
    "-F-----F", "F-A----F", "---AFF-F", "--F-FFFF", "FFFF-FFF", "-FF-F--F", "--------", "--------",
};
constexpr grid specialist_grid = {
    "-A-----F", "F-A----F", "---AFA-F", "--F-FFFF", "FFFF-FFF", "-FF-F--F", "--------", "--------",
};
// With the policy letting leads sign tasks off.
constexpr grid lead_grid = {
    "-A-----F", "F-A----F", "---AFA-F", "--F-FFAF", "FFFF-FFF", "-FF-F--F", "--------", "--------",
};

const grid& grid_for(actor_kind k) {
  switch (k) {
  case actor_kind::intern:
    return intern_grid;
  case actor_kind::specialist:
    return specialist_grid;
  case actor_kind::lead:
    return lead_grid;
  case actor_kind::operator_:
    return operator_grid;
  case actor_kind::system:
    return system_grid;
  }
  return operator_grid;
}

using cell = std::tuple<actor_kind, int, int>;

class TaskStateMachineMatrix : public ::testing::TestWithParam<cell> {};

TEST_P(TaskStateMachineMatrix, MatchesSpecTable) {
  const auto [kind, from_i, to_i] = GetParam();
  const auto from = static_cast<task_status>(from_i);
  const auto to = static_cast<task_status>(to_i);
  const char expected = grid_for(kind)[static_cast<std::size_t>(from_i)][to_i];
  const std::string who = kind == actor_kind::system ? "system" : "ann";

  task t;
  t.id = "tsk_1";
  t.status = from;
  if (from != task_status::inbox)
    t.assignee_ids = {who};

  transition_request req;
  req.to = to;
  req.actor = {kind, who};
  req.reason = "because";
  req.assignee_ids = std::vector<std::string>{who};
  req.work_plan = work_plan{{"read", "write", "test"}, std::nullopt, std::nullopt};
  req.deliverable = deliverable{"the post", {}};
  req.review_checklist = review_checklist{{{"proofread", true}}};

  transition_context ctx;
  ctx.approval = approval_status::approved;
  ctx.actor_status = agent_status::active;
  ctx.lead_may_complete = true;

  auto result = apply_transition(t, req, ctx, 1000);
  switch (expected) {
  case 'A': {
    ASSERT_TRUE(std::holds_alternative<transition_outcome>(result))
        << std::get<transition_verdict>(result).failures.front().message;
    const auto& out = std::get<transition_outcome>(result);
    EXPECT_EQ(out.next.status, to);
    EXPECT_EQ(out.record.from, from);
    EXPECT_EQ(out.record.to, to);
    EXPECT_EQ(out.record.actor, who);
    EXPECT_EQ(out.next.updated_at, 1000);
    break;
  }
  case '-':
    ASSERT_TRUE(std::holds_alternative<transition_verdict>(result));
    EXPECT_EQ(std::get<transition_verdict>(result).outcome, refusal::illegal_move);
    break;
  case 'F':
    ASSERT_TRUE(std::holds_alternative<transition_verdict>(result));
    EXPECT_EQ(std::get<transition_verdict>(result).outcome, refusal::forbidden);
    break;
  default:
    FAIL() << "bad table entry";
  }
}

using row = std::tuple<actor_kind, int>;

class TaskStateMachineAllowedTargets : public ::testing::TestWithParam<row> {};

// The allowed targets reported with a refusal are exactly the 'A' cells of the row.
TEST_P(TaskStateMachineAllowedTargets, ListTheRow) {
  const auto [kind, from_i] = GetParam();
  const auto from = static_cast<task_status>(from_i);
  const std::string who = kind == actor_kind::system ? "system" : "ann";
  task t;
  t.status = from;
  if (from != task_status::inbox)
    t.assignee_ids = {who};
  transition_request req;
  req.to = from; // never an edge: always refused, always lists targets
  req.actor = {kind, who};
  transition_context ctx;
  ctx.lead_may_complete = true;
  auto v = check_transition(t, req, ctx);
  EXPECT_EQ(v.outcome, refusal::illegal_move);
  std::vector<task_status> expected;
  for (int i = 0; i < 8; ++i)
    if (grid_for(kind)[static_cast<std::size_t>(from_i)][i] == 'A')
      expected.push_back(static_cast<task_status>(i));
  EXPECT_EQ(v.allowed_targets, expected);
}

std::string cell_name(const ::testing::TestParamInfo<cell>& param) {
  const auto [kind, from, to] = param.param;
  return std::string(to_string(kind)) + "_" +
         std::string(to_string(static_cast<task_status>(from))) + "_to_" +
         std::string(to_string(static_cast<task_status>(to)));
}

INSTANTIATE_TEST_SUITE_P(
    AllCells, TaskStateMachineMatrix,
    ::testing::Combine(::testing::Values(actor_kind::intern, actor_kind::specialist,
                                         actor_kind::lead, actor_kind::operator_,
                                         actor_kind::system),
                       ::testing::Range(0, 8), ::testing::Range(0, 8)),
    cell_name);

std::string row_name(const ::testing::TestParamInfo<row>& param) {
  return std::string(to_string(std::get<0>(param.param))) + "_from_" +
         std::string(to_string(static_cast<task_status>(std::get<1>(param.param))));
}

INSTANTIATE_TEST_SUITE_P(
    AllRows, TaskStateMachineAllowedTargets,
    ::testing::Combine(::testing::Values(actor_kind::intern, actor_kind::specialist,
                                         actor_kind::lead, actor_kind::operator_,
                                         actor_kind::system),
                       ::testing::Range(0, 8)),
    row_name);

TEST(TaskStateMachineEdges, TerminalStatusesHaveNoMoves) {
  EXPECT_TRUE(is_terminal(task_status::done));
  EXPECT_TRUE(is_terminal(task_status::canceled));
  EXPECT_FALSE(is_terminal(task_status::blocked));
  EXPECT_TRUE(edges_from(task_status::done).empty());
}

} // namespace
} // namespace mc
