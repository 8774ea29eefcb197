#include "services/securityhub.hpp"

#include <boost/json/serialize.hpp>

#include "services/member_parser.hpp"
#include "services/request_checks.hpp"

namespace mw::services::securityhub {
namespace {

constexpr DetailField kMemberDetail[] = {
    {"AdministratorId", FieldType::string},
    {"MasterId", FieldType::string},
};

// MemberStatus, as the contract's table reads it.
constexpr StatusSpelling kStatuses[] = {
    {"enabled", core::MemberStatus::ENABLED},
    {"created", core::MemberStatus::CREATED},
    {"invited", core::MemberStatus::INVITED},
    {"removed", core::MemberStatus::REMOVED},
    {"resigned", core::MemberStatus::RESIGNED},
    {"deleted", core::MemberStatus::DELETED},
    {"accountsuspended", core::MemberStatus::SUSPENDED},
};

MembersResponseShape get_members_shape() {
  MembersResponseShape shape;
  shape.statuses = kStatuses;
  shape.members_list = "Members";
  shape.member = {"AccountId", "MemberStatus", "Email", "InvitedAt", "UpdatedAt", kMemberDetail};
  shape.unprocessed_list = "UnprocessedAccounts";
  shape.unprocessed = {"AccountId", "ProcessingResult"};
  return shape;
}

ApiRequest request(std::string operation, std::string method, std::string path) {
  ApiRequest request;
  request.service = "securityhub";
  request.operation = std::move(operation);
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

}  // namespace

ApiRequest list_members_request(const std::optional<std::string>& next_token, int max_results) {
  require_in_range("securityhub ListMembers", "MaxResults", max_results, 1, kMaxListMembersResults);
  require_token("securityhub ListMembers", next_token);
  auto list = request("ListMembers", "GET", "/members");
  list.query = {{"MaxResults", std::to_string(max_results)}};
  if (next_token) list.query.emplace_back("NextToken", *next_token);
  list.query.emplace_back("OnlyAssociated", "false");
  return list;
}

ApiRequest get_members_request(const std::vector<std::string>& account_ids) {
  require_account_batch("securityhub GetMembers", account_ids);
  auto get = request("GetMembers", "POST", "/members/get");
  get.body = boost::json::serialize(boost::json::object{{"AccountIds", to_json_array(account_ids)}});
  get.content_type = "application/json";
  return get;
}

AccountPage parse_list_members(std::string_view body) {
  return parse_listed_accounts(JsonReader("securityhub ListMembers"), body,
                               {"Members", "AccountId", "NextToken"});
}

MemberPage parse_get_members(std::string_view body) {
  return parse_members_response(JsonReader("securityhub GetMembers"), body, get_members_shape());
}

ApiRequest describe_organization_configuration_request() {
  return request("DescribeOrganizationConfiguration", "GET", "/organization/configuration");
}

OrganizationPage parse_describe_organization_configuration(std::string_view body) {
  const JsonReader reader("securityhub DescribeOrganizationConfiguration");
  constexpr std::string_view kBooleans[] = {"AutoEnable", "MemberAccountLimitReached"};
  constexpr std::string_view kStrings[] = {"AutoEnableStandards"};
  auto page = parse_organization_page(reader, body, kBooleans, kStrings, "");
  if (const auto* central = page.detail.if_contains("organization_configuration")) {
    const auto& configuration = reader.as_object(*central, "OrganizationConfiguration");
    // snake_case key, wire name
    constexpr std::pair<std::string_view, std::string_view> kFields[] = {
        {"configuration_type", "ConfigurationType"},
        {"status", "Status"},
        {"status_message", "StatusMessage"}};
    for (const auto& [key, wire_name] : kFields) {
      const auto* value = configuration.if_contains(key);
      if (value && !value->is_string() && !value->is_null())
        reader.fail("OrganizationConfiguration." + std::string(wire_name), "expected a string");
    }
  }
  return page;
}

std::string_view organization_auto_enable(const boost::json::object& detail) {
  if (const auto* central = detail.if_contains("organization_configuration");
      central && central->is_object()) {
    const auto* type = central->get_object().if_contains("configuration_type");
    if (type && type->is_string() && type->get_string() == "CENTRAL") return kAutoEnableCentral;
  }
  return auto_enable_from_boolean(detail, "auto_enable");
}

bool is_not_administrator(const aws::AwsErrorInfo& error) {
  return error.code == "InvalidAccessException" &&
         contains_ignoring_case(error.message, "not an administrator");
}

const ServiceDescriptor& descriptor() {
  static const ServiceDescriptor kDescriptor{
      core::Service::securityhub,
      aws::Service::securityhub,
      kStatuses,
      std::nullopt,  // the members are the account's own: no resource to find
      [](const std::optional<std::string>&, const std::optional<std::string>& next_token) {
        return list_members_request(next_token);
      },
      parse_list_members,
      [](const std::optional<std::string>&, const std::vector<std::string>& account_ids) {
        return get_members_request(account_ids);
      },
      parse_get_members,
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

}  // namespace mw::services::securityhub
