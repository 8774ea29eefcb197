#include "services/macie2.hpp"

#include "services/member_parser.hpp"
#include "services/organization_configuration.hpp"
#include "services/request_checks.hpp"

namespace mw::services::macie2 {
namespace {

constexpr DetailField kMemberDetail[] = {
    {"administratorAccountId", FieldType::string},
    {"masterAccountId", FieldType::string},
    {"arn", FieldType::string},
    {"tags", FieldType::string_map},
};

// relationshipStatus, as the contract's table reads it (EmailVerification*
// as GuardDuty's; RegionDisabled is not in the table: UNKNOWN with the raw
// status kept).
constexpr StatusSpelling kStatuses[] = {
    {"enabled", core::MemberStatus::ENABLED},
    {"created", core::MemberStatus::CREATED},
    {"invited", core::MemberStatus::INVITED},
    {"paused", core::MemberStatus::DISABLED},
    {"removed", core::MemberStatus::REMOVED},
    {"resigned", core::MemberStatus::RESIGNED},
    {"accountsuspended", core::MemberStatus::SUSPENDED},
    {"emailverificationinprogress", core::MemberStatus::VERIFICATION_IN_PROGRESS},
    {"emailverificationfailed", core::MemberStatus::VERIFICATION_FAILED},
};

MembersResponseShape list_members_shape() {
  MembersResponseShape shape;
  shape.statuses = kStatuses;
  shape.members_list = "members";
  shape.member = {"accountId", "relationshipStatus", "email", "invitedAt", "updatedAt", kMemberDetail};
  return shape;
}

ApiRequest get(std::string operation, std::string path) {
  ApiRequest request;
  request.service = "macie2";
  request.operation = std::move(operation);
  request.method = "GET";
  request.path = std::move(path);
  return request;
}

}  // namespace

ApiRequest list_members_request(const std::optional<std::string>& next_token, int max_results) {
  constexpr std::string_view kOperation = "macie2 ListMembers";
  require_in_range(kOperation, "maxResults", max_results, 1, kMaxListMembersResults);
  require_token(kOperation, next_token);
  auto list = get("ListMembers", "/members");
  list.query = {{"maxResults", std::to_string(max_results)}};
  if (next_token) list.query.emplace_back("nextToken", *next_token);
  list.query.emplace_back("onlyAssociated", "false");
  return list;
}

AccountPage parse_list_members(std::string_view body) {
  return parse_member_list(JsonReader("macie2 ListMembers"), body, list_members_shape(), "nextToken");
}

ApiRequest describe_organization_configuration_request() {
  return get("DescribeOrganizationConfiguration", "/admin/configuration");
}

OrganizationPage parse_describe_organization_configuration(std::string_view body) {
  constexpr std::string_view kBooleans[] = {"autoEnable", "maxAccountLimitReached"};
  return parse_organization_page(JsonReader("macie2 DescribeOrganizationConfiguration"), body, kBooleans, {},
                                 "");
}

std::string_view organization_auto_enable(const boost::json::object& detail) {
  return auto_enable_from_boolean(detail, "auto_enable");
}

bool is_not_administrator(const aws::AwsErrorInfo& error) {
  return is_access_denied_by_service(error);
}

const ServiceDescriptor& descriptor() {
  static const ServiceDescriptor kDescriptor{
      core::Service::macie2,
      aws::Service::macie2,
      kStatuses,
      std::nullopt,  // the members are the account's own: no resource to find
      [](const std::optional<std::string>&, const std::optional<std::string>& next_token) {
        return list_members_request(next_token);
      },
      parse_list_members,
      nullptr,  // no GetMembers: the listing is the answer
      nullptr,
      OrganizationConfigurationCalls{
          [](const std::optional<std::string>&, const std::optional<std::string>&) {
            return describe_organization_configuration_request();
          },
          parse_describe_organization_configuration,
          [](const boost::json::object& detail, std::span<const std::string>) {
            return organization_auto_enable(detail);
          },
          is_not_administrator},
      std::nullopt,  // no per-member features
  };
  return kDescriptor;
}

}  // namespace mw::services::macie2
