#include "persistence/postgres_store.hpp"
#include "persistence/sqlite_store.hpp"
#include "persistence/store.hpp"

#include <cctype>

namespace mc::persistence {

const char* to_string(store_errc e) noexcept {
  switch (e) {
  case store_errc::unavailable:
    return "unavailable";
  case store_errc::newer_schema:
    return "newer_schema";
  case store_errc::constraint:
    return "constraint";
  case store_errc::config:
    return "config";
  case store_errc::other:
    return "other";
  }
  return "unknown";
}

std::unique_ptr<store> open_store(const store_config& cfg) {
  const std::string_view url = cfg.database_url;
  if (url.empty()) {
    if (cfg.data_dir.empty())
      throw store_error(store_errc::config, "no data directory for the embedded SQLite store");
    return std::make_unique<sqlite_store>(cfg.data_dir);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    return std::make_unique<postgres_store>(std::string(url));
  // Name only the scheme: the rest of a URL may carry a password.
  std::string scheme;
  for (const char c : url.substr(0, url.find(':'))) {
    if (scheme.size() >= 20 ||
        !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      scheme.clear();
      break;
    }
    scheme += c;
  }
  throw store_error(store_errc::config,
                    "unsupported database URL" +
                        (scheme.empty() || url.find(':') == std::string_view::npos
                             ? std::string()
                             : " scheme '" + scheme + "'") +
                        ": expected postgres://... or postgresql://..., or no URL for the "
                        "embedded SQLite store in the data directory");
}

} // namespace mc::persistence
