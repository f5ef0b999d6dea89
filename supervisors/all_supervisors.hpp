// The supervisors the root supervisor runs in `serve` (SPEC §5), in start order.
#pragma once

#include "supervisors/root_supervisor.hpp"

#include <vector>

namespace mc::supervisors {

std::vector<supervisor_spec> all_supervisors();

} // namespace mc::supervisors
