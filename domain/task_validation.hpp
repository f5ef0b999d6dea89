// What a new task must look like before it exists (title, priority, assignees): the rule the
// registry applies to `POST /api/tasks`, kept with the other domain rules.
#pragma once

#include "domain/entities.hpp"

#include <string>
#include <vector>

namespace mc {

struct field_problem {
  /// The wire name of the field, e.g. `title`.
  std::string field;
  std::string message;
  friend bool operator==(const field_problem&, const field_problem&) = default;
};

/// Every problem of a task draft; empty when it may be created.
std::vector<field_problem> validate_new_task(const task& draft);

} // namespace mc
