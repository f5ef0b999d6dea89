#include "supervisors/notification_dispatcher.hpp"

#include "actors/agent_registry.hpp"
#include "actors/approval_messages.hpp"
#include "actors/delivery_messages.hpp"
#include "actors/event_subscription.hpp"
#include "actors/supervisor_messages.hpp"
#include "domain/notification_delivery.hpp"
#include "domain/notification_drafts.hpp"
#include "supervisors/pending_work.hpp"
#include "supervisors/webhook_client.hpp"
#include "supervisors/webhook_signature.hpp"

#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>

namespace mc::supervisors {
namespace {

using namespace actors;

constexpr const char* tag = "NotificationDispatcher";

/// A POST's outcome, from the client's thread: notification id, webhook id, accepted, detail.
using posted_atom = caf::atom_constant<caf::atom("whkposted")>;

/// One delivery attempt of one notification, to every webhook that wants it.
struct attempt {
  notification subject;
  std::size_t left = 0;
  std::vector<std::string> errors;
};

struct dispatcher_state {
  static inline const char* name = tag;
  supervisor_environment env;
  pending_work work{tag};
  notification_dedup dedup{0};
  retry_schedule schedule;
  /// Each open task's assignees as last seen, to tell who was just added.
  std::unordered_map<std::string, std::vector<std::string>> assignees;
  /// Attempts in flight, by notification id: a notification is never attempted twice at once.
  std::unordered_map<std::string, attempt> attempts;
  /// Webhooks that already accepted a notification still being retried for others, so a retry
  /// goes only to those that failed. Memory only: after a restart every webhook gets it again
  /// (delivery is at least once; receivers de-duplicate by the notification id).
  std::unordered_map<std::string, std::set<std::string>> accepted;
  std::unique_ptr<webhook_client> client;
};

using self_ptr = caf::stateful_actor<dispatcher_state>*;

std::chrono::milliseconds ask_timeout(const supervisor_environment& env) {
  return env.settings.tick_deadline;
}

void deliver(self_ptr self, const notification& n);

/// Stores `draft` (unless de-duplicated), then starts its first webhook attempt or, for an agent
/// with webhooks of its own, adds the webhook copy.
void create(self_ptr self, notification draft) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  draft.expires_at = now + st.env.settings.notification_ttl_ms;
  if (!st.dedup.admit(draft, now))
    return;
  st.work.begin();
  self->request(st.env.notifications, ask_timeout(st.env), notify_atom::value, draft)
      .then(
          [self, draft](notification& stored) {
            auto& s = self->state;
            if (stored.channel == notification_channel::webhook) {
              deliver(self, stored);
            } else if (stored.target != operator_target) {
              s.work.begin();
              self->request(s.env.webhooks, ask_timeout(s.env),
                            webhook_match_query{stored.target, stored.type})
                  .then(
                      [self, draft](std::vector<webhook>& hooks) {
                        if (!hooks.empty())
                          create(self, webhook_copy(draft));
                        self->state.work.end(false);
                      },
                      [self](caf::error&) { self->state.work.end(false); });
            }
            s.work.end(true);
          },
          [self, draft](caf::error& e) {
            auto& s = self->state;
            s.dedup.forget(draft);
            log_line(s.env, tag,
                     "could not store a notification for " + draft.target + ": " + to_string(e));
            s.work.end(false);
          });
}

/// Raises `notification_failed` for a notification that failed for good, unless it was itself
/// about a notification_failed alert (no loops).
void raise_failure(self_ptr self, const notification& n) {
  auto& st = self->state;
  alert a;
  a.severity = alert_severity::error;
  a.type = "notification_failed";
  a.title =
      "Notification " + n.id + " (" + std::string(to_string(n.type)) + ") could not be delivered";
  a.description = "\"" + n.title + "\" to " + n.target + " failed " + std::to_string(n.attempts) +
                  " attempt(s); last error: " + n.last_error.value_or("none") +
                  ". Check the webhook receiver, then re-register or delete the webhook.";
  for (const auto& r : n.refs)
    if (r.starts_with(id_prefix::task))
      a.task_id = r;
  auto raise = [self, a] {
    auto& s = self->state;
    s.work.begin();
    self->request(s.env.alerts, ask_timeout(s.env), raise_atom::value, a)
        .then([self](const alert&) { self->state.work.end(true); },
              [self](caf::error& e) {
                log_line(self->state.env, tag,
                         "could not raise notification_failed: " + to_string(e));
                self->state.work.end(false);
              });
  };
  if (n.type != notification_type::alert || n.refs.empty() ||
      !n.refs.front().starts_with(id_prefix::alert)) {
    raise();
    return;
  }
  st.work.begin();
  self->request(st.env.alerts, ask_timeout(st.env), get_atom::value, n.refs.front())
      .then(
          [self, raise](const alert& about) {
            if (about.type != "notification_failed")
              raise();
            self->state.work.end(false);
          },
          [self, raise](caf::error&) {
            raise();
            self->state.work.end(false);
          });
}

/// Stores what an attempt or an expiry made of `next` through the notifications actor.
void record(self_ptr self, notification next, std::string action) {
  auto& st = self->state;
  st.work.begin();
  self->request(st.env.notifications, ask_timeout(st.env),
                notification_update_command{std::move(next), std::move(action)})
      .then(
          [self](notification& stored) {
            if (stored.status == notification_status::failed && failure_calls_for_alert(stored))
              raise_failure(self, stored);
            self->state.work.end(true);
          },
          [self](caf::error& e) {
            log_line(self->state.env, tag, "could not record a delivery: " + to_string(e));
            self->state.work.end(false);
          });
}

/// An attempt of `n` to the webhooks that want it and have not accepted it yet. With none
/// registered it stays pending, untried, until one is or it expires.
void deliver(self_ptr self, const notification& n) {
  auto& st = self->state;
  if (st.attempts.contains(n.id))
    return;
  st.attempts[n.id] = attempt{n, 0, {}};
  st.work.begin();
  self->request(st.env.webhooks, ask_timeout(st.env), webhook_match_query{n.target, n.type})
      .then(
          [self, n](std::vector<webhook>& hooks) {
            auto& s = self->state;
            const auto earlier = s.accepted.find(n.id);
            const bool some_accepted = earlier != s.accepted.end() && !earlier->second.empty();
            if (some_accepted)
              std::erase_if(hooks,
                            [&](const webhook& w) { return earlier->second.contains(w.id); });
            if (hooks.empty()) {
              // Every webhook that wants it took it on an earlier attempt (one was deleted
              // since): delivered. None registered: it stays pending, untried.
              s.attempts.erase(n.id);
              s.accepted.erase(n.id);
              if (some_accepted)
                record(self, after_delivery(n), "notification.deliver");
              s.work.end(false);
              return;
            }
            const auto now = s.env.clk->now_ms();
            const auto body = webhook_body(n, n.attempts + 1, now);
            auto& a = s.attempts[n.id];
            a.left = hooks.size();
            const auto timeout = delivery_timeout(s.env.settings);
            const caf::actor_addr me = self->address();
            // One unit of work per POST, ended when its outcome arrives.
            for (const auto& w : hooks) {
              s.work.begin();
              outbound_post post;
              post.url = w.url;
              post.body = body;
              post.timeout = timeout;
              post.headers = {{std::string(signature_header), webhook_signature(w.secret, body)},
                              {std::string(timestamp_header), std::to_string(now)},
                              {"X-MC-Notification-Id", n.id},
                              {"X-MC-Event", std::string(to_string(n.type))}};
              s.client->post(std::move(post), [me, id = n.id, hook = w.id](outbound_result r) {
                if (auto h = caf::actor_cast<caf::actor>(me))
                  caf::anon_send(h, posted_atom::value, id, hook, r.accepted(), r.describe());
              });
            }
            s.work.end(false);
          },
          [self, id = n.id](caf::error& e) {
            auto& s = self->state;
            s.attempts.erase(id);
            log_line(s.env, tag, "could not read the webhooks: " + to_string(e));
            s.work.end(false);
          });
}

void on_posted(self_ptr self, const std::string& id, const std::string& hook, bool accepted,
               const std::string& detail) {
  auto& st = self->state;
  auto it = st.attempts.find(id);
  if (it == st.attempts.end())
    return;
  auto& a = it->second;
  if (accepted)
    st.accepted[id].insert(hook);
  else
    a.errors.push_back(hook + ": " + detail);
  if (--a.left == 0) {
    const auto now = st.env.clk->now_ms();
    auto subject = std::move(a.subject);
    auto errors = std::move(a.errors);
    st.attempts.erase(it);
    if (errors.empty()) {
      st.accepted.erase(id);
      record(self, after_delivery(std::move(subject)), "notification.deliver");
    } else {
      std::string why;
      for (const auto& e : errors)
        why += (why.empty() ? "" : "; ") + e;
      auto next = after_failed_attempt(std::move(subject), why, now, st.schedule);
      const bool settled = next.status != notification_status::pending;
      if (settled)
        st.accepted.erase(id);
      record(self, std::move(next), settled ? "notification.fail" : "notification.retry");
    }
  }
  st.work.end(false);
}

/// The tick: expire what lapsed, attempt what is due.
void process_due(self_ptr self) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  st.work.begin();
  self->request(st.env.notifications, ask_timeout(st.env), notification_due_query{now})
      .then(
          [self, now](std::vector<notification>& due) {
            auto& s = self->state;
            for (auto& n : due) {
              if (s.attempts.contains(n.id))
                continue;
              if (notification_lapsed(n, now))
                record(self, expired(std::move(n)), "notification.expire");
              else if (webhook_attempt_due(n, now))
                deliver(self, n);
            }
            s.work.end(false);
          },
          [self](caf::error& e) {
            log_line(self->state.env, tag, "could not list due notifications: " + to_string(e));
            self->state.work.end(false);
          });
}

bool is_creation(const task_event& e) {
  return e.moved && (!e.moved->from || e.moved->created_at == e.task.created_at);
}

void on_task(self_ptr self, const task_event& e) {
  auto& st = self->state;
  const auto& t = e.task;
  auto it = st.assignees.find(t.id);
  // A task first seen other than at its creation (after a restart) has no known "before": its
  // assignees are taken as known, so a restart never re-announces old assignments.
  const auto before = it != st.assignees.end() ? it->second
                      : is_creation(e)         ? std::vector<std::string>{}
                                               : t.assignee_ids;
  if (t.status == task_status::done || t.status == task_status::canceled) {
    st.assignees.erase(t.id);
  } else {
    st.assignees[t.id] = t.assignee_ids;
    for (auto& d : assignment_drafts(t, before, e.moved ? e.moved->actor : std::string{}))
      create(self, std::move(d));
  }
  if (!e.posted)
    return;
  // Only agents that exist are told; `@everyone` or a typo names nobody.
  for (auto& d : mention_drafts(t, *e.posted)) {
    st.work.begin();
    self->request(st.env.agents, ask_timeout(st.env), snapshot_atom::value, d.target)
        .then(
            [self, d](const agent&) mutable {
              create(self, std::move(d));
              self->state.work.end(false);
            },
            [self](caf::error&) { self->state.work.end(false); });
  }
}

caf::behavior dispatcher(self_ptr self, supervisor_environment env) {
  auto& st = self->state;
  st.env = std::move(env);
  st.dedup = notification_dedup(st.env.settings.dedup_window_ms);
  st.schedule = retry_schedule{st.env.settings.retry_delays_ms, st.env.settings.max_attempts};
  st.client = std::make_unique<webhook_client>();
  subscribe_to_events(self, st.env.events);
  return {
      [self](tick_atom) {
        auto& s = self->state;
        log_line(s.env, tag, "Processing notifications...");
        process_due(self);
        auto rp = self->make_response_promise<tick_report>();
        s.work.answer_when_idle(rp);
        return rp;
      },
      [self](posted_atom, const std::string& id, const std::string& hook, bool accepted,
             const std::string& detail) { on_posted(self, id, hook, accepted, detail); },
      [self](const task_event& e) { on_task(self, e); },
      [self](const approval_event& e) {
        if (auto d = approval_request_draft(e.subject))
          create(self, std::move(*d));
      },
      [self](const alert_event& e) {
        if (e.raised)
          create(self, alert_draft(e.alert));
      },
  };
}

} // namespace

std::chrono::milliseconds delivery_timeout(const supervisor_settings& s) noexcept {
  return std::min(s.webhook_timeout, s.tick_deadline / 2);
}

supervisor_spec notification_dispatcher() {
  return {tag,
          [](caf::actor_system& sys, const supervisor_environment& env) {
            return caf::actor{sys.spawn(dispatcher, env)};
          },
          /*ticks_last=*/true};
}

} // namespace mc::supervisors
