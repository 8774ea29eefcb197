#pragma once

// GuardDuty (rest-json, camelCase fields): ListDetectors, ListMembers, GetMembers,
// DescribeOrganizationConfiguration, GetMemberDetectors.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/api_request.hpp"
#include "services/member_page.hpp"
#include "services/service_descriptor.hpp"

namespace mw::services::guardduty {

inline constexpr int kMaxResults = 50;  // ListDetectors and ListMembers
inline constexpr std::size_t kMaxDetectorIdLength = 300;

// The features of the OrgFeature enum: what DescribeOrganizationConfiguration
// and GetMemberDetectors name (guardduty.required_features is checked against it).
inline constexpr std::string_view kFeatureNames[] = {
    "S3_DATA_EVENTS",      "EKS_AUDIT_LOGS",         "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS", "EKS_RUNTIME_MONITORING", "RUNTIME_MONITORING",     "AI_PROTECTION",
};

struct DetectorPage {
  std::vector<std::string> detector_ids;
  std::optional<std::string> next_token;
};

// GET /detector?maxResults=&nextToken=
ApiRequest list_detectors_request(const std::optional<std::string>& next_token,
                                  int max_results = kMaxResults);
// GET /detector/{detectorId}/member?maxResults=&nextToken=&onlyAssociated=false
ApiRequest list_members_request(std::string_view detector_id, const std::optional<std::string>& next_token,
                                int max_results = kMaxResults);
// POST /detector/{detectorId}/member/get {"accountIds": [...]} with 1..50 account IDs.
ApiRequest get_members_request(std::string_view detector_id, const std::vector<std::string>& account_ids);

// detectorIds (required) and nextToken.
DetectorPage parse_list_detectors(std::string_view body);
// members[].accountId and nextToken ("" ends the listing too).
AccountPage parse_list_members(std::string_view body);
// members[] (detail: detector_id, administrator_id, master_id, any other
// field) and unprocessedAccounts[] (both lists required) as NOT_MEMBER
// (raw_status = result). invitedAt and updatedAt are strings: one that is
// not ISO 8601 leaves the time empty and is kept in the detail as
// invited_at_raw / updated_at_raw. A member without a 12-digit accountId or
// with a field of the wrong type is named in MemberPage::problems (see
// there); a missing relationshipStatus is UNKNOWN.
MemberPage parse_get_members(std::string_view body);

// GET /detector/{detectorId}/admin?maxResults=&nextToken= (the features are paged).
ApiRequest describe_organization_configuration_request(std::string_view detector_id,
                                                       const std::optional<std::string>& next_token,
                                                       int max_results = kMaxResults);
// Every field snake_case (auto_enable_organization_members, the deprecated
// auto_enable and data_sources, member_account_limit_reached, features
// [{name, auto_enable, additional_configuration}]) and nextToken. Wrong
// types of autoEnable, memberAccountLimitReached (booleans),
// autoEnableOrganizationMembers (a string) or features (objects with a
// string name and autoEnable) throw ParseError.
OrganizationPage parse_describe_organization_configuration(std::string_view body);
// autoEnableOrganizationMembers (ALL, NEW, NONE; any other value UNKNOWN),
// or without it the deprecated autoEnable (NEW or NONE); then PARTIAL when
// members are enrolled but one of `required_features` is not auto-enabled
// (its autoEnable NONE or the feature absent).
std::string_view organization_auto_enable(const boost::json::object& detail,
                                          std::span<const std::string> required_features);
// BadRequestException (400) is every validation error too: the message
// tells ("... not the GuardDuty delegated administrator ...", or "...
// required AWS Organization master permission").
bool is_not_administrator(const aws::AwsErrorInfo& error);

// POST /detector/{detectorId}/member/detector/get {"accountIds": [...]} with 1..50 account IDs.
ApiRequest get_member_detectors_request(std::string_view detector_id,
                                        const std::vector<std::string>& account_ids);
// members[]: each member's `features` as {NAME: STATUS} and its deprecated
// dataSources snake_case as `data_sources`; unprocessedAccounts[] as
// unprocessed. An element without a 12-digit accountId or with a feature
// that is not {name: string, status: string} is left out and named in
// `problems`.
MemberFeaturesPage parse_get_member_detectors(std::string_view body);

const ServiceDescriptor& descriptor();

}  // namespace mw::services::guardduty
