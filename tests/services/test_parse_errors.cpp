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

using namespace mw::services;

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
      {"member not an object", kShList, R"({"Members":[1]})",
       "securityhub ListMembers: Members[0]: expected an object, got number"},
      {"detector id not a string", kGdDetectors, R"({"detectorIds":[7]})",
       "guardduty ListDetectors: detectorIds[0]: expected a string, got number"},
      {"detector id empty", kGdDetectors, R"({"detectorIds":[""]})",
       "guardduty ListDetectors: detectorIds[0]: expected a detector ID of 1..300 characters"},
      // Member fields.
      {"account missing", kShList, R"({"Members":[{"MemberStatus":"Enabled"}]})",
       "securityhub ListMembers: Members[0].AccountId: missing"},
      {"account null", kGdList, R"({"members":[{"accountId":null,)" + kGdMember + "}]}",
       "guardduty ListMembers: members[0].accountId: missing"},
      {"account a number", kDetList, R"({"MemberDetails":[{"AccountId":222222222222,"Status":"ENABLED"}]})",
       "detective ListMembers: MemberDetails[0].AccountId: expected a string, got number"},
      {"account not 12 digits", kShList, R"({"Members":[{"AccountId":"12345","MemberStatus":"Enabled"}]})",
       "securityhub ListMembers: Members[0].AccountId: expected a 12-digit account ID, got \"12345\""},
      {"status missing", kGdList, R"({"members":[{"accountId":"222222222222"}]})",
       "guardduty ListMembers: members[0].relationshipStatus: missing"},
      {"status a bool", kDetGet, R"({"MemberDetails":[{"AccountId":"222222222222","Status":true}]})",
       "detective GetMembers: MemberDetails[0].Status: expected a string, got boolean"},
      {"email a number", kShGet,
       R"({"Members":[{"AccountId":"222222222222","MemberStatus":"Enabled","Email":5}]})",
       "securityhub GetMembers: Members[0].Email: expected a string, got number"},
      {"bad timestamp", kGdList,
       R"({"members":[{"accountId":"222222222222",)" + kGdMember + R"(,"invitedAt":"soon"}]})",
       "guardduty ListMembers: members[0].invitedAt: expected an ISO 8601 date-time, got \"soon\""},
      {"timestamp an array", kShList,
       R"({"Members":[{"AccountId":"222222222222","MemberStatus":"Enabled","UpdatedAt":[]}]})",
       "securityhub ListMembers: Members[0].UpdatedAt: expected a timestamp (string or number), got array"},
      {"epoch out of range", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","InvitedTime":1e300}]})",
       "detective GetMembers: MemberDetails[0].InvitedTime: epoch seconds out of range: 1E300"},
      {"detector id a number", kGdGet,
       R"({"members":[{"accountId":"222222222222",)" + kGdMember +
           R"(,"detectorId":1}],"unprocessedAccounts":[]})",
       "guardduty GetMembers: members[0].detectorId: expected a string, got number"},
      // Detective's typed detail fields.
      {"volume a string", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageInBytes":"big"}]})",
       "detective GetMembers: MemberDetails[0].VolumeUsageInBytes: expected an integer, got string"},
      {"volume fractional", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageInBytes":1.5}]})",
       "detective GetMembers: MemberDetails[0].VolumeUsageInBytes: expected an integer, got 1.5E0"},
      {"volume too large", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageInBytes":18446744073709551615}]})",
       "detective GetMembers: MemberDetails[0].VolumeUsageInBytes: integer out of range: "
       "18446744073709551615"},
      {"volume beyond doubles' integers", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageInBytes":1e30}]})",
       "detective GetMembers: MemberDetails[0].VolumeUsageInBytes: expected an integer, got 1E30"},
      {"utilization a string", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","PercentOfGraphUtilization":"x"}]})",
       "detective GetMembers: MemberDetails[0].PercentOfGraphUtilization: expected a number, got string"},
      {"ingest states an array", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","DatasourcePackageIngestStates":[]}]})",
       "detective GetMembers: MemberDetails[0].DatasourcePackageIngestStates: expected an object, got array"},
      {"ingest state a number", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","DatasourcePackageIngestStates":{"EKS_AUDIT":3}}]})",
       "detective GetMembers: MemberDetails[0].DatasourcePackageIngestStates.EKS_AUDIT: expected a string, "
       "got number"},
      {"package usage not an object", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageByDatasourcePackage":{"DETECTIVE_CORE":5}}]})",
       "detective GetMembers: MemberDetails[0].VolumeUsageByDatasourcePackage.DETECTIVE_CORE: expected an "
       "object, got number"},
      {"package usage bad time", kDetGet,
       R"({"MemberDetails":[{"AccountId":"222222222222","Status":"ENABLED","VolumeUsageByDatasourcePackage":{"DETECTIVE_CORE":{"VolumeUsageUpdateTime":"x"}}}]})",
       "detective GetMembers: "
       "MemberDetails[0].VolumeUsageByDatasourcePackage.DETECTIVE_CORE.VolumeUsageUpdateTime: "
       "expected an ISO 8601 date-time, got \"x\""},
      // Unprocessed accounts.
      {"unprocessed account missing", kShGet, R"({"UnprocessedAccounts":[{"ProcessingResult":"x"}]})",
       "securityhub GetMembers: UnprocessedAccounts[0].AccountId: missing"},
      {"unprocessed reason a number", kGdGet,
       R"({"members":[],"unprocessedAccounts":[{"accountId":"222222222222","result":4}]})",
       "guardduty GetMembers: unprocessedAccounts[0].result: expected a string, got number"},
      {"unprocessed not an object", kDetGet, R"({"UnprocessedAccounts":["222222222222"]})",
       "detective GetMembers: UnprocessedAccounts[0]: expected an object, got string"},
      // Tokens.
      {"token a number", kShList, R"({"Members":[],"NextToken":5})",
       "securityhub ListMembers: NextToken: expected a string, got number"},
      {"token an object", kGdDetectors, R"({"detectorIds":[],"nextToken":{}})",
       "guardduty ListDetectors: nextToken: expected a string, got object"},
      // Graphs.
      {"graph without Arn", kDetGraphs, R"({"GraphList":[{"CreatedTime":"2019-11-11T20:55:40Z"}]})",
       "detective ListGraphs: GraphList[0].Arn: missing"},
      {"graph empty Arn", kDetGraphs, R"({"GraphList":[{"Arn":""}]})",
       "detective ListGraphs: GraphList[0].Arn: empty"},
      {"graph bad CreatedTime", kDetGraphs, R"({"GraphList":[{"Arn":"a","CreatedTime":false}]})",
       "detective ListGraphs: GraphList[0].CreatedTime: expected a timestamp (string or number), got "
       "boolean"},
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
    securityhub::parse_list_members(R"({"Members":[{"AccountId":")" + std::string(200, '9') +
                                    R"(","MemberStatus":"x"}]})");
    FAIL("no ParseError");
  } catch (const ParseError& error) {
    CHECK(error.operation() == "securityhub ListMembers");
    CHECK(error.path() == "Members[0].AccountId");
    CHECK(error.problem() == "expected a 12-digit account ID, got \"" + std::string(64, '9') + "...\"");
  }
}

TEST_CASE("huge but valid responses parse") {
  std::string body = R"({"Members":[)";
  for (int i = 0; i < 5000; ++i) {
    if (i) body += ',';
    body += R"({"AccountId":")" + std::to_string(100000000000LL + i) +
            R"(","MemberStatus":"Enabled","Email":")" + std::string(1000, 'e') + R"("})";
  }
  body += "]}";
  CHECK(securityhub::parse_list_members(body).members.size() == 5000);
}
