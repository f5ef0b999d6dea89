// Operator token parsing, agent token issue/hash/verify.
#include "http/policy/tokens.hpp"

#include <gtest/gtest.h>

#include <set>

namespace mc::http {
namespace {

TEST(OperatorTokens, ParsesPairsAndTrimsWhitespace) {
  auto parsed = parse_operator_tokens("  alice:tok-A1 ,\tbob : tok-B2  ");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->names(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(parsed->match("tok-A1"), "alice");
  EXPECT_EQ(parsed->match("tok-B2"), "bob");
}

TEST(OperatorTokens, EmptyConfigHasNoTokensAndMatchesNothing) {
  auto parsed = parse_operator_tokens("");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->empty());
  EXPECT_EQ(parsed->match(""), std::nullopt);
  EXPECT_EQ(parsed->match("anything"), std::nullopt);
}

TEST(OperatorTokens, BlankEntriesAreSkipped) {
  auto parsed = parse_operator_tokens("alice:a1,, ,bob:b2,");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->size(), 2u);
}

TEST(OperatorTokens, TokenMayContainColons) {
  auto parsed = parse_operator_tokens("ops:abc:def");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->match("abc:def"), "ops");
  EXPECT_EQ(parsed->match("abc"), std::nullopt);
}

TEST(OperatorTokens, WrongTokensDoNotMatch) {
  auto parsed = parse_operator_tokens("alice:secret-one");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->match("secret-on"), std::nullopt);
  EXPECT_EQ(parsed->match("secret-one "), std::nullopt);
  EXPECT_EQ(parsed->match("SECRET-ONE"), std::nullopt);
  EXPECT_EQ(parsed->match(""), std::nullopt);
  // A longer and a much longer probe take the same path: both are hashed to 32 bytes first.
  EXPECT_EQ(parsed->match(std::string(10'000, 'x')), std::nullopt);
}

TEST(OperatorTokens, LastEntryMatchesToo) {
  // The scan never stops early, so a match in any position is found.
  auto parsed = parse_operator_tokens("a:t1,b:t2,c:t3,d:t4");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->match("t1"), "a");
  EXPECT_EQ(parsed->match("t4"), "d");
}

struct malformed_case {
  const char* config;
  const char* expected_fragment;
  const char* secret; // must never appear in the message
};

class MalformedOperatorTokens : public ::testing::TestWithParam<malformed_case> {};

TEST_P(MalformedOperatorTokens, FailWithPositionAndWithoutEchoingTheToken) {
  const auto& c = GetParam();
  auto parsed = parse_operator_tokens(c.config);
  ASSERT_FALSE(parsed) << c.config;
  EXPECT_EQ(parsed.error().code, errc::invalid_input);
  EXPECT_NE(parsed.error().message.find(c.expected_fragment), std::string::npos)
      << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find(c.secret), std::string::npos) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedOperatorTokens,
    ::testing::Values(
        malformed_case{"justatokenS3CRET", "entry 1: expected name:token", "S3CRET"},
        malformed_case{"alice:ok1, bareS3CRET", "entry 2: expected name:token", "S3CRET"},
        malformed_case{":S3CRET", "entry 1: empty operator name", "S3CRET"},
        malformed_case{"alice:", "entry 1 ('alice'): empty token", "S3CRET"},
        malformed_case{"alice:  ", "entry 1 ('alice'): empty token", "S3CRET"},
        malformed_case{"al ice:S3CRET", "entry 1: operator name must be", "S3CRET"},
        malformed_case{"S3CRETx/y:z", "entry 1: operator name must be", "S3CRET"},
        malformed_case{"alice:S3C RET", "entry 1 ('alice'): token has whitespace", "S3C"},
        malformed_case{"alice:S3CRET\x01", "entry 1 ('alice'): token has whitespace", "S3CRET"},
        malformed_case{"alice:S3CRET1,alice:other2",
                       "entry 2 ('alice'): operator name already used", "S3CRET"},
        malformed_case{"alice:S3CRET,bob:S3CRET",
                       "entry 2 ('bob'): same token as entry 1 ('alice')", "S3CRET"}),
    // Stable names: the default prints the struct's bytes, pointers included.
    [](const ::testing::TestParamInfo<malformed_case>& param) {
      return "case" + std::to_string(param.index);
    });

TEST(OperatorTokens, OverlongNameIsRejected) {
  auto parsed = parse_operator_tokens(std::string(65, 'n') + ":tok");
  ASSERT_FALSE(parsed);
  auto ok = parse_operator_tokens(std::string(64, 'n') + ":tok");
  EXPECT_TRUE(ok);
}

TEST(TokenHash, IsSha256Hex) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash_token(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AgentTokens, HavePrefixAnd256BitsOfBase64Url) {
  auto issued = generate_agent_token();
  ASSERT_TRUE(issued);
  const std::string& t = issued->token;
  ASSERT_EQ(t.rfind("mca_", 0), 0u);
  const std::string body = t.substr(4);
  // ceil(256 / 6) = 43 characters of 6 bits each: at least 256 bits of encoding, no padding.
  EXPECT_EQ(body.size(), 43u);
  for (char c : body)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  EXPECT_EQ(issued->hash, hash_token(t));
  EXPECT_EQ(issued->hash.size(), 64u);
}

TEST(AgentTokens, AreUnique) {
  std::set<std::string> seen;
  std::set<std::string> hashes;
  for (int i = 0; i < 2000; ++i) {
    auto issued = generate_agent_token();
    ASSERT_TRUE(issued);
    EXPECT_TRUE(seen.insert(issued->token).second);
    EXPECT_TRUE(hashes.insert(issued->hash).second);
  }
}

TEST(AgentTokens, EveryBitPositionVaries) {
  // 256 random bits: over many tokens each of the 43 characters takes many values.
  std::vector<std::set<char>> per_position(43);
  for (int i = 0; i < 500; ++i) {
    auto issued = generate_agent_token();
    ASSERT_TRUE(issued);
    for (std::size_t p = 0; p < 43; ++p)
      per_position[p].insert(issued->token[4 + p]);
  }
  // The last character carries only 4 bits (256 = 42*6 + 4): 16 values at most.
  for (std::size_t p = 0; p < 42; ++p)
    EXPECT_GT(per_position[p].size(), 32u) << p;
  EXPECT_GT(per_position[42].size(), 8u);
  EXPECT_LE(per_position[42].size(), 16u);
}

TEST(VerifyToken, AcceptsTheIssuedTokenOnly) {
  auto issued = generate_agent_token();
  ASSERT_TRUE(issued);
  EXPECT_TRUE(verify_token(issued->token, issued->hash));
  std::string upper = issued->hash;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_token(issued->token, upper));

  std::string tampered = issued->token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_token(tampered, issued->hash));
  EXPECT_FALSE(verify_token(issued->token.substr(0, 20), issued->hash));
  EXPECT_FALSE(verify_token("", issued->hash));
}

TEST(VerifyToken, MalformedStoredHashNeverMatches) {
  const std::string token = "mca_whatever";
  const std::string good = hash_token(token);
  EXPECT_TRUE(verify_token(token, good));
  EXPECT_FALSE(verify_token(token, ""));
  EXPECT_FALSE(verify_token(token, good.substr(0, 63)));
  EXPECT_FALSE(verify_token(token, good + "0"));
  std::string bad = good;
  bad[10] = 'g';
  EXPECT_FALSE(verify_token(token, bad));
  // The token itself is not a hash of itself.
  EXPECT_FALSE(verify_token(token, token));
}

} // namespace
} // namespace mc::http
