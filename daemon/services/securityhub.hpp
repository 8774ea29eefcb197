#pragma once

// Security Hub (rest-json): ListMembers, GetMembers, DescribeOrganizationConfiguration.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::securityhub {

inline constexpr int kMaxListMembersResults = 50;

// GET /members?MaxResults=&NextToken=&OnlyAssociated=false (every member, not only associated ones).
ApiRequest list_members_request(const std::optional<std::string>& next_token,
                                int max_results = kMaxListMembersResults);
// POST /members/get {"AccountIds": [...]} with 1..50 account IDs.
ApiRequest get_members_request(const std::vector<std::string>& account_ids);

// Members[].AccountId and NextToken.
AccountPage parse_list_members(std::string_view body);
// Members[] (detail: administrator_id, master_id and any other field) plus
// UnprocessedAccounts[] as NOT_MEMBER (raw_status = ProcessingResult). Only
// AccountId is needed (a missing MemberStatus is UNKNOWN); a bad element is
// named in MemberPage::problems (see there).
MemberPage parse_get_members(std::string_view body);

// GET /organization/configuration (no input).
ApiRequest describe_organization_configuration_request();
// AutoEnable and MemberAccountLimitReached (booleans), AutoEnableStandards
// (a string), OrganizationConfiguration {ConfigurationType, Status,
// StatusMessage} and any other field, snake_case.
OrganizationPage parse_describe_organization_configuration(std::string_view body);
// CENTRAL under central configuration (AutoEnable is then false by
// design), else AutoEnable: NEW (Security Hub enrolls accounts that join
// later; it has no ALL) or NONE; UNKNOWN when absent.
std::string_view organization_auto_enable(const boost::json::object& detail);
// InvalidAccessException (401) is also "not subscribed": only the message
// ("Account ID is not an administrator for this organization") tells.
bool is_not_administrator(const aws::AwsErrorInfo& error);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::securityhub
