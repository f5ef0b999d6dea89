// Loop summaries (SPEC §5): what tripped with its numbers, the last moves, who said what, a
// resolution and the runbook's next action; which messages count; the alert and notification.
#include "domain/loop_summary.hpp"

#include "domain/task_state_machine.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mc {
namespace {

message said(std::string author, std::string content, message_type type = message_type::comment) {
  message m;
  m.author = std::move(author);
  m.content = std::move(content);
  m.type = type;
  return m;
}

transition moved(std::optional<task_status> from, task_status to, std::string actor,
                 std::string reason = {}) {
  transition t;
  t.from = from;
  t.to = to;
  t.actor = std::move(actor);
  t.reason = std::move(reason);
  return t;
}

loop_report_input flood_on_task() {
  loop_report_input in;
  comment_flood_window w;
  for (int i = 0; i < 21; ++i)
    in.check = w.on_message(1000 * i);
  in.subject.id = "tsk_1";
  in.subject.title = "Launch post";
  in.subject.status = task_status::in_progress;
  in.transitions = {moved(std::nullopt, task_status::inbox, "alice"),
                    moved(task_status::inbox, task_status::assigned, "alice"),
                    moved(task_status::assigned, task_status::in_progress, "human", "go")};
  in.messages.push_back(said("jordan", "- a\n- b\n- c\n", message_type::work_plan));
  for (int i = 0; i < 21; ++i)
    in.messages.push_back(said(i % 3 == 0 ? "riley" : "jordan", "idea " + std::to_string(i)));
  in.blocks_task = true;
  return in;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LoopSummary, SystemMessagesDoNotCount) {
  EXPECT_TRUE(counts_toward_loops(said("jordan", "x")));
  EXPECT_TRUE(counts_toward_loops(said("human", "x", message_type::review)));
  EXPECT_FALSE(counts_toward_loops(said("system", "x", message_type::loop_summary)));
  EXPECT_FALSE(counts_toward_loops(said("jordan", "x", message_type::work_plan)));
  EXPECT_FALSE(counts_toward_loops(said("system", "x")));
}

TEST(LoopSummary, OnlyASendBackFromReviewCountsACycle) {
  task t;
  t.id = "tsk_1";
  t.status = task_status::review;
  t.assignee_ids = {"jordan"};
  t.review_cycles = 3;
  transition_request back;
  back.to = task_status::in_progress;
  back.actor = {actor_kind::operator_, "human"};
  back.reason = "not yet";
  // The state machine's own block past the limit is recognised.
  auto out = apply_transition(t, back, {}, 1000);
  ASSERT_TRUE(std::holds_alternative<transition_outcome>(out));
  const auto& blocked = std::get<transition_outcome>(out).record;
  ASSERT_EQ(blocked.to, task_status::blocked);
  EXPECT_TRUE(sent_back_from_review(blocked));
  EXPECT_TRUE(sent_back_from_review(moved(task_status::review, task_status::in_progress, "x")));
  EXPECT_FALSE(sent_back_from_review(moved(task_status::review, task_status::blocked, "x", "why")));
  EXPECT_FALSE(sent_back_from_review(moved(task_status::review, task_status::needs_approval, "x")));
  EXPECT_FALSE(
      sent_back_from_review(moved(task_status::blocked, task_status::in_progress, "x", "ok")));
}

TEST(LoopSummary, SaysWhatTrippedWhoSaidWhatAndWhatToDo) {
  const auto in = flood_on_task();
  const auto r = describe_loop(in);
  const auto& s = r.summary;
  EXPECT_TRUE(has(s, "Loop detected: comment_flood\n")) << s;
  EXPECT_TRUE(has(s, "What tripped: 21 messages on this task within 30m (the limit is 20).")) << s;
  EXPECT_TRUE(has(s, "Task: tsk_1 \"Launch post\", moved from in_progress to blocked.")) << s;
  EXPECT_TRUE(has(s, "- created in inbox by alice\n")) << s;
  EXPECT_TRUE(has(s, "- assigned → in_progress by human: go\n")) << s;
  // The last five messages that count, of 21 (the work plan is not one of them).
  EXPECT_TRUE(has(s, "Who said what (last 5 of 21 messages):\n")) << s;
  EXPECT_TRUE(has(s, "- jordan (comment): idea 20\n")) << s;
  EXPECT_TRUE(has(s, "- riley (comment): idea 18\n")) << s;
  EXPECT_FALSE(has(s, "idea 15\n")) << s;
  EXPECT_TRUE(has(s, "Proposed resolution: ")) << s;
  EXPECT_TRUE(has(s, "Next action:\n")) << s;
  // The runbook's unblock, with a key of its own for this loop.
  EXPECT_TRUE(has(r.next_action, "curl -X POST http://localhost:3000/api/tasks/tsk_1/transition "
                                 "-d '{\"toStatus\": \"assigned\", \"actor\": \"human\""))
      << r.next_action;
  EXPECT_TRUE(has(r.next_action, "\"idempotencyKey\": \"unblock-tsk_1-3\"")) << r.next_action;
  EXPECT_EQ(r.block_reason,
            "loop detected (comment_flood): 21 messages on this task within 30m (the limit is 20)");

  EXPECT_EQ(r.alert.type, "loop_detected");
  EXPECT_EQ(r.alert.severity, alert_severity::warning);
  EXPECT_EQ(r.alert.task_id, std::optional<std::string>("tsk_1"));
  EXPECT_FALSE(r.alert.agent_id);
  EXPECT_EQ(r.alert.title, "Loop detected: comment_flood on task tsk_1");
  EXPECT_EQ(r.doc.type, "loop_summary");
  EXPECT_EQ(r.doc.content, s);
}

TEST(LoopSummary, ATaskThatCannotBeBlockedSaysSoAndOffersNoUnblock) {
  auto in = flood_on_task();
  in.subject.status = task_status::assigned;
  in.blocks_task = false;
  const auto r = describe_loop(in);
  EXPECT_TRUE(has(r.summary, "left assigned (blocked cannot be reached from there)")) << r.summary;
  EXPECT_FALSE(has(r.next_action, "/transition")) << r.next_action;
  in.subject.status = task_status::blocked;
  EXPECT_TRUE(has(describe_loop(in).summary, "\"Launch post\", blocked.\n"));
}

TEST(LoopSummary, ARetryLoopNamesToolErrorAndAgentAndIsCritical) {
  loop_report_input in;
  tool_retry_window w;
  for (int i = 0; i < 3; ++i)
    in.check = w.on_failure("jordan", "read", "ENOENT\nplan.md", 1000 * i);
  const auto r = describe_loop(in);
  EXPECT_TRUE(has(r.summary, "3 failed calls of tool read by jordan with the same error within "
                             "30m (3 make a loop): ENOENT plan.md"))
      << r.summary;
  EXPECT_TRUE(has(r.summary, "Task: none")) << r.summary;
  EXPECT_EQ(r.next_action, "curl -X POST http://localhost:3000/api/agents/jordan/resume\n");
  EXPECT_EQ(r.alert.severity, alert_severity::critical);
  EXPECT_EQ(r.alert.agent_id, std::optional<std::string>("jordan"));
  EXPECT_FALSE(r.alert.task_id);
  EXPECT_EQ(r.alert.title, "Loop detected: retry_loop on agent jordan");
}

TEST(LoopSummary, PingPongAndReviewCyclesCarryTheirNumbers) {
  loop_report_input in;
  ping_pong_window w;
  for (int i = 0; i < 9; ++i)
    in.check = w.on_message(i % 2 == 0 ? "jordan" : "riley", 1000 * i);
  EXPECT_TRUE(has(describe_loop(in).summary,
                  "9 alternating messages between jordan and riley within 10m (the limit is 8)"));
  in.check = check_review_cycles(4);
  EXPECT_TRUE(has(describe_loop(in).summary, "4 review cycles (the limit is 3)"));
}

TEST(LoopSummary, LongMessagesAreCutOnACharacterBoundary) {
  auto in = flood_on_task();
  in.messages.back().content = std::string(159, 'x') + "é and more";
  const auto s = describe_loop(in).summary;
  EXPECT_TRUE(has(s, "- jordan (comment): " + std::string(159, 'x') + "…\n")) << s;
}

} // namespace
} // namespace mc
