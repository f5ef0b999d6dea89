// The maintenance commands on both stores: backup → restore → verify-db round trips (also across
// stores), restore's refusals and atomicity, verify-db's findings, cleanup and archive, and the
// mission-control binary running them as the runbook does.
#include "domain/clock.hpp"
#include "domain/entity_json.hpp"
#include "domain/local_day.hpp"
#include "persistence/backup.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/restore.hpp"
#include "persistence/retention.hpp"
#include "persistence/security_check.hpp"
#include "persistence/verify_db.hpp"
#include "tests/persistence/store_backends.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace mc::persistence::testing {
namespace {

namespace fs = std::filesystem;

const auto* const pg_env = ::testing::AddGlobalTestEnvironment(new pg_environment);

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;
/// 2026-02-01T17:00:00Z: 09:00 in Los Angeles.
constexpr std::int64_t t0 = 1'769'965'200'000;

local_zone los_angeles() {
  return *local_zone::find("America/Los_Angeles").zone;
}

/// Rows in dataset(): 3 agents, 6 tasks, 4 runs, a tool call, 2 approvals and a decision,
/// 4 alerts, 4 notifications, a document, a webhook, a policy, 20 transitions, 5 messages,
/// 2 audit records, 2 idempotency keys, and an archived task with 2 transitions and a message.
constexpr std::int64_t dataset_rows = 61;

// ---- a realistic dataset ------------------------------------------------------------------------

mc::agent make_agent(std::string id, agent_role role, usd total) {
  mc::agent a;
  a.id = id;
  a.name = "Agent " + id;
  a.emoji = "🤖";
  a.role = role;
  a.total_spend = total;
  a.today_spend = usd::from_micros(total.micros / 2);
  a.spend_day = "2026-02-01";
  a.budgets.daily_cap = 5.00_usd;
  a.created_at = t0 - 60 * day;
  a.updated_at = t0 - hour;
  return a;
}

mc::task make_task(std::string id, task_status status, std::vector<std::string> assignees,
                   std::string creator, std::int64_t updated_at, usd actual) {
  mc::task t;
  t.id = id;
  t.title = "Task " + id;
  t.description = "what " + id + " is about";
  t.type = task_type::engineering;
  t.status = status;
  t.assignee_ids = std::move(assignees);
  t.creator_id = std::move(creator);
  t.labels = {"q1"};
  t.actual_cost = actual;
  t.created_at = updated_at - day;
  t.updated_at = updated_at;
  if (status != task_status::inbox && status != task_status::canceled)
    t.work_plan = mc::work_plan{{"read", "write", "test"}, 1.00_usd, "2h"};
  return t;
}

mc::run make_run(std::string id, std::string agent, std::optional<std::string> task, usd cost,
                 std::int64_t at) {
  mc::run r;
  r.id = id;
  r.agent_id = agent;
  r.task_id = task;
  r.model = "claude-sonnet";
  r.started_at = at;
  r.ended_at = at + minute;
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.cost_usd = cost;
  r.status = run_status::completed;
  return r;
}

mc::alert make_alert(std::string id, alert_status status, std::int64_t created,
                     std::optional<std::int64_t> resolved) {
  mc::alert a;
  a.id = id;
  a.severity = alert_severity::warning;
  a.type = "agent_error_streak";
  a.title = "alert " + id;
  a.agent_id = "jordan";
  a.status = status;
  a.resolved = status == alert_status::resolved;
  a.resolved_at = resolved;
  a.created_at = created;
  return a;
}

mc::notification make_notification(std::string id, notification_status status, std::string target,
                                   std::int64_t created) {
  mc::notification n;
  n.id = id;
  n.target = target;
  n.type = notification_type::assignment;
  n.title = "notification " + id;
  n.status = status;
  n.created_at = created;
  n.expires_at = created + day;
  return n;
}

mc::message make_message(std::string id, std::string task, message_type type, std::string author,
                         std::int64_t at) {
  mc::message m;
  m.id = id;
  m.task_id = task;
  m.type = type;
  m.author = author;
  m.content = "about " + task + " @jordan";
  m.mentions = {"jordan"};
  m.created_at = at;
  return m;
}

/// Every task's history, interleaved in time as a busy server writes it.
std::vector<row>
transitions_of(const std::vector<std::pair<std::string, std::vector<task_status>>>& paths,
               std::int64_t start) {
  std::vector<std::pair<std::int64_t, mc::transition>> all;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto& [task, steps] = paths[i];
    for (std::size_t j = 0; j < steps.size(); ++j) {
      mc::transition t;
      t.task_id = task;
      if (j > 0)
        t.from = steps[j - 1];
      t.to = steps[j];
      t.actor = j == 0 ? "human" : "jordan";
      t.reason = "step " + std::to_string(j);
      t.created_at =
          start + static_cast<std::int64_t>(j) * minute + static_cast<std::int64_t>(i) * 1000;
      all.emplace_back(t.created_at, t);
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<row> rows;
  for (const auto& [at, t] : all)
    rows.push_back(to_row(t));
  return rows;
}

row plain_row(table_id t, std::vector<cell> cells) {
  return {t, 0, std::move(cells)};
}

/// Agents, tasks in several statuses, runs whose costs add up to the agents' totalSpend and the
/// tasks' actualCost, a thread per task, approvals, alerts, notifications, audit records,
/// idempotency keys and one task archived earlier. Times are relative to `now`.
std::vector<row> dataset(std::int64_t now) {
  using ts = task_status;
  std::vector<row> rows;
  auto add = [&](const auto& entity) { rows.push_back(to_row(entity)); };

  auto jordan = make_agent("jordan", agent_role::specialist, 1.75_usd);
  jordan.current_task_id = "tsk_prog";
  add(jordan);
  add(make_agent("riley", agent_role::intern, 0.25_usd));
  auto sam = make_agent("sam", agent_role::lead, usd{});
  sam.parent_agent_id = "jordan";
  add(sam);

  add(make_task("tsk_inbox", ts::inbox, {}, "human", now - hour, usd{}));
  add(make_task("tsk_prog", ts::in_progress, {"jordan"}, "human", now - 2 * hour, 1.00_usd));
  auto review = make_task("tsk_review", ts::review, {"riley"}, "jordan", now - 3 * hour, 0.25_usd);
  review.reviewer_id = "operator";
  review.deliverable = mc::deliverable{"the draft", {"output/draft.md"}};
  review.review_checklist = mc::review_checklist{{{"spelling", true}}};
  review.cost_summary = mc::cost_summary{0.25_usd, 1, 1200};
  add(review);
  add(make_task("tsk_done_old", ts::done, {"jordan"}, "human", now - 100 * day, 0.75_usd));
  add(make_task("tsk_cancel_old", ts::canceled, {}, "human", now - 120 * day, usd{}));
  add(make_task("tsk_done_new", ts::done, {"sam"}, "sam", now - 10 * day, usd{}));

  add(make_run("run_1", "jordan", "tsk_prog", 0.60_usd, now - 3 * hour));
  add(make_run("run_2", "jordan", "tsk_prog", 0.40_usd, now - 2 * hour));
  add(make_run("run_3", "riley", "tsk_review", 0.25_usd, now - 4 * hour));
  add(make_run("run_4", "jordan", "tsk_done_old", 0.75_usd, now - 101 * day));

  mc::tool_call tc;
  tc.id = "tc_1";
  tc.run_id = "run_1";
  tc.agent_id = "jordan";
  tc.task_id = "tsk_prog";
  tc.tool_name = "shell";
  tc.risk_level = risk_level::red;
  tc.input_preview = "git push";
  tc.input_hash = std::string(64, 'a');
  tc.created_at = tc.updated_at = now - 3 * hour;
  add(tc);

  mc::approval apr;
  apr.id = "apr_1";
  apr.task_id = "tsk_prog";
  apr.tool_call_id = "tc_1";
  apr.requestor_id = "jordan";
  apr.action_type = approval_action::tool_exec;
  apr.action_summary = "push to main";
  apr.risk_level = risk_level::red;
  apr.justification = "release";
  apr.created_at = now - 3 * hour;
  apr.expires_at = now + 21 * hour;
  add(apr);
  apr.id = "apr_2";
  apr.status = approval_status::approved;
  apr.decided_by = "operator";
  apr.decided_at = now - 2 * hour;
  add(apr);
  rows.push_back(plain_row(table_id::approval_decisions,
                           {text("apr_2"), num(now - 2 * hour),
                            text(R"({"approvalId":"apr_2","decision":"approved"})")}));

  add(make_alert("alr_open", alert_status::open, now - hour, std::nullopt));
  add(make_alert("alr_res_old", alert_status::resolved, now - 40 * day, now - 35 * day));
  add(make_alert("alr_res_late", alert_status::resolved, now - 40 * day, now - 5 * day));
  add(make_alert("alr_res_new", alert_status::resolved, now - 2 * day, now - day));

  add(make_notification("ntf_deliv_old", notification_status::delivered, "jordan", now - 40 * day));
  add(make_notification("ntf_exp_old", notification_status::expired, "operator", now - 31 * day));
  add(make_notification("ntf_pend_old", notification_status::pending, "riley", now - 40 * day));
  add(make_notification("ntf_deliv_new", notification_status::delivered, "jordan", now - day));

  mc::document doc;
  doc.id = "doc_standup";
  doc.name = "Standup 2026-02-01";
  doc.type = "standup";
  doc.content = "# Standup\n- jordan: tsk_prog";
  doc.created_at = now - hour;
  add(doc);
  rows.push_back(plain_row(table_id::webhooks,
                           {text("whk_1"), num(now - 5 * day),
                            text(R"({"url":"https://example.com/hook","secretHash":"x"})")}));
  rows.push_back(
      plain_row(table_id::policies, {text("pol_default"), num(now - 50 * day), text("{}")}));

  const auto transitions = transitions_of(
      {{"tsk_inbox", {ts::inbox}},
       {"tsk_prog", {ts::inbox, ts::assigned, ts::in_progress}},
       {"tsk_review", {ts::inbox, ts::assigned, ts::in_progress, ts::review}},
       {"tsk_done_old", {ts::inbox, ts::assigned, ts::in_progress, ts::review, ts::done}},
       {"tsk_cancel_old", {ts::inbox, ts::canceled}},
       {"tsk_done_new", {ts::inbox, ts::assigned, ts::in_progress, ts::review, ts::done}}},
      now - 130 * day);
  rows.insert(rows.end(), transitions.begin(), transitions.end());

  add(make_message("msg_1", "tsk_prog", message_type::work_plan, "jordan", now - 2 * hour));
  add(make_message("msg_2", "tsk_done_old", message_type::comment, "human", now - 101 * day));
  add(make_message("msg_3", "tsk_prog", message_type::progress, "jordan", now - hour));
  add(make_message("msg_4", "tsk_done_old", message_type::review, "human", now - 100 * day));
  add(make_message("msg_5", "tsk_cancel_old", message_type::comment, "human", now - 120 * day));

  mc::audit_record au;
  au.id = "act_1";
  au.actor_type = "operator";
  au.actor_id = "human";
  au.action = "task.transition";
  au.at = now - hour;
  au.task_id = "tsk_prog";
  au.after = json_text{R"({"status":"in_progress"})"};
  add(au);
  au.id = "act_2";
  au.action = "agent.register";
  au.agent_id = "ghost";
  au.task_id.reset();
  au.result = "refused";
  add(au);

  rows.push_back(idempotency_row("key_old", "fp1", R"({"status":200})", now - hour));
  rows.push_back(idempotency_row("key_new", "fp2", R"({"status":201})", now + 23 * hour));

  // One task archived on an earlier run of `archive`.
  auto archived = make_task("tsk_arch", ts::done, {"riley"}, "human", now - 200 * day, usd{});
  row ar = to_row(archived);
  ar.table = table_id::archived_tasks;
  rows.push_back(ar);
  for (const row& t : transitions_of({{"tsk_arch", {ts::inbox, ts::canceled}}}, now - 210 * day)) {
    row r = t;
    r.table = table_id::archived_transitions;
    rows.push_back(r);
  }
  row am =
      to_row(make_message("msg_arch", "tsk_arch", message_type::comment, "human", now - 205 * day));
  am.table = table_id::archived_messages;
  rows.push_back(am);
  return rows;
}

using snapshot = std::array<std::vector<row>, table_count>;

snapshot everything(store& s) {
  snapshot out;
  for (const table_def& d : all_tables())
    out[static_cast<std::size_t>(d.id)] = scan(s, d.id);
  return out;
}

void expect_same(const snapshot& a, const snapshot& b) {
  for (const table_def& d : all_tables()) {
    const auto i = static_cast<std::size_t>(d.id);
    EXPECT_EQ(a[i], b[i]) << "table " << d.name;
  }
}

std::string problems_text(const verify_report& r) {
  std::string s;
  for (const auto& p : r.problems)
    s += "  " + p.table + " " + p.key + ": " + p.what + "\n";
  return s;
}

bool has_problem(const verify_report& r, std::string_view table, std::string_view key,
                 std::string_view what) {
  return std::any_of(r.problems.begin(), r.problems.end(), [&](const db_problem& p) {
    return p.table == table && p.key == key && p.what.find(what) != std::string::npos;
  });
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

/// A backup file around hand-made tables, with a correct checksum and the given counts.
void write_backup_file(const fs::path& p, const std::string& tables,
                       const std::vector<std::pair<std::string, int>>& counts) {
  std::string c;
  for (const auto& [name, n] : counts)
    c += (c.empty() ? "" : ",") + ("\"" + name + "\":" + std::to_string(n));
  write_file(p, R"({"manifest":{"format":"mission-control-backup","formatVersion":1,)"
                R"("schemaVersion":1,"createdAt":1,"source":"sqlite","counts":{)" +
                    c + R"(},"checksum":")" + backup_checksum(tables) + R"("},"tables":)" + tables +
                    "}\n");
}

std::vector<std::string> file_names(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- typed over both stores ---------------------------------------------------------------------

template <class Backend>
class Maintenance : public ::testing::Test {
 protected:
  Backend backend;
  temp_dir backups;

  std::unique_ptr<store> open_migrated() {
    auto s = backend.open();
    s->migrate();
    return s;
  }

  std::unique_ptr<store> with_dataset() {
    auto s = open_migrated();
    write(*s, dataset(t0));
    return s;
  }
};

// No name generator, as in store_contract_test.cpp: ctest's discovery wants gtest's own names.
using backends = ::testing::Types<sqlite_backend, postgres_backend>;
TYPED_TEST_SUITE(Maintenance, backends);

TYPED_TEST(Maintenance, DatasetIsCleanToBeginWith) {
  auto s = this->with_dataset();
  const auto report = verify_db(*s);
  EXPECT_TRUE(report.ok()) << problems_text(report);
  EXPECT_EQ(report.schema_version, latest_schema_version());
  EXPECT_EQ(static_cast<std::int64_t>(dataset(t0).size()), dataset_rows);
  EXPECT_EQ(total(report.rows), dataset_rows);
  EXPECT_EQ(report.rows[static_cast<std::size_t>(table_id::tasks)], 6);
  EXPECT_EQ(report.rows[static_cast<std::size_t>(table_id::transitions)], 20);
}

TYPED_TEST(Maintenance, BackupRestoreVerifyRoundTripKeepsEveryRow) {
  auto s = this->with_dataset();
  const snapshot before = everything(*s);
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  EXPECT_EQ(b.file.filename(), "2026-02-01-09-00.json");
  EXPECT_EQ(b.source, s->dialect());
  EXPECT_EQ(total(b.counts), dataset_rows);
  EXPECT_EQ(b.counts[static_cast<std::size_t>(table_id::archived_tasks)], 1);

  TypeParam other;
  auto target = other.open(); // restore migrates an empty store itself
  const auto r = restore_backup(*target, b.file);
  EXPECT_EQ(r.restored, b.counts);
  EXPECT_EQ(total(r.replaced), 0);
  EXPECT_EQ(r.schema_version, latest_schema_version());
  const auto report = verify_db(*target);
  EXPECT_TRUE(report.ok()) << problems_text(report);
  expect_same(before, everything(*target));
  // Equal rows mean equal entities; spot-check the mapping end to end anyway.
  for (const row& t : scan(*target, table_id::tasks))
    EXPECT_EQ(from_row<mc::task>(t), from_row<mc::task>(*get(*s, table_id::tasks, t.key())));
}

TYPED_TEST(Maintenance, RestoreReplacesWhatTheTargetHeld) {
  auto s = this->with_dataset();
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  const snapshot before = everything(*s);
  // Changes after the backup: gone after the restore.
  write(*s, {to_row(make_agent("newcomer", agent_role::intern, usd{}))});
  write(*s, {to_row(make_task("tsk_late", task_status::inbox, {}, "human", t0, usd{}))});
  s->transact([](store_txn& t) { t.remove(table_id::runs, "run_1"); });
  const auto r = restore_backup(*s, b.file);
  EXPECT_EQ(total(r.replaced), dataset_rows + 2 - 1);
  expect_same(before, everything(*s));
  // Journals go on numbering after the restored seqs.
  write(*s, transitions_of({{"tsk_inbox", {task_status::inbox, task_status::assigned}}}, t0));
  const auto journal = scan(*s, table_id::transitions);
  ASSERT_EQ(journal.size(), 22u);
  EXPECT_GT(journal.back().seq, before[static_cast<std::size_t>(table_id::transitions)].back().seq);
}

TYPED_TEST(Maintenance, BackupFileHasManifestChecksumAndJournalsInOrder) {
  auto s = this->with_dataset();
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  const std::string text = read_file(b.file);
  EXPECT_EQ(text.size(), b.bytes);
  const auto doc = boost::json::parse(text).as_object();
  const auto& m = doc.at("manifest").as_object();
  EXPECT_EQ(m.at("format").as_string(), "mission-control-backup");
  EXPECT_EQ(m.at("formatVersion").as_int64(), 1);
  EXPECT_EQ(m.at("schemaVersion").as_int64(), latest_schema_version());
  EXPECT_EQ(m.at("createdAt").as_int64(), t0);
  EXPECT_EQ(m.at("source").as_string(), s->dialect());
  EXPECT_EQ(m.at("counts").as_object().size(), table_count);
  EXPECT_EQ(m.at("counts").as_object().at("transitions").as_int64(), 20);
  // The checksum covers the exact bytes of the "tables" value.
  const auto from = text.find(",\"tables\":") + 10;
  const auto to = text.rfind('}');
  EXPECT_EQ(m.at("checksum").as_string(), backup_checksum(text.substr(from, to - from)));
  EXPECT_EQ(m.at("checksum").as_string(), b.checksum);
  const auto& tables = doc.at("tables").as_object();
  EXPECT_EQ(tables.size(), table_count);
  std::int64_t last = 0;
  for (const auto& t : tables.at("transitions").as_array()) {
    EXPECT_GT(t.as_object().at("seq").as_int64(), last);
    last = t.as_object().at("seq").as_int64();
  }
  const auto& agent0 = tables.at("agents").as_array().at(0).as_object();
  EXPECT_EQ(agent0.at("id").as_string(), "jordan");
  EXPECT_TRUE(agent0.at("doc").is_string());
  // verify_backup agrees and reports what the manifest says.
  const auto v = verify_backup(b.file);
  EXPECT_EQ(v.manifest.counts, b.counts);
  EXPECT_EQ(v.manifest.checksum, b.checksum);
  EXPECT_EQ(v.bytes, b.bytes);
  // Backups may hold token hashes and replayable responses: owner only.
  EXPECT_EQ(fs::status(b.file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TYPED_TEST(Maintenance, BackupNamesFollowLocalTimeAndNeverOverwrite) {
  auto s = this->with_dataset();
  const fs::path dir = this->backups.path() / "nested" / "backups";
  const auto a = write_backup(*s, dir, los_angeles(), t0);
  const auto b = write_backup(*s, dir, los_angeles(), t0 + 30'000);
  const auto c = write_backup(*s, dir, los_angeles(), t0 + 59'000);
  EXPECT_EQ(a.file.filename(), "2026-02-01-09-00.json");
  EXPECT_EQ(b.file.filename(), "2026-02-01-09-00-2.json");
  EXPECT_EQ(c.file.filename(), "2026-02-01-09-00-3.json");
  // An operator's file under the next name stays as it is.
  write_file(dir / "2026-02-01-09-01.json", "keep me");
  const auto d = write_backup(*s, dir, los_angeles(), t0 + minute);
  EXPECT_EQ(d.file.filename(), "2026-02-01-09-01-2.json");
  EXPECT_EQ(read_file(dir / "2026-02-01-09-01.json"), "keep me");
  // No temp file is left behind, and a directory made here is the owner's alone.
  EXPECT_EQ(file_names(dir),
            (std::vector<std::string>{"2026-02-01-09-00-2.json", "2026-02-01-09-00-3.json",
                                      "2026-02-01-09-00.json", "2026-02-01-09-01-2.json",
                                      "2026-02-01-09-01.json"}));
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
}

TYPED_TEST(Maintenance, RestoreRefusesAWrongChecksumAndLeavesTheTargetAlone) {
  auto s = this->with_dataset();
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  TypeParam other;
  auto target = other.open();
  target->migrate();
  write(*target, {to_row(make_agent("keeper", agent_role::lead, usd{}))});
  const snapshot kept = everything(*target);

  std::string text = read_file(b.file);
  const auto at = text.find("Task tsk_prog");
  ASSERT_NE(at, std::string::npos);
  text[at] = 't';
  const fs::path bad = this->backups.path() / "bad-checksum.json";
  write_file(bad, text);
  try {
    restore_backup(*target, bad);
    FAIL() << "restored a damaged backup";
  } catch (const restore_error& e) {
    EXPECT_EQ(e.why(), restore_error::reason::invalid_backup);
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
  expect_same(kept, everything(*target));
}

TYPED_TEST(Maintenance, RestoreRefusesWrongCountsTruncationAndNewerSchemas) {
  auto s = this->with_dataset();
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  TypeParam other;
  auto target = other.open();
  target->migrate();
  write(*target, {to_row(make_agent("keeper", agent_role::lead, usd{}))});
  const snapshot kept = everything(*target);
  const std::string good = read_file(b.file);

  const auto expect_refused = [&](const std::string& content, std::string_view why) {
    const fs::path p = this->backups.path() / "bad.json";
    write_file(p, content);
    try {
      restore_backup(*target, p);
      ADD_FAILURE() << "restored: " << why;
    } catch (const restore_error& e) {
      EXPECT_EQ(e.why(), restore_error::reason::invalid_backup);
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    expect_same(kept, everything(*target));
  };

  std::string counts = good;
  const auto c = counts.find("\"agents\":3");
  ASSERT_NE(c, std::string::npos);
  counts.replace(c, 10, "\"agents\":4");
  expect_refused(counts, "the manifest counts 4 rows, the file holds 3");

  expect_refused(good.substr(0, good.size() - 200), "truncated");

  std::string newer = good;
  const auto current = "\"schemaVersion\":" + std::to_string(latest_schema_version());
  const auto v = newer.find(current);
  ASSERT_NE(v, std::string::npos);
  newer.replace(v, current.size(),
                "\"schemaVersion\":" + std::to_string(latest_schema_version() + 1));
  expect_refused(newer, "newer than this binary");

  expect_refused("{\"tables\":{}}", "not a Mission Control backup");

  write_backup_file(this->backups.path() / "x.json", R"({"agents":[{"id":"a"}]})", {{"agents", 1}});
  expect_refused(read_file(this->backups.path() / "x.json"), "lacks column status");

  write_backup_file(this->backups.path() / "x.json", R"({"gadgets":[]})", {});
  expect_refused(read_file(this->backups.path() / "x.json"), "unknown table");
}

TYPED_TEST(Maintenance, RestoreRefusesWhileAServerHoldsTheStore) {
  auto s = this->with_dataset();
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  TypeParam other;
  auto target = other.open();
  target->migrate();
  write(*target, {to_row(make_agent("keeper", agent_role::lead, usd{}))});
  const snapshot kept = everything(*target);

  auto server = other.open();
  ASSERT_TRUE(server->try_claim_server_lock());
  try {
    restore_backup(*target, b.file);
    FAIL() << "restored under a running server";
  } catch (const restore_error& e) {
    EXPECT_EQ(e.why(), restore_error::reason::server_running);
    EXPECT_NE(std::string(e.what()).find("a server is running on this store; stop it first"),
              std::string::npos)
        << e.what();
  }
  expect_same(kept, everything(*target));

  server->release_server_lock();
  restore_backup(*target, b.file);
  expect_same(everything(*s), everything(*target));
  // The restore let go of the lock again.
  EXPECT_TRUE(server->try_claim_server_lock());
}

TYPED_TEST(Maintenance, RestoreIsAllOrNothing) {
  auto s = this->with_dataset();
  const snapshot kept = everything(*s);
  // Valid as a file; the database refuses the last row (messages.doc is NOT NULL), after the
  // agents table was already cleared and rewritten inside the transaction.
  const std::string agent = boost::json::serialize(boost::json::object{
      {"id", "solo"}, {"status", "active"}, {"role", "lead"}, {"updated_at", 1}, {"doc", "{}"}});
  const std::string tables =
      R"({"agents":[)" + agent +
      R"(],"messages":[{"seq":1,"id":"msg_x","task_id":"t","created_at":1,"doc":null}]})";
  const fs::path p = this->backups.path() / "not-null.json";
  write_backup_file(p, tables, {{"agents", 1}, {"messages", 1}});
  EXPECT_NO_THROW(verify_backup(p));
  try {
    restore_backup(*s, p);
    FAIL() << "restored a row that violates NOT NULL";
  } catch (const restore_error& e) {
    EXPECT_EQ(e.why(), restore_error::reason::failed);
    EXPECT_NE(std::string(e.what()).find("nothing was changed"), std::string::npos) << e.what();
  }
  expect_same(kept, everything(*s));
}

TYPED_TEST(Maintenance, VerifyDbFindsEveryKindOfCorruption) {
  auto s = this->with_dataset();

  // An illegal status, in the column and the document alike.
  {
    auto r = *get(*s, table_id::tasks, "tsk_inbox");
    r.cells[static_cast<std::size_t>(column_index(table_id::tasks, "status"))] = text("frozen");
    auto doc = boost::json::parse(r.at("doc").s).as_object();
    doc["status"] = "frozen";
    r.cells.back() = text(boost::json::serialize(doc));
    write(*s, {r});
  }
  // A missing required field.
  {
    auto r = *get(*s, table_id::agents, "riley");
    auto doc = boost::json::parse(r.at("doc").s).as_object();
    doc.erase("name");
    r.cells.back() = text(boost::json::serialize(doc));
    write(*s, {r});
  }
  // A filter column that disagrees with the document.
  {
    auto r = *get(*s, table_id::tasks, "tsk_review");
    r.cells[static_cast<std::size_t>(column_index(table_id::tasks, "status"))] = text("done");
    write(*s, {r});
  }
  // Dangling references: a run of an agent that does not exist, a message on a missing task.
  write(*s, {to_row(make_run("run_ghost", "ghost", std::nullopt, usd{}, t0))});
  write(*s, {to_row(make_message("msg_lost", "tsk_gone", message_type::comment, "human", t0))});
  // Counters that disagree with the runs.
  write(*s, {to_row(make_agent("jordan", agent_role::specialist, 9.99_usd))});
  write(*s, {to_row(make_task("tsk_prog", task_status::in_progress, {"jordan"}, "human",
                              t0 - 2 * hour, 5.00_usd))});
  // An assignee who is no agent; operator names are not agents.
  write(*s, {to_row(make_task("tsk_done_new", task_status::done, {"nobody"}, "alice", t0 - 10 * day,
                              usd{}))});

  const auto report = verify_db(*s, {.operator_names = {"alice"}});
  const std::string all = problems_text(report);
  EXPECT_TRUE(has_problem(report, "tasks", "tsk_inbox", "illegal task status \"frozen\"")) << all;
  EXPECT_TRUE(has_problem(report, "agents", "riley", "missing required field name")) << all;
  EXPECT_TRUE(has_problem(report, "tasks", "tsk_review",
                          "column status holds \"done\" but the doc says "
                          "\"review\""))
      << all;
  EXPECT_TRUE(has_problem(report, "runs", "run_ghost", "agentId names agent \"ghost\"")) << all;
  const auto lost = scan_keys(*s, table_id::messages).back();
  EXPECT_TRUE(has_problem(report, "messages", lost, "taskId names task \"tsk_gone\"")) << all;
  EXPECT_TRUE(
      has_problem(report, "agents", "jordan", "totalSpend is $9.99 but its 3 runs cost $1.75"))
      << all;
  EXPECT_TRUE(
      has_problem(report, "tasks", "tsk_prog", "actualCost is $5.00 but its 2 runs cost $1.00"))
      << all;
  EXPECT_TRUE(has_problem(report, "tasks", "tsk_done_new", "assigneeIds names agent \"nobody\""))
      << all;
  EXPECT_FALSE(has_problem(report, "tasks", "tsk_done_new", "alice")) << all;
  // Nothing else: the eight corruptions, plus the frozen task's document failing to parse (its
  // transition still finds the task: an unreadable row does not cascade into more problems).
  EXPECT_TRUE(has_problem(report, "tasks", "tsk_inbox", "doc does not fit its entity: status"))
      << all;
  EXPECT_EQ(report.problems.size(), 9u) << all;
}

TYPED_TEST(Maintenance, VerifyDbReportsASchemaThatIsNotTheLatest) {
  auto s = this->backend.open();
  const auto report = verify_db(*s);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].table, "schema_version");
  EXPECT_NE(report.problems[0].what.find("mission-control migrate"), std::string::npos);
}

TYPED_TEST(Maintenance, CleanupDeletesExactlyTheOldRows) {
  auto s = this->with_dataset();
  const auto audit_before = count(*s, table_id::audit);

  const auto dry = cleanup(*s, t0, 30 * day, true);
  EXPECT_TRUE(dry.dry_run);
  EXPECT_EQ(dry.notifications, 2);
  EXPECT_EQ(dry.alerts, 1);
  EXPECT_EQ(dry.idempotency_keys, 1);
  EXPECT_EQ(count(*s, table_id::notifications), 4);

  const auto r = cleanup(*s, t0, 30 * day);
  EXPECT_EQ(r.cutoff_ms, t0 - 30 * day);
  EXPECT_EQ(r.notifications, 2);
  EXPECT_EQ(r.alerts, 1);
  EXPECT_EQ(r.idempotency_keys, 1);
  EXPECT_EQ(r.total(), 4);
  EXPECT_EQ(scan_keys(*s, table_id::notifications),
            (std::vector<std::string>{"ntf_deliv_new", "ntf_pend_old"}));
  EXPECT_EQ(scan_keys(*s, table_id::alerts),
            (std::vector<std::string>{"alr_open", "alr_res_late", "alr_res_new"}));
  EXPECT_EQ(scan_keys(*s, table_id::idempotency), (std::vector<std::string>{"key_new"}));
  // One audit record says what went.
  ASSERT_EQ(count(*s, table_id::audit), audit_before + 1);
  const auto a = from_row<audit_record>(scan(*s, table_id::audit).back());
  EXPECT_EQ(a.action, "cleanup");
  EXPECT_EQ(a.reason, "older than 30d");
  EXPECT_EQ(a.at, t0);
  EXPECT_EQ(a.after->text, R"({"notifications":2,"alerts":1,"idempotencyKeys":1})");

  const auto again = cleanup(*s, t0, 30 * day);
  EXPECT_EQ(again.total(), 0);
  EXPECT_EQ(count(*s, table_id::audit), audit_before + 1);
  const auto report = verify_db(*s);
  EXPECT_TRUE(report.ok()) << problems_text(report);
}

TYPED_TEST(Maintenance, ArchiveMovesOldFinishedTasksWithTheirThreads) {
  auto s = this->with_dataset();
  const auto transitions_before = scan(*s, table_id::transitions);
  const auto of_task = [](const std::vector<row>& rows, std::string_view task) {
    std::vector<std::vector<cell>> out;
    for (const row& r : rows)
      if (r.at("task_id").s == task)
        out.push_back(r.cells);
    return out;
  };

  const auto dry = archive(*s, t0, 90 * day, true);
  EXPECT_EQ(dry.tasks, 2);
  EXPECT_EQ(dry.transitions, 7);
  EXPECT_EQ(dry.messages, 3);
  EXPECT_EQ(count(*s, table_id::tasks), 6);

  const auto r = archive(*s, t0, 90 * day);
  EXPECT_EQ(r.tasks, 2);
  EXPECT_EQ(r.transitions, 7);
  EXPECT_EQ(r.messages, 3);
  EXPECT_EQ(scan_keys(*s, table_id::tasks),
            (std::vector<std::string>{"tsk_done_new", "tsk_inbox", "tsk_prog", "tsk_review"}));
  EXPECT_EQ(scan_keys(*s, table_id::archived_tasks),
            (std::vector<std::string>{"tsk_arch", "tsk_cancel_old", "tsk_done_old"}));
  const auto live = scan(*s, table_id::transitions);
  const auto archived = scan(*s, table_id::archived_transitions);
  EXPECT_EQ(live.size(), 13u);
  EXPECT_EQ(archived.size(), 9u);
  // Moved in their original order, cells unchanged.
  for (const char* task : {"tsk_done_old", "tsk_cancel_old"}) {
    EXPECT_EQ(of_task(archived, task), of_task(transitions_before, task)) << task;
    EXPECT_TRUE(of_task(live, task).empty()) << task;
  }
  std::vector<std::string> archived_messages;
  for (const row& m : scan(*s, table_id::archived_messages))
    archived_messages.push_back(m.at("id").s);
  EXPECT_EQ(archived_messages, (std::vector<std::string>{"msg_arch", "msg_5", "msg_2", "msg_4"}));
  EXPECT_EQ(count(*s, table_id::messages), 2);
  const auto a = from_row<audit_record>(scan(*s, table_id::audit).back());
  EXPECT_EQ(a.action, "archive");
  EXPECT_EQ(a.after->text, R"({"tasks":2,"transitions":7,"messages":3})");

  // Runs still point at the archived task, whose actualCost still adds up.
  const auto report = verify_db(*s);
  EXPECT_TRUE(report.ok()) << problems_text(report);
  // A later run appends behind the first one's rows.
  write(*s, {to_row(make_task("tsk_done_new", task_status::done, {"sam"}, "sam", t0 - 95 * day,
                              usd{}))});
  const auto more = archive(*s, t0, 90 * day);
  EXPECT_EQ(more.tasks, 1);
  EXPECT_EQ(more.transitions, 5);
  EXPECT_EQ(count(*s, table_id::archived_transitions), 14);
  // Backups carry the archive tables too.
  const auto b = write_backup(*s, this->backups.path(), los_angeles(), t0);
  EXPECT_EQ(b.counts[static_cast<std::size_t>(table_id::archived_tasks)], 4);
}

// ---- across stores ------------------------------------------------------------------------------

TEST(MaintenanceAcrossStores, SqliteBackupRestoresIntoPostgresAndBack) {
  temp_dir backups;
  sqlite_backend from;
  auto sqlite = from.open();
  sqlite->migrate();
  write(*sqlite, dataset(t0));
  archive(*sqlite, t0, 90 * day); // archive tables with rows on both sides too
  const snapshot original = everything(*sqlite);
  const auto b1 = write_backup(*sqlite, backups.path(), los_angeles(), t0);
  EXPECT_EQ(b1.source, "sqlite");

  postgres_backend to;
  auto pg = to.open();
  restore_backup(*pg, b1.file);
  const auto on_pg = verify_db(*pg);
  EXPECT_TRUE(on_pg.ok()) << problems_text(on_pg);
  expect_same(original, everything(*pg));

  const auto b2 = write_backup(*pg, backups.path(), los_angeles(), t0);
  EXPECT_EQ(b2.source, "postgres");
  EXPECT_EQ(b2.file.filename(), "2026-02-01-09-00-2.json");
  // The same rows serialize to the same bytes whichever store they came from.
  EXPECT_EQ(b2.checksum, b1.checksum);

  sqlite_backend back;
  auto sqlite2 = back.open();
  restore_backup(*sqlite2, b2.file);
  const auto on_sqlite = verify_db(*sqlite2);
  EXPECT_TRUE(on_sqlite.ok()) << problems_text(on_sqlite);
  expect_same(original, everything(*sqlite2));
}

// ---- pure parts ---------------------------------------------------------------------------------

TEST(BackupStem, IsLocalWallTimeIncludingDaylightSavingTime) {
  const auto la = los_angeles();
  EXPECT_EQ(backup_stem(la, t0), "2026-02-01-09-00");
  // 2026-03-08 10:30Z: clocks in Los Angeles jumped to PDT at 10:00Z.
  EXPECT_EQ(backup_stem(la, 1'772'965'800'000), "2026-03-08-03-30");
  // 2026-11-01: 01:30 happens twice; both backups get the same stem (and so -2 on disk).
  EXPECT_EQ(backup_stem(la, 1'793'521'800'000), "2026-11-01-01-30");
  EXPECT_EQ(backup_stem(la, 1'793'525'400'000), "2026-11-01-01-30");
  EXPECT_EQ(backup_stem(*local_zone::find("UTC").zone, t0), "2026-02-01-17-00");
}

TEST(BackupChecksum, IsSha256OfTheTablesBytes) {
  EXPECT_EQ(backup_checksum(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(backup_checksum("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

security_config safe_config() {
  security_config c;
  c.listen = "127.0.0.1:3000";
  c.node_listen = "127.0.0.1:4242";
  c.operator_tokens = "alice:3f9a1c7e5b2d8f4a6c0e9b1d7a3f5c8e2b4d6f0a";
  return c;
}

bool has_finding(const std::vector<security_finding>& f, finding_severity s,
                 std::string_view what) {
  return std::any_of(f.begin(), f.end(), [&](const security_finding& x) {
    return x.severity == s && x.what.find(what) != std::string::npos && !x.fix.empty();
  });
}

TEST(SecurityCheck, ASafeLocalSetupHasNoFindings) {
  EXPECT_TRUE(audit_security(safe_config()).empty());
}

TEST(SecurityCheck, WeakTokensAreHighAndNeverEchoed) {
  auto c = safe_config();
  c.operator_tokens = "alice:changeme, bob:bob, carol:, dave:short-but-random-9f2, eve";
  const auto f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::high, "\"alice\" is weak"));
  EXPECT_TRUE(has_finding(f, finding_severity::high, "\"bob\" is weak: it is the operator's name"));
  EXPECT_TRUE(has_finding(f, finding_severity::high, "\"carol\" is empty"));
  EXPECT_TRUE(has_finding(f, finding_severity::high, "\"dave\" is weak: it has only 20"));
  EXPECT_TRUE(has_finding(f, finding_severity::high, "entry 5 is not name:token"));
  for (const auto& x : f)
    EXPECT_EQ(x.what.find("changeme"), std::string::npos) << x.what;
}

TEST(SecurityCheck, PublicListenerRules) {
  auto c = safe_config();
  c.listen = "0.0.0.0:3000";
  auto f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::medium, "serves plain HTTP"));
  EXPECT_FALSE(has_finding(f, finding_severity::high, ""));

  c.require_auth = false;
  f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::high, "authentication is off"));

  c.operator_tokens.clear();
  f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::high, "no operator tokens"));

  c.require_auth.reset();
  f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::medium, "operators cannot authenticate"));
  EXPECT_FALSE(has_finding(f, finding_severity::high, ""));

  c = safe_config();
  c.node_listen = ":4242";
  EXPECT_TRUE(has_finding(audit_security(c), finding_severity::medium, "agent-host port"));
}

TEST(SecurityCheck, LoopbackAddresses) {
  for (const char* a :
       {"127.0.0.1:3000", "127.1.2.3:80", "localhost:3000", "[::1]:3000", "::1", "LOCALHOST"})
    EXPECT_TRUE(is_loopback_address(a)) << a;
  for (const char* a :
       {"0.0.0.0:3000", ":3000", "[::]:3000", "10.0.0.5:3000", "example.com:80", "128.0.0.1:1", ""})
    EXPECT_FALSE(is_loopback_address(a)) << a;
}

TEST(SecurityCheck, DatabaseTlsHints) {
  auto c = safe_config();
  c.database_url = "postgres://mc:s3cret@db.internal:5432/mc";
  auto f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::medium, "without sslmode"));
  for (const auto& x : f)
    EXPECT_EQ(x.what.find("s3cret"), std::string::npos) << x.what;

  c.database_url = "postgres://mc:s3cret@db.internal:5432/mc?sslmode=verify-full";
  f = audit_security(c);
  EXPECT_FALSE(has_finding(f, finding_severity::medium, "sslmode"));
  EXPECT_TRUE(has_finding(f, finding_severity::info, "password is part of MC_DATABASE_URL"));

  c.database_url = "postgres://mc:s3cret@127.0.0.1:5432/mc";
  EXPECT_FALSE(has_finding(audit_security(c), finding_severity::medium, "sslmode"));
  c.database_url = "postgresql://mc@%2Frun%2Fpostgresql/mc";
  EXPECT_TRUE(audit_security(c).empty());
}

TEST(SecurityCheck, FilePermissions) {
  auto c = safe_config();
  using p = fs::perms;
  c.paths = {
      {"data directory", "/srv/mc/var", true, true, p::owner_all | p::group_read | p::group_exec},
      {"database file", "/srv/mc/var/mission-control.db", true, false,
       p::owner_read | p::owner_write | p::others_read},
      {"backup file", "/srv/mc/backups/a.json", true, false, p::owner_read | p::group_read},
      {"backup file", "/srv/mc/backups/b.json", true, false, p::owner_read | p::group_read},
      {"backup file", "/srv/mc/backups/c.json", true, false, p::owner_read | p::owner_write},
      {"backup directory", "/srv/mc/backups", false, false, p::none},
  };
  const auto f = audit_security(c);
  EXPECT_TRUE(has_finding(f, finding_severity::medium, "data directory /srv/mc/var (mode 0750)"));
  EXPECT_TRUE(
      has_finding(f, finding_severity::high, "database file /srv/mc/var/mission-control.db"));
  EXPECT_TRUE(has_finding(f, finding_severity::medium, "2 backup files"));
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].severity, finding_severity::high);
  EXPECT_EQ(f[0].fix, "chmod 600 /srv/mc/var/mission-control.db");
}

TEST(SecurityCheck, OperatorTokensParse) {
  const auto t = parse_operator_tokens(" alice:abc , ,bob:x:y,carol");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].name, "alice");
  EXPECT_EQ(t[0].token, "abc");
  EXPECT_EQ(t[1].token, "x:y");
  EXPECT_TRUE(t[2].malformed);
}

// ---- the mission-control binary -----------------------------------------------------------------

struct cli_result {
  int code = -1;
  std::string output;
};

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs the binary in `cwd` with a clean environment plus `env` (a developer's MC_DATABASE_URL
/// must not point it elsewhere), stdout and stderr together.
cli_result run_cli(const fs::path& cwd, const std::vector<std::string>& args,
                   const std::vector<std::string>& env = {}) {
  std::string cmd = "cd " + quoted(cwd.string()) + " && env -i";
  for (const auto& e : env)
    cmd += " " + quoted(e);
  cmd += " " + quoted(MC_BINARY);
  for (const auto& a : args)
    cmd += " " + quoted(a);
  cmd += " 2>&1";
  cli_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.output.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

class Cli : public ::testing::Test {
 protected:
  temp_dir root;
  fs::path data() const { return root.path() / "var"; }
  fs::path backup_dir() const { return root.path() / "backups"; }

  cli_result run(std::vector<std::string> args, std::vector<std::string> env = {}) {
    env.push_back("MC_DATA_DIR=" + data().string());
    env.push_back("MC_BACKUP_DIR=" + backup_dir().string());
    return run_cli(root.path(), args, env);
  }

  void SetUp() override {
    auto s = open_store({.database_url = "", .data_dir = data().string()});
    s->migrate();
    // The binary reads the wall clock: the data is dated relative to it.
    write(*s, dataset(system_clock{}.now_ms()));
  }
};

TEST_F(Cli, RunbookMaintenanceCommands) {
  auto r = run({"backup"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "backup: 61 rows")) << r.output;
  ASSERT_EQ(file_names(backup_dir()).size(), 1u);
  const fs::path file = backup_dir() / file_names(backup_dir()).front();
  EXPECT_TRUE(contains(r.output, "-> " + file.string())) << r.output;

  r = run({"verify-db"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "checked 61 rows in " + std::to_string(table_count) +
                                     " tables: no problems"))
      << r.output;

  r = run({"restore", "--", "--backup=" + file.string()});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "replaced 61 rows with 61 rows")) << r.output;

  r = run({"verify-db"});
  EXPECT_EQ(r.code, 0) << r.output;

  r = run({"cleanup", "--", "--older-than=30d"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "deleted 4 rows older than 30d")) << r.output;
  EXPECT_TRUE(contains(r.output, "notifications (delivered or expired)  2")) << r.output;

  r = run({"archive", "--older-than=90d", "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "would move 2 tasks")) << r.output;
  r = run({"archive", "--", "--older-than=90d"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "moved 2 tasks")) << r.output;
  EXPECT_TRUE(contains(r.output, "transitions  7")) << r.output;

  r = run({"verify-db"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "no problems")) << r.output;
}

TEST_F(Cli, VerifyDbListsProblemsAndExitsOne) {
  {
    auto s = open_store({.database_url = "", .data_dir = data().string()});
    write(*s, {to_row(make_run("run_ghost", "ghost", std::nullopt, 1.00_usd, t0))});
    write(*s, {to_row(make_agent("riley", agent_role::intern, 7.00_usd))});
  }
  const auto r = run({"verify-db"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "2 problems")) << r.output;
  EXPECT_TRUE(contains(r.output, "runs run_ghost: agentId names agent \"ghost\"")) << r.output;
  EXPECT_TRUE(contains(r.output, "agents riley: totalSpend is $7.00")) << r.output;
}

TEST_F(Cli, RestoreRefusesUnderARunningServerAndBadInput) {
  ASSERT_EQ(run({"backup"}).code, 0);
  const fs::path file = backup_dir() / file_names(backup_dir()).front();
  {
    auto server = open_store({.database_url = "", .data_dir = data().string()});
    ASSERT_TRUE(server->try_claim_server_lock());
    const auto r = run({"restore", "--backup=" + file.string()});
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "a server is running on this store")) << r.output;
  }
  auto r = run({"restore"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--backup=PATH is required")) << r.output;

  write_file(root.path() / "junk.json", "{\"manifest\":{}}");
  r = run({"restore", "--backup=junk.json"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "is not a usable backup")) << r.output;

  r = run({"cleanup", "--older-than=30x"});
  EXPECT_EQ(r.code, 2) << r.output;
  r = run({"backup", "--no-such-flag"});
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST_F(Cli, SecurityCheck) {
  fs::permissions(data(), fs::perms::owner_all);
  for (const auto& e : fs::directory_iterator(data()))
    fs::permissions(e.path(), fs::perms::owner_read | fs::perms::owner_write);
  const std::string strong = "MC_OPERATOR_TOKENS=alice:3f9a1c7e5b2d8f4a6c0e9b1d7a3f5c8e2b4d6f0a";
  auto r = run({"security-check"}, {strong});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "0 high")) << r.output;

  r = run({"security-check", "--operator-tokens=alice:changeme"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "[high] operator token of \"alice\" is weak")) << r.output;

  fs::permissions(data() / "mission-control.db", fs::perms::others_read, fs::perm_options::add);
  r = run({"security-check", "--listen=0.0.0.0:3000"}, {strong});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "chmod 600")) << r.output;
  EXPECT_TRUE(contains(r.output, "reverse proxy")) << r.output;
}

TEST_F(Cli, EveryCommandHasHelp) {
  for (const char* c : {"backup", "restore", "verify-db", "cleanup", "archive", "security-check"}) {
    const auto r = run({c, "--help"});
    EXPECT_EQ(r.code, 0) << c << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, std::string("usage: mission-control ") + c)) << r.output;
  }
  const auto r = run({"--help"});
  for (const char* c : {"backup", "restore", "verify-db", "cleanup", "archive", "security-check"})
    EXPECT_TRUE(contains(r.output, std::string("  ") + c + " ")) << r.output;
}

} // namespace
} // namespace mc::persistence::testing
