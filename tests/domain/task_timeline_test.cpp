// The task timeline: every kind merged oldest first, ties in a fixed kind order, each entity
// under the key its kind names.
#include "domain/task_timeline.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

transition moved(task_status to, epoch_ms at) {
  transition t;
  t.task_id = "tsk_1";
  t.to = to;
  t.actor = "human";
  t.created_at = at;
  return t;
}

message said(std::string id, epoch_ms at) {
  message m;
  m.id = std::move(id);
  m.task_id = "tsk_1";
  m.author = "sam";
  m.content = "hi";
  m.created_at = at;
  return m;
}

TEST(TaskTimeline, AnEmptyHistoryIsAnEmptyTimeline) {
  auto out = task_timeline("tsk_1", {});
  EXPECT_EQ(out.at("taskId").as_string(), "tsk_1");
  EXPECT_TRUE(out.at("timeline").as_array().empty());
  EXPECT_EQ(out.at("total").as_uint64(), 0u);
}

TEST(TaskTimeline, EntriesAreMergedOldestFirst) {
  task_history h;
  h.transitions = {moved(task_status::inbox, 10), moved(task_status::assigned, 30)};
  h.messages = {said("msg_a", 20), said("msg_b", 40)};
  auto out = task_timeline("tsk_1", h);
  const auto& tl = out.at("timeline").as_array();
  ASSERT_EQ(tl.size(), 4u);
  EXPECT_EQ(out.at("total").as_uint64(), 4u);
  std::vector<std::int64_t> at;
  for (const auto& e : tl)
    at.push_back(e.at("at").as_int64());
  EXPECT_EQ(at, (std::vector<std::int64_t>{10, 20, 30, 40}));
  EXPECT_EQ(tl[1].at("kind").as_string(), "message");
  EXPECT_EQ(tl[1].at("message").at("id").as_string(), "msg_a");
  EXPECT_EQ(tl[2].at("kind").as_string(), "transition");
  EXPECT_EQ(tl[2].at("transition").at("to").as_string(), "assigned");
}

TEST(TaskTimeline, AtTheSameMillisecondAMoveComesBeforeWhatItPosted) {
  task_history h;
  h.messages = {said("msg_plan", 50)};
  h.transitions = {moved(task_status::in_progress, 50)};
  const auto out = task_timeline("tsk_1", h);
  const auto& tl = out.at("timeline").as_array();
  EXPECT_EQ(tl[0].at("kind").as_string(), "transition");
  EXPECT_EQ(tl[1].at("kind").as_string(), "message");
}

TEST(TaskTimeline, OtherKindsSlotInUnderTheirOwnKey) {
  task_history h;
  run r;
  r.id = "run_1";
  r.started_at = 5;
  h.runs = {r};
  alert a;
  a.id = "alr_1";
  a.created_at = 6;
  h.alerts = {a};
  const auto out = task_timeline("tsk_1", h);
  const auto& tl = out.at("timeline").as_array();
  ASSERT_EQ(tl.size(), 2u);
  EXPECT_EQ(tl[0].at("run").at("id").as_string(), "run_1");
  EXPECT_EQ(tl[1].at("kind").as_string(), "alert");
}

} // namespace
} // namespace mc
