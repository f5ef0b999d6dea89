#include "persistence/verify_db.hpp"

#include "domain/entity_json.hpp"
#include "domain/ids.hpp"
#include "persistence/audit_chain.hpp"
#include "persistence/entity_rows.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace mc::persistence {
namespace {

std::string show(const cell& c) {
  switch (c.k) {
  case cell::kind::null:
    return "null";
  case cell::kind::integer:
    return std::to_string(c.i);
  case cell::kind::text:
    return "\"" + c.s + "\"";
  }
  return {};
}

std::string dollars(usd v) {
  const std::int64_t m = v.micros < 0 ? -v.micros : v.micros;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s$%lld.%06lld", v.micros < 0 ? "-" : "",
                static_cast<long long>(m / 1'000'000), static_cast<long long>(m % 1'000'000));
  std::string s = buf;
  // Keep cents, drop the zeros after them: $1.250000 → $1.25.
  while (s.size() > 3 && s.back() == '0' && s[s.size() - 3] != '.')
    s.pop_back();
  return s;
}

struct task_facts {
  /// Unknown when the document does not parse: then only the id is known to exist.
  std::optional<usd> actual_cost;
  bool archived = false;
};

struct spend {
  usd total;
  std::int64_t runs = 0;
};

enum class ref_kind : std::uint8_t { agent, task };

struct pending_ref {
  std::string table;
  std::string key;
  std::string field;
  std::string id;
  ref_kind kind;
};

class verifier {
 public:
  verifier(store_txn& txn, const verify_options& options, verify_report& report)
      : txn_(txn), report_(report) {
    people_ = {"human", "operator", "system"};
    people_.insert(options.operator_names.begin(), options.operator_names.end());
  }

  void run() {
    scan(table_id::agents, [&](const row& r) { check_agent(r); });
    scan(table_id::tasks, [&](const row& r) { check_task(r); });
    scan(table_id::archived_tasks, [&](const row& r) { check_task(r); });
    // Agents and tasks point at each other and at themselves: resolved once both are known.
    for (const pending_ref& p : pending_)
      resolve(p);
    pending_.clear();
    scan(table_id::runs, [&](const row& r) { check_run(r); });
    scan(table_id::tool_calls, [&](const row& r) { check_tool_call(r); });
    scan(table_id::approvals, [&](const row& r) { check_approval(r); });
    scan(table_id::alerts, [&](const row& r) { check_alert(r); });
    scan(table_id::notifications, [&](const row& r) { check_notification(r); });
    scan(table_id::documents, [&](const row& r) { entity<document>(r, {"id", "name", "type"}); });
    scan(table_id::webhooks, [&](const row& r) { json_object(r); });
    scan(table_id::policies, [&](const row& r) { json_object(r); });
    for (const table_id t : {table_id::transitions, table_id::archived_transitions})
      scan(t, [&](const row& r) {
        if (auto x = entity<transition>(r, {"taskId", "to", "actor"}))
          need(r, "taskId", x->task_id, ref_kind::task);
      });
    for (const table_id t : {table_id::messages, table_id::archived_messages})
      scan(t, [&](const row& r) {
        if (auto x = entity<message>(r, {"id", "taskId", "type", "author"}))
          need(r, "taskId", x->task_id, ref_kind::task);
      });
    chain_checker chain;
    scan(table_id::audit, [&](const row& r) {
      entity<audit_record>(r, {"id", "actorType", "actorId", "action", "at"});
      if (auto f = chain.check(r))
        problem(r, std::move(f->what));
    });
    report_.audit_chained = chain.chained();
    report_.audit_unchained = chain.unchained();
    report_.audit_head = chain.head();
    scan(table_id::approval_decisions, [&](const row& r) {
      json_object(r);
      const cell& id = r.at("approval_id");
      if (id.k == cell::kind::text && !approvals_.contains(id.s))
        problem(r, "approval_id names approval \"" + id.s + "\", which does not exist");
    });
    scan(table_id::idempotency, [&](const row& r) {
      if (r.key().empty())
        problem(r, "empty key");
    });
    check_counters();
  }

 private:
  template <class Fn>
  void scan(table_id t, Fn&& fn) {
    std::int64_t n = 0;
    txn_.scan(t, {}, [&](const row& r) {
      ++n;
      fn(r);
      return true;
    });
    report_.rows[static_cast<std::size_t>(t)] = n;
  }

  void problem(const row& r, std::string what) {
    report_.problems.push_back({std::string(def(r.table).name), r.key(), std::move(what)});
  }

  std::optional<boost::json::object> json_object(const row& r) {
    const cell& doc = r.at("doc");
    if (doc.k != cell::kind::text) {
      problem(r, "no doc");
      return std::nullopt;
    }
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(doc.s, ec);
    if (ec) {
      problem(r, "doc is not valid JSON: " + ec.message());
      return std::nullopt;
    }
    if (!v.is_object()) {
      problem(r, "doc is not a JSON object");
      return std::nullopt;
    }
    return std::move(v.as_object());
  }

  /// The row's entity, after checking its required fields and that every filter column holds
  /// what the document says (the columns are what lists filter on, the doc what they return).
  template <class T>
  std::optional<T> entity(const row& r, std::initializer_list<std::string_view> required) {
    auto obj = json_object(r);
    if (!obj)
      return std::nullopt;
    for (const std::string_view field : required) {
      const auto* v = obj->if_contains(field);
      if (v == nullptr || v->is_null() || (v->is_string() && v->as_string().empty()))
        problem(r, "missing required field " + std::string(field));
    }
    std::optional<T> x;
    try {
      x = from_json<T>(*obj);
    } catch (const std::exception& e) {
      problem(r, std::string("doc does not fit its entity: ") + e.what());
      return std::nullopt;
    }
    const row expected = to_row(*x);
    const auto cols = def(r.table).columns;
    for (std::size_t i = 0; i < cols.size() && i < expected.cells.size(); ++i) {
      // The audit chain's columns are not in the doc; the chain check covers them.
      if (cols[i].name == "doc" || r.cells[i] == expected.cells[i] ||
          (r.table == table_id::audit && (cols[i].name == "prev_hash" || cols[i].name == "hash")))
        continue;
      problem(r, "column " + std::string(cols[i].name) + " holds " + show(r.cells[i]) +
                     " but the doc says " + show(expected.cells[i]));
    }
    return x;
  }

  bool is_person(const std::string& name) const { return people_.contains(name); }

  /// A reference that must name a stored agent or task.
  void need(const row& r, std::string_view field, const std::string& id, ref_kind kind) {
    if (id.empty())
      return;
    const bool found = kind == ref_kind::agent ? agents_.contains(id) : tasks_.contains(id);
    if (!found)
      problem(r, std::string(field) + " names " + (kind == ref_kind::agent ? "agent" : "task") +
                     " \"" + id + "\", which does not exist");
  }

  void need(const row& r, std::string_view field, const std::optional<std::string>& id,
            ref_kind kind) {
    if (id)
      need(r, field, *id, kind);
  }

  /// A field that names an agent or a person: only agent-shaped names that are no person's are
  /// checked.
  void need_agent_or_person(const row& r, std::string_view field, const std::string& id) {
    if (!is_person(id) && is_valid_agent_id(id))
      need(r, field, id, ref_kind::agent);
  }

  void defer(const row& r, std::string field, const std::optional<std::string>& id, ref_kind kind) {
    if (id && !id->empty())
      pending_.push_back({std::string(def(r.table).name), r.key(), std::move(field), *id, kind});
  }

  void resolve(const pending_ref& p) {
    const bool found = p.kind == ref_kind::agent ? agents_.contains(p.id) : tasks_.contains(p.id);
    if (!found)
      report_.problems.push_back({p.table, p.key,
                                  p.field + " names " +
                                      (p.kind == ref_kind::agent ? "agent" : "task") + " \"" +
                                      p.id + "\", which does not exist"});
  }

  void check_agent(const row& r) {
    auto a = entity<agent>(r, {"id", "name", "role", "status"});
    // An unreadable agent still exists: its references should not pile up problems.
    if (!a) {
      agents_.try_emplace(r.key());
      return;
    }
    agents_[a->id] = a->total_spend;
    defer(r, "currentTaskId", a->current_task_id, ref_kind::task);
    defer(r, "parentAgentId", a->parent_agent_id, ref_kind::agent);
  }

  void check_task(const row& r) {
    const bool archived = r.table == table_id::archived_tasks;
    const cell& status = r.at("status");
    const auto legal = status.k == cell::kind::text ? parse_enum<task_status>(status.s)
                                                    : std::optional<task_status>{};
    if (!legal || to_string(*legal) != status.s) {
      std::string allowed;
      for (const task_status s : all_values<task_status>())
        allowed += (allowed.empty() ? "" : ", ") + std::string(to_string(s));
      problem(r, "illegal task status " + show(status) + " (legal: " + allowed + ")");
    } else if (archived && *legal != task_status::done && *legal != task_status::canceled) {
      problem(r, "archived task in status " + show(status) +
                     "; only done and canceled tasks "
                     "are archived");
    }
    auto t = entity<task>(r, {"id", "title", "type", "status"});
    const auto [it, fresh] = tasks_.try_emplace(
        r.key(), task_facts{t ? std::optional<usd>(t->actual_cost) : std::nullopt, archived});
    if (!fresh)
      problem(r, "task is in both tasks and archived_tasks");
    if (!t)
      return;
    for (const std::string& a : t->assignee_ids)
      need_agent_or_person(r, "assigneeIds", a);
    need_agent_or_person(r, "creatorId", t->creator_id);
    if (t->reviewer_id)
      need_agent_or_person(r, "reviewerId", *t->reviewer_id);
    defer(r, "parentTaskId", t->parent_task_id, ref_kind::task);
  }

  void check_run(const row& r) {
    auto x = entity<mc::run>(r, {"id", "agentId", "model", "status"});
    if (!x)
      return;
    runs_.insert(x->id);
    need(r, "agentId", x->agent_id, ref_kind::agent);
    need(r, "taskId", x->task_id, ref_kind::task);
    auto& a = agent_runs_[x->agent_id];
    a.total += x->cost_usd;
    ++a.runs;
    if (x->task_id) {
      auto& t = task_runs_[*x->task_id];
      t.total += x->cost_usd;
      ++t.runs;
    }
  }

  void check_tool_call(const row& r) {
    auto x = entity<tool_call>(r, {"id", "agentId", "toolName", "status"});
    if (!x)
      return;
    tool_calls_.insert(x->id);
    need(r, "agentId", x->agent_id, ref_kind::agent);
    need(r, "taskId", x->task_id, ref_kind::task);
    if (x->run_id && !runs_.contains(*x->run_id))
      problem(r, "runId names run \"" + *x->run_id + "\", which does not exist");
  }

  void check_approval(const row& r) {
    auto x = entity<approval>(r, {"id", "requestorId", "actionType", "status"});
    if (!x)
      return;
    approvals_.insert(x->id);
    need(r, "taskId", x->task_id, ref_kind::task);
    if (x->tool_call_id && !tool_calls_.contains(*x->tool_call_id))
      problem(r, "toolCallId names tool call \"" + *x->tool_call_id + "\", which does not exist");
  }

  void check_alert(const row& r) {
    auto x = entity<alert>(r, {"id", "severity", "type", "title", "status"});
    if (!x)
      return;
    need(r, "agentId", x->agent_id, ref_kind::agent);
    need(r, "taskId", x->task_id, ref_kind::task);
    if (x->run_id && !runs_.contains(*x->run_id))
      problem(r, "runId names run \"" + *x->run_id + "\", which does not exist");
  }

  void check_notification(const row& r) {
    auto x = entity<notification>(r, {"id", "target", "channel", "type", "status"});
    if (x)
      need_agent_or_person(r, "target", x->target);
  }

  void check_counters() {
    for (const auto& [id, total] : agents_) {
      const auto it = agent_runs_.find(id);
      const spend s = it == agent_runs_.end() ? spend{} : it->second;
      if (total && s.total != *total)
        report_.problems.push_back({"agents", id,
                                    "totalSpend is " + dollars(*total) + " but its " +
                                        std::to_string(s.runs) + " runs cost " + dollars(s.total)});
    }
    for (const auto& [id, facts] : tasks_) {
      const auto it = task_runs_.find(id);
      const spend s = it == task_runs_.end() ? spend{} : it->second;
      if (facts.actual_cost && s.total != *facts.actual_cost)
        report_.problems.push_back({facts.archived ? "archived_tasks" : "tasks", id,
                                    "actualCost is " + dollars(*facts.actual_cost) + " but its " +
                                        std::to_string(s.runs) + " runs cost " + dollars(s.total)});
    }
  }

  store_txn& txn_;
  verify_report& report_;
  std::set<std::string, std::less<>> people_;
  // std::map keeps the counter problems in key order, so reports are stable.
  std::map<std::string, std::optional<usd>> agents_;
  std::map<std::string, task_facts> tasks_;
  std::unordered_set<std::string> runs_;
  std::unordered_set<std::string> tool_calls_;
  std::unordered_set<std::string> approvals_;
  std::unordered_map<std::string, spend> agent_runs_;
  std::unordered_map<std::string, spend> task_runs_;
  std::vector<pending_ref> pending_;
};

} // namespace

verify_report verify_db(store& s, const verify_options& options) {
  verify_report report;
  report.expected_schema_version = latest_schema_version();
  report.schema_version = s.schema_version();
  if (report.schema_version != report.expected_schema_version) {
    report.problems.push_back({"schema_version", std::to_string(report.schema_version),
                               "schema version " + std::to_string(report.schema_version) +
                                   ", this binary expects " +
                                   std::to_string(report.expected_schema_version) +
                                   (report.schema_version < report.expected_schema_version
                                        ? " (run `mission-control migrate`)"
                                        : " (use a newer mission-control)")});
    // The tables may not have the catalog's shape: nothing else can be read reliably.
    return report;
  }
  s.transact(
      [&](store_txn& txn) {
        verifier v(txn, options, report);
        v.run();
      },
      true);
  return report;
}

} // namespace mc::persistence
