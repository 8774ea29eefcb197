// The demo world across cycles in which AWS changes under the daemon:
// Organizations ListAccounts failing and answering again, an account
// suspended, Account ListRegions failing or answering nonsense. Each must
// lose nothing and log no change that did not happen.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"
#include "support/test_http_server.hpp"

using namespace mw;
using namespace mw::integration;
using core::MemberStatus;
using core::Service;

namespace {

fake_aws::World demo_world() {
  return fake_aws::load_world(source_path("config/demo/world.yaml").string());
}

config::Config demo_config(const std::filesystem::path& directory) {
  return make_config(read_file(source_path("config/demo/memberwatch.yaml")), directory);
}

std::vector<std::string> changes_lines(const config::Config& config) {
  std::vector<std::string> lines;
  std::ifstream in(std::filesystem::path(config.state_dir) / "changes.jsonl");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> membership_keys(const core::Snapshot& snapshot) {
  std::vector<std::string> keys;
  for (const auto& m : snapshot.memberships) {
    keys.push_back(m.account_id + " " + std::string(core::to_string(m.source->service)) + " " +
                   m.source->region + " " + m.source->administrator_id + " " +
                   std::string(core::to_string(m.status)));
  }
  return keys;
}

const core::AdministratorSummary* find_administrator(const core::Snapshot& snapshot, std::string_view id) {
  for (const auto& admin : snapshot.administrators)
    if (admin.account_id == id) return &admin;
  return nullptr;
}

}  // namespace

TEST_CASE("ListAccounts answers, fails, answers: the last good list keeps every record, no change line") {
  mw::test::TempFolder dir;
  FakeAws aws(demo_world());
  const auto config = demo_config(dir.path());
  std::vector<std::string> first_keys;
  std::size_t first_lines = 0;
  {
    Daemon daemon(config, aws.endpoint_url());
    REQUIRE(daemon.cycle().written);
    const auto& first = daemon.snapshot();
    REQUIRE(first.organization.has_value());
    CHECK(first.organization->state == core::SourceState::ok);
    CHECK(first.organization->accounts == 67);
    first_keys = membership_keys(first);
    first_lines = changes_lines(config).size();
    // Accounts only Organizations knows are in every answering source's universe.
    const auto* only_org =
        find_membership(first, "300000000000", Service::guardduty, "us-east-1", "111111111111");
    REQUIRE(only_org != nullptr);
    CHECK(only_org->status == MemberStatus::NOT_MEMBER);

    aws.server().emulator().set_world(
        with_fault(demo_world(), fake_aws::Service::organizations, "ListAccounts"));
    const auto failing = daemon.cycle();
    REQUIRE(failing.written);
    CHECK_FALSE(failing.complete);
    const auto& second = daemon.snapshot();
    REQUIRE(second.organization.has_value());
    CHECK(second.organization->state == core::SourceState::stale);
    REQUIRE(second.organization->error.has_value());
    CHECK(second.organization->error->http_status >= 500);
    CHECK(second.organization->last_success_at == first.organization->last_success_at);
    CHECK(second.organization->accounts == 67);
    CHECK(membership_keys(second) == first_keys);  // 512 to 388 before this was fixed
    CHECK(changes_lines(config).size() == first_lines);
    CHECK(find_account(second, "200000000060")->organization_status == "SUSPENDED");
    CHECK(find_account(second, "200000000060")->inactive);
    CHECK(find_account(second, "300000000000")->name == "management");
  }
  // Restarted while ListAccounts still fails: the last good list comes from the snapshot on disk.
  Daemon restarted(config, aws.endpoint_url());
  REQUIRE(restarted.cycle().written);
  CHECK(restarted.snapshot().organization->state == core::SourceState::stale);
  CHECK(membership_keys(restarted.snapshot()) == first_keys);
  CHECK(changes_lines(config).size() == first_lines);

  aws.server().emulator().set_world(demo_world());
  REQUIRE(restarted.cycle().written);
  CHECK(restarted.snapshot().organization->state == core::SourceState::ok);
  CHECK(membership_keys(restarted.snapshot()) == first_keys);
  CHECK(changes_lines(config).size() == first_lines);
}

TEST_CASE("ListAccounts failing with no list ever known: organization error, nothing invented") {
  mw::test::TempFolder dir;
  FakeAws aws(with_fault(demo_world(), fake_aws::Service::organizations, "ListAccounts"));
  const auto config = demo_config(dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto& snapshot = daemon.snapshot();
  REQUIRE(snapshot.organization.has_value());
  CHECK(snapshot.organization->state == core::SourceState::error);
  CHECK(snapshot.organization->accounts == 0);
  CHECK_FALSE(snapshot.organization->last_success_at.has_value());
  CHECK(find_account(snapshot, "300000000000") == nullptr);  // known only to Organizations
  const auto text = snapshot_text(config);
  CHECK(text.find("\"state\": \"error\"") != std::string::npos);
}

TEST_CASE("an account turning SUSPENDED is one account line in the changes log, and it leaves the gaps") {
  mw::test::TempFolder dir;
  auto world = demo_world();
  FakeAws aws(world);
  const auto config = demo_config(dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto* before = find_account(daemon.snapshot(), "200000000061");
  REQUIRE(before != nullptr);
  CHECK_FALSE(before->gaps.empty());  // a member of nothing
  const auto lines_before = changes_lines(config).size();

  for (auto& account : world.organization->accounts)
    if (account.id == "200000000061") account.state = "SUSPENDED";
  aws.server().emulator().set_world(world);
  REQUIRE(daemon.cycle().written);
  const auto lines = changes_lines(config);
  REQUIRE(lines.size() == lines_before + 1);
  const auto change = store::parse_account_change_line(lines.back());
  REQUIRE_MESSAGE(change, change.error);
  CHECK(change.value->account_id == "200000000061");
  CHECK(change.value->from == std::optional<std::string>("ACTIVE"));
  CHECK(change.value->to == std::optional<std::string>("SUSPENDED"));
  CHECK(change.value->at == daemon.snapshot().generated_at);
  const auto* after = find_account(daemon.snapshot(), "200000000061");
  CHECK(after->inactive);
  CHECK(after->gaps.empty());
  CHECK(after->unknown.empty());
  CHECK(daemon.snapshot().totals.inactive == 5);
  // Its memberships are still listed as AWS reports them.
  CHECK(find_membership(daemon.snapshot(), "200000000061", Service::guardduty, "us-east-1", "111111111111") !=
        nullptr);
}

TEST_CASE("ListRegions failing or answering nonsense: the last good regions are kept, no change line") {
  for (const bool malformed : {false, true}) {
    CAPTURE(malformed);
    mw::test::TempFolder dir;
    FakeAws aws(demo_world());
    const auto config = demo_config(dir.path());
    Daemon daemon(config, aws.endpoint_url());
    REQUIRE(daemon.cycle().written);
    const auto first_keys = membership_keys(daemon.snapshot());
    const auto lines_before = changes_lines(config).size();
    const auto* discovered = find_administrator(daemon.snapshot(), "444444444444");
    REQUIRE(discovered != nullptr);
    CHECK(discovered->regions_from == core::RegionsFrom::discovered);
    CHECK(discovered->regions == std::vector<std::string>{"eu-west-1", "us-east-1"});

    aws.server().emulator().set_world(
        with_fault(demo_world(), fake_aws::Service::account, "ListRegions", malformed));
    REQUIRE(daemon.cycle().written);
    const auto& snapshot = daemon.snapshot();
    const auto* kept = find_administrator(snapshot, "444444444444");
    REQUIRE(kept != nullptr);
    CHECK(kept->regions_from == core::RegionsFrom::last_discovered);
    CHECK(kept->regions == std::vector<std::string>{"eu-west-1", "us-east-1"});
    REQUIRE(kept->error.has_value());
    CHECK(kept->error->code == (malformed ? "MalformedResponse" : "InternalServerException"));
    // A configured region ListRegions last reported not enabled stays region_disabled.
    const auto* disabled = find_source(snapshot, "111111111111", Service::guardduty, "eu-south-1");
    REQUIRE(disabled != nullptr);
    CHECK(disabled->state == core::SourceState::region_disabled);
    CHECK(find_administrator(snapshot, "111111111111")->error.has_value());
    CHECK(membership_keys(snapshot) == first_keys);
    CHECK(changes_lines(config).size() == lines_before);
    for (const auto& source : snapshot.sources) {
      if (source.key.administrator_id != "444444444444") continue;
      CHECK(source.state == core::SourceState::ok);
    }
  }
}

TEST_CASE(
    "regions: all with ListRegions failing and no regions known: the administrator's coverage is unknown") {
  mw::test::TempFolder dir;
  FakeAws aws(with_fault(demo_world(), fake_aws::Service::account, "ListRegions"));
  const auto config = demo_config(dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);
  const auto& snapshot = daemon.snapshot();
  const auto* admin = find_administrator(snapshot, "444444444444");
  REQUIRE(admin != nullptr);
  CHECK(admin->regions.empty());
  REQUIRE(admin->error.has_value());
  for (const auto& source : snapshot.sources) CHECK(source.key.administrator_id != "444444444444");
  for (const auto& m : snapshot.memberships) CHECK(m.source->administrator_id != "444444444444");
}

TEST_CASE(
    "ListRegions asked once per administrator per cycle, through its own role, regions: all polls exactly "
    "them") {
  mw::test::TempFolder dir;
  FakeAws aws(demo_world());
  const auto config = demo_config(dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  std::map<std::string, int> list_regions;  // caller account -> requests
  std::set<std::string> detective_regions_of_444;
  for (const auto& entry : aws.requests()) {
    if (entry.service == "account" && entry.operation == "ListRegions") ++list_regions[entry.account_id];
    if (entry.service == "detective" && entry.account_id == "444444444444")
      detective_regions_of_444.insert(entry.region);
  }
  // 333333333333's role is denied: it never gets as far as ListRegions.
  CHECK(list_regions ==
        std::map<std::string, int>{{"111111111111", 1}, {"222222222222", 1}, {"444444444444", 1}});
  CHECK(detective_regions_of_444 == std::set<std::string>{"eu-west-1", "us-east-1"});
  for (const auto& entry : aws.requests()) {
    CAPTURE(entry.service);
    CHECK(entry.region != "eu-south-1");  // region_disabled: never polled
  }
}

TEST_CASE("ListRegions naming no enabled region is an error for that administrator, its last regions stay") {
  mw::test::TempFolder dir;
  FakeAws aws(demo_world());
  const auto config = demo_config(dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  auto world = demo_world();
  world.account_regions["444444444444"].regions = std::map<std::string, std::string>{};
  aws.server().emulator().set_world(world);
  REQUIRE(daemon.cycle().written);
  const auto* admin = find_administrator(daemon.snapshot(), "444444444444");
  REQUIRE(admin != nullptr);
  REQUIRE(admin->error.has_value());
  CHECK(admin->error->code == "MalformedResponse");
  CHECK(admin->error->message.find("no enabled region") != std::string::npos);
  CHECK(admin->regions_from == core::RegionsFrom::last_discovered);
  CHECK(admin->regions == std::vector<std::string>{"eu-west-1", "us-east-1"});
  CHECK_FALSE(find_administrator(daemon.snapshot(), "111111111111")->error.has_value());
}

TEST_CASE("a GetMembers element left out for its unreadable account ID makes no NOT_MEMBER gap") {
  // A service answering as no fake-aws world can: one member element
  // without a usable AccountId in the GetMembers answer.
  test::TestHttpServer aws([](const test::ReceivedRequest& request) {
    test::ScriptedReply reply;
    reply.headers = {{"Content-Type", "application/json"}};
    if (request.method == "POST" && request.target == "/" &&
        request.body.find("Action=GetCallerIdentity") != std::string::npos) {
      reply.headers = {{"Content-Type", "text/xml"}};
      reply.body =
          "<GetCallerIdentityResponse "
          "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
          "<Arn>arn:aws:iam::111111111111:user/memberwatch</Arn><UserId>AIDAEXAMPLE</UserId>"
          "<Account>111111111111</Account></GetCallerIdentityResult>"
          "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
    } else if (request.target.rfind("/listRegions", 0) == 0) {
      reply.body = R"({"Regions":[{"RegionName":"us-east-1","RegionOptStatus":"ENABLED_BY_DEFAULT"}]})";
    } else if (request.method == "GET" && request.target.rfind("/members", 0) == 0) {
      reply.body = R"({"Members":[{"AccountId":"300000000001","MemberStatus":"Enabled"}]})";
    } else if (request.target.rfind("/members/get", 0) == 0) {
      reply.body = R"({"Members":[{"AccountId":"3000000000","MemberStatus":"Enabled"},)"
                   R"({"AccountId":"300000000001","MemberStatus":"Enabled"}],"UnprocessedAccounts":[]})";
    } else {
      reply.status = 404;
      reply.body = R"({"message":"not here"})";
    }
    return reply;
  });
  mw::test::TempFolder dir;
  const auto config = make_config(R"(
state_dir: state
aws: {regions: [us-east-1], services: [securityhub]}
accounts: {ids: ["300000000002"]}
administrators:
  - {name: main, account_id: "111111111111"}
)",
                                  dir.path());
  LogCapture log;
  Daemon daemon(config, aws.url());
  REQUIRE(daemon.cycle().written);
  const auto& snapshot = daemon.snapshot();
  const auto* asked =
      find_membership(snapshot, "300000000002", Service::securityhub, "us-east-1", "111111111111");
  REQUIRE(asked != nullptr);
  CHECK(asked->status == MemberStatus::UNKNOWN);
  const auto* account = find_account(snapshot, "300000000002");
  REQUIRE(account != nullptr);
  REQUIRE(account->gaps.size() == 1);
  CHECK(account->gaps[0].status == MemberStatus::UNKNOWN);  // not NOT_MEMBER
  CHECK(find_account(snapshot, "300000000001")->covered);
  CHECK(log.text().find("member left out of a page") != std::string::npos);
  CHECK(log.text().find("Members[0].AccountId") != std::string::npos);
}
