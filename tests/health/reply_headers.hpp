#pragma once

// A header of a HealthReply, for the health layer's tests.

#include <string>
#include <string_view>

#include "health/health_routes.hpp"

namespace mw::health::testing {

// The value of the reply's header `name` (exact case), "" when it has none.
inline std::string header(const HealthReply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace mw::health::testing
