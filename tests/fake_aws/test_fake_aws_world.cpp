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

namespace {

const char* kOrganizationWorld = R"(
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          organization:
            auto_enable: true
            auto_enable_standards: DEFAULT
            configuration_type: CENTRAL
            configuration_status: FAILED
            status_message: "Policy \"p-1\" failed"
            member_account_limit_reached: false
        guardduty:
          detector_id: 12abc34d567e8fa901bc2d34e56789f0
          members:
            - {account_id: "222222222222", status: Enabled, features: {RUNTIME_MONITORING: ENABLED, S3_DATA_EVENTS: DISABLED}}
            - {account_id: "333333333333", status: Enabled}
          member_detectors_unprocessed: {"333333333333": "No detector: suspended"}
          organization:
            auto_enable: false
            auto_enable_organization_members: SOMETIMES
            member_account_limit_reached: true
            features:
              - name: RUNTIME_MONITORING
                auto_enable: ALL
                additional_configuration: {EKS_ADDON_MANAGEMENT: NEW, EC2_AGENT_MANAGEMENT: NONE}
              - {name: S3_DATA_EVENTS}
        detective:
          graph_arn: arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef
          organization: {auto_enable: true}
      eu-west-1:
        securityhub: {}
        guardduty:
          detector_id: 34abc34d567e8fa901bc2d34e56789f0
          organization: {raw: '{"not json'}
        detective:
          graph_arn: arn:aws:detective:eu-west-1:111111111111:graph:0123456789abcdef0123456789abcdef
          organization: {}
organization:
  management_account_id: "444444444444"
  delegated_administrators:
    - {account_id: "111111111111", service_principals: [securityhub.amazonaws.com, guardduty.amazonaws.com]}
    - {account_id: "555555555555", service_principals: [], delegation_enabled_date: "2022-03-04T05:06:07.890Z"}
)";

void check_organization_world(const World& world) {
  const auto& admin = world.administrators.at(0);
  const auto& sh = admin.source("us-east-1", Service::securityhub)->organization;
  REQUIRE(sh);
  CHECK(sh->auto_enable == true);
  CHECK(sh->auto_enable_standards == "DEFAULT");
  CHECK(sh->configuration_type == "CENTRAL");
  CHECK(sh->configuration_status == "FAILED");
  CHECK(sh->status_message == "Policy \"p-1\" failed");
  CHECK(sh->member_account_limit_reached == false);
  CHECK_FALSE(sh->raw);

  const auto* gd = admin.source("us-east-1", Service::guardduty);
  REQUIRE(gd->organization);
  CHECK(gd->organization->auto_enable == false);
  CHECK(gd->organization->auto_enable_organization_members == "SOMETIMES");  // served as given
  CHECK(gd->organization->member_account_limit_reached == true);
  REQUIRE(gd->organization->features.size() == 2);
  const auto& runtime = gd->organization->features[0];
  CHECK(runtime.name == "RUNTIME_MONITORING");
  CHECK(runtime.auto_enable == "ALL");
  CHECK(
      runtime.additional_configuration ==
      std::map<std::string, std::string>{{"EC2_AGENT_MANAGEMENT", "NONE"}, {"EKS_ADDON_MANAGEMENT", "NEW"}});
  CHECK(gd->organization->features[1].name == "S3_DATA_EVENTS");
  CHECK_FALSE(gd->organization->features[1].auto_enable);
  CHECK(gd->organization->features[1].additional_configuration.empty());
  CHECK(gd->members.at(0).features == std::map<std::string, std::string>{{"RUNTIME_MONITORING", "ENABLED"},
                                                                         {"S3_DATA_EVENTS", "DISABLED"}});
  CHECK(gd->members.at(1).features.empty());
  CHECK(gd->member_detectors_unprocessed ==
        std::map<std::string, std::string>{{"333333333333", "No detector: suspended"}});

  const auto& dt = admin.source("us-east-1", Service::detective)->organization;
  REQUIRE(dt);
  CHECK(dt->auto_enable == true);
  CHECK_FALSE(dt->member_account_limit_reached);

  // Absent: not the organization's administrator; {}: the administrator, nothing set.
  CHECK_FALSE(admin.source("eu-west-1", Service::securityhub)->organization);
  CHECK(admin.source("eu-west-1", Service::guardduty)->organization->raw == R"({"not json)");
  const auto& empty = admin.source("eu-west-1", Service::detective)->organization;
  REQUIRE(empty);
  CHECK_FALSE(empty->auto_enable);
  CHECK_FALSE(empty->raw);

  const auto& delegated = world.organization->delegated_administrators;
  REQUIRE(delegated.size() == 2);
  CHECK(delegated[0].account_id == "111111111111");
  CHECK(delegated[0].service_principals ==
        std::vector<std::string>{"securityhub.amazonaws.com", "guardduty.amazonaws.com"});
  CHECK(delegated[0].delegation_enabled_date == "2020-06-01T00:00:00Z");  // the default
  CHECK(delegated[1].service_principals.empty());
  CHECK(delegated[1].delegation_enabled_date == "2022-03-04T05:06:07.890Z");
  CHECK(world.organization->is_delegated_administrator("555555555555"));
  CHECK_FALSE(world.organization->is_delegated_administrator("444444444444"));
}

}  // namespace

TEST_CASE("organization configurations, member features and delegated administrators: parse and round trip") {
  const auto world = parse_world(kOrganizationWorld);
  check_organization_world(world);
  const auto yaml = world_to_yaml(world);
  const auto again = parse_world(yaml);
  check_organization_world(again);
  CHECK(world_to_yaml(again) == yaml);
  // Unset stays unset through the round trip.
  CHECK_FALSE(again.administrators[0].source("eu-west-1", Service::detective)->organization->auto_enable);
  CHECK_FALSE(
      again.administrators[0].source("us-east-1", Service::guardduty)->organization->features[1].auto_enable);
}

TEST_CASE("organization configuration errors name the line and key path") {
  const std::string head =
      "administrators:\n  - account_id: \"111111111111\"\n    regions:\n      us-east-1:\n";
  const std::string guardduty =
      head + "        guardduty:\n          detector_id: 12abc34d567e8fa901bc2d34e56789f0\n";
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty +
                  "          members:\n            - {account_id: \"222222222222\", status: Enabled, "
                  "features: [RUNTIME_MONITORING]}\n"),
      "world:8:71: administrators[0].regions.us-east-1.guardduty.members[0].features: expected a mapping of "
      "protection plan -> status",
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty +
                  "          members:\n            - {account_id: \"222222222222\", status: Enabled, "
                  "features: {RUNTIME_MONITORING: [ENABLED]}}\n"),
      doctest::Contains("guardduty.members[0].features.RUNTIME_MONITORING: expected a string"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head +
                  "        securityhub:\n          members:\n            - {account_id: \"222222222222\", "
                  "status: Enabled, features: {RUNTIME_MONITORING: ENABLED}}\n"),
      doctest::Contains("securityhub.members[0].features: only guardduty has it"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty + "          organization: {auto_enable_standards: DEFAULT}\n"),
      "world:7:49: administrators[0].regions.us-east-1.guardduty.organization.auto_enable_standards: "
      "only securityhub has it",
      WorldError);
  CHECK_THROWS_WITH_AS(parse_world(head + "        securityhub:\n          organization: {features: []}\n"),
                       doctest::Contains("securityhub.organization.features: only guardduty has it"),
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head + "        detective:\n          graph_arn: "
                         "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef\n"
                         "          organization: {member_account_limit_reached: true}\n"),
      doctest::Contains(
          "detective.organization.member_account_limit_reached: only securityhub and guardduty have it"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head + "        securityhub:\n          organization: {auto_enable: maybe}\n"),
      "world:6:39: administrators[0].regions.us-east-1.securityhub.organization.auto_enable: "
      "expected true or false",
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head + "        securityhub:\n          organization: {auto_enabled: true}\n"),
      doctest::Contains("securityhub.organization.auto_enabled: unknown key"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty + "          organization:\n            features: {RUNTIME_MONITORING: ALL}\n"),
      doctest::Contains("guardduty.organization.features: expected a list"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty + "          organization:\n            features:\n              - "
                              "{auto_enable: ALL}\n"),
      doctest::Contains("guardduty.organization.features[0].name: is required"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty + "          organization:\n            features:\n              - "
                              "{name: RUNTIME_MONITORING, additional_configuration: [EKS]}\n"),
      doctest::Contains("features[0].additional_configuration: expected a mapping"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(guardduty + "          member_detectors_unprocessed: {\"1234\": gone}\n"),
      doctest::Contains("guardduty.member_detectors_unprocessed.1234: must be a 12-digit account id"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head +
                  "        securityhub:\n          member_detectors_unprocessed: {\"222222222222\": gone}\n"),
      doctest::Contains("securityhub.member_detectors_unprocessed: only guardduty has it"), WorldError);

  const std::string org =
      "organization:\n  management_account_id: \"444444444444\"\n  delegated_administrators:\n";
  CHECK_THROWS_WITH_AS(parse_world(org + "    - {service_principals: [guardduty.amazonaws.com]}\n"),
                       "world:4:7: organization.delegated_administrators[0].account_id: is required",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(org + "    - \"111111111111\"\n"),
                       "world:4:7: organization.delegated_administrators[0]: expected a mapping {account_id, "
                       "service_principals}",
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(org + "    - {account_id: \"111111111111\", service_principals: guardduty}\n"),
      doctest::Contains("delegated_administrators[0].service_principals: expected a list"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(org + "    - {account_id: \"111111111111\", delegation_enabled_date: yesterday}\n"),
      doctest::Contains("delegated_administrators[0].delegation_enabled_date: expected an ISO 8601 time"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(org + "    - {account_id: \"111111111111\"}\n    - {account_id: \"111111111111\"}\n"),
      "organization.delegated_administrators.111111111111: listed twice", WorldError);

  // Worlds built in code are checked too, without a line.
  auto world = parse_world(kOrganizationWorld);
  world.administrators[0].regions["us-east-1"][Service::detective].organization->features.push_back(
      {"RUNTIME_MONITORING", "ALL", {}});
  CHECK_THROWS_WITH_AS(
      validate_world(world),
      doctest::Contains(
          "detective.organization: auto_enable_organization_members and features: only guardduty"),
      WorldError);
  world = parse_world(kOrganizationWorld);
  world.administrators[0]
      .regions["us-east-1"][Service::securityhub]
      .member_detectors_unprocessed["222222222222"] = "x";
  CHECK_THROWS_WITH_AS(validate_world(world),
                       doctest::Contains("securityhub.member_detectors_unprocessed: only guardduty"),
                       WorldError);
  world = parse_world(kOrganizationWorld);
  world.organization->delegated_administrators[0].account_id = "1";
  CHECK_THROWS_WITH_AS(validate_world(world),
                       doctest::Contains("delegated_administrators.1: account_id must be"), WorldError);
}

TEST_CASE(
    "generated worlds: every source is its organization's administrator, GuardDuty members have features") {
  const auto world = generate_world(parse_generate_params("administrators=2,regions=2,accounts=50,seed=3"));
  std::size_t guardduty_members = 0;
  for (const auto& a : world.administrators)
    for (const auto& [region, services] : a.regions) {
      const auto& sh = services.at(Service::securityhub).organization;
      REQUIRE(sh);
      CHECK(sh->auto_enable == true);
      CHECK(sh->auto_enable_standards == "DEFAULT");
      const auto& gd = services.at(Service::guardduty);
      REQUIRE(gd.organization);
      CHECK(gd.organization->auto_enable_organization_members == "ALL");
      REQUIRE(gd.organization->features.size() == 2);
      CHECK(gd.organization->features[0].name == "RUNTIME_MONITORING");
      CHECK(gd.organization->features[0].auto_enable == "ALL");
      CHECK(gd.organization->features[1].name == "S3_DATA_EVENTS");
      CHECK(gd.organization->features[1].auto_enable == "NEW");
      for (const auto& m : gd.members) {
        ++guardduty_members;
        CHECK(m.features == std::map<std::string, std::string>{{"RUNTIME_MONITORING", "ENABLED"},
                                                               {"S3_DATA_EVENTS", "ENABLED"}});
      }
      for (const auto& m : services.at(Service::securityhub).members) CHECK(m.features.empty());
      const auto& dt = services.at(Service::detective).organization;
      REQUIRE(dt);
      CHECK(dt->auto_enable == true);
    }
  CHECK(guardduty_members > 0);
  const auto again = parse_world(world_to_yaml(world));
  CHECK(world_to_yaml(again) == world_to_yaml(world));
  CHECK(
      again.administrators[0].regions.begin()->second.at(Service::guardduty).organization->features.size() ==
      2);
}

// --- Inspector and Macie --------------------------------------------------------

namespace {

const char* kInspectorMacieWorld = R"(
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        inspector2:
          members:
            - account_id: "222222222222"
              status: ENABLED
              updated_at: "2022-05-06T07:08:09.123Z"
              resources: {ec2: DISABLED, lambda: ENABLED, code_repository: ENABLING}
            - {account_id: "333333333333", status: CANNOT_CREATE_DETECTOR_IN_ORG_MASTER, administrator_id: "444444444444"}
          account_status_failed: {"333333333333": "The member account is isolated."}
          organization: {ec2: true, ecr: false, lambda_code: true, max_account_limit_reached: false}
        macie2:
          members:
            - {account_id: "222222222222", email: "two@example.com", status: Paused,
               invited_at: "2021-01-02T03:04:05.678Z", updated_at: "not a time, served as given"}
            - {account_id: "333333333333", status: Enabled}
          organization: {auto_enable: true, max_account_limit_reached: true}
      eu-west-1:
        inspector2: {organization: {}}
        macie2: {organization: {raw: '{"autoEnable": "yes"}'}}
      ap-south-1:
        inspector2: {}
        macie2: {}
)";

void check_inspector_macie_world(const World& world) {
  const auto& admin = world.administrators.at(0);
  const auto* inspector = admin.source("us-east-1", Service::inspector2);
  REQUIRE(inspector != nullptr);
  CHECK(inspector->resource.empty());
  REQUIRE(inspector->members.size() == 2);
  const auto& two = inspector->members[0];
  CHECK(two.email.empty());
  CHECK_FALSE(two.invited_at);
  CHECK(two.updated_at == "2022-05-06T07:08:09.123Z");
  CHECK(two.resources == std::map<std::string, std::string>{
                             {"code_repository", "ENABLING"}, {"ec2", "DISABLED"}, {"lambda", "ENABLED"}});
  CHECK(inspector_resource_status(two, "ec2") == "DISABLED");
  CHECK(inspector_resource_status(two, "ecr") == "ENABLED");  // the defaults
  CHECK(inspector_resource_status(two, "lambda_code") == "DISABLED");
  CHECK(inspector_resource_status(two, "code_repository") == "ENABLING");
  const auto& three = inspector->members[1];
  CHECK(three.status == "CANNOT_CREATE_DETECTOR_IN_ORG_MASTER");  // raw, as served
  CHECK(three.administrator_id == "444444444444");
  CHECK(three.resources.empty());
  CHECK(inspector->account_status_failed ==
        std::map<std::string, std::string>{{"333333333333", "The member account is isolated."}});
  REQUIRE(inspector->organization);
  CHECK(inspector->organization->ec2 == true);
  CHECK(inspector->organization->ecr == false);
  CHECK_FALSE(inspector->organization->lambda);
  CHECK(inspector->organization->lambda_code == true);
  CHECK_FALSE(inspector->organization->code_repository);
  CHECK(inspector->organization->max_account_limit_reached == false);
  CHECK_FALSE(inspector->organization->auto_enable);

  const auto* macie = admin.source("us-east-1", Service::macie2);
  REQUIRE(macie != nullptr);
  REQUIRE(macie->members.size() == 2);
  CHECK(macie->members[0].email == "two@example.com");
  CHECK(macie->members[0].status == "Paused");
  CHECK(macie->members[0].invited_at == "2021-01-02T03:04:05.678Z");
  CHECK(macie->members[0].updated_at == "not a time, served as given");
  CHECK(macie->members[1].email.empty());
  REQUIRE(macie->organization);
  CHECK(macie->organization->auto_enable == true);
  CHECK(macie->organization->max_account_limit_reached == true);
  CHECK_FALSE(macie->organization->ec2);

  // {}: the organization's administrator with nothing set; absent: not it.
  const auto& empty = admin.source("eu-west-1", Service::inspector2)->organization;
  REQUIRE(empty);
  CHECK_FALSE(empty->ec2);
  CHECK_FALSE(empty->max_account_limit_reached);
  CHECK(admin.source("eu-west-1", Service::macie2)->organization->raw == R"({"autoEnable": "yes"})");
  CHECK_FALSE(admin.source("ap-south-1", Service::inspector2)->organization);
  CHECK_FALSE(admin.source("ap-south-1", Service::macie2)->organization);
}

}  // namespace

TEST_CASE("Inspector and Macie sources: parse and round trip") {
  const auto world = parse_world(kInspectorMacieWorld);
  check_inspector_macie_world(world);
  const auto yaml = world_to_yaml(world);
  const auto again = parse_world(yaml);
  check_inspector_macie_world(again);
  CHECK(world_to_yaml(again) == yaml);
  CHECK(to_string(Service::inspector2) == "inspector2");
  CHECK(to_string(Service::macie2) == "macie2");
  CHECK(parse_service("inspector2") == Service::inspector2);
  CHECK(parse_service("macie2") == Service::macie2);
  CHECK_FALSE(parse_service("macie"));
  // No published quotas for their member APIs: 10 requests/s, burst 30.
  for (const auto service : {Service::inspector2, Service::macie2}) {
    CHECK(world.throttles.at(service).rate == 10);
    CHECK(world.throttles.at(service).burst == 30);
  }
}

TEST_CASE("Inspector and Macie world errors name the line and key path") {
  const std::string head =
      "administrators:\n  - account_id: \"111111111111\"\n    regions:\n      us-east-1:\n";
  const std::string inspector = head + "        inspector2:\n";
  const std::string macie = head + "        macie2:\n";
  const auto member = [](const std::string& fields) {
    return "          members:\n            - {account_id: \"222222222222\", status: ENABLED, " + fields +
           "}\n";
  };
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("email: a@example.com")),
                       "world:7:68: administrators[0].regions.us-east-1.inspector2.members[0].email: only "
                       "securityhub, guardduty, detective and macie2 have it",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("invited_at: \"2021-01-02T03:04:05Z\"")),
                       doctest::Contains("inspector2.members[0].invited_at: only securityhub, guardduty, "
                                         "detective and macie2 have it"),
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("updated_at: yesterday")),
                       "world:7:73: administrators[0].regions.us-east-1.inspector2.members[0].updated_at: "
                       "expected an ISO 8601 time like 2020-06-01T00:00:00Z",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("resources: {ec2: ENABLED, eks: ENABLED}")),
                       "world:7:87: administrators[0].regions.us-east-1.inspector2.members[0].resources.eks: "
                       "unknown scan type (ec2, ecr, lambda, lambda_code, code_repository)",
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(inspector + member("resources: [ec2]")),
      doctest::Contains("inspector2.members[0].resources: expected a mapping of scan type -> "
                        "status"),
      WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("resources: {ec2: [ENABLED]}")),
                       doctest::Contains("inspector2.members[0].resources.ec2: expected a string"),
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + member("volume_usage_bytes: 5")),
                       doctest::Contains("inspector2.members[0].volume_usage_bytes: only detective has it"),
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(macie + member("resources: {ec2: ENABLED}")),
                       "world:7:72: administrators[0].regions.us-east-1.macie2.members[0].resources: only "
                       "inspector2 has it",
                       WorldError);
  CHECK_THROWS_WITH_AS(parse_world(macie + member("features: {S3_DATA_EVENTS: ENABLED}")),
                       doctest::Contains("macie2.members[0].features: only guardduty has it"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(inspector + "          organization: {ec2: yes please}\n"),
      "world:6:31: administrators[0].regions.us-east-1.inspector2.organization.ec2: expected true or false",
      WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + "          organization: {auto_enable: true}\n"),
                       "world:6:39: administrators[0].regions.us-east-1.inspector2.organization.auto_enable: "
                       "only securityhub, guardduty, detective and macie2 have it",
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(inspector + "          organization: {member_account_limit_reached: true}\n"),
      doctest::Contains("inspector2.organization.member_account_limit_reached: only "
                        "securityhub and guardduty have it"),
      WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + "          organization: {lambda_cod: true}\n"),
                       doctest::Contains("inspector2.organization.lambda_cod: unknown key"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(macie + "          organization: {lambda_code: true}\n"),
      "world:6:39: administrators[0].regions.us-east-1.macie2.organization.lambda_code: only "
      "inspector2 has it",
      WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(macie + "          organization: {max_account_limit_reached: maybe}\n"),
      doctest::Contains("macie2.organization.max_account_limit_reached: expected true or false"), WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head + "        securityhub:\n          organization: {max_account_limit_reached: true}\n"),
      doctest::Contains(
          "securityhub.organization.max_account_limit_reached: only inspector2 and macie2 have it"),
      WorldError);
  CHECK_THROWS_WITH_AS(parse_world(macie + "          account_status_failed: {\"222222222222\": gone}\n"),
                       "world:6:34: administrators[0].regions.us-east-1.macie2.account_status_failed: only "
                       "inspector2 has it",
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(inspector + "          account_status_failed: {\"2222\": gone}\n"),
      doctest::Contains("inspector2.account_status_failed.2222: must be a 12-digit account id"), WorldError);
  CHECK_THROWS_WITH_AS(parse_world(inspector + "          account_status_failed: {\"222222222222\": \"\"}\n"),
                       doctest::Contains("inspector2.account_status_failed.222222222222: expected a reason"),
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(macie + "          unprocessed: {\"222222222222\": gone}\n"),
      doctest::Contains("macie2.unprocessed: only securityhub, guardduty and detective have it"), WorldError);
  CHECK_THROWS_WITH_AS(parse_world(head + "        macie: {}\n"),
                       "world:5:9: administrators[0].regions.us-east-1.macie: unknown service (securityhub, "
                       "guardduty, detective, inspector2, macie2, sts, organizations, account)",
                       WorldError);
  CHECK_THROWS_WITH_AS(
      parse_world(head + "        account: {}\n"),
      doctest::Contains("only securityhub, guardduty, detective, inspector2 and macie2 have members"),
      WorldError);

  // Worlds built in code are checked too, without a line.
  const auto built = [](Service service, auto&& change) {
    auto world = parse_world(kInspectorMacieWorld);
    change(world.administrators[0].regions["us-east-1"][service]);
    return world;
  };
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::inspector2, [](Source& s) { s.members[0].email = "a@example.com"; })),
      "administrators.111111111111.regions.us-east-1.inspector2: member 222222222222: email and invited_at: "
      "inspector2 members have neither",
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::inspector2, [](Source& s) { s.members[0].updated_at = "soon"; })),
      doctest::Contains("member 222222222222: updated_at: expected an ISO 8601 time"), WorldError);
  CHECK_THROWS_WITH_AS(validate_world(built(Service::inspector2,
                                            [](Source& s) { s.members[0].resources["eks"] = "ENABLED"; })),
                       doctest::Contains("member 222222222222: resources.eks: unknown scan type"),
                       WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::macie2, [](Source& s) { s.members[0].resources["ec2"] = "ENABLED"; })),
      doctest::Contains("macie2: member 222222222222: resources: only inspector2 has them"), WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(
          built(Service::macie2, [](Source& s) { s.account_status_failed["222222222222"] = "x"; })),
      doctest::Contains("macie2.account_status_failed: only inspector2 has it"), WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::inspector2, [](Source& s) { s.account_status_failed["1"] = "x"; })),
      doctest::Contains("inspector2.account_status_failed.1: must be a 12-digit account id with a reason"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::inspector2, [](Source& s) { s.unprocessed["222222222222"] = "x"; })),
      doctest::Contains("inspector2.unprocessed: only securityhub, guardduty and detective have it"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::inspector2, [](Source& s) { s.organization->auto_enable = true; })),
      doctest::Contains(
          "inspector2.organization.auto_enable: only securityhub, guardduty, detective and macie2"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(Service::macie2, [](Source& s) { s.organization->lambda = false; })),
      doctest::Contains(
          "macie2.organization: ec2, ecr, lambda, lambda_code and code_repository: only inspector2"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(built(
          Service::detective,
          [](Source& s) {
            s.resource = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef";
            s.organization.emplace().max_account_limit_reached = true;
          })),
      doctest::Contains(
          "detective.organization.max_account_limit_reached: only inspector2 and macie2 have it"),
      WorldError);
  CHECK_THROWS_WITH_AS(
      validate_world(
          built(Service::macie2, [](Source& s) { s.organization->member_account_limit_reached = true; })),
      doctest::Contains("macie2.organization.member_account_limit_reached: only securityhub and guardduty"),
      WorldError);
}

TEST_CASE("generated worlds: Inspector and Macie only when given a share") {
  const auto spec = "administrators=2,regions=2,accounts=60,seed=5";
  const auto plain = generate_world(parse_generate_params(spec));
  for (const auto& a : plain.administrators)
    for (const auto& [region, services] : a.regions) {
      CHECK_FALSE(services.count(Service::inspector2));
      CHECK_FALSE(services.count(Service::macie2));
    }
  // Shares of 0 are the default: the world does not change.
  CHECK(world_to_yaml(generate_world(parse_generate_params(std::string(spec) + ",inspector2=0,macie2=0"))) ==
        world_to_yaml(plain));

  const auto params = parse_generate_params(std::string(spec) + ",inspector2=1,macie2=0.5");
  CHECK(params.inspector2_share == 1.0);
  CHECK(params.macie2_share == 0.5);
  const auto world = generate_world(params);
  std::size_t inspector_members = 0, macie_members = 0;
  for (const auto& a : world.administrators)
    for (const auto& [region, services] : a.regions) {
      const auto& inspector = services.at(Service::inspector2);
      REQUIRE(inspector.organization);
      const auto& c = *inspector.organization;
      CHECK((c.ec2 == true && c.ecr == true && c.lambda == true && c.lambda_code == true));
      CHECK_FALSE(c.auto_enable);
      for (const auto& m : inspector.members) {
        ++inspector_members;
        CHECK(m.status == "ENABLED");
        CHECK(m.email.empty());
        CHECK_FALSE(m.invited_at);
        CHECK(m.updated_at);
      }
      const auto& macie = services.at(Service::macie2);
      REQUIRE(macie.organization);
      CHECK(macie.organization->auto_enable == true);
      for (const auto& m : macie.members) {
        ++macie_members;
        CHECK(m.status == "Enabled");
        CHECK_FALSE(m.email.empty());
      }
    }
  CHECK(inspector_members == 120);  // every account, in both regions
  CHECK(macie_members > 30);
  CHECK(macie_members < 90);
  CHECK(world_to_yaml(parse_world(world_to_yaml(world))) == world_to_yaml(world));
  CHECK_THROWS_WITH_AS(parse_generate_params("inspector2=2"), "--generate: shares must be between 0 and 1",
                       WorldError);
  CHECK_THROWS_AS(parse_generate_params("macie2=some"), WorldError);
}
