#include "services/inspector2.hpp"

#include <boost/json/serialize.hpp>

#include "common/strings.hpp"
#include "services/member_parser.hpp"
#include "services/organization_configuration.hpp"
#include "services/parse_error.hpp"
#include "services/request_checks.hpp"

namespace mw::services::inspector2 {
namespace {

constexpr DetailField kMemberDetail[] = {
    {"delegatedAdminAccountId", FieldType::string},
};

// relationshipStatus, as the contract's table reads it (EMAIL_VERIFICATION_*
// as GuardDuty's; REGION_DISABLED and CANNOT_CREATE_DETECTOR_IN_ORG_MASTER
// are not in the table: UNKNOWN with the raw status kept).
constexpr StatusSpelling kStatuses[] = {
    {"enabled", core::MemberStatus::ENABLED},
    {"created", core::MemberStatus::CREATED},
    {"invited", core::MemberStatus::INVITED},
    {"disabled", core::MemberStatus::DISABLED},
    {"removed", core::MemberStatus::REMOVED},
    {"resigned", core::MemberStatus::RESIGNED},
    {"deleted", core::MemberStatus::DELETED},
    {"accountsuspended", core::MemberStatus::SUSPENDED},
    {"emailverificationinprogress", core::MemberStatus::VERIFICATION_IN_PROGRESS},
    {"emailverificationfailed", core::MemberStatus::VERIFICATION_FAILED},
};

// The member scan types Inspector enables in accounts that join.
constexpr std::string_view kScanTypes[] = {"ec2", "ecr", "lambda", "lambda_code"};

MembersResponseShape list_members_shape() {
  MembersResponseShape shape;
  shape.statuses = kStatuses;
  shape.members_list = "members";
  shape.member = {"accountId", "relationshipStatus", "", "", "updatedAt", kMemberDetail};
  return shape;
}

ApiRequest post(std::string operation, std::string path, const boost::json::object& body) {
  ApiRequest request;
  request.service = "inspector2";
  request.operation = std::move(operation);
  request.method = "POST";
  request.path = std::move(path);
  request.body = boost::json::serialize(body);
  request.content_type = "application/json";
  return request;
}

}  // namespace

ApiRequest list_members_request(const std::optional<std::string>& next_token, int max_results) {
  constexpr std::string_view kOperation = "inspector2 ListMembers";
  require_in_range(kOperation, "maxResults", max_results, 1, kMaxListMembersResults);
  require_token(kOperation, next_token);
  boost::json::object body{{"maxResults", max_results}, {"onlyAssociated", false}};
  if (next_token) body["nextToken"] = *next_token;
  return post("ListMembers", "/members/list", body);
}

AccountPage parse_list_members(std::string_view body) {
  return parse_member_list(JsonReader("inspector2 ListMembers"), body, list_members_shape(), "nextToken");
}

ApiRequest describe_organization_configuration_request() {
  return post("DescribeOrganizationConfiguration", "/organizationconfiguration/describe", {});
}

OrganizationPage parse_describe_organization_configuration(std::string_view body) {
  const JsonReader reader("inspector2 DescribeOrganizationConfiguration");
  constexpr std::string_view kBooleans[] = {"maxAccountLimitReached"};
  auto page = parse_organization_page(reader, body, kBooleans, {}, "");
  if (const auto* auto_enable = page.detail.if_contains("auto_enable")) {
    const auto& types = reader.as_object(*auto_enable, "autoEnable");
    for (const auto& [type, value] : types) {
      if (!value.is_bool() && !value.is_null())
        reader.fail("autoEnable." + std::string(type), "expected a boolean");
    }
  }
  return page;
}

std::string_view organization_auto_enable(const boost::json::object& detail) {
  const auto* auto_enable = detail.if_contains("auto_enable");
  if (!auto_enable || !auto_enable->is_object()) return kAutoEnableUnknown;
  std::size_t named = 0;
  std::size_t on = 0;
  for (const auto type : kScanTypes) {
    const auto* value = auto_enable->get_object().if_contains(type);
    if (!value || !value->is_bool()) continue;  // not offered there (Lambda code in GovCloud)
    ++named;
    if (value->get_bool()) ++on;
  }
  if (named == 0) return kAutoEnableUnknown;
  if (on == named) return kAutoEnableNew;
  return on == 0 ? kAutoEnableNone : kAutoEnablePartial;
}

bool is_not_administrator(const aws::AwsErrorInfo& error) {
  return is_access_denied_by_service(error);
}

ApiRequest batch_get_account_status_request(const std::vector<std::string>& account_ids) {
  constexpr std::string_view kOperation = "inspector2 BatchGetAccountStatus";
  if (account_ids.empty() || account_ids.size() > kMaxAccountStatusBatch)
    throw std::invalid_argument(std::string(kOperation) + ": 1 to 100 account IDs, got " +
                                std::to_string(account_ids.size()));
  for (const auto& id : account_ids) {
    if (!is_account_id(id))
      throw std::invalid_argument(std::string(kOperation) + ": not an account ID: " + id);
  }
  return post("BatchGetAccountStatus", "/status/batch/get", {{"accountIds", to_json_array(account_ids)}});
}

namespace {

// A State's status, the path naming it on error.
std::string_view state_status(const JsonReader& reader, const boost::json::value& value,
                              const std::string& path) {
  return reader.required_string_view(reader.as_object(value, path), "status", path);
}

MemberFeaturesPage::Member parse_account_state(const JsonReader& reader, const boost::json::value& value,
                                               const std::string& path) {
  const auto& account = reader.as_object(value, path);
  MemberFeaturesPage::Member parsed;
  parsed.account_id = reader.account_id(account, "accountId", path);
  if (const auto* state = reader.find(account, "state"))
    parsed.detail["account_status"] = state_status(reader, *state, child_path(path, "state"));
  if (const auto* resources = reader.find(account, "resourceState")) {
    boost::json::object statuses;
    const auto resources_path = child_path(path, "resourceState");
    for (const auto& [type, state] : reader.as_object(*resources, resources_path)) {
      if (state.is_null()) continue;
      statuses[to_snake_case(type)] = state_status(reader, state, child_path(resources_path, type));
    }
    parsed.detail["resources"] = std::move(statuses);
  }
  return parsed;
}

}  // namespace

MemberFeaturesPage parse_batch_get_account_status(std::string_view body) {
  const JsonReader reader("inspector2 BatchGetAccountStatus");
  const auto response = reader.parse_object(body);
  MemberFeaturesPage page;
  // An account left out keeps its coverage unknown.
  read_each_element(reader, response, "accounts", true, page.problems,
                    [&](const boost::json::value& account, const std::string& path) {
                      page.members.push_back(parse_account_state(reader, account, path));
                    });
  read_each_element(reader, response, "failedAccounts", false, page.problems,
                    [&](const boost::json::value& element, const std::string& path) {
                      const auto& account = reader.as_object(element, path);
                      const auto code = reader.optional_string(account, "errorCode", path).value_or("");
                      const auto message = reader.optional_string(account, "errorMessage", path).value_or("");
                      page.unprocessed.push_back({reader.account_id(account, "accountId", path),
                                                  code.empty()      ? message
                                                  : message.empty() ? code
                                                                    : code + ": " + message});
                    });
  return page;
}

const ServiceDescriptor& descriptor() {
  static const ServiceDescriptor kDescriptor{
      core::Service::inspector2,
      aws::Service::inspector2,
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
      MemberFeatureCalls{"BatchGetAccountStatus", kMaxAccountStatusBatch,
                         [](const std::optional<std::string>&, const std::vector<std::string>& account_ids) {
                           return batch_get_account_status_request(account_ids);
                         },
                         parse_batch_get_account_status},
  };
  return kDescriptor;
}

}  // namespace mw::services::inspector2
