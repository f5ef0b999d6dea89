#include "domain/budget_containment.hpp"

#include "domain/spend_level.hpp"

#include <algorithm>

namespace mc {
namespace {

bool exceeded(usd spent, usd cap) {
  return classify_spend(spent, cap) == spend_level::exceeded;
}

bool has(const std::vector<budget_breach>& all, budget_breach_kind k) {
  return std::any_of(all.begin(), all.end(), [k](const budget_breach& b) { return b.kind == k; });
}

std::string breach_text(const budget_breach& b) {
  return std::string(to_string(b.kind)) + " exceeded (" + dollar_text(b.spent) + " of " +
         dollar_text(b.cap) + ")";
}

std::string breaches_text(const std::vector<budget_breach>& all) {
  std::string out;
  for (const auto& b : all)
    out += (out.empty() ? "" : "; ") + breach_text(b);
  return out;
}

std::string task_text(const containment_facts& f) {
  const auto& t = *f.held;
  return "task " + t.id + " \"" + t.title + "\" (" + std::string(to_string(t.type)) + ", " +
         std::string(to_string(t.status)) + "): actual cost " + dollar_text(t.actual_cost) +
         " of its " + dollar_text(f.task_budget) + " budget";
}

std::string recent_text(const containment_facts& f) {
  const auto n = std::min(f.recent.size(), containment_recent_runs);
  if (n == 0)
    return "no runs recorded";
  std::string out;
  usd sum;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = f.recent[i];
    sum += r.cost_usd;
    out += "\n- " + r.id + ": " + dollar_text(r.cost_usd) + " (" + r.model +
           (r.task_id ? ", task " + *r.task_id : std::string()) + ")";
  }
  return "last " + std::to_string(n) + " runs, " + dollar_text(sum) + " in all:" + out;
}

std::string summary_prefix(const std::string& agent_id) {
  return "Budget override for agent " + agent_id + ": ";
}

} // namespace

std::string_view to_string(budget_breach_kind k) noexcept {
  switch (k) {
  case budget_breach_kind::per_run:
    return "per-run cap";
  case budget_breach_kind::daily:
    return "daily budget";
  case budget_breach_kind::task:
    return "task budget";
  }
  return "budget";
}

usd task_allowance(const task& t, const std::vector<approval>& approvals, const policy& p) {
  usd allowed = p.task_budgets.of(t.type);
  for (const auto& a : approvals)
    if (a.task_id == t.id && a.action_type == approval_action::budget_override &&
        a.status == approval_status::approved && a.estimated_cost)
      allowed += *a.estimated_cost;
  return allowed;
}

std::vector<budget_breach> budget_breaches(const run& r, bool check_run_cost, const agent& a,
                                           usd today_spend, const task* t, usd allowance,
                                           const policy& p) {
  policy_request req;
  req.role = a.role;
  req.today_spend = today_spend;
  req.agent_overrides = {a.budgets.daily_cap, a.budgets.per_run_cap};
  const auto caps = budget_status_for(req, p);
  std::vector<budget_breach> out;
  // At most one breach per cap. Reserving them also keeps GCC 12 at -O3 from a false
  // -Wstringop-overflow in the reallocation path of push_back.
  out.reserve(3);
  if (check_run_cost && exceeded(r.cost_usd, caps.per_run_cap))
    out.push_back({budget_breach_kind::per_run, r.cost_usd, caps.per_run_cap});
  if (exceeded(today_spend, caps.daily_cap))
    out.push_back({budget_breach_kind::daily, today_spend, caps.daily_cap});
  if (t && exceeded(t->actual_cost, allowance))
    out.push_back({budget_breach_kind::task, t->actual_cost, allowance});
  return out;
}

approval budget_override_request(const containment_facts& f) {
  approval a;
  if (f.held)
    a.task_id = f.held->id;
  a.requestor_id = f.who.id;
  a.action_type = approval_action::budget_override;
  // Spending money is red (SPEC §4).
  a.risk_level = risk_level::red;
  a.action_summary = summary_prefix(f.who.id) + breaches_text(f.breaches) +
                     (f.held ? "; " + task_text(f) : std::string());
  a.justification =
      "The BudgetMonitor paused agent " + f.who.id + " after run " + f.trigger.id + " (" +
      dollar_text(f.trigger.cost_usd) + ", " + f.trigger.model + "): " + breaches_text(f.breaches) +
      ".\n" + (f.held ? "Task: " + task_text(f) + ".\n" : "") + "Spend today " +
      dollar_text(f.who.today_spend) + ", total " + dollar_text(f.who.total_spend) + ".\n" +
      "Recent runs: " + recent_text(f) + "\n" +
      "To let the agent continue, raise its budget if justified (PATCH /api/agents/" + f.who.id +
      " {\"budgets\":{\"dailyCap\":N}}), then approve this request: the agent is resumed. Deny "
      "to keep it paused.";
  if (f.held && has(f.breaches, budget_breach_kind::task))
    a.estimated_cost = f.type_budget;
  a.rollback_plan = "Deny: the agent stays paused and the task is blocked.";
  return a;
}

bool filed_by_budget_monitor(const approval& a) {
  return a.action_type == approval_action::budget_override &&
         a.action_summary.starts_with(summary_prefix(a.requestor_id));
}

alert budget_alert(const containment_facts& f, const std::string& approval_id) {
  alert out;
  const bool per_run_only =
      !has(f.breaches, budget_breach_kind::daily) && !has(f.breaches, budget_breach_kind::task);
  out.severity = per_run_only ? alert_severity::error : alert_severity::critical;
  out.type = "budget_exceeded";
  out.title = "Budget exceeded: agent " + f.who.id + " (" + breaches_text(f.breaches) + ")";
  out.description =
      "Agent " + f.who.id + " is paused" +
      (f.held ? " and " + f.held->id + " waits in needs_approval" : std::string()) +
      ". Review its spend (GET /api/costs/agent/" + f.who.id +
      ", GET /api/runs?agentId=" + f.who.id + "), raise its budget if justified, then " +
      (approval_id.empty()
           ? std::string("resume it (POST /api/agents/" + f.who.id + "/resume)")
           : "approve " + approval_id + " (POST /api/approvals/" + approval_id + "/approve)") +
      ", or quarantine the agent if it runs away.";
  out.agent_id = f.who.id;
  if (f.held)
    out.task_id = f.held->id;
  out.run_id = f.trigger.id;
  return out;
}

std::string pause_reason(const containment_facts& f) {
  return "budget exceeded: " + breaches_text(f.breaches) + " (run " + f.trigger.id + ")";
}

} // namespace mc
