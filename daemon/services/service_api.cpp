#include "services/service_api.hpp"

#include <stdexcept>

#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/securityhub.hpp"

namespace mw::services {
namespace {

const std::string& require_resource(core::Service service, const std::optional<std::string>& resource) {
  if (!resource) {
    throw std::invalid_argument(std::string(core::to_string(service)) +
                                ": a resource (detector ID or graph ARN) is required");
  }
  return *resource;
}

}  // namespace

bool needs_resource(core::Service service) {
  return service != core::Service::securityhub;
}

ApiRequest discovery_request(core::Service service, const std::optional<std::string>& next_token) {
  switch (service) {
    case core::Service::guardduty:
      return guardduty::list_detectors_request(next_token);
    case core::Service::detective:
      return detective::list_graphs_request(next_token);
    case core::Service::securityhub:
      break;
  }
  throw std::invalid_argument("securityhub has no resource to discover");
}

DiscoveryPage parse_discovery(core::Service service, std::string_view body) {
  switch (service) {
    case core::Service::guardduty: {
      auto page = guardduty::parse_list_detectors(body);
      return {std::move(page.detector_ids), std::move(page.next_token), {}};
    }
    case core::Service::detective: {
      auto page = detective::parse_list_graphs(body);
      DiscoveryPage discovery{{}, std::move(page.next_token), std::move(page.problems)};
      for (auto& graph : page.graphs) discovery.resources.push_back(std::move(graph.arn));
      return discovery;
    }
    case core::Service::securityhub:
      break;
  }
  throw std::invalid_argument("securityhub has no resource to discover");
}

ApiRequest list_members_request(core::Service service, const std::optional<std::string>& resource,
                                const std::optional<std::string>& next_token) {
  switch (service) {
    case core::Service::securityhub:
      return securityhub::list_members_request(next_token);
    case core::Service::guardduty:
      return guardduty::list_members_request(require_resource(service, resource), next_token);
    case core::Service::detective:
      return detective::list_members_request(require_resource(service, resource), next_token);
  }
  throw std::invalid_argument("unknown service");
}

MemberPage parse_list_members(core::Service service, std::string_view body) {
  switch (service) {
    case core::Service::securityhub:
      return securityhub::parse_list_members(body);
    case core::Service::guardduty:
      return guardduty::parse_list_members(body);
    case core::Service::detective:
      return detective::parse_list_members(body);
  }
  throw std::invalid_argument("unknown service");
}

ApiRequest get_members_request(core::Service service, const std::optional<std::string>& resource,
                               const std::vector<std::string>& account_ids) {
  switch (service) {
    case core::Service::securityhub:
      return securityhub::get_members_request(account_ids);
    case core::Service::guardduty:
      return guardduty::get_members_request(require_resource(service, resource), account_ids);
    case core::Service::detective:
      return detective::get_members_request(require_resource(service, resource), account_ids);
  }
  throw std::invalid_argument("unknown service");
}

MemberPage parse_get_members(core::Service service, std::string_view body) {
  switch (service) {
    case core::Service::securityhub:
      return securityhub::parse_get_members(body);
    case core::Service::guardduty:
      return guardduty::parse_get_members(body);
    case core::Service::detective:
      return detective::parse_get_members(body);
  }
  throw std::invalid_argument("unknown service");
}

}  // namespace mw::services
