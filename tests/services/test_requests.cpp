#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "services/account.hpp"
#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/organizations.hpp"
#include "services/securityhub.hpp"

using namespace mw::services;
using mw::core::Service;

namespace {

std::vector<std::string> accounts(int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(std::to_string(100000000000LL + i));
  return ids;
}

const std::string kGraph = "arn:aws:detective:us-east-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899";

}  // namespace

TEST_CASE("Security Hub requests") {
  const auto first = securityhub::list_members_request(std::nullopt);
  CHECK(first.service == "securityhub");
  CHECK(first.operation == "ListMembers");
  CHECK(first.method == "GET");
  CHECK(first.path == "/members");
  CHECK(first.body.empty());
  CHECK(first.content_type.empty());
  CHECK(first.request_target() == "/members?MaxResults=50&OnlyAssociated=false");

  const auto next = securityhub::list_members_request(std::string("tok/en+=="), 10);
  CHECK(next.request_target() == "/members?MaxResults=10&NextToken=tok%2Fen%2B%3D%3D&OnlyAssociated=false");

  const auto get = securityhub::get_members_request({"222222222222", "333333333333"});
  CHECK(get.method == "POST");
  CHECK(get.path == "/members/get");
  CHECK(get.query.empty());
  CHECK(get.request_target() == "/members/get");
  CHECK(boost::json::parse(get.body) ==
        boost::json::parse(R"({"AccountIds":["222222222222","333333333333"]})"));
  CHECK(get.target.empty());
  CHECK(get.content_type == "application/json");
}

TEST_CASE("GuardDuty requests put the detector ID in the path, encoded") {
  const auto detectors = guardduty::list_detectors_request(std::nullopt);
  CHECK(detectors.method == "GET");
  CHECK(detectors.request_target() == "/detector?maxResults=50");
  CHECK(guardduty::list_detectors_request(std::string("abc"), 1).request_target() ==
        "/detector?maxResults=1&nextToken=abc");

  const auto list = guardduty::list_members_request("12abc34d567e8fa901bc2d34e56789f0", std::string("n 1"));
  CHECK(list.method == "GET");
  CHECK(list.path == "/detector/12abc34d567e8fa901bc2d34e56789f0/member");
  CHECK(
      list.request_target() ==
      "/detector/12abc34d567e8fa901bc2d34e56789f0/member?maxResults=50&nextToken=n%201&onlyAssociated=false");

  const auto get = guardduty::get_members_request("de/tector", {"234567890123"});
  CHECK(get.method == "POST");
  CHECK(get.path == "/detector/de%2Ftector/member/get");
  CHECK(boost::json::parse(get.body) == boost::json::parse(R"({"accountIds":["234567890123"]})"));
}

TEST_CASE("Detective requests are POSTs with JSON bodies") {
  const auto graphs = detective::list_graphs_request(std::nullopt);
  CHECK(graphs.method == "POST");
  CHECK(graphs.path == "/graphs/list");
  CHECK(graphs.request_target() == "/graphs/list");
  CHECK(graphs.body == R"({"MaxResults":200})");
  CHECK(boost::json::parse(graphs.body) == boost::json::parse(R"({"MaxResults":200})"));
  CHECK(boost::json::parse(detective::list_graphs_request(std::string("t"), 5).body) ==
        boost::json::parse(R"({"MaxResults":5,"NextToken":"t"})"));

  const auto list = detective::list_members_request(kGraph, std::string("page2"));
  CHECK(list.path == "/graph/members/list");
  CHECK(boost::json::parse(list.body) ==
        boost::json::parse(R"({"GraphArn":")" + kGraph + R"(","MaxResults":200,"NextToken":"page2"})"));

  const auto get = detective::get_members_request(kGraph, {"444444444444"});
  CHECK(get.path == "/graph/members/get");
  CHECK(boost::json::parse(get.body) ==
        boost::json::parse(R"({"GraphArn":")" + kGraph + R"(","AccountIds":["444444444444"]})"));
}

TEST_CASE("Organizations ListAccounts is json 1.1 with a target") {
  const auto list = organizations::list_accounts_request(std::string("next"));
  CHECK(list.method == "POST");
  CHECK(list.path == "/");
  CHECK(list.target == "AWSOrganizationsV20161128.ListAccounts");
  CHECK(list.content_type == "application/x-amz-json-1.1");
  CHECK(boost::json::parse(list.body) == boost::json::parse(R"({"MaxResults":20,"NextToken":"next"})"));
  CHECK(boost::json::parse(organizations::list_accounts_request(std::nullopt).body) ==
        boost::json::parse(R"({"MaxResults":20})"));
}

TEST_CASE("request inputs outside the models' limits are rejected") {
  CHECK(securityhub::get_members_request(accounts(50)).body.size() > 0);
  CHECK_THROWS_AS(securityhub::get_members_request(accounts(51)), std::invalid_argument);
  CHECK_THROWS_AS(securityhub::get_members_request({}), std::invalid_argument);
  CHECK_THROWS_AS(securityhub::get_members_request({"12345"}), std::invalid_argument);
  CHECK_THROWS_AS(guardduty::get_members_request("d", accounts(51)), std::invalid_argument);
  CHECK_THROWS_AS(guardduty::get_members_request("", accounts(1)), std::invalid_argument);
  CHECK_THROWS_AS(guardduty::get_members_request(std::string(301, 'a'), accounts(1)), std::invalid_argument);
  CHECK_THROWS_AS(detective::get_members_request(kGraph, accounts(51)), std::invalid_argument);
  CHECK_THROWS_AS(detective::get_members_request("", accounts(1)), std::invalid_argument);
  CHECK_THROWS_AS(securityhub::list_members_request(std::nullopt, 51), std::invalid_argument);
  CHECK_THROWS_AS(securityhub::list_members_request(std::nullopt, 0), std::invalid_argument);
  CHECK_THROWS_AS(guardduty::list_detectors_request(std::nullopt, 51), std::invalid_argument);
  CHECK_THROWS_AS(guardduty::list_members_request("d", std::nullopt, 51), std::invalid_argument);
  CHECK_THROWS_AS(detective::list_graphs_request(std::nullopt, 201), std::invalid_argument);
  CHECK_THROWS_AS(detective::list_members_request(kGraph, std::nullopt, 0), std::invalid_argument);
  CHECK_THROWS_AS(detective::list_members_request(kGraph, std::string(1025, 't')), std::invalid_argument);
  CHECK_THROWS_AS(organizations::list_accounts_request(std::nullopt, 21), std::invalid_argument);
  CHECK_THROWS_AS(securityhub::list_members_request(std::string("")), std::invalid_argument);
}

TEST_CASE("Account ListRegions asks for the enabled regions, 50 a page") {
  const auto first = account::list_regions_request(std::nullopt);
  CHECK(first.service == "account");
  CHECK(first.operation == "ListRegions");
  CHECK(first.method == "POST");
  CHECK(first.path == "/listRegions");
  CHECK(first.content_type == "application/json");
  CHECK(first.target.empty());
  CHECK(
      boost::json::parse(first.body) ==
      boost::json::parse(R"({"MaxResults":50,"RegionOptStatusContains":["ENABLED","ENABLED_BY_DEFAULT"]})"));
  const auto next = account::list_regions_request(std::string("token"), 10);
  CHECK(boost::json::parse(next.body).as_object().at("NextToken") == "token");
  CHECK_THROWS_AS(account::list_regions_request(std::nullopt, 51), std::invalid_argument);
  CHECK_THROWS_AS(account::list_regions_request(std::string()), std::invalid_argument);
}
