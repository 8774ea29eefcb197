#include <doctest/doctest.h>

#include <boost/system/system_error.hpp>
#include <filesystem>
#include <fstream>

#include "poller/cycle.hpp"
#include "poller/source_poller.hpp"
#include "services/detective.hpp"
#include "services/guardduty.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"

using namespace mw;

namespace {

config::Config parse(const std::string& text) {
  auto result = config::parse_config(text, "/etc/mw/memberwatch.yaml");
  for (const auto& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.config);
  return *result.config;
}

const std::string kTwoAdmins = R"(
aws: {regions: [us-east-1, eu-west-1]}
accounts: {ids: ["333333333333"]}
administrators:
  - {name: a, account_id: "111111111111"}
  - {name: b, account_id: "222222222222", regions: [us-east-1], services: [guardduty]}
)";

aws::CredentialsGetter no_credentials() {
  return []() -> boost::asio::awaitable<aws::Credentials> { co_return aws::Credentials{}; };
}

}  // namespace

TEST_CASE("plans: every administrator x service x region, sorted by region") {
  const auto config = parse(kTwoAdmins);
  const auto a = poller::plan_administrator(config.administrators[0], core::LastKnown{});
  REQUIRE(a.sources.size() == 3 * 2);
  CHECK(a.sources.front().key == core::SourceKey{"111111111111", core::Service::securityhub, "eu-west-1"});
  CHECK(a.sources.front().administrator_name == "a");
  CHECK_FALSE(a.sources.front().region_disabled);
  CHECK(a.summary.regions == std::vector<std::string>{"eu-west-1", "us-east-1"});
  CHECK(a.summary.regions_from == core::RegionsFrom::configured);
  const auto b = poller::plan_administrator(config.administrators[1], core::LastKnown{});
  REQUIRE(b.sources.size() == 1);
  CHECK(b.sources.back().key == core::SourceKey{"222222222222", core::Service::guardduty, "us-east-1"});
}

TEST_CASE(
    "plans from ListRegions: a listed region not enabled is region_disabled, regions: all polls the "
    "enabled") {
  const auto config = parse(R"(
aws: {regions: [us-east-1, eu-south-1], services: [guardduty]}
administrators:
  - {name: listed, account_id: "111111111111"}
  - {name: everything, account_id: "222222222222", regions: all}
)");
  const std::vector<std::string> enabled = {"eu-west-1", "us-east-1", "us-west-2"};
  const auto listed = poller::plan_administrator(config.administrators[0], enabled);
  REQUIRE(listed.sources.size() == 2);
  CHECK(listed.sources[0].key.region == "eu-south-1");
  CHECK(listed.sources[0].region_disabled);
  CHECK_FALSE(listed.sources[1].region_disabled);
  CHECK(listed.summary.regions == std::vector<std::string>{"us-east-1"});
  CHECK(listed.summary.regions_from == core::RegionsFrom::configured);

  const auto all = poller::plan_administrator(config.administrators[1], enabled);
  REQUIRE(all.sources.size() == 3);
  for (const auto& source : all.sources) CHECK_FALSE(source.region_disabled);
  CHECK(all.summary.regions == enabled);
  CHECK(all.summary.regions_from == core::RegionsFrom::discovered);

  // ListRegions failing: the last good knowledge, or the configuration.
  core::LastKnown known;
  known.discovered_regions["222222222222"] = {"us-east-1"};
  known.disabled_regions["111111111111"] = {"eu-south-1"};
  const auto last = poller::plan_administrator(config.administrators[1], known);
  CHECK(last.summary.regions_from == core::RegionsFrom::last_discovered);
  CHECK(last.summary.regions == std::vector<std::string>{"us-east-1"});
  const auto kept = poller::plan_administrator(config.administrators[0], known);
  CHECK(kept.sources[0].region_disabled);
  CHECK(poller::plan_administrator(config.administrators[0], core::LastKnown{}).sources[0].region_disabled ==
        false);
  const auto none = poller::plan_administrator(config.administrators[1], core::LastKnown{});
  CHECK(none.sources.empty());
  CHECK(none.summary.regions.empty());
}

TEST_CASE("expected accounts: inline ids plus the accounts file, re-read each time") {
  const auto folder = std::filesystem::temp_directory_path() / "mw-poller-accounts";
  std::filesystem::create_directories(folder);
  const auto file = folder / "accounts.txt";
  auto config = parse(kTwoAdmins);
  config.accounts.file = file.string();

  std::ofstream(file) << "444444444444\nnot-an-id\n555555555555 # comment\n";
  CHECK(poller::expected_accounts(config) ==
        std::vector<std::string>{"333333333333", "444444444444", "555555555555"});
  std::ofstream(file) << "666666666666\n";
  CHECK(poller::expected_accounts(config) == std::vector<std::string>{"333333333333", "666666666666"});
  std::filesystem::remove(file);
  CHECK(poller::expected_accounts(config) == std::vector<std::string>{"333333333333"});
  std::filesystem::remove_all(folder);
}

TEST_CASE("make_call: endpoint, signing name and region, target and headers") {
  auto config = parse(kTwoAdmins);
  const auto env = aws::env_from_map({});
  const auto request = services::detective::list_members_request(
      "arn:aws:detective:eu-west-1:111111111111:graph:"
      "0123456789abcdef0123456789abcdef",
      std::string("a+b/c="));
  const auto call = poller::make_call(request, aws::Service::detective, "eu-west-1", config, env,
                                      no_credentials(), "111111111111/detective/eu-west-1");
  CHECK(call.endpoint.host == "api.detective.eu-west-1.amazonaws.com");
  CHECK(call.endpoint.scheme == "https");
  CHECK(call.service == "detective");
  CHECK(call.region == "eu-west-1");
  CHECK(call.operation == "ListMembers");
  CHECK(call.protocol == aws::Protocol::rest_json);
  CHECK(call.request.method == request.method);
  CHECK(call.request.target == request.request_target());
  CHECK(call.request.body == request.body);
  CHECK(call.rate_key == "111111111111/detective/eu-west-1");
}

TEST_CASE("make_call: explicit endpoints win, the json protocol gets X-Amz-Target") {
  auto config = parse(kTwoAdmins);
  config.aws.endpoints["organizations"] = "http://127.0.0.1:4566";
  const auto env = aws::env_from_map({{"AWS_ENDPOINT_URL_GUARDDUTY", "http://127.0.0.1:9000/gd"}});
  const auto guardduty =
      poller::make_call(services::guardduty::list_detectors_request(std::nullopt), aws::Service::guardduty,
                        "us-east-1", config, env, no_credentials(), "k");
  CHECK(guardduty.endpoint.host == "127.0.0.1");
  CHECK(guardduty.endpoint.port == 9000);
  CHECK(guardduty.endpoint.base_path == "/gd");

  const auto organizations = poller::make_call(services::organizations::list_accounts_request(std::nullopt),
                                               aws::Service::organizations, "us-east-1", config, env,
                                               no_credentials(), "organizations");
  CHECK(organizations.endpoint.host == "127.0.0.1");
  CHECK(organizations.endpoint.port == 4566);
  CHECK(organizations.protocol == aws::Protocol::json);
  CHECK(organizations.request.header("X-Amz-Target") == "AWSOrganizationsV20161128.ListAccounts");
  CHECK(organizations.request.header("Content-Type") == "application/x-amz-json-1.1");
  CHECK(organizations.region == "us-east-1");
}

TEST_CASE("make_call: an endpoint that cannot be resolved is an AwsError, not a crash") {
  auto config = parse(kTwoAdmins);
  config.aws.fips = true;
  const auto request = services::guardduty::list_detectors_request(std::nullopt);
  CHECK_THROWS_AS(poller::make_call(request, aws::Service::guardduty, "ap-south-2", config,
                                    aws::env_from_map({}), no_credentials(), "k"),
                  aws::AwsError);
}

TEST_CASE("source errors: AWS errors keep code, message and status, others are named") {
  const auto aws_error = poller::to_source_error(std::make_exception_ptr(
      aws::AwsError({"guardduty", "ListMembers", 403, "AccessDeniedException", "not allowed", "rid"})));
  CHECK(aws_error == core::SourceError{"AccessDeniedException", "not allowed", 403});

  const auto parse_error = poller::to_source_error(std::make_exception_ptr(
      services::ParseError("guardduty GetMembers", "members[0].accountId", "missing")));
  CHECK(parse_error.code == services::kMalformedResponseCode);
  CHECK(parse_error.message.find("members[0].accountId") != std::string::npos);

  const auto cancelled = poller::to_source_error(
      std::make_exception_ptr(boost::system::system_error(boost::asio::error::operation_aborted)));
  CHECK(cancelled.code == "CycleCancelled");

  const auto other = poller::to_source_error(std::make_exception_ptr(std::runtime_error("boom")));
  CHECK(other == core::SourceError{"InternalError", "boom", 0});
}

TEST_CASE(
    "a listing that is the answer: unlisted accounts are NOT_LISTED, or UNKNOWN when an element was left "
    "out") {
  const std::deque<std::string> universe{"111111111111", "222222222222", "333333333333"};
  core::Membership listed;
  listed.account_id = "222222222222";
  listed.status = core::MemberStatus::ENABLED;
  const auto absent = poller::unlisted_records(universe, {listed}, false);
  REQUIRE(absent.size() == 2);
  CHECK(absent[0].account_id == "111111111111");
  CHECK(absent[1].account_id == "333333333333");
  for (const auto& record : absent) {
    CHECK(record.status == core::MemberStatus::NOT_MEMBER);
    CHECK(record.raw_status == "NOT_LISTED");
  }
  // An unreadable element may have been any of them: no gap is invented.
  for (const auto& record : poller::unlisted_records(universe, {listed}, true)) {
    CHECK(record.status == core::MemberStatus::UNKNOWN);
    CHECK(record.raw_status.empty());
  }
  CHECK(poller::unlisted_records(universe, {}, false).size() == 3);
}
