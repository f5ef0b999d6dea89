// New-task validation: every problem reported with its field.
#include "domain/task_validation.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

task valid() {
  task t;
  t.title = "Write the launch post";
  t.assignee_ids = {"jordan"};
  return t;
}

TEST(TaskValidation, AValidDraftHasNoProblems) {
  EXPECT_TRUE(validate_new_task(valid()).empty());
}

TEST(TaskValidation, EveryProblemIsReportedWithItsField) {
  auto t = valid();
  t.title = "  ";
  t.priority = 5;
  t.assignee_ids = {"Not An Id"};
  auto problems = validate_new_task(t);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], (field_problem{"title", "a task needs a title"}));
  EXPECT_EQ(problems[1], (field_problem{"priority", "priority is 1 (critical) to 4 (low)"}));
  EXPECT_EQ(problems[2], (field_problem{"assigneeIds", "'Not An Id' is not an agent id"}));
}

TEST(TaskValidation, LimitsAreInclusive) {
  auto t = valid();
  t.title = std::string(200, 'x');
  t.priority = 4;
  EXPECT_TRUE(validate_new_task(t).empty());
  t.title += "x";
  t.priority = 0;
  EXPECT_EQ(validate_new_task(t).size(), 2u);
}

} // namespace
} // namespace mc
