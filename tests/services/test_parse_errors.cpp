#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "services/account.hpp"
#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"
#include "services/securityhub.hpp"
#include "services/service_descriptor.hpp"

using namespace mw::services;
using mw::core::MemberStatus;
using mw::core::Service;

namespace {

using Parser = std::function<void(std::string_view)>;

struct ErrorCase {
  std::string name;
  Parser parse;
  std::string body;
  std::string expected_what;  // the whole what() of the ParseError
};

const Parser kShGet = [](std::string_view b) { securityhub::parse_get_members(b); };
const Parser kShList = [](std::string_view b) { securityhub::parse_list_members(b); };
const Parser kGdGet = [](std::string_view b) { guardduty::parse_get_members(b); };
const Parser kGdList = [](std::string_view b) { guardduty::parse_list_members(b); };
const Parser kGdDetectors = [](std::string_view b) { guardduty::parse_list_detectors(b); };
const Parser kDetGet = [](std::string_view b) { detective::parse_get_members(b); };
const Parser kDetList = [](std::string_view b) { detective::parse_list_members(b); };
const Parser kDetGraphs = [](std::string_view b) { detective::parse_list_graphs(b); };
const Parser kOrgAccounts = [](std::string_view b) { organizations::parse_list_accounts(b); };
const Parser kRegions = [](std::string_view b) { account::parse_list_regions(b); };

const std::string kGdMember = R"("relationshipStatus":"Enabled")";

}  // namespace

TEST_CASE("every malformed response is a ParseError naming the operation and the field") {
  const std::vector<ErrorCase> cases = {
      // Bodies that are not a JSON object.
      {"empty body", kShGet, "", "securityhub GetMembers: malformed JSON: incomplete JSON"},
      {"truncated", kGdGet, R"({"members":[)", "guardduty GetMembers: malformed JSON: incomplete JSON"},
      {"html", kDetGet, "<html>oops</html>", "detective GetMembers: malformed JSON: syntax error"},
      {"array body", kShList, "[]", "securityhub ListMembers: expected a JSON object, got array"},
      {"string body", kOrgAccounts, R"("x")",
       "organizations ListAccounts: expected a JSON object, got string"},
      {"null body", kDetGraphs, "null", "detective ListGraphs: expected a JSON object, got null"},
      {"trailing garbage", kGdDetectors, R"({"detectorIds":[]} x)",
       "guardduty ListDetectors: malformed JSON: extra data"},
      {"too deep", kShList, std::string(100, '[') + std::string(100, ']'),
       "securityhub ListMembers: malformed JSON: too deep"},
      // Required lists.
      {"GuardDuty members missing", kGdGet, R"({"unprocessedAccounts":[]})",
       "guardduty GetMembers: members: missing"},
      {"GuardDuty unprocessed null", kGdGet, R"({"members":[],"unprocessedAccounts":null})",
       "guardduty GetMembers: unprocessedAccounts: missing"},
      {"detectorIds missing", kGdDetectors, "{}", "guardduty ListDetectors: detectorIds: missing"},
      // Wrong list types.
      {"Members an object", kShGet, R"({"Members":{}})",
       "securityhub GetMembers: Members: expected an array, got object"},
      {"MemberDetails a string", kDetList, R"({"MemberDetails":"x"})",
       "detective ListMembers: MemberDetails: expected an array, got string"},
      {"GuardDuty members a number", kGdList, R"({"members":3})",
       "guardduty ListMembers: members: expected an array, got number"},
      {"UnprocessedAccounts an object", kShGet, R"({"Members":[],"UnprocessedAccounts":{}})",
       "securityhub GetMembers: UnprocessedAccounts: expected an array, got object"},
      {"GuardDuty unprocessed a string", kGdGet, R"({"members":[],"unprocessedAccounts":"x"})",
       "guardduty GetMembers: unprocessedAccounts: expected an array, got string"},
      {"Detective UnprocessedAccounts a bool", kDetGet, R"({"UnprocessedAccounts":true})",
       "detective GetMembers: UnprocessedAccounts: expected an array, got boolean"},
      {"GraphList an object", kDetGraphs, R"({"GraphList":{}})",
       "detective ListGraphs: GraphList: expected an array, got object"},
      {"detector id not a string", kGdDetectors, R"({"detectorIds":[7]})",
       "guardduty ListDetectors: detectorIds[0]: expected a string, got number"},
      {"detector id empty", kGdDetectors, R"({"detectorIds":[""]})",
       "guardduty ListDetectors: detectorIds[0]: expected a detector ID of 1..300 characters"},
      // Tokens.
      {"token a number", kShList, R"({"Members":[],"NextToken":5})",
       "securityhub ListMembers: NextToken: expected a string, got number"},
      {"token an object", kGdDetectors, R"({"detectorIds":[],"nextToken":{}})",
       "guardduty ListDetectors: nextToken: expected a string, got object"},
      // A bad token fails the page even when its elements were fine or left out.
      {"GuardDuty token a bool", kGdList,
       R"({"members":[{"accountId":"222222222222",)" + kGdMember + R"(}],"nextToken":true})",
       "guardduty ListMembers: nextToken: expected a string, got boolean"},
      {"Detective token an array", kDetList, R"({"MemberDetails":[{"AccountId":"1"}],"NextToken":[]})",
       "detective ListMembers: NextToken: expected a string, got array"},
      {"graphs token a number", kDetGraphs, R"({"GraphList":[{}],"NextToken":1})",
       "detective ListGraphs: NextToken: expected a string, got number"},
      // Organizations.
      {"org accounts not a list", kOrgAccounts, R"({"Accounts":7})",
       "organizations ListAccounts: Accounts: expected an array, got number"},
      // Account ListRegions: a page that cannot be trusted whole is not used.
      {"regions not a list", kRegions, R"({"Regions":{}})",
       "account ListRegions: Regions: expected an array, got object"},
      {"region not an object", kRegions, R"({"Regions":["us-east-1"]})",
       "account ListRegions: Regions[0]: expected an object, got string"},
      {"region name missing", kRegions, R"({"Regions":[{"RegionOptStatus":"ENABLED"}]})",
       "account ListRegions: Regions[0].RegionName: missing"},
      {"region name a number", kRegions, R"({"Regions":[{"RegionName":1,"RegionOptStatus":"ENABLED"}]})",
       "account ListRegions: Regions[0].RegionName: expected a string, got number"},
      {"region name not a region", kRegions,
       R"({"Regions":[{"RegionName":"us-east-1","RegionOptStatus":"ENABLED"},)"
       R"({"RegionName":"../etc","RegionOptStatus":"ENABLED"}]})",
       "account ListRegions: Regions[1].RegionName: \"../etc\" is not an AWS region name"},
      {"opt status unknown", kRegions,
       R"({"Regions":[{"RegionName":"us-east-1","RegionOptStatus":"MAYBE"}]})",
       "account ListRegions: Regions[0].RegionOptStatus: unknown opt status \"MAYBE\""},
      {"opt status missing", kRegions, R"({"Regions":[{"RegionName":"us-east-1"}]})",
       "account ListRegions: Regions[0].RegionOptStatus: missing"},
      {"regions next token a number", kRegions, R"({"Regions":[],"NextToken":5})",
       "account ListRegions: NextToken: expected a string, got number"},
      {"regions truncated", kRegions, R"({"Regions":[{"RegionName":"us-e)",
       "account ListRegions: malformed JSON: incomplete JSON"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    bool thrown = false;
    try {
      c.parse(c.body);
    } catch (const ParseError& error) {
      thrown = true;
      CHECK(std::string(error.what()) == c.expected_what);
    }
    CHECK(thrown);
  }
}

namespace {

using PageParser = std::function<MemberPage(std::string_view)>;

// One member list of one operation, framed so that a test puts a bad
// element first and a good one (account 999999999999) after it.
struct MemberList {
  std::string operation;  // "securityhub GetMembers"
  PageParser parse;
  std::string list;     // "Members"
  std::string account;  // the account ID's field
  std::string good;     // a good element
  MemberStatus good_status;
  std::string other_lists;  // the body's other members, e.g. GuardDuty's other required list

  std::string body(const std::string& bad) const {
    return "{\"" + list + "\":[" + bad + "," + good + "]" + other_lists + "}";
  }
  // A bad element with the account ID 222222222222 and `rest`.
  std::string element(const std::string& rest) const {
    return "{\"" + account + "\":\"222222222222\"" + (rest.empty() ? "" : "," + rest) + "}";
  }
};

const PageParser kShGetPage = [](std::string_view b) { return securityhub::parse_get_members(b); };
const PageParser kGdGetPage = [](std::string_view b) { return guardduty::parse_get_members(b); };
const PageParser kDetGetPage = [](std::string_view b) { return detective::parse_get_members(b); };

const std::string kShGood = R"({"AccountId":"999999999999","MemberStatus":"Enabled"})";
const std::string kGdGood = R"({"accountId":"999999999999","relationshipStatus":"Enabled"})";
const std::string kDetGood = R"({"AccountId":"999999999999","Status":"ENABLED"})";

// The members lists of the three GetMembers.
std::vector<MemberList> members_lists() {
  return {
      {"securityhub GetMembers", kShGetPage, "Members", "AccountId", kShGood, MemberStatus::ENABLED, ""},
      {"guardduty GetMembers", kGdGetPage, "members", "accountId", kGdGood, MemberStatus::ENABLED,
       R"(,"unprocessedAccounts":[])"},
      {"detective GetMembers", kDetGetPage, "MemberDetails", "AccountId", kDetGood, MemberStatus::ENABLED,
       ""},
  };
}

// The UnprocessedAccounts lists of the three GetMembers.
std::vector<MemberList> unprocessed_lists() {
  return {
      {"securityhub GetMembers", kShGetPage, "UnprocessedAccounts", "AccountId",
       R"({"AccountId":"999999999999","ProcessingResult":"not a member"})", MemberStatus::NOT_MEMBER, ""},
      {"guardduty GetMembers", kGdGetPage, "unprocessedAccounts", "accountId",
       R"({"accountId":"999999999999","result":"not a member"})", MemberStatus::NOT_MEMBER,
       R"(,"members":[])"},
      {"detective GetMembers", kDetGetPage, "UnprocessedAccounts", "AccountId",
       R"({"AccountId":"999999999999","Reason":"not a member"})", MemberStatus::NOT_MEMBER, ""},
  };
}

// A field of a wrong type (or value) and the problem it makes, after "LIST[0].".
struct BadField {
  std::string json;  // "\"Email\":5"
  std::string problem;
};

std::vector<BadField> bad_fields(const std::string& operation) {
  if (operation.starts_with("securityhub")) {
    return {
        {R"("MemberStatus":true)", "MemberStatus: expected a string, got boolean"},
        {R"("Email":5)", "Email: expected a string, got number"},
        {R"("InvitedAt":[])", "InvitedAt: expected a timestamp (string or number), got array"},
        {R"("InvitedAt":"soon")", "InvitedAt: expected an ISO 8601 date-time, got \"soon\""},
        {R"("UpdatedAt":1e300)", "UpdatedAt: epoch seconds out of range: 1E300"},
        {R"("AdministratorId":1)", "AdministratorId: expected a string, got number"},
        {R"("MasterId":{})", "MasterId: expected a string, got object"},
    };
  }
  if (operation.starts_with("guardduty")) {
    return {
        {R"("relationshipStatus":1)", "relationshipStatus: expected a string, got number"},
        {R"("email":false)", "email: expected a string, got boolean"},
        {R"("invitedAt":true)", "invitedAt: expected a timestamp (string or number), got boolean"},
        {R"("updatedAt":{})", "updatedAt: expected a timestamp (string or number), got object"},
        {R"("updatedAt":-1e300)", "updatedAt: epoch seconds out of range: -1E300"},
        {R"("detectorId":1)", "detectorId: expected a string, got number"},
        {R"("administratorId":[])", "administratorId: expected a string, got array"},
        {R"("masterId":2)", "masterId: expected a string, got number"},
    };
  }
  return {
      {R"("Status":true)", "Status: expected a string, got boolean"},
      {R"("EmailAddress":5)", "EmailAddress: expected a string, got number"},
      {R"("InvitedTime":1e300)", "InvitedTime: epoch seconds out of range: 1E300"},
      {R"("UpdatedTime":"soon")", "UpdatedTime: expected an ISO 8601 date-time, got \"soon\""},
      {R"("GraphArn":1)", "GraphArn: expected a string, got number"},
      {R"("AdministratorId":1)", "AdministratorId: expected a string, got number"},
      {R"("MasterId":[])", "MasterId: expected a string, got array"},
      {R"("DisabledReason":{})", "DisabledReason: expected a string, got object"},
      {R"("InvitationType":false)", "InvitationType: expected a string, got boolean"},
      {R"("VolumeUsageInBytes":"big")", "VolumeUsageInBytes: expected an integer, got string"},
      {R"("VolumeUsageInBytes":1.5)", "VolumeUsageInBytes: expected an integer, got 1.5E0"},
      {R"("VolumeUsageInBytes":18446744073709551615)",
       "VolumeUsageInBytes: integer out of range: 18446744073709551615"},
      {R"("VolumeUsageInBytes":1e30)", "VolumeUsageInBytes: expected an integer, got 1E30"},
      {R"("VolumeUsageUpdatedTime":false)",
       "VolumeUsageUpdatedTime: expected a timestamp (string or number), got boolean"},
      {R"("PercentOfGraphUtilization":"x")", "PercentOfGraphUtilization: expected a number, got string"},
      {R"("PercentOfGraphUtilizationUpdatedTime":"x")",
       "PercentOfGraphUtilizationUpdatedTime: expected an ISO 8601 date-time, got \"x\""},
      {R"("DatasourcePackageIngestStates":[])",
       "DatasourcePackageIngestStates: expected an object, got array"},
      {R"("DatasourcePackageIngestStates":{"EKS_AUDIT":3})",
       "DatasourcePackageIngestStates.EKS_AUDIT: expected a string, got number"},
      {R"("VolumeUsageByDatasourcePackage":"x")",
       "VolumeUsageByDatasourcePackage: expected an object, got string"},
      {R"("VolumeUsageByDatasourcePackage":{"DETECTIVE_CORE":5})",
       "VolumeUsageByDatasourcePackage.DETECTIVE_CORE: expected an object, got number"},
      {R"("VolumeUsageByDatasourcePackage":{"DETECTIVE_CORE":{"VolumeUsageInBytes":"x"}})",
       "VolumeUsageByDatasourcePackage.DETECTIVE_CORE.VolumeUsageInBytes: expected an integer, got string"},
      {R"("VolumeUsageByDatasourcePackage":{"DETECTIVE_CORE":{"VolumeUsageUpdateTime":"x"}})",
       "VolumeUsageByDatasourcePackage.DETECTIVE_CORE.VolumeUsageUpdateTime: expected an ISO 8601 "
       "date-time, got \"x\""},
  };
}

// Account IDs that cannot be used, and the problem each makes after "LIST[0].".
std::vector<BadField> bad_account_ids(const std::string& field) {
  return {
      {"", field + ": missing"},
      {"\"" + field + "\":null", field + ": missing"},
      {"\"" + field + "\":222222222222", field + ": expected a string, got number"},
      {"\"" + field + "\":\"12345\"", field + ": expected a 12-digit account ID, got \"12345\""},
      {"\"" + field + "\":\"2222222222222\"",
       field + ": expected a 12-digit account ID, got \"2222222222222\""},
      {"\"" + field + "\":\"22222222222a\"",
       field + ": expected a 12-digit account ID, got \"22222222222a\""},
      {"\"" + field + "\":\"\"", field + ": expected a 12-digit account ID, got \"\""},
  };
}

void check_good_one(const MemberList& list, const mw::core::Membership& member) {
  CHECK(member.account_id == "999999999999");
  CHECK(member.status == list.good_status);
}

// What stands for an element left out whose account ID was fine.
void check_unknown_record(const mw::core::Membership& member) {
  CHECK(member.account_id == "222222222222");
  CHECK(member.status == MemberStatus::UNKNOWN);
  CHECK(member.raw_status.empty());
  CHECK_FALSE(member.email.has_value());
  CHECK_FALSE(member.invited_at.has_value());
  CHECK_FALSE(member.updated_at.has_value());
  CHECK(member.detail == "{}");
}

}  // namespace

TEST_CASE(
    "a member without a usable account ID is left out, named with its path, the rest of the page kept") {
  auto lists = members_lists();
  for (const auto& list : unprocessed_lists()) lists.push_back(list);
  for (const auto& list : lists) {
    for (const auto& bad : bad_account_ids(list.account)) {
      const std::string element = "{" + bad.json + "}";
      CAPTURE(list.operation);
      CAPTURE(list.list);
      CAPTURE(element);
      const auto page = list.parse(list.body(element));
      REQUIRE(page.members.size() == 1);
      check_good_one(list, page.members[0]);
      CHECK(page.problems ==
            std::vector<std::string>{list.operation + ": " + list.list + "[0]." + bad.problem});
    }
    // Not even an object.
    for (const std::string element : {"\"222222222222\"", "7", "null", "[]"}) {
      CAPTURE(list.operation);
      CAPTURE(element);
      const auto page = list.parse(list.body(element));
      REQUIRE(page.members.size() == 1);
      check_good_one(list, page.members[0]);
      REQUIRE(page.problems.size() == 1);
      CHECK(
          page.problems[0].starts_with(list.operation + ": " + list.list + "[0]: expected an object, got "));
    }
  }
}

TEST_CASE(
    "a member with a field of the wrong type is named with its path and stands as its account's UNKNOWN") {
  for (const auto& list : members_lists()) {
    for (const auto& bad : bad_fields(list.operation)) {
      CAPTURE(list.operation);
      CAPTURE(bad.json);
      // The status given, except where the status is the bad field.
      const std::string status = list.operation.starts_with("securityhub") ? R"("MemberStatus":"Enabled")"
                                 : list.operation.starts_with("guardduty")
                                     ? R"("relationshipStatus":"Enabled")"
                                     : R"("Status":"ENABLED")";
      const bool bad_status = bad.json.find(status.substr(0, status.find(':'))) == 0;
      const auto page = list.parse(list.body(list.element(bad_status ? bad.json : status + "," + bad.json)));
      REQUIRE(page.members.size() == 2);
      // Left out, a GetMembers account would look absent: a false NOT_MEMBER.
      check_unknown_record(page.members[0]);
      check_good_one(list, page.members[1]);
      CHECK(page.problems ==
            std::vector<std::string>{list.operation + ": " + list.list + "[0]." + bad.problem});
    }
  }
}

TEST_CASE("an unprocessed account with a reason of the wrong type stands as its account's UNKNOWN") {
  const std::vector<std::string> reasons = {"ProcessingResult", "result", "Reason"};
  const auto lists = unprocessed_lists();
  for (std::size_t i = 0; i < lists.size(); ++i) {
    const auto& list = lists[i];
    for (const std::string value : {"4", "true", "{}", "[\"x\"]"}) {
      CAPTURE(list.operation);
      CAPTURE(value);
      const auto page = list.parse(list.body(list.element("\"" + reasons[i] + "\":" + value)));
      REQUIRE(page.members.size() == 2);
      check_unknown_record(page.members[0]);
      check_good_one(list, page.members[1]);
      REQUIRE(page.problems.size() == 1);
      CHECK(page.problems[0].starts_with(list.operation + ": " + list.list + "[0]." + reasons[i] +
                                         ": expected a string, got "));
    }
  }
}

TEST_CASE(
    "a page's bad members each cost themselves only, in order, members and unprocessed accounts alike") {
  const auto page = securityhub::parse_get_members(R"({
    "Members": [
      {"AccountId": "200000000001", "MemberStatus": "Enabled"},
      {"MemberStatus": "Enabled"},
      {"AccountId": "200000000003", "MemberStatus": "Enabled", "Email": 5},
      {"AccountId": "200000000004"},
      {"AccountId": "2000", "MemberStatus": "Enabled"},
      {"AccountId": "200000000006", "MemberStatus": "Invited", "InvitedAt": null, "MasterId": null}
    ],
    "UnprocessedAccounts": [
      {"ProcessingResult": "x"},
      {"AccountId": "300000000002", "ProcessingResult": 9},
      {"AccountId": "300000000003", "ProcessingResult": "Account is not a member"},
      {"AccountId": "300000000004"}
    ]})");
  std::vector<std::pair<std::string, MemberStatus>> got;
  for (const auto& member : page.members) got.emplace_back(member.account_id, member.status);
  const std::vector<std::pair<std::string, MemberStatus>> expected = {
      {"200000000001", MemberStatus::ENABLED},    {"200000000003", MemberStatus::UNKNOWN},
      {"200000000004", MemberStatus::UNKNOWN},    {"200000000006", MemberStatus::INVITED},
      {"300000000002", MemberStatus::UNKNOWN},    {"300000000003", MemberStatus::NOT_MEMBER},
      {"300000000004", MemberStatus::NOT_MEMBER},
  };
  CHECK(got == expected);
  CHECK(page.members[2].raw_status.empty());  // no status: UNKNOWN, not a problem
  CHECK(page.members[6].raw_status.empty());  // no reason
  const std::vector<std::string> problems = {
      "securityhub GetMembers: Members[1].AccountId: missing",
      "securityhub GetMembers: Members[2].Email: expected a string, got number",
      "securityhub GetMembers: Members[4].AccountId: expected a 12-digit account ID, got \"2000\"",
      "securityhub GetMembers: UnprocessedAccounts[0].AccountId: missing",
      "securityhub GetMembers: UnprocessedAccounts[1].ProcessingResult: expected a string, got number",
  };
  CHECK(page.problems == problems);
}

TEST_CASE("a page whose every member is bad is an empty page with its problems and its token") {
  const auto page = guardduty::parse_list_members(
      R"({"members":[{"relationshipStatus":"Enabled"},{"accountId":"1"}],"nextToken":"n2"})");
  CHECK(page.account_ids.empty());
  CHECK(page.problems ==
        std::vector<std::string>{
            "guardduty ListMembers: members[0].accountId: missing",
            "guardduty ListMembers: members[1].accountId: expected a 12-digit account ID, got \"1\"",
        });
  CHECK(page.next_token == "n2");
}

TEST_CASE("a bad Detective graph costs that graph only, named with its path") {
  const auto page = detective::parse_list_graphs(R"({"GraphList":[
      {"CreatedTime":"2019-11-11T20:55:40Z"},
      {"Arn":null},
      {"Arn":""},
      {"Arn":5},
      {"Arn":"arn:aws:detective:us-east-1:111111111111:graph:a","CreatedTime":false},
      "arn:aws:detective:us-east-1:111111111111:graph:b",
      {"Arn":"arn:aws:detective:us-east-1:111111111111:graph:c","CreatedTime":null}
    ],"NextToken":"t"})");
  REQUIRE(page.graphs.size() == 1);
  CHECK(page.graphs[0].arn == "arn:aws:detective:us-east-1:111111111111:graph:c");
  CHECK(page.next_token == "t");
  const std::vector<std::string> expected = {
      "detective ListGraphs: GraphList[0].Arn: missing",
      "detective ListGraphs: GraphList[1].Arn: missing",
      "detective ListGraphs: GraphList[2].Arn: empty",
      "detective ListGraphs: GraphList[3].Arn: expected a string, got number",
      "detective ListGraphs: GraphList[4].CreatedTime: expected a timestamp (string or number), got boolean",
      "detective ListGraphs: GraphList[5]: expected an object, got string",
  };
  CHECK(page.problems == expected);
  // Discovery sees the graphs kept, and the problems.
  const auto discovery = descriptor(mw::core::Service::detective)
                             .discovery->parse(R"({"GraphList":[{},{"Arn":"arn:aws:detective:x"}]})");
  CHECK(discovery.resources == std::vector<std::string>{"arn:aws:detective:x"});
  CHECK(discovery.problems == std::vector<std::string>{"detective ListGraphs: GraphList[0].Arn: missing"});
}

TEST_CASE("a bad Organizations account costs that account only, named with its path") {
  const auto page = organizations::parse_list_accounts(R"({"Accounts":[
      {"State":"ACTIVE"},
      {"Id":"222222222222","State":"ACTIVE"},
      {"Id":"12345","State":"ACTIVE"},
      {"Id":"333333333333","State":"ACTIVE","Name":1},
      {"Id":"444444444444","Email":[]},
      {"Id":"555555555555","JoinedTimestamp":"later"},
      {"Id":"666666666666","State":7},
      {"Id":"777777777777","Paths":[3]},
      "not an object",
      {"Id":"888888888888","Name":null,"State":null,"Status":null,"Email":null,"JoinedTimestamp":null}
    ],"NextToken":"n"})");
  REQUIRE(page.accounts.size() == 2);
  CHECK(page.accounts[0].account_id == "222222222222");
  CHECK(page.accounts[1].account_id == "888888888888");
  CHECK_FALSE(page.accounts[1].state.has_value());
  CHECK(page.next_token == "n");
  const std::vector<std::string> expected = {
      "organizations ListAccounts: Accounts[0].Id: missing",
      "organizations ListAccounts: Accounts[2].Id: expected a 12-digit account ID, got \"12345\"",
      "organizations ListAccounts: Accounts[3].Name: expected a string, got number",
      "organizations ListAccounts: Accounts[4].Email: expected a string, got array",
      "organizations ListAccounts: Accounts[5].JoinedTimestamp: expected an ISO 8601 date-time, got "
      "\"later\"",
      "organizations ListAccounts: Accounts[6].State: expected a string, got number",
      "organizations ListAccounts: Accounts[7].Paths[0]: expected a string, got number",
      "organizations ListAccounts: Accounts[8]: expected an object, got string",
  };
  CHECK(page.problems == expected);
}

TEST_CASE("ParseError keeps its parts and cuts long values in messages") {
  try {
    securityhub::parse_list_members(R"({"Members":[],"NextToken":7})");
    FAIL("no ParseError");
  } catch (const ParseError& error) {
    CHECK(error.operation() == "securityhub ListMembers");
    CHECK(error.path() == "NextToken");
    CHECK(error.problem() == "expected a string, got number");
  }
  const auto page = securityhub::parse_list_members(R"({"Members":[{"AccountId":")" + std::string(200, '9') +
                                                    R"(","MemberStatus":"x"}]})");
  CHECK(page.account_ids.empty());
  CHECK(page.problems == std::vector<std::string>{"securityhub ListMembers: Members[0].AccountId: expected a "
                                                  "12-digit account ID, got \"" +
                                                  std::string(64, '9') + "...\""});
}

TEST_CASE("huge but valid responses parse") {
  std::string body = R"({"Members":[)";
  for (int i = 0; i < 5000; ++i) {
    if (i) body += ',';
    body += R"({"AccountId":")" + std::to_string(100000000000LL + i) +
            R"(","MemberStatus":"Enabled","Email":")" + std::string(1000, 'e') + R"("})";
  }
  body += "]}";
  CHECK(securityhub::parse_list_members(body).account_ids.size() == 5000);
  CHECK(securityhub::parse_get_members(body).members.size() == 5000);
}
