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

MembersResponseShape shape(bool get_members) {
  MembersResponseShape shape;
  shape.service = core::Service::securityhub;
  shape.members_list = "Members";
  shape.member = {"AccountId", "MemberStatus", "Email", "InvitedAt", "UpdatedAt", kMemberDetail};
  if (get_members) {
    shape.unprocessed_list = "UnprocessedAccounts";
    shape.unprocessed = {"AccountId", "ProcessingResult"};
  } else {
    shape.next_token = "NextToken";
  }
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

MemberPage parse_list_members(std::string_view body) {
  return parse_members_response(JsonReader("securityhub ListMembers"), body, shape(false));
}

MemberPage parse_get_members(std::string_view body) {
  return parse_members_response(JsonReader("securityhub GetMembers"), body, shape(true));
}

}  // namespace mw::services::securityhub
