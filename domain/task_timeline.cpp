#include "domain/task_timeline.hpp"

#include "domain/entity_json.hpp"

#include <algorithm>

namespace mc {
namespace {

struct entry {
  epoch_ms at = 0;
  /// Rank of the kind, for ties at the same millisecond.
  int rank = 0;
  const char* kind = "";
  boost::json::value entity;
};

template <class T, class At>
void add_all(std::vector<entry>& out, const std::vector<T>& items, int rank, const char* kind,
             At at_of) {
  for (const auto& x : items)
    out.push_back({at_of(x), rank, kind, to_json(x)});
}

} // namespace

boost::json::object task_timeline(const std::string& task_id, const task_history& h) {
  std::vector<entry> all;
  add_all(all, h.transitions, 0, "transition", [](const transition& x) { return x.created_at; });
  add_all(all, h.messages, 1, "message", [](const message& x) { return x.created_at; });
  add_all(all, h.runs, 2, "run", [](const run& x) { return x.started_at; });
  add_all(all, h.tool_calls, 3, "toolCall", [](const tool_call& x) { return x.created_at; });
  add_all(all, h.approvals, 4, "approval", [](const approval& x) { return x.created_at; });
  add_all(all, h.alerts, 5, "alert", [](const alert& x) { return x.created_at; });
  std::stable_sort(all.begin(), all.end(), [](const entry& a, const entry& b) {
    return a.at != b.at ? a.at < b.at : a.rank < b.rank;
  });
  boost::json::array timeline;
  timeline.reserve(all.size());
  for (auto& e : all) {
    boost::json::object o;
    o["at"] = e.at;
    o["kind"] = e.kind;
    o[e.kind] = std::move(e.entity);
    timeline.push_back(std::move(o));
  }
  boost::json::object out;
  out["taskId"] = task_id;
  const auto total = timeline.size();
  out["timeline"] = std::move(timeline);
  out["total"] = total;
  return out;
}

} // namespace mc
