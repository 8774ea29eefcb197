// Amazon Inspector (inspector2) and Amazon Macie (macie2): their requests
// and answers as ../shared/aws-api models them, every relationship status
// of both models against the contract's table, and their organization
// configuration.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "services/inspector2.hpp"
#include "services/macie2.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"

using namespace mw::services;
using mw::core::MemberStatus;

namespace {

std::string compact(const boost::json::object& object) {
  return mw::core::to_sorted_compact_json(object);
}

}  // namespace

TEST_CASE("Inspector ListMembers: POST /members/list with onlyAssociated false, every field, paged") {
  const auto first = inspector2::list_members_request(std::nullopt);
  CHECK(first.method == "POST");
  CHECK(first.path == "/members/list");
  CHECK(boost::json::parse(first.body) == boost::json::parse(R"({"maxResults":50,"onlyAssociated":false})"));
  const auto next = inspector2::list_members_request(std::string("t2"));
  CHECK(boost::json::parse(next.body).as_object().at("nextToken") == "t2");
  CHECK_THROWS_AS(inspector2::list_members_request(std::nullopt, 51), std::invalid_argument);
  CHECK_THROWS_AS(inspector2::list_members_request(std::string("")), std::invalid_argument);

  const auto page = inspector2::parse_list_members(R"({"members":[
      {"accountId":"222222222222","relationshipStatus":"ENABLED","updatedAt":1700000000.5,
       "delegatedAdminAccountId":"111111111111"},
      {"accountId":"333333333333","relationshipStatus":"CANNOT_CREATE_DETECTOR_IN_ORG_MASTER"},
      {"accountId":"444444444444","relationshipStatus":7},
      {"accountId":"x"}],"nextToken":"n"})");
  CHECK(page.account_ids == std::vector<std::string>{"222222222222", "333333333333", "444444444444"});
  REQUIRE(page.members.size() == 3);
  CHECK(page.members[0].status == MemberStatus::ENABLED);
  CHECK(page.members[0].raw_status == "ENABLED");
  CHECK(page.members[0].updated_at.text() == "2023-11-14T22:13:20.500Z");
  CHECK_FALSE(page.members[0].email);
  CHECK(page.members[0].detail == R"({"delegated_admin_account_id":"111111111111"})");
  CHECK(page.members[1].status == MemberStatus::UNKNOWN);  // not in the contract's table
  CHECK(page.members[1].raw_status == "CANNOT_CREATE_DETECTOR_IN_ORG_MASTER");
  CHECK(page.members[2].status == MemberStatus::UNKNOWN);  // a bad element with a usable account ID
  CHECK(page.problems.size() == 2);
  CHECK(page.next_token == "n");
  CHECK_THROWS_AS(inspector2::parse_list_members(R"({"members":{}})"), ParseError);
}

TEST_CASE("Inspector and Macie relationship statuses: the contract's table, every value of the models") {
  const auto inspector = [](std::string_view raw) {
    const auto body =
        R"({"members":[{"accountId":"222222222222","relationshipStatus":")" + std::string(raw) + "\"}]}";
    return inspector2::parse_list_members(body).members.at(0).status;
  };
  CHECK(inspector("ENABLED") == MemberStatus::ENABLED);
  CHECK(inspector("CREATED") == MemberStatus::CREATED);
  CHECK(inspector("INVITED") == MemberStatus::INVITED);
  CHECK(inspector("DISABLED") == MemberStatus::DISABLED);
  CHECK(inspector("REMOVED") == MemberStatus::REMOVED);
  CHECK(inspector("RESIGNED") == MemberStatus::RESIGNED);
  CHECK(inspector("DELETED") == MemberStatus::DELETED);
  CHECK(inspector("ACCOUNT_SUSPENDED") == MemberStatus::SUSPENDED);
  CHECK(inspector("EMAIL_VERIFICATION_IN_PROGRESS") == MemberStatus::VERIFICATION_IN_PROGRESS);
  CHECK(inspector("EMAIL_VERIFICATION_FAILED") == MemberStatus::VERIFICATION_FAILED);
  CHECK(inspector("REGION_DISABLED") == MemberStatus::UNKNOWN);
  CHECK(inspector("CANNOT_CREATE_DETECTOR_IN_ORG_MASTER") == MemberStatus::UNKNOWN);

  const auto macie = [](std::string_view raw) {
    const auto body =
        R"({"members":[{"accountId":"222222222222","relationshipStatus":")" + std::string(raw) + "\"}]}";
    return macie2::parse_list_members(body).members.at(0).status;
  };
  CHECK(macie("Enabled") == MemberStatus::ENABLED);
  CHECK(macie("Created") == MemberStatus::CREATED);
  CHECK(macie("Invited") == MemberStatus::INVITED);
  CHECK(macie("Paused") == MemberStatus::DISABLED);
  CHECK(macie("Removed") == MemberStatus::REMOVED);
  CHECK(macie("Resigned") == MemberStatus::RESIGNED);
  CHECK(macie("AccountSuspended") == MemberStatus::SUSPENDED);
  CHECK(macie("EmailVerificationInProgress") == MemberStatus::VERIFICATION_IN_PROGRESS);
  CHECK(macie("EmailVerificationFailed") == MemberStatus::VERIFICATION_FAILED);
  CHECK(macie("RegionDisabled") == MemberStatus::UNKNOWN);
  CHECK(macie("Deleted") == MemberStatus::UNKNOWN);  // not Macie's
}

TEST_CASE("Macie ListMembers: GET /members?maxResults=25&onlyAssociated=false, every field, paged") {
  const auto first = macie2::list_members_request(std::nullopt);
  CHECK(first.method == "GET");
  CHECK(first.request_target() == "/members?maxResults=25&onlyAssociated=false");
  CHECK(macie2::list_members_request(std::string("a/b")).request_target() ==
        "/members?maxResults=25&nextToken=a%2Fb&onlyAssociated=false");
  CHECK_THROWS_AS(macie2::list_members_request(std::nullopt, 26), std::invalid_argument);

  const auto page = macie2::parse_list_members(R"({"members":[
      {"accountId":"222222222222","relationshipStatus":"Paused","email":"a@example.com",
       "invitedAt":"2024-01-02T03:04:05.678Z","updatedAt":"2024-02-03T04:05:06Z",
       "administratorAccountId":"111111111111","masterAccountId":"111111111111",
       "arn":"arn:aws:macie2:us-east-1:111111111111:member/222222222222","tags":{"team":"sec"}}],
      "nextToken":""})");
  REQUIRE(page.members.size() == 1);
  const auto& member = page.members[0];
  CHECK(member.status == MemberStatus::DISABLED);
  CHECK(member.raw_status == "Paused");
  CHECK(member.email == "a@example.com");
  CHECK(member.invited_at.text() == "2024-01-02T03:04:05.678Z");
  CHECK(member.updated_at.text() == "2024-02-03T04:05:06Z");
  CHECK(
      member.detail ==
      R"({"administrator_account_id":"111111111111","arn":"arn:aws:macie2:us-east-1:111111111111:member/222222222222",)"
      R"("master_account_id":"111111111111","tags":{"team":"sec"}})");
  CHECK_FALSE(page.next_token);  // "" ends the listing
  const auto bad = macie2::parse_list_members(R"({"members":[{"accountId":"222222222222","tags":["x"]}]})");
  REQUIRE(bad.members.size() == 1);
  CHECK(bad.members[0].status == MemberStatus::UNKNOWN);
  CHECK(bad.problems.size() == 1);
}

TEST_CASE(
    "Inspector organization configuration: NEW when every scan type is on, PARTIAL when some, NONE when "
    "none") {
  const auto request = inspector2::describe_organization_configuration_request();
  CHECK(request.method == "POST");
  CHECK(request.path == "/organizationconfiguration/describe");
  CHECK(request.body == "{}");
  const auto mode = [](std::string_view body) {
    return std::string(inspector2::organization_auto_enable(
        inspector2::parse_describe_organization_configuration(body).detail));
  };
  CHECK(
      mode(
          R"({"autoEnable":{"ec2":true,"ecr":true,"lambda":true,"lambdaCode":true,"codeRepository":false}})") ==
      "NEW");
  CHECK(mode(R"({"autoEnable":{"ec2":true,"ecr":false,"lambda":true,"lambdaCode":false}})") == "PARTIAL");
  CHECK(
      mode(
          R"({"autoEnable":{"ec2":false,"ecr":false,"lambda":false,"lambdaCode":false,"codeRepository":true}})") ==
      "NONE");
  CHECK(mode(R"({"autoEnable":{"ec2":true,"ecr":true}})") == "NEW");  // Lambda not offered there
  CHECK(mode(R"({"maxAccountLimitReached":false})") == "UNKNOWN");
  const auto page = inspector2::parse_describe_organization_configuration(
      R"({"autoEnable":{"ec2":true,"ecr":true,"lambdaCode":false},"maxAccountLimitReached":true})");
  CHECK(compact(page.detail) ==
        R"({"auto_enable":{"ec2":true,"ecr":true,"lambda_code":false},"max_account_limit_reached":true})");
  CHECK_THROWS_WITH_AS(
      inspector2::parse_describe_organization_configuration(R"({"autoEnable":{"ec2":"yes"}})"),
      doctest::Contains("autoEnable.ec2"), ParseError);
  CHECK_THROWS_AS(inspector2::parse_describe_organization_configuration(R"({"autoEnable":true})"),
                  ParseError);
}

TEST_CASE("Macie organization configuration: GET /admin/configuration, autoEnable as NEW or NONE") {
  const auto request = macie2::describe_organization_configuration_request();
  CHECK(request.method == "GET");
  CHECK(request.path == "/admin/configuration");
  const auto mode = [](std::string_view body) {
    return std::string(
        macie2::organization_auto_enable(macie2::parse_describe_organization_configuration(body).detail));
  };
  CHECK(mode(R"({"autoEnable":true,"maxAccountLimitReached":false})") == "NEW");
  CHECK(mode(R"({"autoEnable":false})") == "NONE");
  CHECK(mode(R"({})") == "UNKNOWN");
  CHECK_THROWS_AS(macie2::parse_describe_organization_configuration(R"({"autoEnable":"true"})"), ParseError);
}

TEST_CASE("Inspector and Macie tell 'not the administrator' by an AccessDeniedException that is not IAM's") {
  const mw::aws::AwsErrorInfo service{"inspector2",
                                      "DescribeOrganizationConfiguration",
                                      403,
                                      "AccessDeniedException",
                                      "The account is not the delegated administrator.",
                                      ""};
  const mw::aws::AwsErrorInfo iam{"macie2",
                                  "DescribeOrganizationConfiguration",
                                  403,
                                  "AccessDeniedException",
                                  "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: "
                                  "macie2:DescribeOrganizationConfiguration",
                                  ""};
  CHECK(inspector2::is_not_administrator(service));
  CHECK_FALSE(inspector2::is_not_administrator(iam));
  CHECK(macie2::is_not_administrator(service));
  CHECK_FALSE(macie2::is_not_administrator(iam));
}

TEST_CASE(
    "Inspector BatchGetAccountStatus: 1..100 accounts, each member's scan coverage, failed accounts apart") {
  const auto request = inspector2::batch_get_account_status_request({"222222222222"});
  CHECK(request.path == "/status/batch/get");
  CHECK(boost::json::parse(request.body) == boost::json::parse(R"({"accountIds":["222222222222"]})"));
  CHECK_THROWS_AS(inspector2::batch_get_account_status_request({}), std::invalid_argument);
  CHECK_THROWS_AS(inspector2::batch_get_account_status_request(std::vector<std::string>(101, "222222222222")),
                  std::invalid_argument);
  CHECK_NOTHROW(inspector2::batch_get_account_status_request(std::vector<std::string>(100, "222222222222")));

  const auto page = inspector2::parse_batch_get_account_status(R"({
    "accounts":[{"accountId":"222222222222","state":{"status":"ENABLED","errorCode":"","errorMessage":""},
                 "resourceState":{"ec2":{"status":"ENABLED"},"ecr":{"status":"DISABLED"},
                                  "lambdaCode":{"status":"DISABLED"}}},
                {"accountId":"333333333333","state":{"status":7}}],
    "failedAccounts":[{"accountId":"444444444444","errorCode":"ACCESS_DENIED","errorMessage":"denied"}]})");
  REQUIRE(page.members.size() == 1);
  CHECK(
      compact(page.members[0].detail) ==
      R"({"account_status":"ENABLED","resources":{"ec2":"ENABLED","ecr":"DISABLED","lambda_code":"DISABLED"}})");
  CHECK(page.problems.size() == 1);
  REQUIRE(page.unprocessed.size() == 1);
  CHECK(page.unprocessed[0].reason == "ACCESS_DENIED: denied");
  CHECK_THROWS_AS(inspector2::parse_batch_get_account_status(R"({"failedAccounts":[]})"), ParseError);
}

TEST_CASE("the Organizations service principals: Macie keeps its first name") {
  CHECK(organizations::service_principal(mw::core::Service::inspector2) == "inspector2.amazonaws.com");
  CHECK(organizations::service_principal(mw::core::Service::macie2) == "macie.amazonaws.com");
}
