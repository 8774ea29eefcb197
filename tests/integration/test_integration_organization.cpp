// Tomorrow's gaps and the depth of coverage (issue 18), end to end against
// fake-aws: each source's organization configuration, Organizations'
// delegated administrators (named, and discovered and polled), GuardDuty's
// protection plans, what each call costs, and every way they can go wrong
// without touching the membership verdict.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <map>
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
                           std::string_view operation, std::string_view region = "") {
  std::size_t count = 0;
  for (const auto& entry : log) {
    if (entry.service == service && entry.operation == operation &&
        (region.empty() || entry.region == region))
      ++count;
  }
  return count;
}

std::string demo_config_text() {
  return read_file(source_path("config/demo/memberwatch.yaml"));
}

fake_aws::World demo_world() {
  return fake_aws::load_world(source_path("config/demo/world.yaml").string());
}

const core::AdministratorSummary* find_administrator(const core::Snapshot& snapshot, std::string_view id) {
  for (const auto& admin : snapshot.administrators)
    if (admin.account_id == id) return &admin;
  return nullptr;
}

boost::json::object detail_of(const core::Membership& record) {
  return boost::json::parse(record.detail).as_object();
}

// Three delegated administrators and one organization role; 555555555555's
// role does not trust memberwatch.
constexpr std::string_view kDiscoveryWorld = R"(credentials:
  - {access_key_id: AKIAMWDEMO0000000001, secret_access_key: memberwatch-demo-secret-access-key-00001,
     account_id: "999999999999"}
roles:
  - arn: arn:aws:iam::300000000000:role/org-read
  - arn: arn:aws:iam::111111111111:role/memberwatch-read
    external_id: discover-2026
  - arn: arn:aws:iam::444444444444:role/memberwatch-read
    external_id: discover-2026
  - arn: arn:aws:iam::555555555555:role/memberwatch-read
    denied: true
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          organization: {auto_enable: true}
          members:
            - {account_id: "200000000001", email: a@example.com, status: Enabled}
        guardduty:
          detector_id: 11111111111111111111111111111101
          organization: {auto_enable_organization_members: ALL}
          members:
            - {account_id: "200000000001", email: a@example.com, status: Enabled, features: {RUNTIME_MONITORING: ENABLED}}
  - account_id: "444444444444"
    regions:
      us-east-1:
        detective:
          graph_arn: arn:aws:detective:us-east-1:444444444444:graph:4a4b4c4d4e4f40414243444546474849
          organization: {auto_enable: false}
          members:
            - {account_id: "200000000001", email: a@example.com, status: ENABLED}
organization:
  management_account_id: "300000000000"
  delegated_administrators:
    - {account_id: "111111111111", service_principals: [securityhub.amazonaws.com, guardduty.amazonaws.com]}
    - {account_id: "444444444444", service_principals: [detective.amazonaws.com]}
    - {account_id: "555555555555", service_principals: [guardduty.amazonaws.com]}
  accounts:
    - {id: "200000000001", name: workload, email: a@example.com}
    - {id: "111111111111", name: security-tooling, email: s@example.com}
    - {id: "444444444444", name: detective-admin, email: d@example.com}
    - {id: "555555555555", name: locked-out, email: l@example.com}
throttling:
  securityhub: {rate: 0}
  guardduty: {rate: 0}
  detective: {rate: 0}
  sts: {rate: 0}
  organizations: {rate: 0}
)";

// The whole organization in eight lines.
constexpr std::string_view kDiscoveryConfig = R"(state_dir: state
aws:
  regions: [us-east-1]
accounts:
  organizations:
    role_arn: arn:aws:iam::300000000000:role/org-read
    discover_administrators:
      role_name: memberwatch-read
      external_id: discover-2026
)";

}  // namespace

TEST_CASE("the demo world: auto-enable per source, delegation, protection plans, and what each costs") {
  mw::test::TempFolder dir;
  FakeAws aws(demo_world());
  const auto config = make_config(demo_config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto& snapshot = daemon.snapshot();

  const auto mode = [&](std::string_view admin, Service service, std::string_view region) {
    const auto* source = find_source(snapshot, admin, service, region);
    REQUIRE(source != nullptr);
    return source->organization ? source->organization->auto_enable : std::string("null");
  };
  CHECK(mode("111111111111", Service::securityhub, "us-east-1") == "CENTRAL");
  CHECK(mode("111111111111", Service::securityhub, "eu-west-1") == "NEW");
  CHECK(mode("111111111111", Service::guardduty, "us-east-1") ==
        "PARTIAL");  // S3_DATA_EVENTS not auto-enabled
  CHECK(mode("111111111111", Service::guardduty, "eu-west-1") == "NONE");
  CHECK(mode("111111111111", Service::detective, "us-east-1") == "NEW");
  CHECK(mode("222222222222", Service::guardduty, "us-east-1") ==
        "null");  // not the organization's administrator
  CHECK(find_source(snapshot, "111111111111", Service::guardduty, "eu-west-1")->findings ==
        std::vector<std::string>{"AUTO_ENABLE_OFF"});
  CHECK(find_source(snapshot, "222222222222", Service::guardduty, "us-east-1")->findings ==
        std::vector<std::string>{"NOT_DELEGATED_ADMINISTRATOR"});
  CHECK(find_source(snapshot, "222222222222", Service::guardduty, "us-east-1")->state ==
        core::SourceState::ok);
  CHECK(find_administrator(snapshot, "111111111111")->delegated_for ==
        std::vector<std::string>{"detective", "guardduty", "inspector2", "macie2", "securityhub"});
  CHECK(find_administrator(snapshot, "222222222222")->delegated_for == std::vector<std::string>{});

  // Protection plans: in the detail of each ENABLED member, gaps against required_features.
  const auto* member =
      find_membership(snapshot, "200000000005", Service::guardduty, "us-east-1", "111111111111");
  REQUIRE(member != nullptr);
  CHECK(detail_of(*member).at("features") ==
        boost::json::parse(R"({"RUNTIME_MONITORING":"DISABLED","S3_DATA_EVENTS":"ENABLED"})"));
  CHECK(find_account(snapshot, "200000000005")->feature_gaps ==
        std::vector<core::FeatureGap>{{Service::guardduty, "us-east-1", "RUNTIME_MONITORING", "DISABLED"}});
  // Unprocessed by GetMemberDetectors: reported on the source, the membership stays ENABLED.
  const auto* unprocessed =
      find_membership(snapshot, "200000000008", Service::guardduty, "us-east-1", "111111111111");
  REQUIRE(unprocessed != nullptr);
  CHECK(unprocessed->status == MemberStatus::ENABLED);
  CHECK_FALSE(detail_of(*unprocessed).contains("features"));
  const auto& call_errors =
      find_source(snapshot, "111111111111", Service::guardduty, "us-east-1")->call_errors;
  REQUIRE(call_errors.size() == 1);
  CHECK(call_errors[0].operation == "GetMemberDetectors");
  CHECK(call_errors[0].account_id == "200000000008");

  // Request counts: one DescribeOrganizationConfiguration per answering
  // source, one ListDelegatedAdministrators per service principal, and
  // ceil(ENABLED GuardDuty members / 50) GetMemberDetectors per source.
  const auto log = aws.requests();
  std::size_t answering = 0;
  for (const auto& source : snapshot.sources) answering += source.state == core::SourceState::ok ? 1 : 0;
  std::size_t describe = 0;
  for (const auto service : {"securityhub", "guardduty", "detective", "inspector2", "macie2"})
    describe += count_requests(log, service, "DescribeOrganizationConfiguration");
  CHECK(describe == answering);
  CHECK(count_requests(log, "organizations", "ListDelegatedAdministrators") ==
        5);  // one per service principal
  for (const auto& source : snapshot.sources) {
    if (source.key.service != Service::guardduty || source.state != core::SourceState::ok) continue;
    std::size_t enabled = 0;
    for (const auto& record : snapshot.memberships)
      if (*record.source == source.key && record.status == MemberStatus::ENABLED) ++enabled;
    std::size_t calls = 0;
    for (const auto& entry : log) {
      if (entry.operation == "GetMemberDetectors" && entry.region == source.key.region &&
          entry.account_id == source.key.administrator_id)
        ++calls;
    }
    CAPTURE(source.key.administrator_id);
    CAPTURE(source.key.region);
    CHECK(calls == (enabled + 49) / 50);
  }
}

TEST_CASE("GuardDuty's organization features over several pages, every one kept") {
  mw::test::TempFolder dir;
  std::string features;
  for (int i = 0; i < 120; ++i) features += "{name: FEATURE_" + std::to_string(i) + ", auto_enable: ALL}, ";
  auto world = members_world(3);
  world = replace_all(world, "          detector_id: 11111111111111111111111111111101\n",
                      "          detector_id: 11111111111111111111111111111101\n"
                      "          organization: {auto_enable_organization_members: NEW, features: [" +
                          features + "{name: RUNTIME_MONITORING, auto_enable: NONE}]}\n");
  FakeAws aws(world);
  const auto config = make_config(R"(state_dir: state
aws: {regions: [us-east-1], services: [guardduty]}
guardduty: {required_features: [RUNTIME_MONITORING]}
administrators:
  - {name: a, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)",
                                  dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().complete);
  const auto* source = find_source(daemon.snapshot(), "111111111111", Service::guardduty, "us-east-1");
  REQUIRE(source->organization);
  const auto detail = boost::json::parse(source->organization->detail).as_object();
  CHECK(detail.at("features").as_array().size() == 121);
  CHECK(source->organization->auto_enable == "PARTIAL");  // the required feature is on the last page
  CHECK(count_requests(aws.requests(), "guardduty", "DescribeOrganizationConfiguration") ==
        3);  // 50 + 50 + 21
}

TEST_CASE(
    "a discovery-only configuration finds the delegated administrators and polls each for its services") {
  mw::test::TempFolder dir;
  FakeAws aws(kDiscoveryWorld);
  const auto config = make_config(kDiscoveryConfig, dir.path());
  REQUIRE(config.administrators.empty());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);  // 555555555555's role is denied
  const auto& snapshot = daemon.snapshot();

  REQUIRE(snapshot.administrators.size() == 3);
  const auto* tooling = find_administrator(snapshot, "111111111111");
  REQUIRE(tooling != nullptr);
  CHECK(tooling->origin == "organization");
  CHECK(tooling->name == "security-tooling");  // Organizations' name for it
  CHECK(tooling->delegated_for == std::vector<std::string>{"guardduty", "securityhub"});
  CHECK(find_administrator(snapshot, "444444444444")->delegated_for == std::vector<std::string>{"detective"});
  const auto* locked = find_administrator(snapshot, "555555555555");
  REQUIRE(locked != nullptr);
  CHECK(locked->error.has_value());

  // Each polled for the services it is delegated for, through the role name.
  std::vector<std::string> polled;
  for (const auto& source : snapshot.sources)
    polled.push_back(source.key.administrator_id + " " + std::string(core::to_string(source.key.service)) +
                     " " + std::string(core::to_string(source.state)));
  CHECK(polled == std::vector<std::string>{"111111111111 guardduty ok", "111111111111 securityhub ok",
                                           "444444444444 detective ok", "555555555555 guardduty error"});
  CHECK(find_source(snapshot, "111111111111", Service::guardduty, "us-east-1")->findings.empty());
  CHECK(find_source(snapshot, "111111111111", Service::guardduty, "us-east-1")->organization->auto_enable ==
        "ALL");
  CHECK(find_source(snapshot, "444444444444", Service::detective, "us-east-1")->findings ==
        std::vector<std::string>{"AUTO_ENABLE_OFF"});
  const auto* workload = find_account(snapshot, "200000000001");
  REQUIRE(workload != nullptr);
  CHECK(workload->unknown.size() == 0);  // 111111111111 covers GuardDuty in us-east-1
  CHECK(workload->covered);

  // Discovery failing: the last good list is polled, the failure reported.
  aws.server().emulator().set_world(with_fault(fake_aws::parse_world(kDiscoveryWorld),
                                               fake_aws::Service::organizations,
                                               "ListDelegatedAdministrators"));
  const auto second = daemon.cycle();
  REQUIRE(second.written);
  CHECK_FALSE(second.complete);
  const auto& after = daemon.snapshot();
  REQUIRE(after.organization);
  REQUIRE(after.organization->delegation_error);
  CHECK(after.organization->delegation_error->http_status == 500);
  CHECK(after.administrators.size() == 3);
  CHECK(find_administrator(after, "111111111111")->origin == "organization");
  CHECK(find_administrator(after, "111111111111")->name == "security-tooling");
  CHECK(find_source(after, "111111111111", Service::guardduty, "us-east-1")->state == core::SourceState::ok);
  CHECK(find_source(after, "444444444444", Service::detective, "us-east-1")->state == core::SourceState::ok);
}

TEST_CASE("a configured administrator keeps its configuration when Organizations also names it") {
  mw::test::TempFolder dir;
  FakeAws aws(kDiscoveryWorld);
  const auto config = make_config(std::string(kDiscoveryConfig) + R"(administrators:
  - name: tooling-as-configured
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/memberwatch-read
    external_id: discover-2026
    services: [securityhub]
)",
                                  dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto* tooling = find_administrator(daemon.snapshot(), "111111111111");
  REQUIRE(tooling != nullptr);
  CHECK(tooling->origin == "configured");
  CHECK(tooling->name == "tooling-as-configured");
  CHECK(tooling->delegated_for == std::vector<std::string>{"guardduty", "securityhub"});
  CHECK(find_source(daemon.snapshot(), "111111111111", Service::guardduty, "us-east-1") == nullptr);
  CHECK(find_source(daemon.snapshot(), "111111111111", Service::securityhub, "us-east-1") != nullptr);
}

TEST_CASE("bad organization answers and failed feature calls never change membership state or completeness") {
  mw::test::TempFolder dir;
  auto world = members_world(60);
  world = replace_all(world, "          detector_id: 11111111111111111111111111111101\n",
                      "          detector_id: 11111111111111111111111111111101\n"
                      "          organization: {auto_enable_organization_members: SOMETIMES}\n");
  world = replace_all(
      world, "        securityhub:\n          members:\n",
      "        securityhub:\n          organization: {raw: '{\"AutoEnable\": tru'}\n          members:\n");
  FakeAws aws(world);
  const auto config = make_config(R"(state_dir: state
aws: {regions: [us-east-1], max_attempts: 2}
administrators:
  - {name: a, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)",
                                  dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto first = daemon.cycle();
  REQUIRE(first.written);
  CHECK(first.complete);
  const auto& snapshot = daemon.snapshot();
  const auto* guardduty = find_source(snapshot, "111111111111", Service::guardduty, "us-east-1");
  REQUIRE(guardduty->organization);
  CHECK(guardduty->organization->auto_enable == "UNKNOWN");  // kept raw in the detail
  CHECK(boost::json::parse(guardduty->organization->detail).at("auto_enable_organization_members") ==
        "SOMETIMES");
  const auto* securityhub = find_source(snapshot, "111111111111", Service::securityhub, "us-east-1");
  CHECK(securityhub->state == core::SourceState::ok);
  CHECK_FALSE(securityhub->organization);
  REQUIRE(securityhub->call_errors.size() == 1);
  CHECK(securityhub->call_errors[0].operation == "DescribeOrganizationConfiguration");
  CHECK(securityhub->call_errors[0].error.code == "MalformedResponse");
  CHECK(securityhub->members == 61);

  // GetMemberDetectors failing past its retries: no features, one call
  // error, the same memberships, a complete cycle.
  aws.server().emulator().set_world(
      with_fault(fake_aws::parse_world(world), fake_aws::Service::guardduty, "GetMemberDetectors"));
  const auto second = daemon.cycle();
  REQUIRE(second.written);
  CHECK(second.complete);
  const auto* after = find_source(daemon.snapshot(), "111111111111", Service::guardduty, "us-east-1");
  CHECK(after->state == core::SourceState::ok);
  CHECK(after->members == 61);
  REQUIRE(after->call_errors.size() == 1);
  CHECK(after->call_errors[0].operation == "GetMemberDetectors");
  CHECK(after->call_errors[0].error.http_status == 500);
  const auto* member =
      find_membership(daemon.snapshot(), member_account(1), Service::guardduty, "us-east-1", "111111111111");
  REQUIRE(member != nullptr);
  CHECK(member->status == MemberStatus::ENABLED);
  CHECK_FALSE(detail_of(*member).contains("features"));
  // Each batch once (with its retry); the failure reported once.
  std::size_t calls = 0;
  for (const auto& entry : aws.requests()) calls += entry.operation == "GetMemberDetectors" ? 1 : 0;
  CHECK(calls == 2 + 2 * 2);  // first cycle: 2 batches (60 members); second: 2 batches x 2 attempts
}
