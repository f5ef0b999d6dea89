// Idempotency keys, canonical fingerprints and the replay index.
#include "http/policy/idempotency.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace mc::http {
namespace {

namespace json = boost::json;

constexpr std::int64_t t0 = 1'706'745'600'000;
constexpr std::int64_t hour = 3'600'000;

// ---------------------------------------------------------------------------------------------
// Keys

TEST(IdempotencyKey, ValidKeys) {
  EXPECT_TRUE(is_valid_idempotency_key("manual-unblock-123"));
  EXPECT_TRUE(is_valid_idempotency_key("a"));
  EXPECT_TRUE(is_valid_idempotency_key("with inner space"));
  EXPECT_TRUE(is_valid_idempotency_key("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  EXPECT_TRUE(is_valid_idempotency_key(std::string(200, 'k')));
}

TEST(IdempotencyKey, InvalidKeys) {
  EXPECT_FALSE(is_valid_idempotency_key(""));
  EXPECT_FALSE(is_valid_idempotency_key(std::string(201, 'k')));
  EXPECT_FALSE(is_valid_idempotency_key(" leading"));
  EXPECT_FALSE(is_valid_idempotency_key("trailing "));
  EXPECT_FALSE(is_valid_idempotency_key("tab\there"));
  EXPECT_FALSE(is_valid_idempotency_key("new\nline"));
  EXPECT_FALSE(is_valid_idempotency_key("del\x7f"));
  EXPECT_FALSE(is_valid_idempotency_key("caf\xc3\xa9")); // non-ASCII
  EXPECT_FALSE(is_valid_idempotency_key(std::string_view("nul\0x", 5)));
}

TEST(IdempotencyKey, FromHeader) {
  auto k = idempotency_key_of(std::string_view("hdr-1"), nullptr);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, std::optional<std::string>("hdr-1"));
}

TEST(IdempotencyKey, FromBody) {
  json::value body = json::parse(R"({"toStatus":"canceled","idempotencyKey":"cancel-loop-123"})");
  auto k = idempotency_key_of(std::nullopt, &body);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, std::optional<std::string>("cancel-loop-123"));
}

TEST(IdempotencyKey, NoneAnywhere) {
  json::value body = json::parse(R"({"toStatus":"canceled"})");
  auto k = idempotency_key_of(std::nullopt, &body);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, std::nullopt);
  json::value array_body = json::parse("[1,2]");
  auto a = idempotency_key_of(std::nullopt, &array_body);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, std::nullopt);
  auto none = idempotency_key_of(std::nullopt, nullptr);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, std::nullopt);
}

TEST(IdempotencyKey, HeaderAndBodyAgreeing) {
  json::value body = json::parse(R"({"idempotencyKey":"same"})");
  auto k = idempotency_key_of(std::string_view("same"), &body);
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, std::optional<std::string>("same"));
}

TEST(IdempotencyKey, HeaderAndBodyDifferingIs400) {
  json::value body = json::parse(R"({"idempotencyKey":"body-key"})");
  auto k = idempotency_key_of(std::string_view("header-key"), &body);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, errc::invalid_input);
}

TEST(IdempotencyKey, InvalidKeysAre400) {
  json::value long_key{{"idempotencyKey", std::string(201, 'x')}};
  json::value number_key = json::parse(R"({"idempotencyKey":42})");
  json::value empty_key = json::parse(R"({"idempotencyKey":""})");
  json::value null_key = json::parse(R"({"idempotencyKey":null})");
  for (const json::value* body : {&long_key, &number_key, &empty_key, &null_key}) {
    auto k = idempotency_key_of(std::nullopt, body);
    ASSERT_FALSE(k) << json::serialize(*body);
    EXPECT_EQ(k.error().code, errc::invalid_input);
  }
  auto h = idempotency_key_of(std::string_view(""), nullptr);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, errc::invalid_input);
  auto h2 = idempotency_key_of(std::string_view("bad\x01key"), nullptr);
  ASSERT_FALSE(h2);
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and fingerprints

TEST(CanonicalJson, SortsKeysRecursivelyAndDropsWhitespace) {
  json::value a = json::parse(R"({ "b": 1, "a": { "z": [3, {"y":1,"x":2}], "c": null } })");
  EXPECT_EQ(canonical_json(a), R"({"a":{"c":null,"z":[3,{"x":2,"y":1}]},"b":1})");
}

TEST(CanonicalJson, ArraysKeepTheirOrder) {
  EXPECT_NE(canonical_json(json::parse("[1,2]")), canonical_json(json::parse("[2,1]")));
}

TEST(CanonicalJson, IntegralDoublesMatchIntegers) {
  EXPECT_EQ(canonical_json(json::parse(R"({"c":1.0})")), canonical_json(json::parse(R"({"c":1})")));
  EXPECT_EQ(canonical_json(json::parse("0.75")), "7.5E-1");
  EXPECT_EQ(canonical_json(json::parse("1e300")), json::serialize(json::parse("1e300")));
}

TEST(CanonicalJson, EscapesKeysAndStrings) {
  json::value v = json::parse(R"({"q\"k":"line\nbreak"})");
  EXPECT_EQ(canonical_json(v), R"({"q\"k":"line\nbreak"})");
}

TEST(CanonicalJson, DropsTheNamedTopLevelKeyOnly) {
  json::value v = json::parse(R"({"idempotencyKey":"k","inner":{"idempotencyKey":"kept"}})");
  EXPECT_EQ(canonical_json(v, "idempotencyKey"), R"({"inner":{"idempotencyKey":"kept"}})");
}

TEST(Fingerprint, IgnoresKeyOrderWhitespaceAndTheBodyKey) {
  json::value a = json::parse(
      R"({"toStatus":"assigned","actor":"human","reason":"x","idempotencyKey":"manual-unblock-123"})");
  json::value b = json::parse(R"({
      "reason" : "x",
      "actor"  : "human",
      "toStatus": "assigned"
  })");
  const auto fa = request_fingerprint("POST", "/api/tasks/tsk_1/transition", &a);
  const auto fb = request_fingerprint("POST", "/api/tasks/tsk_1/transition", &b);
  EXPECT_EQ(fa, fb);
  EXPECT_EQ(fa.size(), 64u);
}

TEST(Fingerprint, DiffersWhenTheRequestDiffers) {
  json::value a = json::parse(R"({"toStatus":"assigned"})");
  json::value b = json::parse(R"({"toStatus":"canceled"})");
  const auto base = request_fingerprint("POST", "/api/tasks/tsk_1/transition", &a);
  EXPECT_NE(base, request_fingerprint("POST", "/api/tasks/tsk_1/transition", &b));
  EXPECT_NE(base, request_fingerprint("PATCH", "/api/tasks/tsk_1/transition", &a));
  EXPECT_NE(base, request_fingerprint("POST", "/api/tasks/tsk_2/transition", &a));
  EXPECT_NE(base, request_fingerprint("POST", "/api/tasks/tsk_1/transition", &a, "agent:jordan"));
  EXPECT_NE(base, request_fingerprint("POST", "/api/tasks/tsk_1/transition", nullptr));
  // Framing: moving text between method and target changes the fingerprint.
  EXPECT_NE(request_fingerprint("POST", "/x", nullptr), request_fingerprint("POST/", "x", nullptr));
}

TEST(Fingerprint, NoBodyIsStable) {
  EXPECT_EQ(request_fingerprint("POST", "/api/agents/jordan/pause", nullptr),
            request_fingerprint("POST", "/api/agents/jordan/pause", nullptr));
}

// ---------------------------------------------------------------------------------------------
// The replay index

class Index : public ::testing::Test {
 protected:
  idempotency_index index;
  const std::string fp_a = request_fingerprint("POST", "/api/tasks", nullptr, "a");
  const std::string fp_b = request_fingerprint("POST", "/api/tasks", nullptr, "b");
};

TEST_F(Index, FirstReserveOwnsTheKey) {
  auto r = index.reserve("k1", fp_a, t0);
  EXPECT_EQ(r.kind, reservation_kind::fresh);
  EXPECT_EQ(index.size(), 1u);
}

TEST_F(Index, ReplayAfterComplete) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  ASSERT_TRUE(index.complete("k1", 201, R"({"task":{"id":"tsk_1"}})", index.expiry_for(t0)));
  auto r = index.reserve("k1", fp_a, t0 + 1000);
  EXPECT_EQ(r.kind, reservation_kind::replay);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"task":{"id":"tsk_1"}})");
  // And again: replays do not consume the record.
  EXPECT_EQ(index.reserve("k1", fp_a, t0 + 2000).kind, reservation_kind::replay);
}

TEST_F(Index, ConflictOnDifferentRequest) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  ASSERT_TRUE(index.complete("k1", 200, "{}", index.expiry_for(t0)));
  auto r = index.reserve("k1", fp_b, t0);
  EXPECT_EQ(r.kind, reservation_kind::conflict);
  EXPECT_FALSE(r.message.empty());
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Index, InFlightWhileExecuting) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  auto same = index.reserve("k1", fp_a, t0 + 10);
  EXPECT_EQ(same.kind, reservation_kind::in_flight);
  EXPECT_NE(same.message.find("still being processed"), std::string::npos);
  // A different request under an in-flight key is a conflict, not a wait.
  EXPECT_EQ(index.reserve("k1", fp_b, t0 + 10).kind, reservation_kind::conflict);
}

TEST_F(Index, ReleaseLetsTheRetryRunAfresh) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  EXPECT_TRUE(index.release("k1"));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.reserve("k1", fp_b, t0 + 1).kind, reservation_kind::fresh);
}

TEST_F(Index, ReleaseNeverDropsACompletedKey) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  ASSERT_TRUE(index.complete("k1", 200, "{}", index.expiry_for(t0)));
  EXPECT_FALSE(index.release("k1"));
  EXPECT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::replay);
  EXPECT_FALSE(index.release("never-seen"));
}

TEST_F(Index, CompleteNeedsAReservation) {
  EXPECT_FALSE(index.complete("never-reserved", 200, "{}", index.expiry_for(t0)));
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  ASSERT_TRUE(index.complete("k1", 200, "first", index.expiry_for(t0)));
  EXPECT_FALSE(index.complete("k1", 500, "second", index.expiry_for(t0)));
  EXPECT_EQ(index.reserve("k1", fp_a, t0).body, "first");
}

TEST_F(Index, CompletedKeysExpireAfterTheirTtl) {
  ASSERT_EQ(index.settings().ttl_ms, 24 * hour);
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  ASSERT_TRUE(index.complete("k1", 200, "{}", index.expiry_for(t0)));
  EXPECT_EQ(index.reserve("k1", fp_b, t0 + 24 * hour - 1).kind, reservation_kind::conflict);
  // At the expiry the key is forgotten and may be used for anything.
  EXPECT_EQ(index.reserve("k1", fp_b, t0 + 24 * hour).kind, reservation_kind::fresh);
}

TEST_F(Index, ExpiredEntriesAreEvicted) {
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_EQ(index.reserve(key, fp_a, t0).kind, reservation_kind::fresh);
    ASSERT_TRUE(index.complete(key, 200, "{}", t0 + (i < 40 ? hour : 48 * hour)));
  }
  EXPECT_EQ(index.size(), 100u);
  EXPECT_GT(index.bytes(), 0u);
  EXPECT_EQ(index.evict_expired(t0 + 2 * hour), 40u);
  EXPECT_EQ(index.size(), 60u);
  EXPECT_EQ(index.evict_expired(t0 + 48 * hour), 60u);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.bytes(), 0u);
}

TEST_F(Index, ExpiredEntriesAreSweptOnAccess) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = "old" + std::to_string(i);
    ASSERT_EQ(index.reserve(key, fp_a, t0).kind, reservation_kind::fresh);
    ASSERT_TRUE(index.complete(key, 200, "{}", t0 + hour));
  }
  for (int i = 0; i < 200; ++i)
    index.reserve("new" + std::to_string(i), fp_a, t0 + 2 * hour);
  EXPECT_EQ(index.size(), 200u);
}

TEST_F(Index, AbandonedReservationsLapse) {
  ASSERT_EQ(index.reserve("k1", fp_a, t0).kind, reservation_kind::fresh);
  const auto lease = index.settings().in_flight_ttl_ms;
  EXPECT_EQ(index.reserve("k1", fp_a, t0 + lease - 1).kind, reservation_kind::in_flight);
  EXPECT_EQ(index.reserve("k1", fp_a, t0 + lease).kind, reservation_kind::fresh);
}

TEST_F(Index, LoadAdoptsUnexpiredRecords) {
  std::vector<idempotency_record> records{
      {"kept", fp_a, 201, R"({"ok":true})", t0 + hour},
      {"stale", fp_a, 200, "{}", t0 - 1},
      {"edge", fp_a, 200, "{}", t0},
  };
  EXPECT_EQ(index.load(records, t0), 1u);
  EXPECT_EQ(index.size(), 1u);
  auto r = index.reserve("kept", fp_a, t0 + 1);
  EXPECT_EQ(r.kind, reservation_kind::replay);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(index.reserve("kept", fp_b, t0 + 1).kind, reservation_kind::conflict);
  EXPECT_EQ(index.reserve("stale", fp_b, t0 + 1).kind, reservation_kind::fresh);
}

TEST_F(Index, LoadKeepsTheLaterExpiryAndOverridesInFlight) {
  std::vector<idempotency_record> first{{"k", fp_a, 200, "late", t0 + 2 * hour}};
  std::vector<idempotency_record> second{{"k", fp_a, 200, "early", t0 + hour}};
  EXPECT_EQ(index.load(first, t0), 1u);
  EXPECT_EQ(index.load(second, t0), 0u);
  EXPECT_EQ(index.reserve("k", fp_a, t0).body, "late");

  ASSERT_EQ(index.reserve("busy", fp_a, t0).kind, reservation_kind::fresh);
  std::vector<idempotency_record> durable{{"busy", fp_a, 202, "done", t0 + hour}};
  EXPECT_EQ(index.load(durable, t0), 1u);
  EXPECT_EQ(index.reserve("busy", fp_a, t0).kind, reservation_kind::replay);
}

TEST(IndexBounds, FullIndexRefusesNewKeysButServesKnownOnes) {
  idempotency_index::options opts;
  opts.max_entries = 16; // one per shard
  idempotency_index index(opts);
  const std::string fp = request_fingerprint("POST", "/api/tasks", nullptr);
  int fresh = 0;
  int full = 0;
  std::vector<std::string> owned;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "k" + std::to_string(i);
    auto r = index.reserve(key, fp, t0);
    if (r.kind == reservation_kind::fresh) {
      ++fresh;
      owned.push_back(key);
      ASSERT_TRUE(index.complete(key, 200, "{}", index.expiry_for(t0)));
    } else {
      ASSERT_EQ(r.kind, reservation_kind::full);
      EXPECT_FALSE(r.message.empty());
      ++full;
    }
  }
  EXPECT_LE(fresh, 16);
  EXPECT_GT(full, 0);
  EXPECT_LE(index.size(), 16u);
  for (const auto& key : owned)
    EXPECT_EQ(index.reserve(key, fp, t0).kind, reservation_kind::replay);
  // Once the keys expire, room comes back.
  EXPECT_EQ(index.reserve("k-late", fp, index.expiry_for(t0)).kind, reservation_kind::fresh);
}

TEST(IndexBounds, ByteBoundCountsBodies) {
  idempotency_index::options opts;
  opts.max_bytes = 16 * 4096;
  idempotency_index index(opts);
  const std::string fp = request_fingerprint("POST", "/api/tasks", nullptr);
  const std::string big(3000, 'x');
  int full = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i);
    auto r = index.reserve(key, fp, t0);
    if (r.kind == reservation_kind::full) {
      ++full;
      continue;
    }
    ASSERT_EQ(r.kind, reservation_kind::fresh);
    index.complete(key, 200, big, index.expiry_for(t0));
  }
  EXPECT_GT(full, 0);
  EXPECT_LE(index.bytes(), opts.max_bytes + 16 * (big.size() + 256));
}

TEST(IndexConcurrency, ExactlyOneOwnerPerKey) {
  idempotency_index index;
  const std::string fp = request_fingerprint("POST", "/api/runs", nullptr);
  std::atomic<int> owners{0};
  std::atomic<int> waits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        auto r = index.reserve("key-" + std::to_string(k), fp, t0);
        if (r.kind == reservation_kind::fresh)
          ++owners;
        else if (r.kind == reservation_kind::in_flight)
          ++waits;
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(owners.load(), 200);
  EXPECT_EQ(waits.load(), 7 * 200);
}

TEST(ReservationKind, Names) {
  EXPECT_EQ(to_string(reservation_kind::fresh), "fresh");
  EXPECT_EQ(to_string(reservation_kind::replay), "replay");
  EXPECT_EQ(to_string(reservation_kind::conflict), "conflict");
  EXPECT_EQ(to_string(reservation_kind::in_flight), "in_flight");
  EXPECT_EQ(to_string(reservation_kind::full), "full");
}

} // namespace
} // namespace mc::http
