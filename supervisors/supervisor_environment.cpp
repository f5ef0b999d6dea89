#include "supervisors/supervisor_environment.hpp"

#include <spdlog/logger.h>

namespace mc::supervisors {

void log_line(const supervisor_environment& env, std::string_view tag, std::string_view text) {
  if (env.log)
    env.log->info("[{}] {}", tag, text);
}

} // namespace mc::supervisors
