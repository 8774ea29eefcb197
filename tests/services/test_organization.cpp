// DescribeOrganizationConfiguration of the three services, GuardDuty's
// GetMemberDetectors and Organizations' ListDelegatedAdministrators: their
// requests, their answers read field by field (shapes from
// ../shared/aws-api), and how "not the organization's administrator" is told.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/organization_configuration.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"
#include "services/securityhub.hpp"

using namespace mw::services;

namespace {

std::string compact(const boost::json::object& object) {
  return mw::core::to_sorted_compact_json(object);
}

mw::aws::AwsErrorInfo error(std::string code, std::string message) {
  return {"service", "DescribeOrganizationConfiguration", 400, std::move(code), std::move(message), ""};
}

}  // namespace

TEST_CASE(
    "Security Hub DescribeOrganizationConfiguration: GET /organization/configuration, every field "
    "snake_case") {
  const auto request = securityhub::describe_organization_configuration_request();
  CHECK(request.method == "GET");
  CHECK(request.path == "/organization/configuration");
  CHECK(request.body.empty());
  CHECK(request.operation == "DescribeOrganizationConfiguration");

  const auto page = securityhub::parse_describe_organization_configuration(
      R"({"AutoEnable":true,"MemberAccountLimitReached":false,"AutoEnableStandards":"DEFAULT",
          "OrganizationConfiguration":{"ConfigurationType":"LOCAL","Status":"ENABLED"},"NewField":{"SomeKey":1}})");
  CHECK(
      compact(page.detail) ==
      R"({"auto_enable":true,"auto_enable_standards":"DEFAULT","member_account_limit_reached":false,)"
      R"("new_field":{"some_key":1},"organization_configuration":{"configuration_type":"LOCAL","status":"ENABLED"}})");
  CHECK_FALSE(page.next_token);
  CHECK(securityhub::organization_auto_enable(page.detail) == "NEW");
}

TEST_CASE(
    "Security Hub auto_enable: CENTRAL under central configuration, NEW or NONE by AutoEnable, UNKNOWN "
    "without") {
  const auto mode = [](std::string_view body) {
    return std::string(securityhub::organization_auto_enable(
        securityhub::parse_describe_organization_configuration(body).detail));
  };
  CHECK(
      mode(
          R"({"AutoEnable":false,"OrganizationConfiguration":{"ConfigurationType":"CENTRAL","Status":"ENABLED"}})") ==
      "CENTRAL");
  CHECK(mode(R"({"AutoEnable":false})") == "NONE");
  CHECK(mode(R"({"AutoEnable":true,"OrganizationConfiguration":{"ConfigurationType":"LOCAL"}})") == "NEW");
  CHECK(mode(R"({})") == "UNKNOWN");
  CHECK(mode(R"({"AutoEnable":null})") == "UNKNOWN");
}

TEST_CASE("DescribeOrganizationConfiguration answers of the wrong shape are ParseErrors naming the field") {
  CHECK_THROWS_WITH_AS(securityhub::parse_describe_organization_configuration(R"({"AutoEnable":"yes"})"),
                       doctest::Contains("AutoEnable"), ParseError);
  CHECK_THROWS_WITH_AS(securityhub::parse_describe_organization_configuration(
                           R"({"OrganizationConfiguration":{"ConfigurationType":7}})"),
                       doctest::Contains("OrganizationConfiguration.ConfigurationType"), ParseError);
  CHECK_THROWS_WITH_AS(
      securityhub::parse_describe_organization_configuration(R"({"OrganizationConfiguration":[]})"),
      doctest::Contains("OrganizationConfiguration"), ParseError);
  CHECK_THROWS_AS(securityhub::parse_describe_organization_configuration(R"({"AutoEnable":tr)"), ParseError);
  CHECK_THROWS_AS(securityhub::parse_describe_organization_configuration(R"([])"), ParseError);
  CHECK_THROWS_WITH_AS(
      guardduty::parse_describe_organization_configuration(R"({"autoEnableOrganizationMembers":true})"),
      doctest::Contains("autoEnableOrganizationMembers"), ParseError);
  CHECK_THROWS_WITH_AS(guardduty::parse_describe_organization_configuration(R"({"features":{"name":"X"}})"),
                       doctest::Contains("features"), ParseError);
  CHECK_THROWS_WITH_AS(
      guardduty::parse_describe_organization_configuration(R"({"features":[{"autoEnable":"ALL"}]})"),
      doctest::Contains("features[0].name"), ParseError);
  CHECK_THROWS_WITH_AS(detective::parse_describe_organization_configuration(R"({"AutoEnable":1})"),
                       doctest::Contains("AutoEnable"), ParseError);
}

TEST_CASE(
    "GuardDuty DescribeOrganizationConfiguration: GET /detector/{id}/admin, paged by maxResults and "
    "nextToken") {
  const auto first = guardduty::describe_organization_configuration_request("12abc34d", std::nullopt);
  CHECK(first.method == "GET");
  CHECK(first.path == "/detector/12abc34d/admin");
  CHECK(first.request_target() == "/detector/12abc34d/admin?maxResults=50");
  const auto next = guardduty::describe_organization_configuration_request("12abc34d", std::string("t/2"));
  CHECK(next.request_target() == "/detector/12abc34d/admin?maxResults=50&nextToken=t%2F2");
  CHECK_THROWS_AS(guardduty::describe_organization_configuration_request("12abc34d", std::nullopt, 51),
                  std::invalid_argument);

  const auto page = guardduty::parse_describe_organization_configuration(
      R"({"autoEnable":true,"autoEnableOrganizationMembers":"ALL","memberAccountLimitReached":false,
          "dataSources":{"s3Logs":{"autoEnable":true}},
          "features":[{"name":"RUNTIME_MONITORING","autoEnable":"ALL",
                       "additionalConfiguration":[{"name":"EKS_ADDON_MANAGEMENT","autoEnable":"NEW"}]}],
          "nextToken":"page2"})");
  CHECK(
      compact(page.detail) ==
      R"({"auto_enable":true,"auto_enable_organization_members":"ALL","data_sources":{"s3_logs":{"auto_enable":true}},)"
      R"("features":[{"additional_configuration":[{"auto_enable":"NEW","name":"EKS_ADDON_MANAGEMENT"}],)"
      R"("auto_enable":"ALL","name":"RUNTIME_MONITORING"}],"member_account_limit_reached":false})");
  CHECK(page.next_token == "page2");
  CHECK_FALSE(guardduty::parse_describe_organization_configuration(R"({"nextToken":""})").next_token);
}

TEST_CASE(
    "GuardDuty auto_enable: the members' mode, the deprecated boolean, UNKNOWN values, PARTIAL for required "
    "features") {
  const auto mode = [](std::string_view body, const std::vector<std::string>& required = {}) {
    return std::string(guardduty::organization_auto_enable(
        guardduty::parse_describe_organization_configuration(body).detail, required));
  };
  CHECK(mode(R"({"autoEnableOrganizationMembers":"ALL","autoEnable":false})") == "ALL");
  CHECK(mode(R"({"autoEnableOrganizationMembers":"NEW"})") == "NEW");
  CHECK(mode(R"({"autoEnableOrganizationMembers":"NONE","autoEnable":true})") == "NONE");
  CHECK(mode(R"({"autoEnableOrganizationMembers":"SOMETIMES"})") == "UNKNOWN");
  CHECK(mode(R"({"autoEnable":true})") == "NEW");
  CHECK(mode(R"({"autoEnable":false})") == "NONE");
  CHECK(mode(R"({"memberAccountLimitReached":false})") == "UNKNOWN");

  const std::string features = R"({"autoEnableOrganizationMembers":"ALL","features":[
      {"name":"RUNTIME_MONITORING","autoEnable":"NEW"},{"name":"S3_DATA_EVENTS","autoEnable":"NONE"}]})";
  CHECK(mode(features, {"RUNTIME_MONITORING"}) == "ALL");
  CHECK(mode(features, {"RUNTIME_MONITORING", "S3_DATA_EVENTS"}) == "PARTIAL");
  CHECK(mode(features, {"EBS_MALWARE_PROTECTION"}) == "PARTIAL");  // not named: not auto-enabled
  CHECK(mode(R"({"autoEnableOrganizationMembers":"NONE"})", {"RUNTIME_MONITORING"}) == "NONE");
}

TEST_CASE("Detective DescribeOrganizationConfiguration: POST with the graph ARN, AutoEnable as NEW or NONE") {
  const std::string graph = "arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899";
  const auto request = detective::describe_organization_configuration_request(graph);
  CHECK(request.method == "POST");
  CHECK(request.path == "/orgs/describeOrganizationConfiguration");
  CHECK(boost::json::parse(request.body) == boost::json::parse(R"({"GraphArn":")" + graph + R"("})"));
  const auto mode = [](std::string_view body) {
    return std::string(detective::organization_auto_enable(
        detective::parse_describe_organization_configuration(body).detail));
  };
  CHECK(mode(R"({"AutoEnable":true})") == "NEW");
  CHECK(mode(R"({"AutoEnable":false})") == "NONE");
  CHECK(mode(R"({})") == "UNKNOWN");
}

TEST_CASE("each service's 'not the organization's administrator' error, told from its other errors") {
  CHECK(securityhub::is_not_administrator(
      error("InvalidAccessException", "Account 111111111111 is not an administrator for this organization")));
  CHECK_FALSE(securityhub::is_not_administrator(
      error("InvalidAccessException", "Account 111111111111 is not subscribed to AWS Security Hub")));
  CHECK_FALSE(securityhub::is_not_administrator(error("AccessDeniedException", "not an administrator")));

  CHECK(guardduty::is_not_administrator(error("BadRequestException",
                                              "The request failed because the account is not the GuardDuty "
                                              "delegated administrator for this organization.")));
  CHECK(guardduty::is_not_administrator(
      error("BadRequestException",
            "The request failed because you do not have required AWS Organization master permission.")));
  CHECK_FALSE(guardduty::is_not_administrator(
      error("BadRequestException",
            "The request is rejected because the input detectorId is not owned by the current account.")));
  CHECK_FALSE(guardduty::is_not_administrator(error("AccessDeniedException", "administrator")));

  CHECK(detective::is_not_administrator(error("AccessDeniedException",
                                              "The request was rejected because the account is not the "
                                              "Detective administrator account for the organization.")));
  CHECK_FALSE(
      detective::is_not_administrator(error("AccessDeniedException",
                                            "User: arn:aws:sts::1:assumed-role/x is not authorized to "
                                            "perform: detective:DescribeOrganizationConfiguration")));
  CHECK_FALSE(detective::is_not_administrator(error("ValidationException", "bad graph")));
}

TEST_CASE(
    "GuardDuty GetMemberDetectors: 1..50 accounts, features by name, data sources snake_case, unprocessed "
    "apart") {
  const auto request = guardduty::get_member_detectors_request("12abc34d", {"222222222222", "333333333333"});
  CHECK(request.method == "POST");
  CHECK(request.path == "/detector/12abc34d/member/detector/get");
  CHECK(boost::json::parse(request.body) ==
        boost::json::parse(R"({"accountIds":["222222222222","333333333333"]})"));
  CHECK_THROWS_AS(guardduty::get_member_detectors_request("12abc34d", {}), std::invalid_argument);
  CHECK_THROWS_AS(
      guardduty::get_member_detectors_request("12abc34d", std::vector<std::string>(51, "222222222222")),
      std::invalid_argument);

  const auto page = guardduty::parse_get_member_detectors(R"({
    "members":[
      {"accountId":"222222222222",
       "dataSources":{"cloudTrail":{"status":"ENABLED"},"dnsLogs":{"status":"ENABLED"},"flowLogs":{"status":"ENABLED"},
                      "s3Logs":{"status":"DISABLED"}},
       "features":[{"name":"RUNTIME_MONITORING","status":"ENABLED","updatedAt":1700000000},
                   {"name":"S3_DATA_EVENTS","status":"DISABLED"}]},
      {"accountId":"333333333333","dataSources":{"cloudTrail":{"status":"ENABLED"}}},
      {"accountId":"bad"},
      {"accountId":"444444444444","features":[{"status":"ENABLED"}]}],
    "unprocessedAccounts":[{"accountId":"555555555555","result":"not associated"}]})");
  REQUIRE(page.members.size() == 2);
  CHECK(page.members[0].account_id == "222222222222");
  CHECK(compact(page.members[0].detail) ==
        R"({"data_sources":{"cloud_trail":{"status":"ENABLED"},"dns_logs":{"status":"ENABLED"},)"
        R"("flow_logs":{"status":"ENABLED"},"s3_logs":{"status":"DISABLED"}},)"
        R"("features":{"RUNTIME_MONITORING":"ENABLED","S3_DATA_EVENTS":"DISABLED"}})");
  CHECK(compact(page.members[1].detail) == R"({"data_sources":{"cloud_trail":{"status":"ENABLED"}}})");
  REQUIRE(page.unprocessed.size() == 1);
  CHECK(page.unprocessed[0].account_id == "555555555555");
  CHECK(page.unprocessed[0].reason == "not associated");
  REQUIRE(page.problems.size() == 2);
  CHECK(page.problems[0].find("members[2].accountId") != std::string::npos);
  CHECK(page.problems[1].find("members[3].features[0].name") != std::string::npos);
  CHECK(guardduty::parse_get_member_detectors(R"({"members":[],"unprocessedAccounts":[]})").members.empty());
  CHECK_THROWS_AS(guardduty::parse_get_member_detectors(R"({"members":{}})"), ParseError);
}

TEST_CASE(
    "Organizations ListDelegatedAdministrators: one service principal, every page, State before Status") {
  const auto request =
      organizations::list_delegated_administrators_request("guardduty.amazonaws.com", std::nullopt);
  CHECK(request.target == "AWSOrganizationsV20161128.ListDelegatedAdministrators");
  CHECK(request.content_type == "application/x-amz-json-1.1");
  CHECK(boost::json::parse(request.body) ==
        boost::json::parse(R"({"ServicePrincipal":"guardduty.amazonaws.com","MaxResults":20})"));
  const auto next =
      organizations::list_delegated_administrators_request("guardduty.amazonaws.com", std::string("t"));
  CHECK(boost::json::parse(next.body).as_object().at("NextToken") == "t");
  CHECK_THROWS_AS(organizations::list_delegated_administrators_request("", std::nullopt),
                  std::invalid_argument);
  CHECK(organizations::service_principal(mw::core::Service::securityhub) == "securityhub.amazonaws.com");
  CHECK(organizations::service_principal(mw::core::Service::detective) == "detective.amazonaws.com");

  const auto page = organizations::parse_list_delegated_administrators(R"({"DelegatedAdministrators":[
      {"Id":"111111111111","Name":"security","State":"ACTIVE","Status":"ACTIVE","DelegationEnabledDate":1577934245.678,
       "JoinedTimestamp":1577934245},
      {"Id":"222222222222","Status":"SUSPENDED"},
      {"Id":"nope"},
      {"Id":"333333333333","DelegationEnabledDate":"yesterday"}],"NextToken":"n"})");
  REQUIRE(page.administrators.size() == 2);
  CHECK(page.administrators[0].account_id == "111111111111");
  CHECK(page.administrators[0].name == "security");
  CHECK(page.administrators[0].state == "ACTIVE");
  CHECK(page.administrators[1].state == "SUSPENDED");
  CHECK(page.problems.size() == 2);
  CHECK(page.next_token == "n");
  CHECK(organizations::parse_list_delegated_administrators("{}").administrators.empty());
}
