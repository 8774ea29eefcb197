#pragma once

// Detective (rest-json, every operation a POST with a JSON body): ListGraphs,
// ListMembers, GetMembers, DescribeOrganizationConfiguration.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::detective {

inline constexpr int kMaxResults = 200;  // ListGraphs and ListMembers

struct Graph {
  std::string arn;
  core::Rfc3339Time created_at;
};

struct GraphPage {
  std::vector<Graph> graphs;
  std::optional<std::string> next_token;
  // The graphs left out, each as "detective ListGraphs: GraphList[0].Arn:
  // missing" (no Arn, an empty one, a field of the wrong type).
  std::vector<std::string> problems;
};

// POST /graphs/list {"MaxResults": n[, "NextToken": t]}
ApiRequest list_graphs_request(const std::optional<std::string>& next_token, int max_results = kMaxResults);
// POST /graph/members/list {"GraphArn": arn, "MaxResults": n[, "NextToken": t]}
ApiRequest list_members_request(std::string_view graph_arn, const std::optional<std::string>& next_token,
                                int max_results = kMaxResults);
// POST /graph/members/get {"GraphArn": arn, "AccountIds": [...]} with 1..50 account IDs.
ApiRequest get_members_request(std::string_view graph_arn, const std::vector<std::string>& account_ids);

// GraphList[] (Arn, CreatedTime) and NextToken. A graph without a usable
// Arn or with a field of the wrong type is left out and named in
// `problems`; a body that is not such an object throws ParseError.
GraphPage parse_list_graphs(std::string_view body);
// MemberDetails[].AccountId and NextToken.
AccountPage parse_list_members(std::string_view body);
// MemberDetails[] plus UnprocessedAccounts[] as NOT_MEMBER (raw_status =
// Reason). The detail keeps graph_arn, administrator_id, master_id,
// disabled_reason, invitation_type, volume_usage_in_bytes,
// volume_usage_updated_time, percent_of_graph_utilization,
// percent_of_graph_utilization_updated_time, volume_usage_by_datasource_package
// ({PACKAGE: {volume_usage_in_bytes, volume_usage_update_time}}),
// datasource_package_ingest_states ({PACKAGE: STATE}) and any other field.
// Only AccountId is needed (a missing Status is UNKNOWN); a bad element is
// named in MemberPage::problems (see there).
MemberPage parse_get_members(std::string_view body);

// POST /orgs/describeOrganizationConfiguration {"GraphArn": arn}
ApiRequest describe_organization_configuration_request(std::string_view graph_arn);
// AutoEnable (a boolean) and any other field, snake_case.
OrganizationPage parse_describe_organization_configuration(std::string_view body);
// AutoEnable: NEW (Detective enrolls accounts that join later), NONE, or UNKNOWN when absent.
std::string_view organization_auto_enable(const boost::json::object& detail);
// Detective has no error code of its own for it: an AccessDeniedException
// (403) that is not IAM's "... is not authorized to perform ..." is the
// service refusing a caller that is not the organization's administrator.
bool is_not_administrator(const aws::AwsErrorInfo& error);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::detective
