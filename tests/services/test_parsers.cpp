#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "services/account.hpp"
#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/json_reader.hpp"
#include "services/organizations.hpp"
#include "services/securityhub.hpp"

using namespace mw::services;
using mw::core::MemberStatus;
using mw::core::Service;

namespace {

boost::json::value json(std::string_view text) {
  return boost::json::parse(text);
}

std::string read_seed(const std::string& name) {
  std::ifstream file(std::string(MW_SHARED_DIR) + "/seeds/" + name);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("to_snake_case") {
  CHECK(to_snake_case("AccountId") == "account_id");
  CHECK(to_snake_case("detectorId") == "detector_id");
  CHECK(to_snake_case("VolumeUsageByDatasourcePackage") == "volume_usage_by_datasource_package");
  CHECK(to_snake_case("PercentOfGraphUtilizationUpdatedTime") == "percent_of_graph_utilization_updated_time");
  CHECK(to_snake_case("ARNValue") == "arn_value");
  CHECK(to_snake_case("GraphArn") == "graph_arn");
  CHECK(to_snake_case("already_snake") == "already_snake");
  CHECK(to_snake_case("S3Bucket") == "s3_bucket");
}

TEST_CASE("Security Hub GetMembers: every field of the model, and UnprocessedAccounts as NOT_MEMBER") {
  const auto page = securityhub::parse_get_members(R"({
    "Members": [
      {"AccountId": "222222222222", "Email": "sec+\"ops\"@example.com", "MasterId": "111111111111",
       "AdministratorId": "111111111111", "MemberStatus": "Enabled",
       "InvitedAt": "2021-08-18T16:35:56.284Z", "UpdatedAt": 1629304556},
      {"AccountId": "333333333333", "MemberStatus": "AccountSuspended", "Email": null}
    ],
    "UnprocessedAccounts": [{"AccountId": "444444444444", "ProcessingResult": "Account is not a member"}]
  })");
  REQUIRE(page.members.size() == 3);
  const auto& enabled = page.members[0];
  CHECK(enabled.account_id == "222222222222");
  CHECK(enabled.status == MemberStatus::ENABLED);
  CHECK(enabled.raw_status == "Enabled");
  CHECK(enabled.email == "sec+\"ops\"@example.com");
  CHECK(enabled.invited_at == "2021-08-18T16:35:56.284Z");
  CHECK(enabled.updated_at == "2021-08-18T16:35:56Z");  // epoch seconds accepted
  CHECK(boost::json::parse(enabled.detail) ==
        json(R"({"administrator_id":"111111111111","master_id":"111111111111"})"));
  CHECK(enabled.source == nullptr);  // the merge sets it
  CHECK_FALSE(enabled.stale);

  CHECK(page.members[1].status == MemberStatus::SUSPENDED);
  CHECK_FALSE(page.members[1].email.has_value());  // null is absent
  CHECK(page.members[1].detail == "{}");

  CHECK(page.problems.empty());
  const auto& unprocessed = page.members[2];
  CHECK(unprocessed.account_id == "444444444444");
  CHECK(unprocessed.status == MemberStatus::NOT_MEMBER);
  CHECK(unprocessed.raw_status == "Account is not a member");
}

TEST_CASE("Security Hub: unknown statuses kept raw, ListMembers pages give account IDs only") {
  const auto page = securityhub::parse_get_members(R"({
    "Members": [{"AccountId": "222222222222", "MemberStatus": "Pending_Something", "NewField": {"X": 1}}]})");
  REQUIRE(page.members.size() == 1);
  CHECK(page.members[0].status == MemberStatus::UNKNOWN);
  CHECK(page.members[0].raw_status == "Pending_Something");
  CHECK(boost::json::parse(page.members[0].detail) == json(R"({"new_field":{"X":1}})"));

  const auto listed = securityhub::parse_list_members(R"({
    "Members": [{"AccountId": "222222222222", "MemberStatus": 7, "NewField": {"X": 1}},
                {"AccountId": "33"}, "text", {"AccountId": "444444444444"}],
    "NextToken": "page-2"})");
  // Only the account ID is read: a status of the wrong type is GetMembers' business.
  CHECK(listed.account_ids == std::vector<std::string>{"222222222222", "444444444444"});
  CHECK(listed.problems.size() == 2);
  CHECK(listed.next_token == "page-2");
  CHECK(securityhub::parse_list_members("{}").account_ids.empty());
  CHECK_FALSE(securityhub::parse_list_members(R"({"Members":[],"NextToken":null})").next_token.has_value());
}

// Few keys are sorted by insertion, many by std::stable_sort: both keep, of
// two keys with one snake_case form, the later.
TEST_CASE("detail keys sorted whatever their number and order, the later of two alike kept") {
  for (const int extra : {3, 31, 40, 200}) {
    CAPTURE(extra);
    std::string member = R"({"AccountId": "222222222222", "MemberStatus": "Enabled", "FooBar": "first")";
    for (int i = extra; i > 0; --i)
      member += ",\"Key" + std::to_string(1000 + i) + "\": " + std::to_string(i);
    member += R"(, "fooBar": "second"})";
    const auto page = securityhub::parse_get_members(R"({"Members": [)" + member + "]}");
    REQUIRE(page.members.size() == 1);
    std::string expected = R"({"foo_bar":"second")";
    for (int i = 1; i <= extra; ++i)
      expected += ",\"key" + std::to_string(1000 + i) + "\":" + std::to_string(i);
    expected += "}";
    CHECK(page.members[0].detail == expected);
  }
}

TEST_CASE("GuardDuty GetMembers: the documentation's sample response") {
  const auto seed = read_seed("003_d4db63c6de1f8a14.txt");
  const auto start = seed.find("{ \"members\":[");
  REQUIRE(start != std::string::npos);
  const auto page = guardduty::parse_get_members(seed.substr(start));
  REQUIRE(page.members.size() == 1);
  const auto& member = page.members[0];
  CHECK(member.account_id == "234567890123");
  CHECK(member.raw_status == "Monitored");
  CHECK(member.status == MemberStatus::UNKNOWN);
  CHECK(member.email == "guarddutymember@amazon.com ");
  CHECK(member.invited_at == "2018-02-09T21:33:05.568Z");
  CHECK(member.updated_at == "2018-02-09T21:33:46.363Z");
  CHECK(boost::json::parse(member.detail) ==
        json(R"({"detector_id":"12abc34d567e8fa901bc2d34e56789f0","master_id":"123456789012"})"));
}

TEST_CASE("GuardDuty GetMembers and ListMembers: every field, unprocessedAccounts, tokens") {
  const auto got = guardduty::parse_get_members(R"({
    "members": [{"accountId": "222222222222", "detectorId": "d2", "email": "a@example.com",
                 "masterId": "111111111111", "administratorId": "111111111111",
                 "relationshipStatus": "EmailVerificationFailed",
                 "invitedAt": "2018-02-09T21:33:05Z", "updatedAt": "2018-02-09T23:33:46.3+02:00"}],
    "unprocessedAccounts": [{"accountId": "333333333333",
                             "result": "The request is rejected because the given account ID is not an associated member of account the current account."}]
  })");
  REQUIRE(got.members.size() == 2);
  CHECK(got.members[0].status == MemberStatus::VERIFICATION_FAILED);
  CHECK(got.members[0].invited_at == "2018-02-09T21:33:05Z");
  CHECK(got.members[0].updated_at == "2018-02-09T21:33:46.300Z");
  CHECK(boost::json::parse(got.members[0].detail) ==
        json(R"({"administrator_id":"111111111111","detector_id":"d2","master_id":"111111111111"})"));
  CHECK(got.members[1].status == MemberStatus::NOT_MEMBER);
  CHECK(got.members[1].raw_status.starts_with("The request is rejected"));

  const auto listed = guardduty::parse_list_members(
      R"({"members":[{"accountId":"222222222222","relationshipStatus":"Enabled","email":"a@b.c","masterId":"1","updatedAt":"2018-02-09T21:33:05Z"}],"nextToken":"abc"})");
  CHECK(listed.account_ids == std::vector<std::string>{"222222222222"});
  CHECK(listed.next_token == "abc");
  // GuardDuty ends paging with an empty token.
  CHECK_FALSE(guardduty::parse_list_members(R"({"members":[],"nextToken":""})").next_token.has_value());
}

TEST_CASE("GuardDuty invitedAt and updatedAt are strings: text that is not ISO 8601 is kept raw, no error") {
  const std::string members = R"({"members": [
      {"accountId": "222222222222", "relationshipStatus": "Enabled", "masterId": "111111111111",
       "invitedAt": "2018-02-09 21:33", "updatedAt": "last Tuesday"},
      {"accountId": "333333333333", "relationshipStatus": "Enabled",
       "invitedAt": "2018-02-09T21:33:05Z", "updatedAt": "soon"},
      {"accountId": "444444444444", "relationshipStatus": "Enabled", "invitedAt": "", "updatedAt": 1629304556},
      {"accountId": "555555555555", "relationshipStatus": "Enabled", "invitedAt": null}
    ])";
  const auto page = guardduty::parse_get_members(members + R"(, "unprocessedAccounts": []})");
  CHECK(page.problems.empty());
  REQUIRE(page.members.size() == 4);
  CHECK(page.members[0].status == MemberStatus::ENABLED);
  CHECK_FALSE(page.members[0].invited_at.has_value());
  CHECK_FALSE(page.members[0].updated_at.has_value());
  CHECK(boost::json::parse(page.members[0].detail) == json(R"({
      "invited_at_raw": "2018-02-09 21:33", "master_id": "111111111111", "updated_at_raw": "last Tuesday"})"));
  // Only the time that did not parse is kept raw.
  CHECK(page.members[1].invited_at == "2018-02-09T21:33:05Z");
  CHECK_FALSE(page.members[1].updated_at.has_value());
  CHECK(boost::json::parse(page.members[1].detail) == json(R"({"updated_at_raw": "soon"})"));
  // "" is no time; epoch seconds are read as before.
  CHECK_FALSE(page.members[2].invited_at.has_value());
  CHECK(page.members[2].updated_at == "2021-08-18T16:35:56Z");
  CHECK(page.members[2].detail == "{}");
  CHECK_FALSE(page.members[3].invited_at.has_value());
  CHECK(page.members[3].detail == "{}");
}

TEST_CASE("Security Hub and Detective times are timestamps: text that is not ISO 8601 is still a problem") {
  const auto hub = securityhub::parse_get_members(
      R"({"Members":[{"AccountId":"222222222222","MemberStatus":"Enabled","InvitedAt":"2018-02-09 21:33"}]})");
  CHECK(hub.problems ==
        std::vector<std::string>{"securityhub GetMembers: Members[0].InvitedAt: expected an ISO "
                                 "8601 date-time, got \"2018-02-09 21:33\""});
  const auto graph = detective::parse_get_members(
      R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","UpdatedTime":"soon"}]})");
  CHECK(graph.problems == std::vector<std::string>{"detective GetMembers: MemberDetails[0].UpdatedTime: "
                                                   "expected an ISO 8601 date-time, got \"soon\""});
}

TEST_CASE("GuardDuty ListDetectors") {
  const auto page = guardduty::parse_list_detectors(
      R"({"detectorIds":["12abc34d567e8fa901bc2d34e56789f0"],"nextToken":""})");
  CHECK(page.detector_ids == std::vector<std::string>{"12abc34d567e8fa901bc2d34e56789f0"});
  CHECK_FALSE(page.next_token.has_value());
  CHECK(guardduty::parse_list_detectors(R"({"detectorIds":[]})").detector_ids.empty());
}

TEST_CASE("Detective GetMembers: every field of the seed's response syntax") {
  const auto page = detective::parse_get_members(R"({
    "MemberDetails": [{
      "AccountId": "222222222222",
      "EmailAddress": "détective@example.com",
      "GraphArn": "arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899",
      "MasterId": "111111111111",
      "AdministratorId": "111111111111",
      "Status": "ACCEPTED_BUT_DISABLED",
      "DisabledReason": "VOLUME_TOO_HIGH",
      "InvitedTime": "2021-08-18T16:35:56.284Z",
      "UpdatedTime": "2021-08-18T16:40:00Z",
      "VolumeUsageInBytes": 123,
      "VolumeUsageUpdatedTime": "2021-08-18T16:35:56.284Z",
      "PercentOfGraphUtilization": 12.5,
      "PercentOfGraphUtilizationUpdatedTime": 1629304556.284,
      "InvitationType": "ORGANIZATION",
      "VolumeUsageByDatasourcePackage": {
        "DETECTIVE_CORE": {"VolumeUsageInBytes": 9007199254740993, "VolumeUsageUpdateTime": "2021-08-18T16:35:56.284Z"},
        "EKS_AUDIT": {"VolumeUsageInBytes": 0}
      },
      "DatasourcePackageIngestStates": {"DETECTIVE_CORE": "STARTED", "EKS_AUDIT": "DISABLED"}
    }],
    "UnprocessedAccounts": [{"AccountId": "333333333333", "Reason": "Account is not a member"}]
  })");
  REQUIRE(page.members.size() == 2);
  const auto& member = page.members[0];
  CHECK(member.status == MemberStatus::DISABLED);
  CHECK(member.raw_status == "ACCEPTED_BUT_DISABLED");
  CHECK(member.email == "détective@example.com");
  CHECK(member.invited_at == "2021-08-18T16:35:56.284Z");
  CHECK(member.updated_at == "2021-08-18T16:40:00Z");
  CHECK(boost::json::parse(member.detail) == json(R"({
    "administrator_id": "111111111111",
    "datasource_package_ingest_states": {"DETECTIVE_CORE": "STARTED", "EKS_AUDIT": "DISABLED"},
    "disabled_reason": "VOLUME_TOO_HIGH",
    "graph_arn": "arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899",
    "invitation_type": "ORGANIZATION",
    "master_id": "111111111111",
    "percent_of_graph_utilization": 12.5,
    "percent_of_graph_utilization_updated_time": "2021-08-18T16:35:56.284Z",
    "volume_usage_by_datasource_package": {
      "DETECTIVE_CORE": {"volume_usage_in_bytes": 9007199254740993, "volume_usage_update_time": "2021-08-18T16:35:56.284Z"},
      "EKS_AUDIT": {"volume_usage_in_bytes": 0}
    },
    "volume_usage_in_bytes": 123,
    "volume_usage_updated_time": "2021-08-18T16:35:56.284Z"
  })"));
  // Keys come out sorted whatever the body's order.
  std::vector<std::string> keys;
  const auto detail = boost::json::parse(member.detail);
  for (const auto& [key, _] : detail.as_object()) keys.emplace_back(key);
  CHECK(std::is_sorted(keys.begin(), keys.end()));

  CHECK(page.members[1].status == MemberStatus::NOT_MEMBER);
  CHECK(page.members[1].raw_status == "Account is not a member");
  CHECK(page.problems.empty());
}

TEST_CASE("Detective ListMembers and ListGraphs") {
  const auto listed = detective::parse_list_members(
      R"({"MemberDetails":[{"AccountId":"222222222222","Status":"VERIFICATION_IN_PROGRESS"}],"NextToken":"p2"})");
  CHECK(listed.account_ids == std::vector<std::string>{"222222222222"});
  CHECK(listed.next_token == "p2");

  const auto graphs = detective::parse_list_graphs(R"({"GraphList":[
      {"Arn":"arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899","CreatedTime":"2019-11-11T20:55:40.123Z"},
      {"Arn":"arn:aws:detective:us-east-1:111111111111:graph:b","CreatedTime":null}]})");
  REQUIRE(graphs.graphs.size() == 2);
  CHECK(graphs.graphs[0].created_at == "2019-11-11T20:55:40.123Z");
  CHECK_FALSE(graphs.graphs[1].created_at.has_value());
  CHECK_FALSE(graphs.next_token.has_value());
  CHECK(detective::parse_list_graphs("{}").graphs.empty());
}

TEST_CASE("Organizations ListAccounts") {
  const auto page = organizations::parse_list_accounts(R"({
    "Accounts": [
      {"Id": "222222222222", "Arn": "arn:aws:organizations::111111111111:account/o-exampleorgid/222222222222",
       "Email": "prod@example.com", "Name": "Production \"main\"", "Status": "ACTIVE",
       "JoinedMethod": "CREATED", "JoinedTimestamp": 1481835795.536},
      {"Id": "333333333333", "Name": "Old", "Status": "SUSPENDED", "JoinedTimestamp": 1481835741},
      {"Id": "444444444444", "Status": "PENDING_CLOSURE"}
    ],
    "NextToken": "AAAA=="})");
  REQUIRE(page.accounts.size() == 3);
  CHECK(page.accounts[0].account_id == "222222222222");
  CHECK(page.accounts[0].name == "Production \"main\"");
  CHECK(page.accounts[0].state == "ACTIVE");
  CHECK(page.accounts[1].state == "SUSPENDED");
  CHECK(page.accounts[2].name.empty());
  CHECK(page.next_token == "AAAA==");
  CHECK(page.problems.empty());
}

TEST_CASE(
    "Organizations ListAccounts as AWS answers since Status was retired: State first, Status as fallback") {
  const auto page = organizations::parse_list_accounts(R"({"Accounts": [
      {"Id": "200000000001", "Name": "state only", "State": "ACTIVE",
       "Arn": "arn:aws:organizations::111111111111:account/o-exampleorgid/200000000001",
       "Email": "a@example.com", "JoinedMethod": "INVITED", "JoinedTimestamp": "2024-01-02T03:04:05Z",
       "Paths": ["o-exampleorgid/r-ab12/ou-ab12-11111111/"]},
      {"Id": "200000000002", "Name": "status only", "Status": "SUSPENDED"},
      {"Id": "200000000003", "Name": "both", "State": "CLOSED", "Status": "SUSPENDED"},
      {"Id": "200000000004", "Name": "neither"},
      {"Id": "200000000005", "State": "PENDING_ACTIVATION"},
      {"Id": "200000000006", "State": "PENDING_CLOSURE"},
      {"Id": "200000000007", "State": "SOME_FUTURE_STATE"}
    ]})");
  REQUIRE(page.accounts.size() == 7);
  CHECK(page.problems.empty());
  CHECK(page.accounts[0].state == "ACTIVE");
  CHECK(page.accounts[1].state == "SUSPENDED");
  CHECK(page.accounts[2].state == "CLOSED");  // State wins
  CHECK_FALSE(page.accounts[3].state.has_value());
  CHECK(page.accounts[3].name == "neither");
  CHECK(page.accounts[4].state == "PENDING_ACTIVATION");
  CHECK(page.accounts[5].state == "PENDING_CLOSURE");
  CHECK(page.accounts[6].state == "SOME_FUTURE_STATE");  // kept raw: not inactive, not an error
  CHECK_FALSE(page.next_token.has_value());
  for (const char* state : {"SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"})
    CHECK(mw::core::is_inactive_organization_state(state));
  for (const char* state : {"ACTIVE", "SOME_FUTURE_STATE", ""})
    CHECK_FALSE(mw::core::is_inactive_organization_state(state));
}

TEST_CASE("Account ListRegions: every region with its opt status, NextToken") {
  const auto page = account::parse_list_regions(R"({"Regions": [
      {"RegionName": "us-east-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"},
      {"RegionName": "eu-south-1", "RegionOptStatus": "ENABLED"},
      {"RegionName": "ap-east-1", "RegionOptStatus": "DISABLED"},
      {"RegionName": "me-south-1", "RegionOptStatus": "ENABLING"},
      {"RegionName": "af-south-1", "RegionOptStatus": "DISABLING"},
      {"RegionName": "us-gov-west-1", "RegionOptStatus": "ENABLED"}
    ], "NextToken": "page-2"})");
  REQUIRE(page.regions.size() == 6);
  CHECK(page.regions[1].name == "eu-south-1");
  CHECK(page.regions[1].opt_status == "ENABLED");
  CHECK(page.next_token == "page-2");
  std::vector<std::string> enabled;
  for (const auto& region : page.regions)
    if (account::is_enabled(region.opt_status)) enabled.push_back(region.name);
  CHECK(enabled == std::vector<std::string>{"us-east-1", "eu-south-1", "us-gov-west-1"});
  CHECK(account::parse_list_regions("{}").regions.empty());
  CHECK_FALSE(account::parse_list_regions(R"({"Regions":[],"NextToken":""})").next_token.has_value());
}

namespace {

// One member-list operation and the names its model gives a member's fields.
struct MemberOperation {
  std::string name;
  std::function<mw::services::MemberPage(std::string_view)> parse;
  std::string list;
  std::string account;
  std::string status;
  std::vector<std::string> optional;  // every optional field of the model but the status
  std::string other_lists;            // e.g. GuardDuty's required unprocessedAccounts
  Service service;
};

std::vector<MemberOperation> member_operations() {
  const std::vector<std::string> hub = {"Email", "InvitedAt", "UpdatedAt", "AdministratorId", "MasterId"};
  const std::vector<std::string> guardduty = {"email",      "invitedAt",       "updatedAt",
                                              "detectorId", "administratorId", "masterId"};
  const std::vector<std::string> detective = {"EmailAddress",
                                              "InvitedTime",
                                              "UpdatedTime",
                                              "GraphArn",
                                              "AdministratorId",
                                              "MasterId",
                                              "DisabledReason",
                                              "InvitationType",
                                              "VolumeUsageInBytes",
                                              "VolumeUsageUpdatedTime",
                                              "PercentOfGraphUtilization",
                                              "PercentOfGraphUtilizationUpdatedTime",
                                              "VolumeUsageByDatasourcePackage",
                                              "DatasourcePackageIngestStates"};
  return {
      {"securityhub GetMembers", securityhub::parse_get_members, "Members", "AccountId", "MemberStatus", hub,
       "", Service::securityhub},
      {"guardduty GetMembers", guardduty::parse_get_members, "members", "accountId", "relationshipStatus",
       guardduty, R"(,"unprocessedAccounts":[])", Service::guardduty},
      {"detective GetMembers", detective::parse_get_members, "MemberDetails", "AccountId", "Status",
       detective, "", Service::detective},
  };
}

}  // namespace

TEST_CASE("every optional member field absent or null: the member is kept, a missing status is UNKNOWN") {
  for (const auto& op : member_operations()) {
    CAPTURE(op.name);
    std::string all_null = "\"" + op.status + "\":null";
    for (const auto& field : op.optional) all_null += ",\"" + field + "\":null";
    const std::vector<std::string> members = {
        // Only the account ID: no status, nothing else.
        "{\"" + op.account + "\":\"222222222222\"}",
        // Every other field null.
        "{\"" + op.account + "\":\"333333333333\"," + all_null + "}",
        // The status only.
        "{\"" + op.account + "\":\"444444444444\",\"" + op.status + "\":\"Enabled\"}",
    };
    const auto page = op.parse("{\"" + op.list + "\":[" + members[0] + "," + members[1] + "," + members[2] +
                               "]" + op.other_lists + "}");
    CHECK(page.problems.empty());
    REQUIRE(page.members.size() == 3);
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& member = page.members[i];
      CAPTURE(i);
      CHECK(member.status == MemberStatus::UNKNOWN);
      CHECK(member.raw_status.empty());
      CHECK_FALSE(member.email.has_value());
      CHECK_FALSE(member.invited_at.has_value());
      CHECK_FALSE(member.updated_at.has_value());
      CHECK(member.detail == "{}");
    }
    CHECK(page.members[0].account_id == "222222222222");
    CHECK(page.members[1].account_id == "333333333333");
    CHECK(page.members[2].account_id == "444444444444");
    CHECK(page.members[2].status == MemberStatus::ENABLED);
    CHECK(page.members[2].raw_status == "Enabled");
    CHECK(page.members[2].detail == "{}");
  }
}

TEST_CASE("unprocessed accounts: the reason absent or null is no error, the account still NOT_MEMBER") {
  const std::vector<std::pair<std::function<mw::services::MemberPage(std::string_view)>, std::string>> gets = {
      {securityhub::parse_get_members,
       R"({"UnprocessedAccounts":[{"AccountId":"222222222222"},{"AccountId":"333333333333","ProcessingResult":null}]})"},
      {guardduty::parse_get_members,
       R"({"members":[],"unprocessedAccounts":[{"accountId":"222222222222"},{"accountId":"333333333333","result":null}]})"},
      {detective::parse_get_members,
       R"({"UnprocessedAccounts":[{"AccountId":"222222222222"},{"AccountId":"333333333333","Reason":null}]})"},
  };
  for (const auto& [parse, body_binding] : gets) {
    const auto& body = body_binding;  // CAPTURE captures it: clang 14 captures no binding
    CAPTURE(body);
    const auto page = parse(body);
    CHECK(page.problems.empty());
    REQUIRE(page.members.size() == 2);
    for (const auto& member : page.members) {
      CHECK(member.status == MemberStatus::NOT_MEMBER);
      CHECK(member.raw_status.empty());
      CHECK(member.detail == "{}");
    }
    CHECK(page.members[1].account_id == "333333333333");
  }
  // Lists absent or null (not GuardDuty's, which the model requires): an empty answer.
  for (const auto* body : {"{}", R"({"Members":null,"UnprocessedAccounts":null})"})
    CHECK(securityhub::parse_get_members(body).members.empty());
  CHECK(detective::parse_get_members(R"({"MemberDetails":null})").members.empty());
}

TEST_CASE("Detective ListGraphs: a graph without an Arn is skipped, not a failed page") {
  const auto page = detective::parse_list_graphs(
      R"({"GraphList":[{"CreatedTime":"2019-11-11T20:55:40Z"},{"Arn":"arn:aws:detective:us-east-1:111111111111:graph:b"}]})");
  REQUIRE(page.graphs.size() == 1);
  CHECK(page.graphs[0].arn == "arn:aws:detective:us-east-1:111111111111:graph:b");
  CHECK(page.problems == std::vector<std::string>{"detective ListGraphs: GraphList[0].Arn: missing"});
}
