// How an actor refuses input field by field: an mc::errc whose context carries the first
// problem's message and `{"errors":[{field, message}…]}`, which the HTTP edge turns into the
// SPEC envelope's details.
#pragma once

#include "domain/task_validation.hpp"
#include "persistence/errc_caf.hpp"

#include <vector>

namespace mc::actors {

caf::error field_error(errc code, const std::vector<field_problem>& problems);

} // namespace mc::actors
