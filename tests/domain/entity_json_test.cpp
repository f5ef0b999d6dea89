// The JSON mapping of entities: camelCase, snake_case enums, dollars, nulls, round trips, and
// clear errors naming the field.
#include "domain/entity_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace mc {
namespace {

namespace json = boost::json;

task sample_task() {
  task t;
  t.id = "tsk_01";
  t.title = "Write launch post";
  t.type = task_type::email_marketing;
  t.status = task_status::needs_approval;
  t.assignee_ids = {"jordan"};
  t.work_plan = work_plan{{"a", "b", "c"}, 0.75_usd, std::nullopt};
  t.review_checklist = review_checklist{{{"links", true}}};
  t.actual_cost = usd::from_micros(1'234'567);
  t.metadata = json_text{R"({"source":"cli","n":[1,2]})"};
  t.due_at = 1706745600000;
  t.created_at = 1706745600000;
  return t;
}

TEST(EntityJson, NamesAreCamelCaseAndEnumsSnakeCase) {
  auto jv = to_json(sample_task());
  const auto& o = jv.as_object();
  EXPECT_EQ(o.at("assigneeIds").as_array().at(0).as_string(), "jordan");
  EXPECT_EQ(o.at("status").as_string(), "needs_approval");
  EXPECT_EQ(o.at("type").as_string(), "email_marketing");
  EXPECT_TRUE(o.contains("reviewChecklist"));
  EXPECT_FALSE(o.contains("review_checklist"));
  EXPECT_EQ(o.at("dueAt").as_int64(), 1706745600000);
}

TEST(EntityJson, MoneyIsDollarsOnTheWire) {
  auto jv = to_json(sample_task());
  EXPECT_DOUBLE_EQ(jv.at("actualCost").as_double(), 1.234567);
  EXPECT_DOUBLE_EQ(jv.at("workPlan").at("estimatedCost").as_double(), 0.75);
  auto plan = from_json<work_plan>(json::parse(R"({"bullets":[],"estimatedCost":0.1})"));
  EXPECT_EQ(plan.estimated_cost, usd::from_micros(100'000));
  auto whole = from_json<work_plan>(json::parse(R"({"estimatedCost":20})"));
  EXPECT_EQ(whole.estimated_cost, 20.00_usd);
}

TEST(EntityJson, AbsentOptionalsAreNull) {
  auto jv = to_json(sample_task());
  EXPECT_TRUE(jv.at("reviewerId").is_null());
  EXPECT_TRUE(jv.at("deliverable").is_null());
}

TEST(EntityJson, MetadataIsKeptAsADocument) {
  auto jv = to_json(sample_task());
  EXPECT_EQ(jv.at("metadata").at("source").as_string(), "cli");
  EXPECT_EQ(jv.at("metadata").at("n").as_array().size(), 2u);
}

TEST(EntityJson, TaskRoundTrips) {
  auto t = sample_task();
  EXPECT_EQ(from_json<task>(json::parse(json::serialize(to_json(t)))), t);
}

TEST(EntityJson, EveryEntityRoundTrips) {
  agent a;
  a.id = "jordan";
  a.role = agent_role::lead;
  a.status = agent_status::quarantined;
  a.allowed_task_types = {task_type::docs, task_type::ops};
  a.budgets.daily_cap = 12.00_usd;
  a.today_spend = usd::from_micros(3);
  a.last_heartbeat = 5;
  EXPECT_EQ(from_json<agent>(to_json(a)), a);

  run r;
  r.id = "run_1";
  r.cost_usd = 0.0123_usd;
  r.status = run_status::timeout;
  r.error = "deadline";
  EXPECT_EQ(from_json<run>(to_json(r)), r);

  approval p;
  p.action_type = approval_action::budget_override;
  p.risk_level = risk_level::red;
  p.resume_status = task_status::in_progress;
  EXPECT_EQ(from_json<approval>(to_json(p)), p);

  transition tr{"tsk_1", std::nullopt, task_status::inbox, "human", "created", std::nullopt, 1};
  EXPECT_EQ(from_json<transition>(to_json(tr)), tr);

  notification n;
  n.channel = notification_channel::webhook;
  n.refs = {"tsk_1"};
  EXPECT_EQ(from_json<notification>(to_json(n)), n);

  audit_record ar;
  ar.after = json_text{R"({"status":"paused"})"};
  EXPECT_EQ(from_json<audit_record>(to_json(ar)), ar);

  tool_call tc;
  tc.policy_decision = policy_decision::needs_approval;
  EXPECT_EQ(from_json<tool_call>(to_json(tc)), tc);
  alert al;
  al.type = "loop_detected";
  EXPECT_EQ(from_json<alert>(to_json(al)), al);
  message m;
  m.type = message_type::loop_summary;
  EXPECT_EQ(from_json<message>(to_json(m)), m);
  document d{"doc_1", "standup", "standup", "text", 2};
  EXPECT_EQ(from_json<document>(to_json(d)), d);
}

TEST(EntityJson, EnumsAreAcceptedInAnyCase) {
  auto t = from_json<task>(json::parse(R"({"status":"IN_PROGRESS","type":"Docs"})"));
  EXPECT_EQ(t.status, task_status::in_progress);
  EXPECT_EQ(t.type, task_type::docs);
}

TEST(EntityJson, UnknownEnumNamesTheFieldAndTheChoices) {
  try {
    from_json<task>(json::parse(R"({"status":"doing"})"));
    FAIL() << "accepted an unknown status";
  } catch (const json_mapping_error& e) {
    EXPECT_EQ(e.field(), "status");
    EXPECT_EQ(e.problem(), "unknown value 'doing' (expected one of: inbox, assigned, in_progress, "
                           "review, needs_approval, blocked, done, canceled)");
  }
}

TEST(EntityJson, WrongTypesNameTheNestedField) {
  try {
    from_json<task>(json::parse(R"({"workPlan":{"bullets":"not a list"}})"));
    FAIL() << "accepted a string for bullets";
  } catch (const json_mapping_error& e) {
    EXPECT_EQ(e.field(), "workPlan.bullets");
  }
  try {
    from_json<task>(json::parse(R"({"actualCost":"cheap"})"));
    FAIL() << "accepted a string for money";
  } catch (const json_mapping_error& e) {
    EXPECT_EQ(e.field(), "actualCost");
  }
  EXPECT_THROW(from_json<task>(json::parse("[1,2]")), json_mapping_error);
}

TEST(EntityJson, MissingFieldsKeepDefaults) {
  auto t = from_json<task>(json::parse(R"({"title":"x"})"));
  EXPECT_EQ(t.priority, 3);
  EXPECT_EQ(t.status, task_status::inbox);
  EXPECT_EQ(t.title, "x");
}

TEST(EntityJson, CamelCase) {
  EXPECT_EQ(camel_case("review_checklist"), "reviewChecklist");
  EXPECT_EQ(camel_case("cost_usd"), "costUsd");
  EXPECT_EQ(camel_case("id"), "id");
}

} // namespace
} // namespace mc
