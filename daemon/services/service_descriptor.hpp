#pragma once

// One service the daemon polls, described once, in that service's file
// (securityhub.cpp, guardduty.cpp, detective.cpp), the way node_exporter
// has one file per collector: its endpoint, its status spellings, the
// resource its member operations need (GuardDuty's detector, Detective's
// graph) and its ListMembers and GetMembers operations. The poller drives
// every service through this one shape. Adding a service is its file and
// one line in registry.cpp.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/endpoints.hpp"
#include "core/model.hpp"
#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/organization_configuration.hpp"

namespace mw::services {

// A status as the service spells it, folded (lower case, no '_'), and what
// it means in the contract's table.
struct StatusSpelling {
  std::string_view folded;
  core::MemberStatus status;
};

// The contract's status for `raw_status` (case and '_' ignored); UNKNOWN
// for "" and for a spelling the table does not have.
core::MemberStatus normalize_status(std::span<const StatusSpelling> table, std::string_view raw_status);

struct DiscoveryPage {
  std::vector<std::string> resources;  // detector IDs or graph ARNs, in the service's order
  std::optional<std::string> next_token;
  std::vector<std::string> problems;  // the elements left out (Detective graphs), with their paths
};

// How a service finds the resource its member operations need; the first
// one listed is used.
struct Discovery {
  std::string_view operation;     // "ListDetectors"
  std::string_view missing_code;  // the source's error when there is none: "NoDetector"
  std::string_view missing_what;  // "GuardDuty detector"
  ApiRequest (*request)(const std::optional<std::string>& next_token);
  DiscoveryPage (*parse)(std::string_view body);
};

// One GetMemberDetectors-like call: what each member runs beyond its
// membership (GuardDuty's protection plans), for at most 50 accounts.
struct MemberFeaturesPage {
  struct Member {
    std::string account_id;
    boost::json::object detail;  // the fields the member's detail gains ("features", "data_sources")
  };
  struct Unprocessed {
    std::string account_id;
    std::string reason;
  };
  std::vector<Member> members;
  std::vector<Unprocessed> unprocessed;  // reported, never turned into NOT_MEMBER
  std::vector<std::string> problems;     // the elements left out, with their paths
};

struct MemberFeatureCalls {
  std::string_view operation;  // "GetMemberDetectors"
  std::size_t batch_size;      // accounts a call at most
  ApiRequest (*request)(const std::optional<std::string>& resource,
                        const std::vector<std::string>& account_ids);
  MemberFeaturesPage (*parse)(std::string_view body);
};

struct ServiceDescriptor {
  core::Service service;
  aws::Service endpoint;
  std::span<const StatusSpelling> statuses;
  std::optional<Discovery> discovery;  // nullopt: no resource (Security Hub)
  // `resource` is the discovered one (nullopt without discovery).
  ApiRequest (*list_members_request)(const std::optional<std::string>& resource,
                                     const std::optional<std::string>& next_token);
  AccountPage (*parse_list_members)(std::string_view body);
  // Both nullptr for a service without GetMembers (Inspector, Macie): its
  // full listing is the answer (AccountPage::members), and an account of
  // the universe it does not list is NOT_MEMBER, raw_status NOT_LISTED.
  ApiRequest (*get_members_request)(const std::optional<std::string>& resource,
                                    const std::vector<std::string>& account_ids);
  MemberPage (*parse_get_members)(std::string_view body);
  // DescribeOrganizationConfiguration: does the service enroll new accounts?
  std::optional<OrganizationConfigurationCalls> organization;
  // Called for the source's ENABLED members; nullopt: the service has none.
  std::optional<MemberFeatureCalls> member_features;
};

// The raw_status of an account a service without GetMembers does not list.
inline constexpr std::string_view kNotListed = "NOT_LISTED";

// The registered descriptor of `service` (registry.cpp).
const ServiceDescriptor& descriptor(core::Service service);

// The resource of a service with discovery; std::invalid_argument naming
// the operation when it is missing (a poller bug, not an AWS answer).
const std::string& require_resource(std::string_view operation, const std::optional<std::string>& resource);

}  // namespace mw::services
