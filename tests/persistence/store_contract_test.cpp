// The store contract, run unchanged against SQLite and a real PostgreSQL: whatever the
// persistence actor, recovery and the maintenance commands rely on holds for both.
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/persistence/store_backends.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mc::persistence::testing {
namespace {

const auto* const pg_env = ::testing::AddGlobalTestEnvironment(new pg_environment);

template <class Backend>
class StoreContract : public ::testing::Test {
 protected:
  Backend backend;

  std::unique_ptr<store> open_migrated() {
    auto s = backend.open();
    s->migrate();
    return s;
  }
};

// No name generator: ctest's test discovery only understands gtest's numbered typed suites, and
// then names each test after its backend type (StoreContract.X<...::postgres_backend>).
using backends = ::testing::Types<sqlite_backend, postgres_backend>;
TYPED_TEST_SUITE(StoreContract, backends);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// ---- migrations --------------------------------------------------------------------------------

TYPED_TEST(StoreContract, MigrateOnEmptyDatabaseReachesLatestVersion) {
  auto s = this->backend.open();
  EXPECT_EQ(s->schema_version(), 0);
  EXPECT_EQ(s->migrate(), latest_schema_version());
  EXPECT_EQ(s->schema_version(), latest_schema_version());
  EXPECT_GE(latest_schema_version(), 1);
}

TYPED_TEST(StoreContract, MigrateTwiceIsANoOp) {
  auto s = this->open_migrated();
  write(*s, {agent("a1")});
  EXPECT_EQ(s->migrate(), latest_schema_version());
  EXPECT_EQ(this->backend.open()->migrate(), latest_schema_version());
  EXPECT_EQ(count(*s, table_id::agents), 1);
}

TYPED_TEST(StoreContract, NewerSchemaVersionIsRefused) {
  this->open_migrated();
  const int newer = latest_schema_version() + 1;
  this->backend.exec_raw("INSERT INTO schema_version (version, name, applied_at) VALUES (" +
                         std::to_string(newer) + ", '9999_future', 0)");
  auto s = this->backend.open();
  EXPECT_EQ(s->schema_version(), newer);
  try {
    s->migrate();
    FAIL() << "migrate() accepted a newer schema";
  } catch (const store_error& e) {
    EXPECT_EQ(e.code(), store_errc::newer_schema);
    EXPECT_NE(std::string(e.what()).find(std::to_string(newer)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(latest_schema_version())),
              std::string::npos)
        << e.what();
  }
}

TYPED_TEST(StoreContract, CatalogAndMigrationsAgree) {
  this->open_migrated();
  for (const table_def& t : all_tables()) {
    const column_list actual = this->backend.columns(t.name);
    ASSERT_FALSE(actual.empty()) << "table " << t.name << " is missing";
    std::set<std::string> expected;
    for (const column_def& c : t.columns) {
      expected.insert(std::string(c.name));
      const auto it = std::find_if(actual.begin(), actual.end(),
                                   [&](const auto& a) { return a.first == c.name; });
      ASSERT_NE(it, actual.end()) << t.name << "." << c.name << " is missing";
      const std::string type = lower(it->second);
      if (c.type == column_type::text) {
        EXPECT_EQ(type, "text") << t.name << "." << c.name;
      } else {
        EXPECT_TRUE(type == "bigint" || type == "integer")
            << t.name << "." << c.name << ": " << type;
      }
    }
    if (t.kind == table_kind::journal)
      expected.insert("seq");
    for (const auto& [name, type] : actual)
      EXPECT_TRUE(expected.contains(name)) << t.name << "." << name << " is not in the catalog";
  }
}

TYPED_TEST(StoreContract, EveryTableRoundTripsTypedCells) {
  auto s = this->open_migrated();
  for (const table_def& t : all_tables()) {
    const row written = full_row(t.id, 7);
    write(*s, {written});
    const std::vector<row> back = scan(*s, t.id);
    ASSERT_EQ(back.size(), 1u) << t.name;
    EXPECT_EQ(back[0].cells, written.cells) << t.name;
    if (t.kind == table_kind::journal) {
      EXPECT_GT(back[0].seq, 0) << t.name;
    } else {
      EXPECT_EQ(back[0].seq, 0) << t.name;
    }
  }
}

// ---- writes ------------------------------------------------------------------------------------

TYPED_TEST(StoreContract, UpsertThenGet) {
  auto s = this->open_migrated();
  write(*s, {agent("a1", "active", 10, R"({"name":"x"})")});
  EXPECT_EQ(get(*s, table_id::agents, "a1"), agent("a1", "active", 10, R"({"name":"x"})"));
  write(*s, {agent("a1", "paused", 11)});
  EXPECT_EQ(get(*s, table_id::agents, "a1"), agent("a1", "paused", 11));
  EXPECT_EQ(get(*s, table_id::agents, "missing"), std::nullopt);
  EXPECT_EQ(count(*s, table_id::agents), 1);
}

TYPED_TEST(StoreContract, NullCellsComeBackAsNull) {
  auto s = this->open_migrated();
  write(*s, {alert("al1", std::nullopt), alert("al2", "a1")});
  const auto a1 = get(*s, table_id::alerts, "al1");
  ASSERT_TRUE(a1);
  EXPECT_TRUE(a1->at("agent_id").is_null());
  EXPECT_TRUE(a1->at("task_id").is_null());
  EXPECT_EQ(get(*s, table_id::alerts, "al2")->at("agent_id"), text("a1"));
}

TYPED_TEST(StoreContract, TextKeepsQuotesAndUnicode) {
  auto s = this->open_migrated();
  const std::string doc = R"({"q":"it's \"quoted\"; DROP TABLE agents; --","u":"żółw ✓"})";
  write(*s, {agent("o'brien", "active", 1, doc)});
  EXPECT_EQ(get(*s, table_id::agents, "o'brien")->at("doc"), text(doc));
}

TYPED_TEST(StoreContract, LastRowOfAKeyWinsWithinOneWrite) {
  auto s = this->open_migrated();
  write(*s, {agent("a1", "active", 1), agent("a2"), agent("a1", "paused", 2),
             agent("a1", "offline", 3)});
  EXPECT_EQ(get(*s, table_id::agents, "a1"), agent("a1", "offline", 3));
  EXPECT_EQ(count(*s, table_id::agents), 2);
}

TYPED_TEST(StoreContract, LastRowOfAKeyWinsAcrossBatchesOfOneCommit) {
  auto s = this->open_migrated();
  commit(*s, {{{agent("a1", "active", 1)}},
              {{agent("a2"), agent("a1", "paused", 2)}},
              {{task("t1"), agent("a1", "offline", 3)}}});
  EXPECT_EQ(get(*s, table_id::agents, "a1"), agent("a1", "offline", 3));
  EXPECT_EQ(count(*s, table_id::agents), 2);
  EXPECT_EQ(count(*s, table_id::tasks), 1);
}

TYPED_TEST(StoreContract, LastWinsHoldsPastOneStatementsWorthOfRows) {
  auto s = this->open_migrated();
  // More rows than one multi-row statement carries, with repeats on both sides of the cut.
  write_batch b;
  for (int i = 0; i < 450; ++i)
    b.rows.push_back(task("t" + std::to_string(i % 150), "inbox", i));
  commit(*s, {b});
  EXPECT_EQ(count(*s, table_id::tasks), 150);
  EXPECT_EQ(get(*s, table_id::tasks, "t7")->at("priority"), num(307));
}

TYPED_TEST(StoreContract, JournalAppendsInOrderWithIncreasingSeq) {
  auto s = this->open_migrated();
  write(*s, {transition("t1", 1, "a"), transition("t2", 2, "b"), transition("t1", 3, "c")});
  commit(*s,
         {{{transition("t3", 4, "d")}}, {{transition("t1", 5, "e"), transition("t2", 6, "f")}}});
  const std::vector<row> rows = scan(*s, table_id::transitions);
  ASSERT_EQ(rows.size(), 6u);
  std::string docs;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    docs += rows[i].at("doc").s;
    if (i > 0) {
      EXPECT_GT(rows[i].seq, rows[i - 1].seq);
    }
  }
  EXPECT_EQ(docs, "abcdef");
  const auto third = get(*s, table_id::transitions, std::to_string(rows[2].seq));
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, rows[2]);
  EXPECT_EQ(get(*s, table_id::transitions, "not-a-seq"), std::nullopt);
}

TYPED_TEST(StoreContract, JournalRowWithASeqKeepsItAndLaterAppendsFollow) {
  auto s = this->open_migrated();
  row kept = transition("t1", 1, "kept");
  kept.seq = 1000;
  write(*s, {kept});
  write(*s, {transition("t1", 2, "next")});
  const std::vector<row> rows = scan(*s, table_id::transitions);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], kept);
  EXPECT_GT(rows[1].seq, 1000);
  // A seq that exists already is a key conflict.
  EXPECT_EQ(code_of([&] { write(*s, {kept}); }), store_errc::constraint);
}

TYPED_TEST(StoreContract, CommitOfManyBatchesIsAtomic) {
  auto s = this->open_migrated();
  row broken = task("t-bad");
  broken.cells[1] = cell::null(); // tasks.status is NOT NULL
  EXPECT_EQ(code_of([&] {
              commit(*s, {{{agent("a1"), transition("t1", 1)}},
                          {{task("t-good"), agent("a2")}},
                          {{broken}},
                          {{agent("a3")}}});
            }),
            store_errc::constraint);
  EXPECT_EQ(count(*s, table_id::agents), 0);
  EXPECT_EQ(count(*s, table_id::tasks), 0);
  EXPECT_EQ(count(*s, table_id::transitions), 0);
  // The store is still usable.
  commit(*s, {{{agent("a1")}}});
  EXPECT_EQ(count(*s, table_id::agents), 1);
}

TYPED_TEST(StoreContract, RowsThatDoNotFitTheCatalogAreRefused) {
  auto s = this->open_migrated();
  row short_row = agent("a1");
  short_row.cells.pop_back();
  EXPECT_EQ(code_of([&] { commit(*s, {{{agent("a0")}}, {{short_row}}}); }), store_errc::constraint);
  row wrong_kind = agent("a1");
  wrong_kind.cells[3] = text("not a number");
  EXPECT_EQ(code_of([&] { write(*s, {wrong_kind}); }), store_errc::constraint);
  row nul = agent("a1");
  const char with_nul[] = "{\"a\":\"x\0y\"}";
  nul.cells[4] = text(std::string(with_nul, sizeof with_nul - 1));
  EXPECT_EQ(code_of([&] { write(*s, {nul}); }), store_errc::constraint);
  row no_key = agent("a1");
  no_key.cells[0] = cell::null();
  EXPECT_EQ(code_of([&] { write(*s, {no_key}); }), store_errc::constraint);
  EXPECT_EQ(count(*s, table_id::agents), 0);
}

TYPED_TEST(StoreContract, EmptyCommitIsFine) {
  auto s = this->open_migrated();
  s->commit({});
  commit(*s, {{}, {}});
  EXPECT_EQ(count(*s, table_id::agents), 0);
}

// ---- transactions ------------------------------------------------------------------------------

struct callback_failed : std::runtime_error {
  callback_failed() : std::runtime_error("callback failed") {}
};

TYPED_TEST(StoreContract, TransactRollsBackWhenTheCallbackThrows) {
  auto s = this->open_migrated();
  write(*s, {agent("a0")});
  EXPECT_THROW(s->transact([&](store_txn& t) {
    const std::vector<row> rows{agent("a1"), transition("t1", 1)};
    t.write(rows);
    t.remove(table_id::agents, "a0");
    EXPECT_EQ(t.count(table_id::agents), 1); // its own writes are visible inside
    throw callback_failed();
  }),
               callback_failed);
  EXPECT_EQ(scan_keys(*s, table_id::agents), std::vector<std::string>{"a0"});
  EXPECT_EQ(count(*s, table_id::transitions), 0);
  write(*s, {agent("a1")});
  EXPECT_EQ(count(*s, table_id::agents), 2);
}

TYPED_TEST(StoreContract, RemoveClearAndCount) {
  auto s = this->open_migrated();
  write(*s, {agent("a1"), agent("a2"), agent("a3"), transition("t1", 1), transition("t1", 2)});
  const std::vector<row> journal = scan(*s, table_id::transitions);
  s->transact([&](store_txn& t) {
    t.remove(table_id::agents, "a2");
    t.remove(table_id::agents, "missing");
    t.remove(table_id::transitions, std::to_string(journal[0].seq));
    t.remove(table_id::transitions, "not-a-seq");
  });
  EXPECT_EQ(scan_keys(*s, table_id::agents), (std::vector<std::string>{"a1", "a3"}));
  EXPECT_EQ(scan(*s, table_id::transitions), std::vector<row>{journal[1]});
  s->transact([&](store_txn& t) { t.clear(table_id::agents); });
  EXPECT_EQ(count(*s, table_id::agents), 0);
  EXPECT_EQ(count(*s, table_id::transitions), 1);
}

// ---- scans -------------------------------------------------------------------------------------

TYPED_TEST(StoreContract, ScanWithEqualsFilter) {
  auto s = this->open_migrated();
  write(*s, {task("t3", "inbox"), task("t1", "inbox"), task("t2", "done"), task("t0", "inbox")});
  scan_filter f;
  f.equals_column = "status";
  f.equals_value = text("inbox");
  EXPECT_EQ(scan_keys(*s, table_id::tasks, f), (std::vector<std::string>{"t0", "t1", "t3"}));
  f.equals_value = text("nothing");
  EXPECT_TRUE(scan_keys(*s, table_id::tasks, f).empty());
  f.equals_column = "priority";
  f.equals_value = num(0);
  EXPECT_EQ(scan_keys(*s, table_id::tasks, f).size(), 4u);

  write(*s, {alert("al2", std::nullopt), alert("al1", "a1"), alert("al0", std::nullopt)});
  scan_filter nulls;
  nulls.equals_column = "agent_id";
  nulls.equals_value = cell::null();
  EXPECT_EQ(scan_keys(*s, table_id::alerts, nulls), (std::vector<std::string>{"al0", "al2"}));
}

TYPED_TEST(StoreContract, ScanWithRangeFilter) {
  auto s = this->open_migrated();
  std::vector<row> rows;
  for (int p = 9; p >= 0; --p)
    rows.push_back(task("t" + std::to_string(p), "inbox", p - 5));
  write(*s, rows);
  scan_filter f;
  f.range_column = "priority";
  f.range_from = -2;
  f.range_to = 2;
  EXPECT_EQ(scan_keys(*s, table_id::tasks, f), (std::vector<std::string>{"t3", "t4", "t5", "t6"}));
  f.range_from = std::numeric_limits<std::int64_t>::min();
  f.range_to = -4;
  EXPECT_EQ(scan_keys(*s, table_id::tasks, f), (std::vector<std::string>{"t0"}));
  // Both conditions at once.
  f.range_to = std::numeric_limits<std::int64_t>::max();
  f.equals_column = "id";
  f.equals_value = text("t9");
  EXPECT_EQ(scan_keys(*s, table_id::tasks, f), (std::vector<std::string>{"t9"}));

  // Journals can be read from a seq on.
  write(*s, {transition("a", 1), transition("b", 2), transition("c", 3)});
  const std::vector<row> journal = scan(*s, table_id::transitions);
  scan_filter after;
  after.range_column = "seq";
  after.range_from = journal[1].seq;
  EXPECT_EQ(scan(*s, table_id::transitions, after), (std::vector<row>{journal[1], journal[2]}));
}

TYPED_TEST(StoreContract, ScanHonoursLimitKeyOrderAndEarlyStop) {
  auto s = this->open_migrated();
  write(*s, {agent("k05"), agent("k01"), agent("k10"), agent("k03"), agent("k02")});
  EXPECT_EQ(scan_keys(*s, table_id::agents),
            (std::vector<std::string>{"k01", "k02", "k03", "k05", "k10"}));
  scan_filter f;
  f.limit = 3;
  EXPECT_EQ(scan_keys(*s, table_id::agents, f), (std::vector<std::string>{"k01", "k02", "k03"}));
  f.descending = true;
  EXPECT_EQ(scan_keys(*s, table_id::agents, f), (std::vector<std::string>{"k10", "k05", "k03"}));
  std::vector<std::string> seen;
  s->transact(
      [&](store_txn& t) {
        t.scan(table_id::agents, {}, [&](const row& r) {
          seen.push_back(r.key());
          return seen.size() < 2;
        });
      },
      true);
  EXPECT_EQ(seen, (std::vector<std::string>{"k01", "k02"}));
}

TYPED_TEST(StoreContract, ScanRejectsUnknownColumns) {
  auto s = this->open_migrated();
  scan_filter f;
  f.equals_column = "no_such_column";
  f.equals_value = text("x");
  EXPECT_THROW(scan(*s, table_id::agents, f), store_error);
  scan_filter r;
  r.range_column = "status"; // text, not an integer
  EXPECT_THROW(scan(*s, table_id::agents, r), store_error);
}

TYPED_TEST(StoreContract, ScanOfTwentyThousandRowsStreams) {
  auto s = this->open_migrated();
  constexpr int total = 20'000;
  std::vector<write_batch> batches(20);
  for (int i = 0; i < total; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "t%06d", (i * 7919) % total); // written out of key order
    batches[static_cast<std::size_t>(i % 20)].rows.push_back(task(id, "inbox", i));
  }
  commit(*s, batches);
  EXPECT_EQ(count(*s, table_id::tasks), total);
  int seen = 0;
  std::string last;
  bool ordered = true;
  s->transact(
      [&](store_txn& t) {
        t.scan(table_id::tasks, {}, [&](const row& r) {
          ordered = ordered && r.key() > last;
          last = r.key();
          ++seen;
          return true;
        });
      },
      true);
  EXPECT_EQ(seen, total);
  EXPECT_TRUE(ordered);
  // Stopping part-way through a streamed scan leaves the transaction usable.
  s->transact([&](store_txn& t) {
    int n = 0;
    t.scan(table_id::tasks, {}, [&](const row&) { return ++n < 1500; });
    EXPECT_EQ(n, 1500);
    t.scan(table_id::tasks, {}, [&](const row&) { return ++n < 1502; });
    EXPECT_EQ(t.count(table_id::tasks), total);
  });
}

// ---- snapshots and the server lock -------------------------------------------------------------

TYPED_TEST(StoreContract, ReadOnlyTransactSeesOneSnapshot) {
  auto reader = this->open_migrated();
  auto writer = this->backend.open();
  write(*writer, {agent("a1"), agent("a2")});
  reader->transact(
      [&](store_txn& t) {
        EXPECT_EQ(t.count(table_id::agents), 2);
        commit(*writer, {{{agent("a3"), agent("a1", "paused", 9)}}});
        writer->transact([&](store_txn& w) { w.remove(table_id::agents, "a2"); });
        EXPECT_EQ(t.count(table_id::agents), 2);
        EXPECT_EQ(t.get(table_id::agents, "a1")->at("status"), text("active"));
        EXPECT_TRUE(t.get(table_id::agents, "a2"));
        EXPECT_FALSE(t.get(table_id::agents, "a3"));
      },
      true);
  EXPECT_EQ(scan_keys(*reader, table_id::agents), (std::vector<std::string>{"a1", "a3"}));
}

TYPED_TEST(StoreContract, ReadOnlyTransactRefusesWrites) {
  auto s = this->open_migrated();
  EXPECT_THROW(s->transact([](store_txn& t) { t.write(std::vector<row>{agent("a1")}); }, true),
               store_error);
  EXPECT_THROW(s->transact([](store_txn& t) { t.clear(table_id::agents); }, true), store_error);
  EXPECT_EQ(count(*s, table_id::agents), 0);
}

TYPED_TEST(StoreContract, ServerLockIsExclusiveUntilReleased) {
  auto first = this->open_migrated();
  auto second = this->backend.open();
  EXPECT_TRUE(first->try_claim_server_lock());
  EXPECT_TRUE(first->try_claim_server_lock()); // already ours
  EXPECT_FALSE(second->try_claim_server_lock());
  first->release_server_lock();
  EXPECT_TRUE(second->try_claim_server_lock());
  EXPECT_FALSE(first->try_claim_server_lock());
  // Closing the store lets go of it too.
  second.reset();
  EXPECT_TRUE(first->try_claim_server_lock());
  // Holding the lock does not get in the way of using the store.
  write(*first, {agent("a1")});
  EXPECT_EQ(count(*first, table_id::agents), 1);
}

TYPED_TEST(StoreContract, ReconnectOnAHealthyStoreKeepsWorking) {
  auto s = this->open_migrated();
  write(*s, {agent("a1")});
  EXPECT_TRUE(s->try_claim_server_lock());
  EXPECT_TRUE(s->reconnect());
  EXPECT_TRUE(s->try_claim_server_lock());
  EXPECT_FALSE(this->backend.open()->try_claim_server_lock());
  write(*s, {agent("a2")});
  EXPECT_EQ(count(*s, table_id::agents), 2);
}

TYPED_TEST(StoreContract, DescribeNamesTheStore) {
  auto s = this->backend.open();
  EXPECT_FALSE(s->describe().empty());
  EXPECT_TRUE(s->dialect() == "sqlite" || s->dialect() == "postgres");
  EXPECT_FALSE(migrations_for(s->dialect()).empty());
}

} // namespace
} // namespace mc::persistence::testing
