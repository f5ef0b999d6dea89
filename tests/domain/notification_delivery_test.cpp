// The delivery rules: the retry schedule, failure for good, expiry, which webhooks want a
// notification, the signed body and de-duplication.
#include "domain/notification_delivery.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace mc {
namespace {

constexpr epoch_ms t0 = 1'000'000;

notification pending_webhook() {
  notification n;
  n.id = "ntf_1";
  n.target = "operator";
  n.channel = notification_channel::webhook;
  n.type = notification_type::alert;
  n.title = "[error] budget_exceeded: ann";
  n.refs = {"alr_1"};
  n.created_at = t0;
  n.expires_at = t0 + 24LL * 3600 * 1000;
  return n;
}

TEST(NotificationDelivery, FailedAttemptsRetryAfterThirtySecondsOneTwoAndFourMinutes) {
  const retry_schedule s;
  auto n = pending_webhook();
  const std::vector<epoch_ms> delays{30'000, 60'000, 120'000, 240'000};
  epoch_ms now = t0;
  for (std::size_t i = 0; i < delays.size(); ++i) {
    n = after_failed_attempt(n, "HTTP 500", now, s);
    EXPECT_EQ(n.attempts, static_cast<std::int32_t>(i + 1));
    EXPECT_EQ(n.status, notification_status::pending);
    ASSERT_TRUE(n.next_attempt_at);
    EXPECT_EQ(*n.next_attempt_at, now + delays[i]);
    EXPECT_FALSE(webhook_attempt_due(n, now + delays[i] - 1));
    EXPECT_TRUE(webhook_attempt_due(n, now + delays[i]));
    now += delays[i];
  }
  n = after_failed_attempt(n, "timed out", now, s);
  EXPECT_EQ(n.attempts, 5);
  EXPECT_EQ(n.status, notification_status::failed);
  EXPECT_FALSE(n.next_attempt_at);
  EXPECT_EQ(n.last_error, "timed out");
  EXPECT_FALSE(webhook_attempt_due(n, now + 10'000'000));
}

TEST(NotificationDelivery, TheScheduleEndsWhenItsDelaysRunOut) {
  const retry_schedule s{{1'000}, 10};
  auto n = after_failed_attempt(pending_webhook(), "x", t0, s);
  EXPECT_EQ(n.status, notification_status::pending);
  n = after_failed_attempt(n, "x", t0 + 1'000, s);
  EXPECT_EQ(n.status, notification_status::failed);
}

TEST(NotificationDelivery, ADeliveryCountsItsAttemptAndKeepsNoNextOne) {
  auto n = after_failed_attempt(pending_webhook(), "HTTP 503", t0, retry_schedule{});
  n = after_delivery(n);
  EXPECT_EQ(n.attempts, 2);
  EXPECT_EQ(n.status, notification_status::delivered);
  EXPECT_FALSE(n.next_attempt_at);
  EXPECT_FALSE(webhook_attempt_due(n, t0 + 100'000));
}

TEST(NotificationDelivery, OnlyPendingWebhookNotificationsAreAttemptedAndOnlyUntilTheyExpire) {
  auto n = pending_webhook();
  EXPECT_TRUE(webhook_attempt_due(n, t0));
  EXPECT_FALSE(webhook_attempt_due(n, n.expires_at));
  EXPECT_TRUE(notification_lapsed(n, n.expires_at));
  EXPECT_FALSE(notification_lapsed(n, n.expires_at - 1));
  auto hb = n;
  hb.channel = notification_channel::heartbeat;
  EXPECT_FALSE(webhook_attempt_due(hb, t0));
  EXPECT_TRUE(notification_lapsed(hb, hb.expires_at));
  auto gone = expired(n);
  EXPECT_EQ(gone.status, notification_status::expired);
  EXPECT_FALSE(notification_lapsed(gone, gone.expires_at + 1));
}

TEST(NotificationDelivery, ApprovalRequestsAndAlertsCallForAnAlertWhenTheyFail) {
  auto n = pending_webhook();
  EXPECT_TRUE(failure_calls_for_alert(n));
  n.type = notification_type::approval_request;
  EXPECT_TRUE(failure_calls_for_alert(n));
  for (auto t :
       {notification_type::mention, notification_type::assignment, notification_type::digest}) {
    n.type = t;
    EXPECT_FALSE(failure_calls_for_alert(n));
  }
}

TEST(NotificationDelivery, AWebhookWantsItsOwnersNotificationsOfItsEvents) {
  webhook w;
  w.owner = "operator";
  w.events = {"alert", "approval_request"};
  EXPECT_TRUE(webhook_wants(w, "operator", notification_type::alert));
  EXPECT_FALSE(webhook_wants(w, "operator", notification_type::mention));
  EXPECT_FALSE(webhook_wants(w, "ann", notification_type::alert));
  w.events = {"*"};
  EXPECT_TRUE(webhook_wants(w, "operator", notification_type::digest));
  w.deleted_at = t0;
  EXPECT_FALSE(webhook_wants(w, "operator", notification_type::digest));
}

TEST(NotificationDelivery, TheBodyCarriesTheNotificationTheAttemptAndTheTimestamp) {
  const auto body = webhook_body(pending_webhook(), 3, t0 + 5);
  const auto v = boost::json::parse(body).as_object();
  EXPECT_EQ(v.at("id").as_string(), "ntf_1");
  EXPECT_EQ(v.at("type").as_string(), "alert");
  EXPECT_EQ(v.at("target").as_string(), "operator");
  EXPECT_EQ(v.at("refs").as_array().at(0).as_string(), "alr_1");
  EXPECT_EQ(v.at("attempt").as_int64(), 3);
  EXPECT_EQ(v.at("timestamp").as_int64(), t0 + 5);
}

TEST(NotificationDelivery, TheSameTargetTypeAndRefsWithinTheWindowAreDuplicates) {
  notification_dedup dedup(300'000);
  auto n = pending_webhook();
  EXPECT_TRUE(dedup.admit(n, t0));
  EXPECT_FALSE(dedup.admit(n, t0 + 1));
  EXPECT_FALSE(dedup.admit(n, t0 + 300'000));
  auto other = n;
  other.refs = {"alr_2"};
  EXPECT_TRUE(dedup.admit(other, t0 + 2));
  other = n;
  other.target = "ann";
  EXPECT_TRUE(dedup.admit(other, t0 + 2));
  other = n;
  other.type = notification_type::approval_request;
  EXPECT_TRUE(dedup.admit(other, t0 + 2));
  other = n;
  other.channel = notification_channel::heartbeat;
  EXPECT_TRUE(dedup.admit(other, t0 + 2));
  // Measured from the one created, not from the duplicates.
  EXPECT_TRUE(dedup.admit(n, t0 + 300'001));
  EXPECT_FALSE(dedup.admit(n, t0 + 300'002));
}

TEST(NotificationDelivery, RefsCannotBeConcatenatedIntoAnotherKey) {
  notification_dedup dedup(300'000);
  auto a = pending_webhook();
  a.refs = {"ab", "c"};
  auto b = a;
  b.refs = {"a", "bc"};
  EXPECT_TRUE(dedup.admit(a, t0));
  EXPECT_TRUE(dedup.admit(b, t0));
}

TEST(NotificationDelivery, OldKeysAreDroppedAndAForgottenOneMayComeAgain) {
  notification_dedup dedup(1'000);
  auto n = pending_webhook();
  for (int i = 0; i < 100; ++i) {
    n.refs = {"alr_" + std::to_string(i)};
    EXPECT_TRUE(dedup.admit(n, t0 + i * 100));
  }
  EXPECT_LE(dedup.size(), 11u);
  dedup.forget(n);
  EXPECT_TRUE(dedup.admit(n, t0 + 9'901));
}

} // namespace
} // namespace mc
