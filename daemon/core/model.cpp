#include "core/model.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace mw::core {
namespace {

constexpr std::array<std::pair<Service, std::string_view>, 5> kServiceNames{{
    {Service::securityhub, "securityhub"},
    {Service::guardduty, "guardduty"},
    {Service::detective, "detective"},
    {Service::inspector2, "inspector2"},
    {Service::macie2, "macie2"},
}};
static_assert(kServiceNames.size() == kServiceCount);

constexpr std::array<std::pair<MemberStatus, std::string_view>, 13> kStatusNames{{
    {MemberStatus::ADMINISTRATOR, "ADMINISTRATOR"},
    {MemberStatus::ENABLED, "ENABLED"},
    {MemberStatus::CREATED, "CREATED"},
    {MemberStatus::INVITED, "INVITED"},
    {MemberStatus::DISABLED, "DISABLED"},
    {MemberStatus::REMOVED, "REMOVED"},
    {MemberStatus::RESIGNED, "RESIGNED"},
    {MemberStatus::DELETED, "DELETED"},
    {MemberStatus::SUSPENDED, "SUSPENDED"},
    {MemberStatus::VERIFICATION_IN_PROGRESS, "VERIFICATION_IN_PROGRESS"},
    {MemberStatus::VERIFICATION_FAILED, "VERIFICATION_FAILED"},
    {MemberStatus::NOT_MEMBER, "NOT_MEMBER"},
    {MemberStatus::UNKNOWN, "UNKNOWN"},
}};
static_assert(kStatusNames.size() == kMemberStatusCount);

constexpr std::array<std::pair<SourceState, std::string_view>, 4> kStateNames{{
    {SourceState::ok, "ok"},
    {SourceState::stale, "stale"},
    {SourceState::error, "error"},
    {SourceState::region_disabled, "region_disabled"},
}};

constexpr std::array<std::pair<RegionsFrom, std::string_view>, 3> kRegionsFromNames{{
    {RegionsFrom::configured, "configured"},
    {RegionsFrom::discovered, "discovered"},
    {RegionsFrom::last_discovered, "last_discovered"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "UNKNOWN";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view name) {
  for (const auto& [value, candidate] : names) {
    if (candidate == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Service service) {
  return name_of(kServiceNames, service);
}
std::optional<Service> parse_service(std::string_view name) {
  return value_of(kServiceNames, name);
}

std::string_view resource_detail_key(Service service) {
  switch (service) {
    case Service::guardduty:
      return "detector_id";
    case Service::detective:
      return "graph_arn";
    case Service::securityhub:
    case Service::inspector2:
    case Service::macie2:
      break;
  }
  return "";
}

std::string_view to_string(MemberStatus status) {
  return name_of(kStatusNames, status);
}
std::optional<MemberStatus> parse_member_status(std::string_view name) {
  return value_of(kStatusNames, name);
}

std::string_view to_string(SourceState state) {
  return name_of(kStateNames, state);
}
std::optional<SourceState> parse_source_state(std::string_view name) {
  return value_of(kStateNames, name);
}

std::string_view to_string(RegionsFrom from) {
  return name_of(kRegionsFromNames, from);
}
std::optional<RegionsFrom> parse_regions_from(std::string_view name) {
  return value_of(kRegionsFromNames, name);
}

bool is_inactive_organization_state(std::string_view state) {
  return state == "SUSPENDED" || state == "PENDING_CLOSURE" || state == "CLOSED" ||
         state == "PENDING_ACTIVATION";
}

}  // namespace mw::core
