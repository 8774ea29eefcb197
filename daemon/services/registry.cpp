#include <stdexcept>

#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/inspector2.hpp"
#include "services/macie2.hpp"
#include "services/securityhub.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services {

const ServiceDescriptor& descriptor(core::Service service) {
  // One line per service.
  static const ServiceDescriptor* const kRegistered[] = {
      &securityhub::descriptor(), &guardduty::descriptor(), &detective::descriptor(),
      &inspector2::descriptor(),  &macie2::descriptor(),
  };
  for (const ServiceDescriptor* registered : kRegistered) {
    if (registered->service == service) return *registered;
  }
  throw std::invalid_argument("no descriptor registered for service " +
                              std::string(core::to_string(service)));
}

const std::string& require_resource(std::string_view operation, const std::optional<std::string>& resource) {
  if (!resource) throw std::invalid_argument(std::string(operation) + ": the source's resource is required");
  return *resource;
}

core::MemberStatus normalize_status(std::span<const StatusSpelling> table, std::string_view raw_status) {
  std::string folded;
  for (const char c : raw_status) {
    if (c == '_') continue;
    folded += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (folded.empty()) return core::MemberStatus::UNKNOWN;
  for (const StatusSpelling& row : table) {
    if (row.folded == folded) return row.status;
  }
  return core::MemberStatus::UNKNOWN;
}

}  // namespace mw::services
