// Task validation: new tasks, patches (bad values 400, state conflicts 409) and new thread
// messages, every problem reported with its field.
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

task assigned() {
  auto t = valid();
  t.id = "tsk_1";
  t.status = task_status::assigned;
  return t;
}

const task& patched(const std::variant<task, edit_refusal>& r) {
  return std::get<task>(r);
}

const edit_refusal& refused(const std::variant<task, edit_refusal>& r) {
  return std::get<edit_refusal>(r);
}

TEST(TaskPatch, OnlyTheFieldsPresentChange) {
  task_patch p;
  p.priority = 1;
  p.assignee_ids = std::vector<std::string>{"sam", "sam", "ann"};
  p.labels = std::vector<std::string>{"seo"};
  auto r = apply_task_patch(assigned(), p, 42);
  const auto& t = patched(r);
  EXPECT_EQ(t.priority, 1);
  EXPECT_EQ(t.assignee_ids, (std::vector<std::string>{"sam", "ann"}));
  EXPECT_EQ(t.labels, std::vector<std::string>{"seo"});
  EXPECT_EQ(t.title, "Write the launch post");
  EXPECT_EQ(t.status, task_status::assigned);
  EXPECT_EQ(t.updated_at, 42);
}

TEST(TaskPatch, NullClearsTheReviewerAndTheDueDate) {
  auto t = assigned();
  t.reviewer_id = "lee";
  t.due_at = 5;
  task_patch p;
  p.clear_reviewer = true;
  p.clear_due_at = true;
  auto r = apply_task_patch(t, p, 1);
  EXPECT_FALSE(patched(r).reviewer_id.has_value());
  EXPECT_FALSE(patched(r).due_at.has_value());
}

TEST(TaskPatch, BadValuesAreInvalidInputWithEveryField) {
  task_patch p;
  p.title = " ";
  p.priority = 5;
  p.assignee_ids = std::vector<std::string>{"Bad Id"};
  p.reviewer_id = "-x";
  auto r = apply_task_patch(assigned(), p, 1);
  EXPECT_EQ(refused(r).code, errc::invalid_input);
  ASSERT_EQ(refused(r).problems.size(), 4u);
  EXPECT_EQ(refused(r).problems[0].field, "title");
  EXPECT_EQ(refused(r).problems[3].field, "reviewerId");
}

TEST(TaskPatch, AnEmptyPatchIsInvalid) {
  auto r = apply_task_patch(assigned(), task_patch{}, 1);
  EXPECT_EQ(refused(r).code, errc::invalid_input);
}

TEST(TaskPatch, ADoneOrCanceledTaskCannotBeReassigned) {
  for (auto s : {task_status::done, task_status::canceled}) {
    auto t = assigned();
    t.status = s;
    task_patch p;
    p.assignee_ids = std::vector<std::string>{"sam"};
    auto r = apply_task_patch(t, p, 1);
    EXPECT_EQ(refused(r).code, errc::conflict);
    // Other fields of a finished task stay editable (labels, priority for reports).
    task_patch labels;
    labels.labels = std::vector<std::string>{"retro"};
    EXPECT_TRUE(std::holds_alternative<task>(apply_task_patch(t, labels, 1)));
  }
}

TEST(TaskPatch, OnlyAnInboxTaskMayLoseEveryAssignee) {
  task_patch p;
  p.assignee_ids = std::vector<std::string>{};
  for (auto s : {task_status::assigned, task_status::in_progress, task_status::review,
                 task_status::blocked, task_status::needs_approval}) {
    auto t = assigned();
    t.status = s;
    auto r = apply_task_patch(t, p, 1);
    EXPECT_EQ(refused(r).code, errc::conflict) << to_string(s);
  }
  auto t = assigned();
  t.status = task_status::inbox;
  EXPECT_TRUE(patched(apply_task_patch(t, p, 1)).assignee_ids.empty());
}

TEST(TaskPatch, BadValuesWinOverConflicts) {
  auto t = assigned();
  t.status = task_status::done;
  task_patch p;
  p.assignee_ids = std::vector<std::string>{"Bad Id"};
  EXPECT_EQ(refused(apply_task_patch(t, p, 1)).code, errc::invalid_input);
}

message comment(std::string content) {
  message m;
  m.author = "jordan";
  m.content = std::move(content);
  return m;
}

TEST(NewMessage, ACommentOnAnOpenTaskIsFine) {
  EXPECT_FALSE(validate_new_message(assigned(), {}, comment("@sam look"), poster::caller));
}

TEST(NewMessage, ContentIsRequiredAndLimited) {
  auto t = assigned();
  EXPECT_EQ(validate_new_message(t, {}, comment("  "), poster::caller)->problems[0].field,
            "content");
  EXPECT_FALSE(
      validate_new_message(t, {}, comment(std::string(max_message_bytes, 'x')), poster::caller));
  auto big =
      validate_new_message(t, {}, comment(std::string(max_message_bytes + 1, 'x')), poster::caller);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->code, errc::invalid_input);
  auto only_artifacts = comment("");
  only_artifacts.artifacts = {"output/report.md"};
  EXPECT_FALSE(validate_new_message(t, {}, only_artifacts, poster::caller));
}

TEST(NewMessage, SystemTypesAreForbiddenToCallers) {
  for (auto type : {message_type::loop_summary, message_type::work_plan}) {
    auto m = comment("summary");
    m.type = type;
    auto r = validate_new_message(assigned(), {}, m, poster::caller);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, errc::forbidden);
    EXPECT_FALSE(validate_new_message(assigned(), {}, m, poster::system));
  }
}

TEST(NewMessage, AReplyNamesAMessageOfTheThread) {
  auto first = comment("first");
  first.id = "msg_1";
  auto reply = comment("second");
  reply.reply_to_id = "msg_1";
  EXPECT_FALSE(validate_new_message(assigned(), {first}, reply, poster::caller));
  reply.reply_to_id = "msg_other";
  auto r = validate_new_message(assigned(), {first}, reply, poster::caller);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->problems[0].field, "replyToId");
}

TEST(NewMessage, ExplicitMentionsMustBeAgentIds) {
  auto m = comment("hi");
  m.mentions = {"Not Valid"};
  auto r = validate_new_message(assigned(), {}, m, poster::caller);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->problems[0].field, "mentions");
}

TEST(NewMessage, TheThreadOfAFinishedTaskIsClosed) {
  auto t = assigned();
  t.status = task_status::done;
  auto r = validate_new_message(t, {}, comment("late"), poster::caller);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, errc::conflict);
}

} // namespace
} // namespace mc
