// The audit trail's hash chain: the canonical form and chaining as pure functions, then on both
// stores — every writer's audit rows chained (group commits, the CLI's transactions, a second
// connection), records from before the chain, and verify-db catching deleted, edited, inserted
// and moved records.
#include "domain/entities.hpp"
#include "persistence/audit_chain.hpp"
#include "persistence/backup.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/restore.hpp"
#include "persistence/retention.hpp"
#include "persistence/verify_db.hpp"
#include "tests/persistence/store_backends.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mc::persistence::testing {
namespace {

const auto* const pg_env = ::testing::AddGlobalTestEnvironment(new pg_environment);

constexpr std::int64_t t0 = 1'769'965'200'000;

row audit_row(int n, std::optional<std::string> task = std::nullopt) {
  audit_record a;
  a.id = "act_" + std::to_string(n);
  a.actor_type = "operator";
  a.actor_id = "alice";
  a.action = "test.action";
  a.at = t0 + n;
  a.task_id = std::move(task);
  a.reason = "record " + std::to_string(n);
  return to_row(a);
}

const std::string& hash_of(const row& r) {
  return r.at("hash").s;
}

const std::string& prev_of(const row& r) {
  return r.at("prev_hash").s;
}

// ---- pure -------------------------------------------------------------------------------------

TEST(AuditChainPure, Sha256HexOfKnownInput) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuditChainPure, CanonicalFormTellsNullFromEmptyAndCoversEveryField) {
  row a = audit_row(1);
  row b = a;
  b.cells[static_cast<std::size_t>(column_index(table_id::audit, "task_id"))] =
      cell::of(std::string());
  EXPECT_NE(audit_canonical_form(a, ""), audit_canonical_form(b, ""));
  EXPECT_NE(audit_hash(a, ""), audit_hash(a, "x"));
  for (const std::string_view column : {"id", "at", "task_id", "agent_id", "doc"}) {
    row c = a;
    auto& cell_ref = c.cells[static_cast<std::size_t>(column_index(table_id::audit, column))];
    cell_ref = cell_ref.k == cell::kind::integer ? cell::of(cell_ref.i + 1)
                                                 : cell::of(std::string("other"));
    EXPECT_NE(audit_hash(a, ""), audit_hash(c, "")) << column;
  }
  // The hash columns themselves are not part of the content.
  row d = a;
  d.cells[static_cast<std::size_t>(column_index(table_id::audit, "hash"))] =
      cell::of(std::string("zz"));
  EXPECT_EQ(audit_hash(a, "p"), audit_hash(d, "p"));
}

TEST(AuditChainPure, ChainsOnlyNewUnhashedAuditRowsInOrderAskingTheTailOnce) {
  const row r1 = audit_row(1);
  row restored = audit_row(2);
  restored.seq = 7; // a restore writes rows with their seq and hashes: left alone
  const row other = agent("a1");
  const row r3 = audit_row(3);
  std::vector<const row*> rows = {&r1, &restored, &other, &r3};
  std::vector<row> storage;
  int asked = 0;
  EXPECT_EQ(chain_audit_rows(rows, storage,
                             [&] {
                               ++asked;
                               return std::string("tail");
                             }),
            2u);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(rows[1], &restored);
  EXPECT_EQ(rows[2], &other);
  EXPECT_EQ(prev_of(*rows[0]), "tail");
  EXPECT_EQ(hash_of(*rows[0]), audit_hash(r1, "tail"));
  EXPECT_EQ(prev_of(*rows[3]), hash_of(*rows[0]));
  EXPECT_EQ(hash_of(*rows[3]), audit_hash(r3, hash_of(*rows[0])));
  // Already chained rows are not chained again, and the tail is not read for nothing.
  EXPECT_EQ(chain_audit_rows(rows, storage, [&]() -> std::string { throw std::logic_error("no"); }),
            0u);
}

TEST(AuditChainPure, CheckerAcceptsAChainAfterUnhashedLegacyRows) {
  std::vector<row> rows;
  for (int i = 1; i <= 2; ++i) {
    rows.push_back(audit_row(i));
    rows.back().seq = i;
  }
  std::string prev;
  for (int i = 3; i <= 5; ++i) {
    row r = audit_row(i);
    r.seq = i;
    const std::string h = audit_hash(r, prev);
    r.cells[static_cast<std::size_t>(column_index(table_id::audit, "prev_hash"))] = cell::of(prev);
    r.cells[static_cast<std::size_t>(column_index(table_id::audit, "hash"))] = cell::of(h);
    prev = h;
    rows.push_back(r);
  }
  chain_checker c;
  for (const row& r : rows)
    EXPECT_FALSE(c.check(r)) << r.seq;
  EXPECT_EQ(c.unchained(), 2);
  EXPECT_EQ(c.chained(), 3);
  EXPECT_EQ(c.head(), prev);
}

// ---- both stores ------------------------------------------------------------------------------

template <class Backend>
class AuditChain : public ::testing::Test {
 protected:
  Backend backend;

  std::unique_ptr<store> open_migrated() {
    auto s = backend.open();
    s->migrate();
    return s;
  }

  /// Six records: two batches in one group commit, one more commit, and a CLI cleanup.
  std::unique_ptr<store> with_records() {
    auto s = open_migrated();
    commit(*s, {write_batch{{audit_row(1), agent("a1"), audit_row(2)}},
                write_batch{{audit_row(3, "tsk_1")}}});
    commit(*s, {write_batch{{audit_row(4)}}});
    write(*s, {audit_row(5)});
    return s;
  }

  std::vector<db_problem> audit_problems(store& s) {
    std::vector<db_problem> out;
    for (auto& p : verify_db(s).problems)
      if (p.table == "audit")
        out.push_back(p);
    return out;
  }
};

using backends = ::testing::Types<sqlite_backend, postgres_backend>;
TYPED_TEST_SUITE(AuditChain, backends);

TYPED_TEST(AuditChain, EveryWritersRecordsFormOneChainInSeqOrder) {
  auto s = this->with_records();
  // cleanup is a CLI command with its own transaction: its audit record joins the chain too.
  const auto deleted = cleanup(*s, t0 + 400 * 86'400'000LL, 30LL * 86'400'000LL);
  (void)deleted;
  const auto rows = scan(*s, table_id::audit);
  ASSERT_GE(rows.size(), 5u);
  std::string prev;
  for (const row& r : rows) {
    EXPECT_EQ(prev_of(r), prev) << r.seq;
    EXPECT_EQ(hash_of(r), audit_hash(r, prev)) << r.seq;
    prev = hash_of(r);
  }
  const auto report = verify_db(*s);
  for (const auto& p : this->audit_problems(*s))
    ADD_FAILURE() << p.key << ": " << p.what;
  EXPECT_EQ(report.audit_chained, static_cast<std::int64_t>(rows.size()));
  EXPECT_EQ(report.audit_head, prev);
}

TYPED_TEST(AuditChain, ASecondConnectionContinuesTheSameChain) {
  auto s = this->with_records();
  auto other = s->open_another();
  commit(*other, {write_batch{{audit_row(10)}}});
  commit(*s, {write_batch{{audit_row(11)}}});
  write(*other, {audit_row(12)});
  EXPECT_TRUE(this->audit_problems(*s).empty());
  EXPECT_EQ(verify_db(*s).audit_chained, 8);
}

TYPED_TEST(AuditChain, RecordsFromBeforeTheChainAreCountedAndTheChainStartsAfterThem) {
  auto s = this->open_migrated();
  // Rows as schema 2 wrote them: no hashes.
  for (int i = 1; i <= 3; ++i)
    this->backend.exec_raw("INSERT INTO audit (id, at, doc) VALUES ('act_old" + std::to_string(i) +
                           "', 1, '{\"id\":\"act_old" + std::to_string(i) +
                           "\",\"actorType\":\"system\",\"actorId\":\"system\",\"action\":"
                           "\"x\",\"at\":1}')");
  commit(*s, {write_batch{{audit_row(1), audit_row(2)}}});
  const auto rows = scan(*s, table_id::audit);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_TRUE(rows[2].at("hash").is_null());
  EXPECT_EQ(prev_of(rows[3]), std::string(chain_genesis));
  const auto report = verify_db(*s);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.audit_unchained, 3);
  EXPECT_EQ(report.audit_chained, 2);
}

TYPED_TEST(AuditChain, VerifyDetectsADeletedRecord) {
  auto s = this->with_records();
  const auto rows = scan(*s, table_id::audit);
  this->backend.exec_raw("DELETE FROM audit WHERE seq = " + std::to_string(rows[2].seq));
  const auto p = this->audit_problems(*s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, std::to_string(rows[3].seq));
  EXPECT_NE(p[0].what.find("prev_hash"), std::string::npos) << p[0].what;
}

TYPED_TEST(AuditChain, VerifyDetectsTheFirstRecordsDeleted) {
  auto s = this->with_records();
  const auto rows = scan(*s, table_id::audit);
  this->backend.exec_raw("DELETE FROM audit WHERE seq = " + std::to_string(rows[0].seq));
  const auto p = this->audit_problems(*s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, std::to_string(rows[1].seq));
}

TYPED_TEST(AuditChain, VerifyDetectsAnEditedRecord) {
  auto s = this->with_records();
  const auto rows = scan(*s, table_id::audit);
  const std::string seq = std::to_string(rows[1].seq);
  this->backend.exec_raw("UPDATE audit SET doc = replace(doc, 'record 2', 'record two') WHERE "
                         "seq = " +
                         seq);
  auto p = this->audit_problems(*s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, seq);
  EXPECT_NE(p[0].what.find("edited"), std::string::npos) << p[0].what;
}

TYPED_TEST(AuditChain, VerifyDetectsAnEditedColumnAndAReHashedRecord) {
  auto s = this->with_records();
  const auto rows = scan(*s, table_id::audit);
  this->backend.exec_raw("UPDATE audit SET at = at + 1 WHERE seq = " + std::to_string(rows[0].seq));
  // Re-hashing an edited record to hide the edit breaks the link of the record after it.
  row forged = rows[3];
  forged.cells[static_cast<std::size_t>(column_index(table_id::audit, "doc"))] =
      cell::of(std::string("{\"id\":\"act_4\",\"actorType\":\"operator\",\"actorId\":"
                           "\"mallory\",\"action\":\"test.action\",\"at\":") +
               std::to_string(t0 + 4) + "}");
  const std::string h = audit_hash(forged, prev_of(rows[3]));
  this->backend.exec_raw("UPDATE audit SET doc = '" + forged.at("doc").s + "', hash = '" + h +
                         "' WHERE seq = " + std::to_string(rows[3].seq));
  // The edited `at` also disagrees with the doc: a problem of its own on the same record.
  std::set<std::string> keys;
  for (const auto& p : this->audit_problems(*s))
    keys.insert(p.key);
  EXPECT_EQ(keys,
            (std::set<std::string>{std::to_string(rows[0].seq), std::to_string(rows[4].seq)}));
}

TYPED_TEST(AuditChain, VerifyDetectsReorderedRecords) {
  auto s = this->with_records();
  const auto rows = scan(*s, table_id::audit);
  // Swap the whole content (hashes included) of two neighbours.
  const auto set = [&](const row& at, const row& from) {
    this->backend.exec_raw("UPDATE audit SET id = '" + from.at("id").s +
                           "', at = " + std::to_string(from.at("at").i) + ", doc = '" +
                           from.at("doc").s + "', prev_hash = '" + prev_of(from) + "', hash = '" +
                           hash_of(from) + "' WHERE seq = " + std::to_string(at.seq));
  };
  set(rows[1], rows[2]);
  set(rows[2], rows[1]);
  EXPECT_FALSE(this->audit_problems(*s).empty());
}

TYPED_TEST(AuditChain, VerifyDetectsAnUnhashedRecordAfterTheChainBegan) {
  auto s = this->with_records();
  this->backend.exec_raw("INSERT INTO audit (id, at, doc) VALUES ('act_x', 1, "
                         "'{\"id\":\"act_x\",\"actorType\":\"system\",\"actorId\":\"system\","
                         "\"action\":\"x\",\"at\":1}')");
  const auto p = this->audit_problems(*s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].what.find("without a hash"), std::string::npos);
}

TYPED_TEST(AuditChain, ScansPageByKeysetOnSeq) {
  auto s = this->with_records();
  std::vector<std::string> ids;
  scan_filter f;
  f.limit = 2;
  for (;;) {
    const auto page = scan(*s, table_id::audit, f);
    for (const row& r : page) {
      ids.push_back(r.at("id").s);
      f.after_seq = r.seq;
    }
    if (page.size() < f.limit)
      break;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"act_1", "act_2", "act_3", "act_4", "act_5"}));
  f.after_seq = 0;
  f.limit = 0;
  f.range_column = "at";
  f.range_from = t0 + 2;
  f.range_to = t0 + 4;
  f.after_seq = scan(*s, table_id::audit).front().seq; // after act_1, and within the range
  EXPECT_EQ(scan(*s, table_id::audit, f).size(), 2u);
}

TYPED_TEST(AuditChain, BackupAndRestoreKeepTheChain) {
  auto s = this->with_records();
  temp_dir dir;
  const auto b = write_backup(*s, dir.path(), *local_zone::find("UTC").zone, t0);
  auto target_backend = TypeParam{};
  auto target = target_backend.open();
  restore_backup(*target, b.file);
  const auto report = verify_db(*target);
  for (const auto& p : this->audit_problems(*target))
    ADD_FAILURE() << p.key << ": " << p.what;
  EXPECT_EQ(report.audit_chained, 5);
  // and it goes on from the restored tail
  commit(*target, {write_batch{{audit_row(9)}}});
  EXPECT_TRUE(this->audit_problems(*target).empty());
}

} // namespace
} // namespace mc::persistence::testing
