// The versioned migration files, embedded into the binary at build time (cmake/EmbedMigrations.cmake)
// so the server applies them wherever it runs. Forward only; one transaction each.
#pragma once

#include <span>
#include <string_view>

namespace mc::persistence {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// The migrations of a dialect (`sqlite` or `postgres`) in version order.
std::span<const migration> migrations_for(std::string_view dialect) noexcept;

} // namespace mc::persistence
