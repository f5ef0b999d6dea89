#include "supervisors/heartbeat_monitor.hpp"

#include "actors/agent_actor.hpp"
#include "actors/event_subscription.hpp"
#include "actors/governance_messages.hpp"
#include "actors/liveness_messages.hpp"
#include "actors/run_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "actors/task_actor.hpp"
#include "domain/age_text.hpp"
#include "domain/error_streak.hpp"
#include "domain/liveness.hpp"
#include "supervisors/pending_work.hpp"

#include <boost/json/parse.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>

namespace mc::supervisors {
namespace {

namespace json = boost::json;
using namespace actors;

constexpr const char* tag = "HeartbeatMonitor";
/// The list routes' largest page.
constexpr std::int32_t page_size = 200;
/// The actors answer within the persistence actor's bound; this only keeps a lost reply from
/// holding a tick forever.
constexpr auto request_timeout = std::chrono::seconds(30);

struct streak_episode {
  bool warned = false;
  bool quarantined = false;
};

struct monitor_state {
  static inline const char* name = "heartbeat_monitor";
  supervisor_environment env;
  pending_work work{tag};
  /// Requests of the current liveness scan still in flight: a tick starts a scan only when the
  /// previous one is finished, so two scans never act on the same agent at once.
  std::int32_t scan_pending = 0;
  /// Agent id → the last sign of life whose staleness is handled (alert raised or found).
  std::map<std::string, epoch_ms> alerted;
  /// Task id → the latest sign of life of its stale assignees when its notice was posted.
  std::map<std::string, epoch_ms> flagged;
  /// Agents whose run was just charged: their next agent_event is that run's outcome.
  std::set<std::string> run_charged;
  /// Agents in an error streak episode, and what it already did.
  std::map<std::string, streak_episode> streaks;
};

using self_ptr = caf::stateful_actor<monitor_state>*;

// ---- bookkeeping of reactions in flight
// ----------------------------------------------------------

void begin(self_ptr self, bool scan) {
  self->state.work.begin();
  if (scan)
    ++self->state.scan_pending;
}

void end(self_ptr self, bool scan, bool acted) {
  if (scan)
    --self->state.scan_pending;
  self->state.work.end(acted);
}

/// The error handler of every request: logged, and the reaction ends without acting.
auto failed(self_ptr self, bool scan, std::string what) {
  return [self, scan, what = std::move(what)](caf::error& e) {
    log_line(self->state.env, tag, what + ": " + to_string(e));
    end(self, scan, false);
  };
}

// ---- reading the registries
// ----------------------------------------------------------------------

template <class T>
std::vector<T> page_of(const api_reply& r, std::string_view key, bool& more) {
  std::vector<T> out;
  auto doc = json::parse(r.body);
  more = doc.at("hasMore").as_bool();
  for (const auto& v : doc.at(key).as_array())
    out.push_back(from_json<T>(v));
  return out;
}

/// Every item of a list query, page by page, then `done(items)`.
template <class T, class Query, class Done>
void collect(self_ptr self, caf::actor from, Query q, std::string key,
             std::shared_ptr<std::vector<T>> acc, Done done) {
  begin(self, true);
  self->request(from, request_timeout, list_atom::value, q)
      .then(
          [self, from, q, key, acc, done](api_reply& r) mutable {
            bool more = false;
            auto page = page_of<T>(r, key, more);
            acc->insert(acc->end(), page.begin(), page.end());
            if (more && !page.empty()) {
              q.offset += static_cast<std::int32_t>(page.size());
              collect(self, from, q, key, acc, done);
            } else {
              done(*acc);
            }
            end(self, true, false);
          },
          failed(self, true, "could not list " + key));
}

/// Finds an actor through its registry, then `next(handle)`.
template <class Handle, class Next>
void with_actor(self_ptr self, const caf::actor& registry, const std::string& id, bool scan,
                Next next) {
  begin(self, scan);
  self->request(registry, request_timeout, get_atom::value, id)
      .then(
          [self, scan, next](Handle& h) mutable {
            next(h);
            end(self, scan, false);
          },
          failed(self, scan, "could not find " + id));
}

void raise(self_ptr self, alert draft, bool scan) {
  begin(self, scan);
  const auto type = draft.type;
  self->request(self->state.env.alerts, request_timeout, raise_atom::value, std::move(draft))
      .then([self, scan](alert&) { end(self, scan, true); },
            failed(self, scan, "could not raise " + type));
}

/// Runs `act` unless an alert of `type` for `agent_id` matching `filter` and `already` is there
/// (so a restarted monitor does not act on an episode twice).
template <class AlreadyRaised, class Act>
void unless_raised(self_ptr self, std::string type, std::string agent_id, alert_filter filter,
                   bool scan, AlreadyRaised already, Act act) {
  alert_query q;
  q.filter = std::move(filter);
  q.filter.types = {std::move(type)};
  q.filter.agent_id = std::move(agent_id);
  q.limit = page_size;
  begin(self, scan);
  self->request(self->state.env.alerts, request_timeout, list_atom::value, q)
      .then(
          [self, scan, already, act](api_reply& r) mutable {
            bool more = false;
            auto found = page_of<alert>(r, "alerts", more);
            if (std::none_of(found.begin(), found.end(), already))
              act();
            end(self, scan, false);
          },
          failed(self, scan, "could not list alerts"));
}

// ---- error streaks
// -------------------------------------------------------------------------------

void quarantine_agent(self_ptr self, const agent& a, bool scan) {
  const auto streak = std::to_string(a.error_streak);
  with_actor<agent_actor>(
      self, self->state.env.agents, a.id, scan, [self, scan, id = a.id, streak](agent_actor& h) {
        agent_control_command c;
        c.control = agent_control::quarantine;
        c.actor = "system";
        c.reason = "error streak " + streak + " reached the quarantine threshold";
        begin(self, scan);
        self->request(h, request_timeout, control_atom::value, c)
            .then([self, scan](api_reply&) { end(self, scan, true); },
                  failed(self, scan, "could not quarantine " + id));
      });
}

void escalate(self_ptr self, const agent& a, bool quarantine, bool scan) {
  const auto& s = self->state.env.settings;
  alert draft;
  draft.type = "agent_error_streak";
  draft.agent_id = a.id;
  const auto streak = std::to_string(a.error_streak);
  const auto last = a.last_error ? " Last error: " + *a.last_error : std::string{};
  if (quarantine) {
    draft.severity = alert_severity::critical;
    draft.title = "Agent " + a.id + " quarantined after " + streak + " failed runs in a row";
    draft.description = "Error streak " + streak + " reached the quarantine threshold (" +
                        std::to_string(s.error_streak_quarantine) +
                        "): the agent is quarantined and starts no new work." + last +
                        " Investigate, then resume it with errorStreak reset.";
  } else {
    draft.severity = alert_severity::warning;
    draft.title = "Agent " + a.id + " has failed " + streak + " runs in a row";
    draft.description = "Error streak " + streak + " is above the warning threshold (" +
                        std::to_string(s.error_streak_warning) + "); at " +
                        std::to_string(s.error_streak_quarantine) + " the agent is quarantined." +
                        last;
  }
  alert_filter open;
  open.resolved = false;
  if (quarantine)
    open.severities = {alert_severity::critical};
  // Any open streak alert of the episode (a critical one for the quarantine) means it was
  // handled: a restarted monitor neither raises it again nor overrides an operator's resume.
  auto type = draft.type;
  unless_raised(
      self, std::move(type), a.id, std::move(open), scan, [](const alert&) { return true; },
      [self, a, quarantine, scan, draft = std::move(draft)]() mutable {
        if (quarantine && a.status != agent_status::quarantined)
          quarantine_agent(self, a, scan);
        raise(self, std::move(draft), scan);
      });
}

/// One warning and one quarantine per episode: the episode ends when the streak falls back to
/// the warning threshold or below.
void react_to_streak(self_ptr self, const agent& a, bool scan) {
  auto& st = self->state;
  const auto& s = st.env.settings;
  const auto level =
      streak_level_of(a.error_streak, s.error_streak_warning, s.error_streak_quarantine);
  if (level == streak_level::none) {
    st.streaks.erase(a.id);
    return;
  }
  auto& ep = st.streaks[a.id];
  if (level == streak_level::quarantine && !ep.quarantined) {
    // The critical alert supersedes the warning.
    ep.quarantined = ep.warned = true;
    escalate(self, a, true, scan);
  } else if (level == streak_level::warning && !ep.warned) {
    ep.warned = true;
    escalate(self, a, false, scan);
  }
}

// ---- staleness
// -----------------------------------------------------------------------------------

void raise_stale_alert(self_ptr self, const agent& a) {
  const auto& s = self->state.env.settings;
  const auto since = last_sign_of_life(a);
  alert draft;
  draft.type = "agent_stale";
  draft.severity = alert_severity::warning;
  draft.agent_id = a.id;
  draft.title =
      "Agent " + a.id + " is stale: no heartbeat for more than " + format_age(s.stale_after_ms);
  draft.description = "No heartbeat from " + a.id + " since " + utc_text(since) +
                      ". Status: " + std::string(to_string(a.status)) +
                      (a.status == agent_status::offline ? "" : " (kept: the operator set it)") +
                      ". A task only it holds in progress is released for reassignment at " +
                      utc_text(release_due_at(a, s.stale_after_ms, s.release_grace_ms)) +
                      " unless it reports again.";
  // An alert of this episode, resolved or not, is the one alert of the episode.
  auto type = draft.type;
  unless_raised(
      self, std::move(type), a.id, {}, true,
      [since](const alert& x) { return x.created_at >= since; },
      [self, draft = std::move(draft)]() mutable { raise(self, std::move(draft), true); });
}

/// Asks the agent's actor to apply its staleness (it re-checks against its own last heartbeat),
/// then raises the episode's alert.
void handle_stale_agent(self_ptr self, const agent& a) {
  auto& st = self->state;
  const auto since = last_sign_of_life(a);
  auto it = st.alerted.find(a.id);
  const bool handled = it != st.alerted.end() && it->second == since;
  if (handled && a.status != agent_status::active)
    return;
  const auto stale_after = st.env.settings.stale_after_ms;
  with_actor<agent_actor>(
      self, st.env.agents, a.id, true,
      [self, handled, since, stale_after, id = a.id](agent_actor& h) {
        begin(self, true);
        self->request(h, request_timeout, liveness_atom::value, liveness_check{stale_after})
            .then(
                [self, handled, since](liveness_verdict& v) {
                  if (v.stale && v.went_offline)
                    log_line(self->state.env, tag, "agent " + v.agent.id + " went offline");
                  if (v.stale && !handled) {
                    self->state.alerted[v.agent.id] = since;
                    raise_stale_alert(self, v.agent);
                  }
                  end(self, true, v.went_offline);
                },
                failed(self, true, "could not check " + id));
      });
}

void post_notice(self_ptr self, task_actor& h, const std::string& task_id, const agent& a,
                 epoch_ms release_at) {
  post_message_command cmd;
  cmd.draft.type = message_type::comment;
  cmd.draft.author = "system";
  cmd.draft.content = stale_task_notice(a.id, last_sign_of_life(a), release_at);
  cmd.by_system = true;
  cmd.actor_type = "system";
  cmd.actor = "system";
  begin(self, true);
  self->request(h, request_timeout, post_atom::value, std::move(cmd))
      .then([self](api_reply&) { end(self, true, true); },
            failed(self, true, "could not flag task " + task_id));
}

void release(self_ptr self, task_actor& h, const task& t, const std::vector<agent>& holders) {
  const auto& s = self->state.env.settings;
  release_command cmd;
  std::string who;
  for (const auto& a : holders) {
    cmd.agent_ids.push_back(a.id);
    who +=
        (who.empty() ? "" : ", ") + a.id + " (silent since " + utc_text(last_sign_of_life(a)) + ")";
  }
  cmd.reason = "released for reassignment: no heartbeat for more than " +
               format_age(s.stale_after_ms) + " from " + who + ", grace period of " +
               format_age(s.release_grace_ms) + " over";
  begin(self, true);
  self->request(h, request_timeout, release_atom::value, std::move(cmd))
      .then(
          [self, id = t.id](api_reply&) {
            log_line(self->state.env, tag, "task " + id + " released for reassignment");
            self->state.flagged.erase(id);
            end(self, true, true);
          },
          failed(self, true, "could not release task " + t.id));
}

/// A task in progress whose every assignee is stale: flagged once per episode (unless its
/// thread already shows the flag), released once the grace period is over.
void handle_stale_task(self_ptr self, const task& t, std::vector<agent> holders) {
  auto& st = self->state;
  const auto& s = st.env.settings;
  epoch_ms episode = 0, due = 0;
  for (const auto& a : holders) {
    episode = std::max(episode, last_sign_of_life(a));
    due = std::max(due, release_due_at(a, s.stale_after_ms, s.release_grace_ms));
  }
  const bool flagged = st.flagged.count(t.id) && st.flagged[t.id] == episode;
  const bool release_now = st.env.clk->now_ms() >= due;
  if (flagged && !release_now)
    return;
  st.flagged[t.id] = episode;
  with_actor<task_actor>(
      self, st.env.tasks, t.id, true, [self, t, holders, due, flagged, release_now](task_actor& h) {
        if (flagged) {
          release(self, h, t, holders);
          return;
        }
        // The thread tells whether an earlier monitor (before a restart) flagged it already.
        begin(self, true);
        self->request(h, request_timeout, get_atom::value)
            .then(
                [self, h, t, holders, due, release_now](task_view& v) mutable {
                  for (const auto& a : holders) {
                    const auto since = last_sign_of_life(a);
                    if (std::none_of(v.messages.begin(), v.messages.end(), [&](const message& m) {
                          return is_stale_task_notice(m, a.id, since);
                        }))
                      post_notice(self, h, t.id, a, due);
                  }
                  // The notice is asked for first, so the thread shows it before the move.
                  if (release_now)
                    release(self, h, t, holders);
                  end(self, true, false);
                },
                failed(self, true, "could not read task " + t.id));
      });
}

void on_in_progress(self_ptr self, const std::map<std::string, agent>& stale,
                    const std::vector<task>& in_progress) {
  std::set<std::string> seen;
  for (const auto& t : in_progress) {
    if (t.assignee_ids.empty())
      continue;
    std::vector<agent> holders;
    for (const auto& id : t.assignee_ids) {
      auto it = stale.find(id);
      if (it == stale.end())
        break;
      holders.push_back(it->second);
    }
    // A task some live assignee still works on is not released.
    if (holders.size() != t.assignee_ids.size())
      continue;
    seen.insert(t.id);
    handle_stale_task(self, t, std::move(holders));
  }
  std::erase_if(self->state.flagged, [&](const auto& kv) { return !seen.count(kv.first); });
}

void on_agents(self_ptr self, const std::vector<agent>& all) {
  auto& st = self->state;
  const auto now = st.env.clk->now_ms();
  std::map<std::string, agent> stale;
  for (const auto& a : all) {
    react_to_streak(self, a, true);
    if (is_stale(a, now, st.env.settings.stale_after_ms))
      stale.emplace(a.id, a);
  }
  std::erase_if(st.alerted, [&](const auto& kv) { return !stale.count(kv.first); });
  if (stale.empty())
    return;
  for (const auto& [id, a] : stale)
    handle_stale_agent(self, a);
  task_query q;
  q.statuses = {task_status::in_progress};
  q.descending = false;
  q.limit = page_size;
  collect<task>(
      self, st.env.tasks, q, "tasks", std::make_shared<std::vector<task>>(),
      [self, stale](const std::vector<task>& tasks) { on_in_progress(self, stale, tasks); });
}

void scan(self_ptr self) {
  agent_query q;
  q.descending = false;
  q.limit = page_size;
  collect<agent>(self, self->state.env.agents, q, "agents", std::make_shared<std::vector<agent>>(),
                 [self](const std::vector<agent>& all) { on_agents(self, all); });
}

caf::behavior monitor(self_ptr self, supervisor_environment env) {
  self->state.env = std::move(env);
  subscribe_to_events(self, self->state.env.events);
  return {
      [self](tick_atom) {
        auto& st = self->state;
        log_line(st.env, tag, "Checking agent liveness...");
        auto rp = self->make_response_promise<tick_report>();
        if (st.scan_pending == 0)
          scan(self);
        st.work.answer_when_idle(rp);
        return rp;
      },
      [self](const run_event& e) {
        // The agent_event that follows from the same actor (so in order) carries the streak
        // this run left.
        self->state.run_charged.insert(e.run.agent_id);
      },
      [self](const agent_event& e) {
        // Only a charged run moves a streak at once; an operator's edit of errorStreak is
        // picked up by the next tick's scan instead.
        if (!e.heartbeat && self->state.run_charged.erase(e.agent.id))
          react_to_streak(self, e.agent, false);
      },
  };
}

} // namespace

supervisor_spec heartbeat_monitor() {
  return {tag, [](caf::actor_system& sys, const supervisor_environment& env) {
            return sys.spawn(monitor, env);
          }};
}

} // namespace mc::supervisors
