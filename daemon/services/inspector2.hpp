#pragma once

// Amazon Inspector (inspector2; rest-json, every operation a POST with a
// JSON body): ListMembers (its full listing is the answer: Inspector has no
// batch GetMembers), DescribeOrganizationConfiguration, and
// BatchGetAccountStatus for each member's scan coverage.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::inspector2 {

inline constexpr int kMaxListMembersResults = 50;
inline constexpr std::size_t kMaxAccountStatusBatch = 100;

// POST /members/list {"maxResults": n, "onlyAssociated": false[, "nextToken": t]}
ApiRequest list_members_request(const std::optional<std::string>& next_token,
                                int max_results = kMaxListMembersResults);
// members[] (accountId, relationshipStatus, updatedAt; detail:
// delegated_admin_account_id and any other field) as records, and nextToken.
AccountPage parse_list_members(std::string_view body);

// POST /organizationconfiguration/describe {}
ApiRequest describe_organization_configuration_request();
// autoEnable {ec2, ecr, lambda, lambdaCode, codeRepository} and
// maxAccountLimitReached (booleans) and any other field, snake_case.
OrganizationPage parse_describe_organization_configuration(std::string_view body);
// As Inspector applies it, to accounts that join: NEW when every scan type
// of EC2, ECR, Lambda and Lambda code the answer names is on, PARTIAL when
// some are, NONE when none; UNKNOWN without autoEnable. codeRepository
// stays in the detail only (not one of the member scan types).
std::string_view organization_auto_enable(const boost::json::object& detail);
// An AccessDeniedException that is not IAM's "... is not authorized to
// perform ...": Inspector refusing a caller that is not the delegated
// administrator.
bool is_not_administrator(const aws::AwsErrorInfo& error);

// POST /status/batch/get {"accountIds": [...]} with 1..100 account IDs.
ApiRequest batch_get_account_status_request(const std::vector<std::string>& account_ids);
// accounts[]: each member's `account_status` (state.status) and `resources`
// ({"ec2": STATUS, "ecr": ..., "lambda": ..., "lambda_code": ...,
// "code_repository": ...}, as resourceState names them); failedAccounts[]
// as unprocessed, with errorCode and errorMessage as the reason.
MemberFeaturesPage parse_batch_get_account_status(std::string_view body);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::inspector2
