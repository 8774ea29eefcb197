// All five services at once (issue 19): Inspector and Macie have no batch
// GetMembers, so their full listing is the answer; an account of the
// universe they do not list is NOT_MEMBER (NOT_LISTED), and an account is
// covered only when every polled (service, region) covers it.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "harness.hpp"
#include "support/test_files.hpp"

using namespace mw;
using namespace mw::integration;
using core::MemberStatus;
using core::Service;

namespace {

std::size_t count_requests(const std::vector<fake_aws::RequestLogEntry>& log, std::string_view service,
                           std::string_view operation) {
  std::size_t count = 0;
  for (const auto& entry : log) count += entry.service == service && entry.operation == operation ? 1 : 0;
  return count;
}

// `members` accounts ENABLED in the three services (members_world), of which
// Inspector lists the first `inspector` and Macie the first `macie`
// (ENABLED / Enabled).
std::string five_service_world(int members, int inspector, int macie) {
  std::string inspector_members, macie_members;
  for (int i = 1; i <= inspector; ++i)
    inspector_members += "            - {account_id: \"" + member_account(i) + "\", status: ENABLED}\n";
  for (int i = 1; i <= macie; ++i)
    macie_members += "            - {account_id: \"" + member_account(i) + "\", email: m" +
                     std::to_string(i) + "@example.com, status: Enabled}\n";
  auto world = members_world(members);
  const std::string anchor = "throttling:\n";
  world.insert(world.find(anchor),
               "        inspector2:\n          organization: {ec2: true, ecr: false}\n"
               "          members:\n" +
                   inspector_members +
                   "        macie2:\n          organization: {auto_enable: true}\n"
                   "          members:\n" +
                   macie_members);
  world += "  inspector2: {rate: 0}\n  macie2: {rate: 0}\n";
  return world;
}

std::string five_service_config(bool account_status) {
  return std::string(R"(state_dir: state
aws:
  regions: [us-east-1]
  services: [securityhub, guardduty, detective, inspector2, macie2]
inspector2: {account_status: )") +
         (account_status ? "true" : "false") + R"(}
administrators:
  - {name: a, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)";
}

}  // namespace

TEST_CASE(
    "five services: the listing is Inspector's and Macie's answer, absent accounts NOT_LISTED, coverage "
    "needs all") {
  mw::test::TempFolder dir;
  FakeAws aws(five_service_world(120, 120, 100));
  Daemon daemon(make_config(five_service_config(false), dir.path()), aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);
  const auto& snapshot = daemon.snapshot();

  const auto* inspector = find_source(snapshot, "111111111111", Service::inspector2, "us-east-1");
  const auto* macie = find_source(snapshot, "111111111111", Service::macie2, "us-east-1");
  REQUIRE(inspector != nullptr);
  REQUIRE(macie != nullptr);
  CHECK(inspector->members == 121);  // its 120 and the administrator itself
  CHECK(inspector->not_members == 0);
  CHECK(macie->members == 101);
  CHECK(macie->not_members == 20);
  REQUIRE(inspector->organization);
  CHECK(inspector->organization->auto_enable == "PARTIAL");  // EC2 on, ECR off
  CHECK(macie->organization->auto_enable == "NEW");

  const auto* listed =
      find_membership(snapshot, member_account(100), Service::macie2, "us-east-1", "111111111111");
  REQUIRE(listed != nullptr);
  CHECK(listed->status == MemberStatus::ENABLED);
  CHECK(listed->email == "m100@example.com");
  const auto* absent =
      find_membership(snapshot, member_account(101), Service::macie2, "us-east-1", "111111111111");
  REQUIRE(absent != nullptr);
  CHECK(absent->status == MemberStatus::NOT_MEMBER);
  CHECK(absent->raw_status == "NOT_LISTED");
  // Covered in four services, not in Macie: a gap, not covered.
  const auto* account = find_account(snapshot, member_account(101));
  REQUIRE(account != nullptr);
  CHECK_FALSE(account->covered);
  REQUIRE(account->gaps.size() == 1);
  CHECK(account->gaps[0].service == Service::macie2);
  CHECK(find_account(snapshot, member_account(100))->covered);
  CHECK(snapshot.totals.covered == 101);  // 100 accounts and the administrator

  // Requests at the lower bound: ceil(members / page size) ListMembers
  // pages (50 for Inspector, 25 for Macie), no GetMembers, one organization
  // configuration each, no BatchGetAccountStatus unless asked for.
  const auto log = aws.requests();
  CHECK(count_requests(log, "inspector2", "ListMembers") == 3);
  CHECK(count_requests(log, "macie2", "ListMembers") == 4);
  CHECK(count_requests(log, "inspector2", "GetMembers") == 0);
  CHECK(count_requests(log, "macie2", "GetMembers") == 0);
  CHECK(count_requests(log, "inspector2", "DescribeOrganizationConfiguration") == 1);
  CHECK(count_requests(log, "macie2", "DescribeOrganizationConfiguration") == 1);
  CHECK(count_requests(log, "inspector2", "BatchGetAccountStatus") == 0);
  CHECK(count_requests(log, "securityhub", "GetMembers") == 3);  // the universe: 120 accounts
}

TEST_CASE("Inspector's scan coverage when asked for: 100 accounts a call, each ENABLED member's resources") {
  mw::test::TempFolder dir;
  FakeAws aws(five_service_world(3, 130, 3));
  Daemon daemon(make_config(five_service_config(true), dir.path()), aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto log = aws.requests();
  CHECK(count_requests(log, "inspector2", "BatchGetAccountStatus") == 2);  // 130 ENABLED members
  const auto* member = find_membership(daemon.snapshot(), member_account(130), Service::inspector2,
                                       "us-east-1", "111111111111");
  REQUIRE(member != nullptr);
  const auto detail = boost::json::parse(member->detail).as_object();
  CHECK(detail.at("account_status") == "ENABLED");
  CHECK(detail.at("resources").as_object().at("ec2") == "ENABLED");
}

TEST_CASE("a Macie listing that fails keeps its last records stale and invents no NOT_LISTED") {
  mw::test::TempFolder dir;
  const auto world = five_service_world(30, 30, 10);
  FakeAws aws(world);
  Daemon daemon(make_config(five_service_config(false), dir.path()), aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  aws.server().emulator().set_world(
      with_fault(fake_aws::parse_world(world), fake_aws::Service::macie2, "ListMembers"));
  const auto second = daemon.cycle();
  REQUIRE(second.written);
  CHECK_FALSE(second.complete);
  const auto& snapshot = daemon.snapshot();
  CHECK(find_source(snapshot, "111111111111", Service::macie2, "us-east-1")->state ==
        core::SourceState::stale);
  const auto* kept =
      find_membership(snapshot, member_account(5), Service::macie2, "us-east-1", "111111111111");
  REQUIRE(kept != nullptr);
  CHECK(kept->status == MemberStatus::ENABLED);
  CHECK(kept->stale);
  const auto* account = find_account(snapshot, member_account(5));
  REQUIRE(account->unknown.size() == 1);  // stale ENABLED: unknown, not a gap
  CHECK(account->unknown[0].service == Service::macie2);
}
