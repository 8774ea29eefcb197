#pragma once

// Amazon Macie (macie2; rest-json): ListMembers (its full listing is the
// answer: Macie has no batch GetMembers) and DescribeOrganizationConfiguration.

#include <optional>
#include <string>
#include <string_view>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::macie2 {

inline constexpr int kMaxListMembersResults = 25;

// GET /members?maxResults=&nextToken=&onlyAssociated=false (every member, not only associated ones).
ApiRequest list_members_request(const std::optional<std::string>& next_token,
                                int max_results = kMaxListMembersResults);
// members[] (accountId, relationshipStatus, email, invitedAt, updatedAt;
// detail: administrator_account_id, master_account_id, arn, tags and any
// other field) as records, and nextToken.
AccountPage parse_list_members(std::string_view body);

// GET /admin/configuration
ApiRequest describe_organization_configuration_request();
// autoEnable and maxAccountLimitReached (booleans) and any other field, snake_case.
OrganizationPage parse_describe_organization_configuration(std::string_view body);
// autoEnable: NEW (Macie enables accounts that join later), NONE, or UNKNOWN when absent.
std::string_view organization_auto_enable(const boost::json::object& detail);
// An AccessDeniedException that is not IAM's "... is not authorized to perform ...".
bool is_not_administrator(const aws::AwsErrorInfo& error);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::macie2
