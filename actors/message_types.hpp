// Registers every type that crosses actors with CAF, in one place, so the same messages can
// travel to remote agent-host nodes (CAF 0.17 needs each type announced by name).
#pragma once

#include <caf/actor_system_config.hpp>

namespace mc::actors {

void add_message_types(caf::actor_system_config& cfg);

} // namespace mc::actors
