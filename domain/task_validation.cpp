#include "domain/task_validation.hpp"

#include "domain/ids.hpp"

#include <algorithm>
#include <cctype>

namespace mc {

std::vector<field_problem> validate_new_task(const task& draft) {
  std::vector<field_problem> out;
  const bool blank = std::all_of(draft.title.begin(), draft.title.end(),
                                 [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank)
    out.push_back({"title", "a task needs a title"});
  else if (draft.title.size() > 200)
    out.push_back({"title", "a title has at most 200 characters"});
  if (draft.description.size() > 20'000)
    out.push_back({"description", "a description has at most 20000 characters"});
  if (draft.priority < 1 || draft.priority > 4)
    out.push_back({"priority", "priority is 1 (critical) to 4 (low)"});
  for (const auto& id : draft.assignee_ids)
    if (!is_valid_agent_id(id))
      out.push_back({"assigneeIds", "'" + id + "' is not an agent id"});
  if (draft.labels.size() > 20)
    out.push_back({"labels", "a task has at most 20 labels"});
  return out;
}

} // namespace mc
