#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "internal.hpp"
#include "options.hpp"
#include "world.hpp"

using namespace mw::fake_aws;

namespace {

const char* kWorld = R"(
credentials:
  - {access_key_id: AKIDBASE, secret_access_key: s3cr3t, account_id: "999999999999"}
roles:
  - {arn: "arn:aws:iam::111111111111:role/read", external_id: ext}
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "222222222222", email: "zoë \"q\" ", status: Enabled, invited_at: "2021-01-02T03:04:05.678Z"}
        guardduty:
          detector_id: 12abc34d567e8fa901bc2d34e56789f0
        detective:
          graph_arn: arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef
          members:
            - account_id: "222222222222"
              status: ACCEPTED_BUT_DISABLED
              volume_usage_by_datasource_package: {EKS_AUDIT: {volume_usage_bytes: 5, updated_at: "2021-01-01T00:00:00Z"}}
      eu-west-1: {}
faults:
  - {service: securityhub, operation: GetMembers, error_rate: 0.5, latency_ms: 10}
throttling:
  guardduty: {rate: 2, burst: 4}
)";

}  // namespace

TEST_CASE("a world file parses into administrators, sources, members and faults") {
  const auto world = parse_world(kWorld);
  REQUIRE(world.administrators.size() == 1);
  const auto& admin = world.administrators[0];
  const auto* sh = admin.source("us-east-1", Service::securityhub);
  REQUIRE(sh != nullptr);
  CHECK(sh->members.at(0).email == "zoë \"q\" ");
  CHECK(sh->members.at(0).invited_at == "2021-01-02T03:04:05.678Z");
  CHECK(admin.source("eu-west-1", Service::securityhub) == nullptr);
  CHECK(admin.source("us-east-1", Service::guardduty)->resource == "12abc34d567e8fa901bc2d34e56789f0");
  const auto* graph = admin.source("us-east-1", Service::detective);
  CHECK(graph->members.at(0).volume_usage_by_datasource_package.at("EKS_AUDIT").volume_usage_bytes == 5);
  CHECK(world.roles.at(0).account_id() == "111111111111");
  CHECK(world.roles.at(0).name() == "read");
  REQUIRE(world.faults.size() == 1);
  CHECK(world.faults[0].error_rate == 0.5);
  CHECK(world.throttles.at(Service::guardduty).burst == 4);
  CHECK(world.throttles.at(Service::securityhub).rate == 10);  // the published quota stays
  CHECK(world.throttles.at(Service::securityhub).burst == 30);
}

TEST_CASE("world errors name the line and key") {
  CHECK_THROWS_WITH_AS(parse_world("administrators:\n  - account_id: \"111111111111\"\n    regionz: {}\n"),
                       "world:3:5: administrators[0].regionz: unknown key", WorldError);
  CHECK_THROWS_WITH_AS(parse_world("administrators:\n  - account_id: 1234\n"),
                       doctest::Contains("account_id: must be a 12-digit account id"), WorldError);
  CHECK_THROWS_WITH_AS(parse_world("administrators:\n  - account_id: \"111111111111\"\n    regions:\n      "
                                   "us-east-1:\n        guardduty: {detector_id: NOT-HEX}\n"),
                       doctest::Contains("detector_id: expected 32 lowercase hex"), WorldError);
  CHECK_THROWS_WITH_AS(parse_world("faults:\n  - {error_rate: 2}\n"), doctest::Contains("between 0 and 1"),
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world("roles: [{arn: nonsense}]\n"), doctest::Contains("roles[0].arn"),
                       WorldError);
  CHECK_THROWS_AS(parse_world("a: [\n"), WorldError);
  CHECK_THROWS_WITH_AS(load_world("/nonexistent/world.yaml"), doctest::Contains("cannot open"), WorldError);
}

TEST_CASE("a world written as YAML reads back the same") {
  const auto world = parse_world(kWorld);
  const auto again = parse_world(world_to_yaml(world));
  REQUIRE(again.administrators.size() == 1);
  const auto* sh = again.administrators[0].source("us-east-1", Service::securityhub);
  REQUIRE(sh != nullptr);
  CHECK(sh->members.at(0).email == "zoë \"q\" ");
  CHECK(again.administrators[0].regions.count("eu-west-1") == 1);
  CHECK(again.faults.at(0).latency_ms == 10);
  CHECK(again.roles.at(0).external_id == "ext");
  CHECK(world_to_yaml(again) == world_to_yaml(world));
}

TEST_CASE("generated worlds follow the parameters and the seed") {
  const auto params = parse_generate_params(
      "administrators=3,regions=2,accounts=300,securityhub=1,guardduty=0.5,detective=0,seed=7");
  const auto world = generate_world(params);
  REQUIRE(world.administrators.size() == 3);
  CHECK(world.organization->accounts.size() == 300);
  std::size_t sh = 0, gd = 0, dt = 0;
  for (const auto& a : world.administrators) {
    CHECK(a.regions.size() == 2);
    for (const auto& [region, services] : a.regions) {
      sh += services.at(Service::securityhub).members.size();
      gd += services.at(Service::guardduty).members.size();
      dt += services.at(Service::detective).members.size();
    }
  }
  CHECK(sh == 600);  // every account, in both regions
  CHECK(gd > 200);
  CHECK(gd < 400);
  CHECK(dt == 0);
  CHECK(world_to_yaml(generate_world(params)) == world_to_yaml(world));
  auto other = params;
  other.seed = 8;
  CHECK(world_to_yaml(generate_world(other)) != world_to_yaml(world));
  CHECK_NOTHROW(parse_world(world_to_yaml(world)));
  for (const auto& a : world.organization->accounts) {
    REQUIRE(a.state);
    CHECK((*a.state == "ACTIVE" || *a.state == "SUSPENDED"));
    CHECK_FALSE(a.status);
  }
  // Three regions, all enabled by default: no account_regions entries.
  CHECK(world.account_regions.empty());
  const auto wide = generate_world(parse_generate_params("administrators=2,regions=12,accounts=10"));
  REQUIRE(wide.account_regions.size() == 2);
  const auto regions = wide.regions_of("100000000001");
  CHECK(regions.at("eu-south-1") == "ENABLED");  // the tenth region, opted in
  CHECK(regions.at("us-east-1") == "ENABLED_BY_DEFAULT");
  CHECK(regions.size() == 18);
  CHECK(parse_world(world_to_yaml(wide)).regions_of("100000000002") == regions);
  CHECK_THROWS_AS(parse_generate_params("administrators=0"), WorldError);
  CHECK_THROWS_AS(parse_generate_params("accounts=many"), WorldError);
  CHECK_THROWS_AS(parse_generate_params("color=blue"), WorldError);
}

TEST_CASE("pagination tokens are opaque, carry + / = and only work for their listing") {
  for (std::size_t offset : {1u, 50u, 123456u}) {
    const auto token = detail::encode_page_token("111111111111|securityhub|us-east-1", offset);
    CHECK(token.find('+') != std::string::npos);
    CHECK(token.find('/') != std::string::npos);
    CHECK(token.find('=') != std::string::npos);
    CHECK(token.find(std::to_string(offset)) == std::string::npos);
    CHECK(detail::decode_page_token(token, "111111111111|securityhub|us-east-1") == offset);
    CHECK_FALSE(detail::decode_page_token(token, "222222222222|securityhub|us-east-1"));
    std::string spaced = token;
    spaced[0] = ' ';  // what a '+' becomes when a client leaves it unencoded in a query
    CHECK_FALSE(detail::decode_page_token(spaced, "111111111111|securityhub|us-east-1"));
  }
  CHECK_FALSE(detail::decode_page_token("", "x"));
  CHECK_FALSE(detail::decode_page_token("bm90IGEgdG9rZW4=", "x"));
}

TEST_CASE("command line and fault specs") {
  const auto cli = parse_command_line({"--world", "w.yaml", "--port", "0", "--fault",
                                       "guardduty.GetMembers@eu-west-1:error_rate=0.25,latency_ms=40",
                                       "--throttle", "securityhub=5:15", "--tls", "ca.pem"});
  REQUIRE(cli.faults.size() == 1);
  CHECK(cli.faults[0].service == Service::guardduty);
  CHECK(cli.faults[0].operation == "GetMembers");
  CHECK(cli.faults[0].region == "eu-west-1");
  CHECK(cli.faults[0].error_rate == 0.25);
  CHECK(cli.faults[0].latency_ms == 40);
  CHECK(cli.throttles.at(0).second.burst == 15);
  CHECK(cli.tls_ca_file == "ca.pem");
  CHECK_FALSE(parse_fault_spec("*:reset_rate=1").service.has_value());
  const auto account = parse_fault_spec("account.ListRegions:error_rate=1");
  CHECK(account.service == Service::account);
  CHECK(account.operation == "ListRegions");
  CHECK(account.error_rate == 1.0);
  CHECK_THROWS_AS(parse_fault_spec("nothing:error_rate=1"), UsageError);
  CHECK_THROWS_AS(parse_fault_spec("securityhub:error_rate=3"), UsageError);
  CHECK_THROWS_AS(parse_fault_spec("securityhub:colour=3"), UsageError);
  CHECK_THROWS_AS(parse_command_line({"--port", "70000", "--world", "w"}), UsageError);
  CHECK_THROWS_AS(parse_command_line({}), UsageError);
  CHECK_THROWS_AS(parse_command_line({"--world", "a", "--generate", "accounts=1"}), UsageError);
  CHECK(parse_command_line({"--help"}).help);
}

TEST_CASE("the demo world parses and covers every status of every service") {
  const auto world = load_world(std::string(MW_SOURCE_DIR) + "/config/demo/world.yaml");
  CHECK(world.administrators.size() == 3);
  std::map<Service, std::set<std::string>> statuses;
  std::set<std::string> regions;
  std::set<std::string> accounts;
  for (const auto& a : world.administrators)
    for (const auto& [region, services] : a.regions) {
      regions.insert(region);
      for (const auto& [service, source] : services)
        for (const auto& m : source.members) {
          statuses[service].insert(m.status);
          accounts.insert(m.account_id);
        }
    }
  CHECK(regions.size() == 3);
  CHECK(accounts.size() >= 50);
  for (const char* s :
       {"Enabled", "Created", "Invited", "Removed", "Resigned", "Deleted", "AccountSuspended"})
    CHECK_MESSAGE(statuses[Service::securityhub].count(s), s);
  for (const char* s : {"Enabled", "Created", "Invited", "Disabled", "Removed", "Resigned",
                        "EmailVerificationInProgress", "EmailVerificationFailed"})
    CHECK_MESSAGE(statuses[Service::guardduty].count(s), s);
  for (const char* s :
       {"ENABLED", "INVITED", "VERIFICATION_IN_PROGRESS", "VERIFICATION_FAILED", "ACCEPTED_BUT_DISABLED"})
    CHECK_MESSAGE(statuses[Service::detective].count(s), s);
  REQUIRE(world.organization);
  const auto& org_accounts = world.organization->accounts;
  CHECK(std::any_of(org_accounts.begin(), org_accounts.end(),
                    [](const OrganizationAccount& a) { return a.state == "SUSPENDED"; }));
  CHECK(std::any_of(org_accounts.begin(), org_accounts.end(),
                    [](const OrganizationAccount& a) { return a.state == "PENDING_CLOSURE"; }));
  for (const char* state : {"CLOSED", "PENDING_ACTIVATION"}) {
    CHECK_MESSAGE(std::any_of(org_accounts.begin(), org_accounts.end(),
                              [&](const OrganizationAccount& a) { return a.state == state; }),
                  state);
  }
  // Organizations retired Account.Status: the demo world gives State only.
  CHECK(std::none_of(org_accounts.begin(), org_accounts.end(),
                     [](const OrganizationAccount& a) { return a.status.has_value(); }));
  CHECK((std::any_of(world.roles.begin(), world.roles.end(), [](const Role& r) { return r.denied; }) ||
         !world.opt_in_regions.empty()));
}

TEST_CASE(
    "organization accounts: state (ACTIVE unless given, null or empty for none) and the legacy status") {
  const auto world = parse_world(R"(
organization:
  management_account_id: "444444444444"
  accounts:
    - {id: "100000000001"}
    - {id: "100000000002", state: SUSPENDED}
    - {id: "100000000003", state: PENDING_ACTIVATION, status: ACTIVE}
    - {id: "100000000004", state: null, status: PENDING_CLOSURE}
    - {id: "100000000005", state: ""}
    - {id: "100000000006", state: ~}
    - {id: "100000000007", state: SOMETHING_NEW}
    - {id: "100000000008", state: CLOSED, status: null}
)");
  const auto& accounts = world.organization->accounts;
  REQUIRE(accounts.size() == 8);
  CHECK(accounts[0].state == "ACTIVE");
  CHECK_FALSE(accounts[0].status);
  CHECK(accounts[1].state == "SUSPENDED");
  CHECK(accounts[2].state == "PENDING_ACTIVATION");
  CHECK(accounts[2].status == "ACTIVE");
  CHECK_FALSE(accounts[3].state);
  CHECK(accounts[3].status == "PENDING_CLOSURE");
  CHECK_FALSE(accounts[4].state);
  CHECK_FALSE(accounts[5].state);
  CHECK(accounts[6].state == "SOMETHING_NEW");  // AWS adds states: served as given
  CHECK(accounts[7].state == "CLOSED");
  CHECK_FALSE(accounts[7].status);

  const auto again = parse_world(world_to_yaml(world));
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    CAPTURE(i);
    CHECK(again.organization->accounts.at(i).state == accounts[i].state);
    CHECK(again.organization->accounts.at(i).status == accounts[i].status);
  }
  CHECK(world_to_yaml(again) == world_to_yaml(world));

  CHECK_THROWS_WITH_AS(parse_world("organization:\n  management_account_id: \"444444444444\"\n  accounts:\n"
                                   "    - {id: \"100000000001\", state: [ACTIVE]}\n"),
                       "world:4:35: organization.accounts[0].state: expected a string", WorldError);
  CHECK_THROWS_WITH_AS(parse_world("organization:\n  management_account_id: \"444444444444\"\n  accounts:\n"
                                   "    - {id: \"100000000001\", states: ACTIVE}\n"),
                       "world:4:28: organization.accounts[0].states: unknown key", WorldError);
}

TEST_CASE("account_regions: parsing, the default list and the round trip") {
  const auto world = parse_world(R"(
opt_in_regions: [ap-east-1, me-south-1]
account_regions:
  "111111111111":
    denied: false
    regions: {us-east-1: ENABLED_BY_DEFAULT, eu-west-1: ENABLED_BY_DEFAULT, ap-east-1: DISABLED, eu-south-1: ENABLED,
              me-central-1: ENABLING, af-south-1: DISABLING, us-gov-west-1: ENABLED}
  "222222222222": {denied: true}
  "333333333333":
    regions: {}
)");
  REQUIRE(world.account_regions.size() == 3);
  const auto& one = world.account_regions.at("111111111111");
  CHECK_FALSE(one.denied);
  REQUIRE(one.regions);
  CHECK(one.regions->size() == 7);
  CHECK(one.regions->at("eu-south-1") == "ENABLED");
  CHECK(world.regions_of("111111111111") == *one.regions);
  CHECK(world.account_regions.at("222222222222").denied);
  CHECK_FALSE(world.account_regions.at("222222222222").regions);
  CHECK(world.regions_of("333333333333").empty());

  // Accounts without regions of their own: the 17 default regions, and the
  // world's opt-in regions as DISABLED.
  const auto defaults = world.regions_of("222222222222");
  CHECK(defaults == world.regions_of("999999999999"));
  CHECK(defaults.size() == 19);
  std::size_t by_default = 0;
  for (const auto& [region, status] : defaults) by_default += status == "ENABLED_BY_DEFAULT";
  CHECK(by_default == 17);
  for (const char* region :
       {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
        "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1",
        "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1"})
    CHECK_MESSAGE(defaults.at(region) == "ENABLED_BY_DEFAULT", region);
  CHECK(defaults.at("ap-east-1") == "DISABLED");
  CHECK(defaults.at("me-south-1") == "DISABLED");

  const auto yaml = world_to_yaml(world);
  const auto again = parse_world(yaml);
  REQUIRE(again.account_regions.size() == 3);
  CHECK(again.account_regions.at("111111111111").regions == one.regions);
  CHECK(again.account_regions.at("222222222222").denied);
  CHECK_FALSE(again.account_regions.at("222222222222").regions);
  REQUIRE(again.account_regions.at("333333333333").regions);
  CHECK(again.account_regions.at("333333333333").regions->empty());
  CHECK(world_to_yaml(again) == yaml);
  CHECK(parse_world("account_regions:\n").account_regions.empty());
}

TEST_CASE("account_regions errors name the line and key path") {
  CHECK_THROWS_WITH_AS(
      parse_world("account_regions:\n  \"111111111111\":\n    regions: {us-east-1: ENABLED, "
                  "eu-west-1: ON}\n"),
      "world:3:46: account_regions.111111111111.regions.eu-west-1: unknown opt status (ENABLED, "
      "ENABLING, DISABLING, DISABLED, ENABLED_BY_DEFAULT)",
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world("account_regions:\n  \"111111111111\":\n    regions: {us-east-1: enabled}\n"),
      doctest::Contains("regions.us-east-1: unknown opt status"), WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions:\n  \"111111111111\":\n    regions:\n      US_EAST_1: "
                                   "ENABLED\n"),
                       "world:4:7: account_regions.111111111111.regions.US_EAST_1: not a region name (like "
                       "us-east-1)",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions:\n  \"1111\": {denied: true}\n"),
                       "world:2:3: account_regions.1111: must be a 12-digit account id (quote it)",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions:\n  \"111111111111\": {denied: maybe}\n"),
                       "world:2:28: account_regions.111111111111.denied: expected true or false", WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions:\n  \"111111111111\": {region: {us-east-1: ENABLED}}\n"),
                       "world:2:20: account_regions.111111111111.region: unknown key", WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions:\n  \"111111111111\": {regions: [us-east-1]}\n"),
                       doctest::Contains("account_regions.111111111111.regions: expected a mapping"),
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world("account_regions: [\"111111111111\"]\n"),
                       doctest::Contains("account_regions: expected a mapping"), WorldError);
  // Worlds built in code are checked too, without a line.
  World world;
  world.account_regions["111111111111"].regions = std::map<std::string, std::string>{{"us-east-1", "ON"}};
  CHECK_THROWS_WITH_AS(validate_world(world),
                       "account_regions.111111111111.regions.us-east-1: unknown opt status ON", WorldError);
  world.account_regions.clear();
  world.account_regions["1"] = {};
  CHECK_THROWS_WITH_AS(validate_world(world), doctest::Contains("account_regions.1: must be a 12-digit"),
                       WorldError);
}
