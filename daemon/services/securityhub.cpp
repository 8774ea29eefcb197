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
  };
  return kDescriptor;
}

}  // namespace mw::services::securityhub
