// Webhook signing: HMAC-SHA256 over the exact body, as `sha256=<hex>`.
#include "supervisors/webhook_signature.hpp"

#include <gtest/gtest.h>

namespace mc::supervisors {
namespace {

TEST(WebhookSignature, IsTheHexHmacSha256OfTheBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignature, AnEmptyBodyIsSignedToo) {
  // HMAC-SHA256 with an empty key and message.
  EXPECT_EQ(webhook_signature("", ""),
            "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(WebhookSignature, AReceiverAcceptsOnlyTheExactBodyAndSecret) {
  const std::string secret = "whsec_0123456789abcdef";
  const std::string body = R"({"id":"ntf_1","type":"alert"})";
  const auto sig = webhook_signature(secret, body);
  EXPECT_TRUE(signature_matches(secret, body, sig));
  EXPECT_FALSE(signature_matches(secret, body + " ", sig));
  EXPECT_FALSE(signature_matches(secret + "x", body, sig));
  EXPECT_FALSE(signature_matches(secret, body, sig.substr(0, sig.size() - 1)));
  EXPECT_FALSE(signature_matches(secret, body, ""));
}

} // namespace
} // namespace mc::supervisors
