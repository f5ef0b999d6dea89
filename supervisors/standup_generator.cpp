#include "supervisors/standup_generator.hpp"

#include "actors/approval_messages.hpp"
#include "actors/governance_messages.hpp"
#include "actors/run_accounting.hpp"
#include "actors/run_messages.hpp"
#include "actors/supervisor_messages.hpp"
#include "domain/entity_json.hpp"
#include "domain/standup.hpp"
#include "persistence/entity_rows.hpp"
#include "persistence/errc_caf.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/all.hpp>

#include <cstdio>
#include <memory>

namespace mc::supervisors {
namespace {

using namespace actors;
namespace json = boost::json;
using persistence::table_id;

constexpr const char* tag = "StandupGenerator";

struct standup_state {
  supervisor_environment env;
  /// The local day whose scheduled standup is known to exist.
  std::string generated_for;
  static inline const char* name = "standup_generator";
};
using self_ptr = caf::stateful_actor<standup_state>*;

/// The entities of a list reply (`{"agents":[…]}` and the like); unreadable ones are skipped,
/// since a standup with one entry missing beats no standup.
template <class T>
std::vector<T> entities_of(const api_reply& r, const char* key) {
  std::vector<T> out;
  auto v = json::parse(r.body);
  if (const auto* items = v.as_object().if_contains(key); items && items->is_array())
    for (const auto& item : items->as_array()) {
      try {
        out.push_back(from_json<T>(item));
      } catch (const std::exception&) {
      }
    }
  return out;
}

usd total_of(const api_reply& r) {
  return usd::from_dollars(json::parse(r.body).at("total").to_number<double>());
}

/// Gathers the facts from the registries, the approvals, the alerts and the ledger, in
/// parallel; `done` gets them once all answered, or the first error.
void gather(self_ptr self, civil_date day, epoch_ms since,
            std::function<void(caf::expected<standup_facts>)> done) {
  const auto& env = self->state.env;
  const auto zone = spend_zone(env.policy->get()->policy);
  auto facts = std::make_shared<standup_facts>();
  facts->day = day;
  facts->zone = zone.name();
  facts->finished_since = since;
  auto left = std::make_shared<int>(7);
  auto failed = std::make_shared<bool>(false);
  auto settle = [facts, left, failed, done] {
    if (--*left == 0 && !*failed)
      done(*facts);
  };
  auto fail = [failed, done](caf::error& e) {
    if (!*failed) {
      *failed = true;
      done(std::move(e));
    }
  };
  const auto timeout = env.settings.tick_deadline;
  agent_query agents_q;
  agents_q.limit = 200;
  self->request(env.agents, timeout, list_atom::value, agents_q)
      .then(
          [facts, settle](api_reply& r) mutable {
            facts->agents = entities_of<agent>(r, "agents");
            settle();
          },
          fail);
  // Open work, and what was done most recently (the window is a day; 200 is plenty for one).
  task_query open_q;
  open_q.statuses = {task_status::assigned, task_status::in_progress, task_status::review,
                     task_status::blocked, task_status::needs_approval};
  open_q.limit = 200;
  task_query done_q;
  done_q.statuses = {task_status::done};
  done_q.sort_by = "updatedAt";
  done_q.limit = 200;
  for (const auto& q : {open_q, done_q})
    self->request(env.tasks, timeout, list_atom::value, q)
        .then(
            [facts, settle](api_reply& r) mutable {
              auto tasks = entities_of<task>(r, "tasks");
              facts->tasks.insert(facts->tasks.end(), tasks.begin(), tasks.end());
              settle();
            },
            fail);
  approval_query approvals_q;
  approvals_q.statuses = {approval_status::pending};
  approvals_q.limit = 200;
  self->request(env.approvals, timeout, list_atom::value, approvals_q)
      .then(
          [facts, settle](api_reply& r) mutable {
            facts->pending_approvals = entities_of<approval>(r, "approvals");
            settle();
          },
          fail);
  alert_query alerts_q;
  alerts_q.filter.resolved = false;
  alerts_q.limit = 200;
  self->request(env.alerts, timeout, list_atom::value, alerts_q)
      .then(
          [facts, settle](api_reply& r) mutable {
            facts->open_alerts = entities_of<alert>(r, "alerts");
            settle();
          },
          fail);
  self->request(env.ledger, timeout, costs_atom::value, daily_atom::value,
                to_string(add_days(day, -1)))
      .then(
          [facts, settle](api_reply& r) mutable {
            facts->spent_yesterday = total_of(r);
            settle();
          },
          fail);
  self->request(env.ledger, timeout, costs_atom::value, daily_atom::value, to_string(day))
      .then(
          [facts, settle](api_reply& r) mutable {
            facts->spent_today = total_of(r);
            settle();
          },
          fail);
}

audit_record generation_audit(const document& d, const std::string& actor, std::string id) {
  audit_record r;
  r.id = std::move(id);
  r.actor_type = actor == "system" ? "system" : "operator";
  r.actor_id = actor;
  r.action = "standup.generate";
  r.at = d.created_at;
  r.reason = d.name;
  return r;
}

api_reply standup_reply(const document& d) {
  return {200, json::serialize(json::object{{"standup", to_json(d)}})};
}

/// Builds and stores a standup; `done` gets the document once it is durable.
void generate(self_ptr self, civil_date day, std::string id, std::string actor,
              std::function<void(caf::expected<document>)> done) {
  const auto now = self->state.env.clk->now_ms();
  gather(self, day, now - 24 * 60 * 60'000,
         [self, id, actor, now, done](caf::expected<standup_facts> facts) mutable {
           if (!facts) {
             done(facts.error());
             return;
           }
           auto& env = self->state.env;
           auto d = make_standup(*facts, id, now);
           persistence::write_batch batch;
           batch.rows.push_back(persistence::to_row(d));
           batch.rows.push_back(
               persistence::to_row(generation_audit(d, actor, env.ids->next(id_prefix::activity))));
           self->request(env.db, env.settings.tick_deadline, persistence::write_atom::value,
                         std::move(batch))
               .then([d, done](persistence::write_ack) mutable { done(std::move(d)); },
                     [done](caf::error& e) mutable { done(std::move(e)); });
         });
}

void on_tick(self_ptr self, caf::typed_response_promise<tick_report> rp) {
  auto& st = self->state;
  log_line(st.env, tag, "Checking the standup schedule...");
  const auto now = st.env.clk->now_ms();
  const auto zone = spend_zone(st.env.policy->get()->policy);
  const auto today = zone.date_at(now);
  const auto due =
      zone.instant_of(today, {st.env.settings.standup_hour, st.env.settings.standup_minute, 0});
  if (now < due || st.generated_for == to_string(today)) {
    rp.deliver(tick_report{tag, 0});
    return;
  }
  const auto id = standup_id(today);
  self->request(st.env.db, st.env.settings.tick_deadline, persistence::read_atom::value,
                table_id::documents, std::string("id"), id)
      .then(
          [self, rp, today, id](std::vector<persistence::row>& existing) mutable {
            if (!existing.empty()) {
              self->state.generated_for = to_string(today);
              rp.deliver(tick_report{tag, 0});
              return;
            }
            generate(self, today, id, "system",
                     [self, rp, today](caf::expected<document> d) mutable {
                       if (!d) {
                         rp.deliver(d.error());
                         return;
                       }
                       self->state.generated_for = to_string(today);
                       log_line(self->state.env, tag,
                                "Standup for " + to_string(today) + " generated (" + d->id +
                                    "): GET /api/standup");
                       rp.deliver(tick_report{tag, 1});
                     });
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

/// The stored standup `GET /api/standup` asks for: that day's scheduled one, else the newest of
/// that day; with no day, the newest of all.
void lookup(self_ptr self, const standup_query& q, caf::typed_response_promise<api_reply> rp) {
  auto& env = self->state.env;
  std::optional<civil_date> day;
  if (!q.date.empty()) {
    day = parse_civil_date(q.date);
    if (!day) {
      rp.deliver(make_error(errc::invalid_input, "date must be YYYY-MM-DD, got '" + q.date + "'"));
      return;
    }
  }
  self->request(env.db, env.settings.tick_deadline, persistence::read_atom::value,
                table_id::documents, std::string("type"), std::string("standup"))
      .then(
          [self, day, rp](std::vector<persistence::row>& rows) mutable {
            std::optional<document> best;
            bool best_scheduled = false;
            for (const auto& r : rows) {
              document d;
              try {
                d = persistence::from_row<document>(r);
              } catch (const std::exception&) {
                continue; // verify-db reports it; the other standups are still worth showing
              }
              if (day && d.id.rfind(standup_id(*day), 0) != 0)
                continue;
              const bool scheduled = day && d.id == standup_id(*day);
              if (best_scheduled)
                continue;
              if (!best || scheduled || d.created_at > best->created_at) {
                best = std::move(d);
                best_scheduled = scheduled;
              }
            }
            if (!best) {
              const auto& settings = self->state.env.settings;
              const auto zone = spend_zone(self->state.env.policy->get()->policy);
              char at[8];
              std::snprintf(at, sizeof at, "%02d:%02d", settings.standup_hour % 100,
                            settings.standup_minute % 100);
              rp.deliver(make_error(
                  errc::not_found,
                  (day ? "no standup for " + to_string(*day) : std::string("no standup yet")) +
                      ": one is generated every day at " + at + " " + zone.name() +
                      ", and POST /api/standup makes one now"));
              return;
            }
            rp.deliver(standup_reply(*best));
          },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::behavior standup_impl(self_ptr self, supervisor_environment env) {
  self->state.env = std::move(env);
  return {
      [self](tick_atom) {
        auto rp = self->make_response_promise<tick_report>();
        on_tick(self, rp);
        return rp;
      },
      [self](standup_atom, standup_query& q) {
        auto rp = self->make_response_promise<api_reply>();
        if (!q.generate) {
          lookup(self, q, rp);
          return rp;
        }
        const auto now = self->state.env.clk->now_ms();
        const auto day = spend_zone(self->state.env.policy->get()->policy).date_at(now);
        // Apart from the scheduled one, so asking early does not cancel the 09:00 standup.
        generate(self, day, standup_id(day) + "-at-" + std::to_string(now),
                 q.actor.empty() ? "operator" : q.actor, [rp](caf::expected<document> d) mutable {
                   if (!d) {
                     rp.deliver(d.error());
                     return;
                   }
                   auto reply = standup_reply(*d);
                   reply.status = 201;
                   rp.deliver(std::move(reply));
                 });
        return rp;
      },
  };
}

} // namespace

supervisor_spec standup_generator() {
  return {tag, [](caf::actor_system& sys, const supervisor_environment& env) {
            return sys.spawn(standup_impl, env);
          }};
}

} // namespace mc::supervisors
