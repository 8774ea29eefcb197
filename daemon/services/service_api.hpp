#pragma once

// The one shape the poller drives every service through: discover the
// resource (GuardDuty detector, Detective graph; Security Hub has none),
// list the members page by page, get members batch by batch.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "services/api_request.hpp"
#include "services/member_page.hpp"

namespace mw::services {

struct DiscoveryPage {
  std::vector<std::string> resources;  // detector IDs or graph ARNs, in the service's order
  std::optional<std::string> next_token;
  std::vector<std::string> problems;  // the elements left out (Detective graphs), with their paths
};

// GuardDuty and Detective need a resource; Security Hub does not.
bool needs_resource(core::Service service);

// ListDetectors / ListGraphs; std::invalid_argument for Security Hub.
ApiRequest discovery_request(core::Service service, const std::optional<std::string>& next_token);
DiscoveryPage parse_discovery(core::Service service, std::string_view body);

// `resource` is the detector ID or graph ARN (ignored for Security Hub;
// std::invalid_argument when missing for the others).
ApiRequest list_members_request(core::Service service, const std::optional<std::string>& resource,
                                const std::optional<std::string>& next_token);
MemberPage parse_list_members(core::Service service, std::string_view body);

ApiRequest get_members_request(core::Service service, const std::optional<std::string>& resource,
                               const std::vector<std::string>& account_ids);
MemberPage parse_get_members(core::Service service, std::string_view body);

}  // namespace mw::services
