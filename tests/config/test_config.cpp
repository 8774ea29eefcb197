#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.hpp"

using namespace mw::config;
using mw::core::Service;
using namespace std::chrono_literals;

namespace {

const std::string kAdmin = R"(
administrators:
  - name: security-tooling
    account_id: "111111111111"
)";

std::vector<std::string> errors_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& error : parse_config(text, "/etc/mw/test.yaml").errors) out.push_back(error.to_string());
  return out;
}

Config parse_ok(const std::string& text) {
  auto result = parse_config(text, "/etc/mw/test.yaml");
  for (const auto& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.config);
  return *result.config;
}

// The single error a config with `line` at the top (plus one valid
// administrator) produces.
std::string single_error(const std::string& text) {
  const auto errors = errors_of(text);
  REQUIRE_MESSAGE(errors.size() == 1, (errors.empty() ? std::string("no error") : errors.front()));
  return errors.front();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("every default is filled in") {
  const auto config = parse_ok(kAdmin);
  CHECK(config.interval == 15min);
  CHECK(config.jitter == 30s);
  CHECK(config.cycle_timeout == 10min);
  CHECK(config.concurrency == 32);
  CHECK(config.state_dir == "/var/lib/memberwatch");
  CHECK(config.log_level == "info");
  CHECK(config.snapshot.path == "snapshot.json");
  CHECK(config.snapshot.changes == "changes.jsonl");
  CHECK(config.health.listen == "127.0.0.1:9746");
  CHECK_FALSE(config.health.lifecycle);
  CHECK(config.aws.regions == std::vector<std::string>{"us-east-1"});
  CHECK(config.aws.services ==
        std::vector<Service>{Service::securityhub, Service::guardduty, Service::detective});
  CHECK(config.aws.sts_region == "us-east-1");
  CHECK_FALSE(config.aws.fips);
  CHECK(config.aws.max_attempts == 5);
  CHECK(config.aws.requests_per_second == 10);
  CHECK(config.aws.ca_bundle.empty());
  CHECK(config.aws.profile.empty());
  CHECK(config.aws.endpoints.empty());
  CHECK(config.accounts.ids.empty());
  CHECK(config.accounts.file.empty());
  CHECK(config.accounts.organizations.role_arn.empty());
  REQUIRE(config.administrators.size() == 1);
  const auto& admin = config.administrators[0];
  CHECK(admin.name == "security-tooling");
  CHECK(admin.account_id == "111111111111");
  CHECK(admin.role_arn.empty());
  CHECK(admin.session_name == "memberwatch");
  CHECK(admin.regions == config.aws.regions);
  CHECK(admin.services == config.aws.services);
  CHECK(config.source_count() == 3);
}

TEST_CASE("every key can be overridden") {
  const auto config = parse_ok(R"(
interval: 1h
jitter: 0
cycle_timeout: 90
concurrency: 8
state_dir: state
log_level: debug
snapshot:
  path: snap.json
  changes: ""
health:
  listen: "[::1]:9000"
  lifecycle: true
aws:
  regions: [eu-west-1, us-west-2]
  services: [guardduty]
  sts_region: eu-west-1
  fips: true
  max_attempts: 3
  requests_per_second: 2.5
  ca_bundle: /etc/ssl/ca.pem
  profile: audit
  endpoints:
    securityhub: http://127.0.0.1:4566
    sts: https://sts.example.test:8443/prefix
accounts:
  ids: ["333333333333", "444444444444"]
  file: accounts.txt
  organizations:
    role_arn: arn:aws:iam::999999999999:role/org-read
    external_id: org-ext-1
administrators:
  - name: a
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/path/memberwatch-read
    external_id: ext-123
    session_name: mw-session
    regions: [us-east-1, eu-west-1]
    services: [guardduty, detective]
    guardduty_detector_ids: {us-east-1: 12abc34d567e8fa901bc2d34e56789f0}
    detective_graph_arns: {eu-west-1: "arn:aws:detective:eu-west-1:111111111111:graph:0123456789abcdef0123456789abcdef"}
  - name: b
    account_id: "222222222222"
)");
  CHECK(config.interval == 1h);
  CHECK(config.jitter == 0s);
  CHECK(config.cycle_timeout == 90s);
  CHECK(config.concurrency == 8);
  CHECK(config.state_dir == "/etc/mw/state");
  CHECK(config.log_level == "debug");
  CHECK(config.snapshot.path == "snap.json");
  CHECK(config.snapshot.changes.empty());
  CHECK(config.health.listen == "[::1]:9000");
  CHECK(config.health.lifecycle);
  CHECK(config.aws.regions == std::vector<std::string>{"eu-west-1", "us-west-2"});
  CHECK(config.aws.services == std::vector<Service>{Service::guardduty});
  CHECK(config.aws.sts_region == "eu-west-1");
  CHECK(config.aws.fips);
  CHECK(config.aws.max_attempts == 3);
  CHECK(config.aws.requests_per_second == 2.5);
  CHECK(config.aws.ca_bundle == "/etc/ssl/ca.pem");
  CHECK(config.aws.profile == "audit");
  CHECK(config.aws.endpoints.at("securityhub") == "http://127.0.0.1:4566");
  CHECK(config.aws.endpoints.at("sts") == "https://sts.example.test:8443/prefix");
  CHECK(config.accounts.ids == std::vector<std::string>{"333333333333", "444444444444"});
  CHECK(config.accounts.file == "/etc/mw/accounts.txt");
  CHECK(config.accounts.organizations.role_arn == "arn:aws:iam::999999999999:role/org-read");
  CHECK(config.accounts.organizations.external_id == "org-ext-1");
  REQUIRE(config.administrators.size() == 2);
  const auto& a = config.administrators[0];
  CHECK(a.role_arn == "arn:aws:iam::111111111111:role/path/memberwatch-read");
  CHECK(a.external_id == "ext-123");
  CHECK(a.session_name == "mw-session");
  CHECK(a.regions == std::vector<std::string>{"us-east-1", "eu-west-1"});
  CHECK(a.services == std::vector<Service>{Service::guardduty, Service::detective});
  CHECK(a.guardduty_detector_ids.at("us-east-1") == "12abc34d567e8fa901bc2d34e56789f0");
  CHECK(a.detective_graph_arns.size() == 1);
  const auto& b = config.administrators[1];
  CHECK(b.regions == config.aws.regions);
  CHECK(b.services == config.aws.services);
  CHECK(config.source_count() == 4 + 2);
  CHECK(summarize(config) == "administrators=2 sources=6 services=2 regions=3");
}

TEST_CASE("the example configuration passes") {
  const auto result = load_config_file(std::string(MW_SOURCE_DIR) + "/config/memberwatch.yaml");
  for (const auto& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.config);
  CHECK(result.config->administrators.size() == 1);
  CHECK(result.config->interval == 15min);
}

TEST_CASE("the whole-organization example configuration passes: eight lines, no administrators") {
  const auto path = std::string(MW_SOURCE_DIR) + "/config/whole-organization.yaml";
  const auto result = load_config_file(path);
  for (const auto& error : result.errors) FAIL_CHECK(error.to_string());
  REQUIRE(result.config);
  CHECK(result.config->administrators.empty());
  CHECK(result.config->aws.regions_all);
  CHECK(result.config->accounts.organizations.discover_administrators.role_name == "memberwatch-read");
  std::ifstream in(path);
  int settings = 0;
  for (std::string line; std::getline(in, line);) settings += !line.empty() && line[0] != '#' ? 1 : 0;
  CHECK(settings == 8);
}

TEST_CASE("three mistakes give three positioned errors") {
  const auto errors = errors_of(R"(interval: 15 minutes
intervall_x: 3
administrators:
  - name: a
    account_id: 111111111111
)");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] ==
        "/etc/mw/test.yaml:1:11: interval: '15 minutes' is not a duration (30s, 15m, 1h or whole seconds)");
  CHECK(contains(errors[1], "/etc/mw/test.yaml:2:1: intervall_x: unknown key"));
  CHECK(
      contains(errors[2], "/etc/mw/test.yaml:5:17: administrators[0].account_id: account ID must be quoted"));
}

TEST_CASE("unquoted account ID says to quote it") {
  CHECK(contains(single_error("administrators:\n  - name: a\n    account_id: 012345678901\n"),
                 "write \"012345678901\""));
}

TEST_CASE("account IDs must be 12 digits") {
  CHECK(contains(single_error("administrators:\n  - name: a\n    account_id: \"12345\"\n"),
                 "exactly 12 digits"));
  CHECK(contains(single_error("administrators:\n  - name: a\n    account_id: \"11111111111a\"\n"),
                 "exactly 12 digits"));
  CHECK(contains(single_error("accounts: {ids: [\"1\"]}" + kAdmin), "accounts.ids[0]"));
  CHECK(contains(single_error("accounts: {ids: [333333333333]}" + kAdmin), "must be quoted"));
}

TEST_CASE("unknown keys suggest a near miss") {
  CHECK(contains(single_error("jiter: 5s" + kAdmin), "did you mean 'jitter'?"));
  CHECK(contains(single_error("aws: {region: [us-east-1]}" + kAdmin),
                 "aws.region: unknown key (did you mean 'regions'?)"));
  CHECK(contains(single_error("snapshot: {pth: x}" + kAdmin), "did you mean 'path'?"));
  CHECK(contains(
      single_error("administrators:\n  - name: a\n    account_id: \"111111111111\"\n    rol_arn: x\n"),
      "administrators[0].rol_arn: unknown key (did you mean 'role_arn'?)"));
  const auto far = single_error("something_else: 1" + kAdmin);
  CHECK(contains(far, "unknown key"));
  CHECK_FALSE(contains(far, "did you mean"));
}

TEST_CASE("duplicate keys are errors") {
  CHECK(contains(single_error("interval: 1h\ninterval: 2h" + kAdmin), "interval: duplicate key"));
}

TEST_CASE("durations") {
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("15m") == 15min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("45") == 45s);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("1d"));
  CHECK_FALSE(parse_duration("-5s"));
  CHECK_FALSE(parse_duration("1.5h"));
  CHECK_FALSE(parse_duration("s"));
  CHECK(contains(single_error("interval: 29s" + kAdmin), "interval: must be at least 30s"));
  CHECK(contains(single_error("cycle_timeout: 0" + kAdmin), "must be longer than 0s"));
  CHECK(contains(single_error("jitter: soon" + kAdmin), "jitter: 'soon' is not a duration"));
}

TEST_CASE("numbers and booleans") {
  CHECK(contains(single_error("concurrency: 0" + kAdmin), "concurrency: must be between 1 and 1024"));
  CHECK(contains(single_error("concurrency: many" + kAdmin), "is not a whole number"));
  CHECK(contains(single_error("aws: {max_attempts: 0}" + kAdmin),
                 "aws.max_attempts: must be between 1 and 20"));
  CHECK(contains(single_error("aws: {requests_per_second: 0}" + kAdmin), "aws.requests_per_second"));
  CHECK(contains(single_error("aws: {fips: maybe}" + kAdmin), "is not a boolean"));
}

TEST_CASE("regions") {
  CHECK(is_region("us-east-1"));
  CHECK(is_region("us-gov-west-1"));
  CHECK(is_region("cn-northwest-1"));
  CHECK(is_region("ap-southeast-3"));
  CHECK_FALSE(is_region("us-east"));
  CHECK_FALSE(is_region("US-EAST-1"));
  CHECK_FALSE(is_region("mars"));
  CHECK(partition_of_region("cn-north-1") == "aws-cn");
  CHECK(partition_of_region("us-gov-east-1") == "aws-us-gov");
  CHECK(partition_of_region("eu-west-1") == "aws");
  CHECK(contains(single_error("aws: {regions: [us-east-1, moon-base]}" + kAdmin),
                 "aws.regions[1]: 'moon-base' is not an AWS region"));
  CHECK(contains(single_error("aws: {regions: [us-east-1, us-east-1]}" + kAdmin), "duplicate 'us-east-1'"));
  CHECK(contains(single_error("aws: {regions: []}" + kAdmin), "aws.regions: must not be empty"));
  CHECK(contains(single_error("aws: {sts_region: nowhere}" + kAdmin), "aws.sts_region"));
}

TEST_CASE("regions: all, for every administrator or one, --check-config names them") {
  const auto all = parse_ok(R"(
aws: {regions: all}
administrators:
  - {name: a, account_id: "111111111111"}
  - {name: b, account_id: "222222222222", regions: [eu-west-1], guardduty_detector_ids: {eu-west-1: abc}}
  - {name: c, account_id: "333333333333", regions: all, guardduty_detector_ids: {ap-east-1: def}}
)");
  CHECK(all.aws.regions_all);
  CHECK(all.administrators[0].regions_all);
  CHECK(all.administrators[0].regions.empty());
  CHECK_FALSE(all.administrators[1].regions_all);
  CHECK(all.administrators[1].regions == std::vector<std::string>{"eu-west-1"});
  CHECK(all.administrators[2].regions_all);
  CHECK(all.administrators[2].guardduty_detector_ids.at("ap-east-1") == "def");
  CHECK(summarize(all) ==
        "administrators=3 sources=3 services=3 regions=1 regions_all=111111111111,333333333333");
  CHECK_FALSE(parse_ok(kAdmin).aws.regions_all);
  CHECK(contains(single_error("aws: {regions: al}" + kAdmin), "aws.regions"));
  CHECK(
      contains(single_error("aws: {regions: [all]}" + kAdmin), "aws.regions[0]: 'all' is not an AWS region"));
  CHECK(contains(single_error("aws: {endpoints: {acount: 'http://127.0.0.1:1'}}" + kAdmin),
                 "did you mean 'account'?"));
  CHECK(parse_ok("aws: {endpoints: {account: 'http://127.0.0.1:1'}}" + kAdmin).aws.endpoints.at("account") ==
        "http://127.0.0.1:1");
}

TEST_CASE("services") {
  CHECK(contains(single_error("aws: {services: [guarduty]}" + kAdmin), "did you mean 'guardduty'?"));
  CHECK(contains(single_error("aws: {services: [macie]}" + kAdmin), "unknown service 'macie'"));
  CHECK(contains(single_error("aws: {services: securityhub}" + kAdmin), "aws.services: expected a list"));
  CHECK(contains(single_error("aws: {services: [macie]}" + kAdmin), "did you mean 'macie2'?"));
  // Inspector and Macie are opt-in: the default stays the three services.
  CHECK(parse_ok(kAdmin).aws.services ==
        std::vector<Service>{Service::securityhub, Service::guardduty, Service::detective});
  const auto five =
      parse_ok("aws: {services: [securityhub, guardduty, detective, inspector2, macie2]}" + kAdmin);
  CHECK(five.administrators[0].services.size() == 5);
  CHECK(
      parse_ok("aws: {endpoints: {inspector2: 'http://127.0.0.1:1', macie2: 'http://127.0.0.1:2'}}" + kAdmin)
          .aws.endpoints.size() == 2);
}

TEST_CASE("inspector2.account_status: a boolean, off unless given") {
  CHECK_FALSE(parse_ok(kAdmin).inspector2.account_status);
  CHECK(parse_ok("inspector2: {account_status: true}" + kAdmin).inspector2.account_status);
  CHECK(contains(single_error("inspector2: {account_status: maybe}" + kAdmin), "inspector2.account_status"));
  CHECK(contains(single_error("inspector2: {status: true}" + kAdmin), "inspector2.status"));
}

TEST_CASE("listen addresses") {
  CHECK(parse_listen_address("127.0.0.1:9746"));
  CHECK(parse_listen_address("[::1]:0"));
  CHECK(parse_listen_address("localhost:80"));
  CHECK_FALSE(parse_listen_address("::1:9746"));
  CHECK_FALSE(parse_listen_address("127.0.0.1"));
  CHECK_FALSE(parse_listen_address("127.0.0.1:70000"));
  CHECK_FALSE(parse_listen_address(":9746"));
  const auto v6 = parse_listen_address("[::1]:9746");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9746);
  CHECK(parse_ok("health: {listen: \"\"}" + kAdmin).health.listen.empty());
  CHECK(contains(single_error("health: {listen: \"nowhere\"}" + kAdmin),
                 "health.listen: 'nowhere' is not host:port"));
}

TEST_CASE("health.max_gap_series bounds the memberwatch_gap series: 10000 unless given, 0 allowed") {
  CHECK(parse_ok(kAdmin).health.max_gap_series == 10000);
  CHECK(parse_ok("health: {max_gap_series: 25}" + kAdmin).health.max_gap_series == 25);
  CHECK(parse_ok("health: {max_gap_series: 0}" + kAdmin).health.max_gap_series == 0);
  CHECK(single_error("health:\n  max_gap_series: -1" + kAdmin) ==
        "/etc/mw/test.yaml:2:19: health.max_gap_series: must be between 0 and 10000000");
  CHECK(single_error("health:\n  max_gap_series: lots" + kAdmin) ==
        "/etc/mw/test.yaml:2:19: health.max_gap_series: 'lots' is not a whole number");
}

TEST_CASE("health.lifecycle is a boolean, false unless given, and anything else an error at its position") {
  CHECK(parse_ok("health: {lifecycle: true}" + kAdmin).health.lifecycle);
  CHECK(parse_ok("health: {lifecycle: True}" + kAdmin).health.lifecycle);
  CHECK_FALSE(parse_ok("health: {lifecycle: false}" + kAdmin).health.lifecycle);
  CHECK_FALSE(parse_ok("health: {listen: \"\"}" + kAdmin).health.lifecycle);
  CHECK(single_error("health:\n  listen: 127.0.0.1:9746\n  lifecycle: yes" + kAdmin) ==
        "/etc/mw/test.yaml:3:14: health.lifecycle: 'yes' is not a boolean (true or false)");
  CHECK(single_error("health:\n  lifecycle: 1" + kAdmin) ==
        "/etc/mw/test.yaml:2:14: health.lifecycle: '1' is not a boolean (true or false)");
  CHECK(single_error("health:\n  lifecycle: [true]" + kAdmin) ==
        "/etc/mw/test.yaml:2:14: health.lifecycle: expected true or false");
  // yaml-cpp places a missing value at the next token, as for every key.
  CHECK(contains(single_error("health:\n  lifecycle:\n  listen: 127.0.0.1:1" + kAdmin),
                 ": health.lifecycle: has no value; expected true or false"));
  CHECK(single_error("health: {lifecycel: true}" + kAdmin) ==
        "/etc/mw/test.yaml:1:10: health.lifecycel: unknown key (did you mean 'lifecycle'?)");
}

TEST_CASE("endpoint URLs") {
  CHECK(contains(single_error("aws: {endpoints: {securityhub: ftp://x}}" + kAdmin),
                 "aws.endpoints.securityhub"));
  CHECK(contains(single_error("aws: {endpoints: {macie: https://x}}" + kAdmin),
                 "aws.endpoints.macie: unknown key"));
  CHECK(contains(single_error("aws: {endpoints: {sts: \"https://\"}}" + kAdmin),
                 "is not an http:// or https:// URL"));
  CHECK(parse_ok("aws: {endpoints: {organizations: \"https://[::1]:8443\"}}" + kAdmin).aws.endpoints.size() ==
        1);
}

TEST_CASE("role ARNs") {
  const auto with_role = [](const std::string& arn) {
    return "administrators:\n  - name: a\n    account_id: \"111111111111\"\n    role_arn: \"" + arn + "\"\n";
  };
  CHECK(parse_ok(with_role("arn:aws-us-gov:iam::111111111111:role/x")).administrators.size() == 1);
  CHECK(contains(single_error(with_role("arn:aws:iam::111111111111:user/x")), "is not a role ARN"));
  CHECK(contains(single_error(with_role("arn:aws:iam::11111111111:role/x")), "is not a role ARN"));
  CHECK(contains(single_error(with_role("arn:aws:iam::222222222222:role/x")),
                 "role is in account 222222222222 but the administrator's account_id is 111111111111"));
  CHECK(contains(single_error("accounts: {organizations: {role_arn: nope}}" + kAdmin),
                 "accounts.organizations.role_arn"));
  CHECK(contains(single_error("accounts: {organizations: {external_id: abc}}" + kAdmin),
                 "is set but role_arn is not"));
}

TEST_CASE("external IDs and session names follow the STS patterns") {
  const auto admin_with = [](const std::string& key, const std::string& value) {
    return "administrators:\n  - name: a\n    account_id: \"111111111111\"\n    " + key + ": \"" + value +
           "\"\n";
  };
  CHECK(parse_ok(admin_with("external_id", "a:b/c=d@e")).administrators[0].external_id == "a:b/c=d@e");
  CHECK(contains(single_error(admin_with("external_id", "x")), "2 to 1224"));
  CHECK(contains(single_error(admin_with("external_id", "has space")), "2 to 1224"));
  CHECK(contains(single_error(admin_with("session_name", "a")), "2 to 64"));
  CHECK(contains(single_error(admin_with("session_name", "no/slash")), "2 to 64"));
  CHECK(contains(single_error(admin_with("session_name", std::string(65, 'a'))), "2 to 64"));
}

TEST_CASE("administrators are required, well-formed and unique") {
  CHECK(contains(single_error("interval: 1h\n"), "administrators: required"));
  CHECK(contains(single_error(""), "administrators: required"));
  CHECK(contains(single_error("administrators: []\n"), "expected a non-empty list"));
  CHECK(contains(single_error("administrators:\n  - name: a\n"), "administrators[0].account_id: required"));
  CHECK(contains(single_error("administrators:\n  - account_id: \"111111111111\"\n"),
                 "administrators[0].name: required"));
  CHECK(contains(single_error("administrators:\n  - name: \"\"\n    account_id: \"111111111111\"\n"),
                 "must not be empty"));
  const auto duplicate = single_error(
      "administrators:\n  - name: a\n    account_id: \"111111111111\"\n  - name: b\n    account_id: "
      "\"111111111111\"\n");
  CHECK(contains(duplicate, ":5:17: administrators[1].account_id: duplicate administrator"));
  CHECK(contains(duplicate, "already configured at line 2"));
}

TEST_CASE("detector IDs and graph ARNs are checked per region") {
  const std::string head =
      "administrators:\n  - name: a\n    account_id: \"111111111111\"\n    regions: [us-east-1]\n";
  CHECK(contains(single_error(head + "    guardduty_detector_ids: {eu-west-1: abc}\n"),
                 "region eu-west-1 is not among this administrator's regions"));
  CHECK(contains(single_error(head + "    guardduty_detector_ids: {us-east-1: \"not valid!\"}\n"),
                 "is not a detector ID"));
  CHECK(contains(
      single_error(
          head +
          "    detective_graph_arns: {us-east-1: arn:aws:detective:us-east-1:111111111111:graph:xyz}\n"),
      "is not a Detective graph ARN"));
  CHECK(contains(single_error(head + "    guardduty_detector_ids: [abc]\n"), "expected a mapping"));
}

TEST_CASE("wrong types and null values") {
  CHECK(contains(single_error("aws: [1, 2]" + kAdmin), "aws: expected a mapping"));
  CHECK(contains(single_error("state_dir:" + kAdmin), "state_dir: has no value"));
  CHECK(contains(single_error("snapshot: {path: \"\"}" + kAdmin), "snapshot.path: must not be empty"));
  CHECK(contains(single_error("log_level: loud" + kAdmin), "is not a log level"));
  CHECK(contains(single_error("- just\n- a list\n"), "expected a mapping"));
}

TEST_CASE("malformed YAML reports the parser's position") {
  const auto error = single_error("interval: [1h\njitter: 5s\n");
  CHECK(contains(error, "/etc/mw/test.yaml:"));
  CHECK(contains(error, "malformed YAML"));
  CHECK(contains(single_error("interval: 1h\nkey: value: other\n"), ":2:"));
}

TEST_CASE("all errors are reported at once") {
  const auto errors = errors_of(R"(interval: 1s
concurrency: -1
aws: {regions: [xx], services: [nope]}
administrators:
  - name: a
    account_id: "1"
)");
  CHECK(errors.size() == 5);
}

TEST_CASE("an unreadable file is one clear error") {
  const auto result = load_config_file("/nonexistent/memberwatch.yaml");
  REQUIRE(result.errors.size() == 1);
  CHECK(contains(result.errors[0].to_string(), "/nonexistent/memberwatch.yaml: cannot read the file"));
}

TEST_CASE("a configuration writable by others is refused") {
  char dir_template[] = "/tmp/mw-config-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/memberwatch.yaml";
  std::ofstream(path) << kAdmin;
  std::filesystem::permissions(path, std::filesystem::perms::others_write,
                               std::filesystem::perm_options::add);
  const auto result = load_config_file(path);
  REQUIRE(result.errors.size() == 1);
  CHECK(contains(result.errors[0].message, "writable by other users"));
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("the files and folders a configuration names, resolved, with where it names them") {
  auto result = parse_config(
      "state_dir: state\naccounts:\n  file: ids.txt\naws:\n  ca_bundle: /etc/ssl/ca.pem\n" + kAdmin,
      "/etc/mw/test.yaml");
  REQUIRE(result.config);
  REQUIRE(result.named_paths.size() == 3);
  const auto& state = result.named_paths[0];
  CHECK(state.key_path == "state_dir");
  CHECK(state.path == "/etc/mw/state");
  CHECK(state.directory);
  CHECK((state.line == 1 && state.column == 12));
  CHECK(result.named_paths[1].key_path == "accounts.file");
  CHECK(result.named_paths[1].path == "/etc/mw/ids.txt");
  CHECK_FALSE(result.named_paths[1].directory);
  CHECK((result.named_paths[1].line == 3 && result.named_paths[1].column == 9));
  CHECK(result.named_paths[2].key_path == "aws.ca_bundle");
  CHECK(result.config->accounts.file == "/etc/mw/ids.txt");

  // The default state_dir is checked too, without a position.
  result = parse_config(kAdmin, "/etc/mw/test.yaml");
  REQUIRE(result.named_paths.size() == 1);
  CHECK(result.named_paths[0].path == "/var/lib/memberwatch");
  CHECK(result.named_paths[0].line == 0);
}

TEST_CASE(
    "guardduty.required_features: feature names of the current model, an unknown one an error at its "
    "position") {
  CHECK(parse_ok(kAdmin).guardduty.required_features.empty());
  const auto config =
      parse_ok("guardduty:\n  required_features: [RUNTIME_MONITORING, S3_DATA_EVENTS]\n" + kAdmin);
  CHECK(config.guardduty.required_features ==
        std::vector<std::string>{"RUNTIME_MONITORING", "S3_DATA_EVENTS"});
  const auto unknown =
      single_error("guardduty:\n  required_features: [RUNTIME_MONITORING, FLOW_LOG]\n" + kAdmin);
  CHECK(contains(unknown, ":2:43: guardduty.required_features[1]: 'FLOW_LOG' is not a GuardDuty feature"));
  CHECK(contains(unknown, "EKS_RUNTIME_MONITORING"));
  CHECK(
      contains(single_error("guardduty:\n  required_feature: []\n" + kAdmin), "guardduty.required_feature"));
  CHECK(contains(single_error("guardduty:\n  required_features: RUNTIME_MONITORING\n" + kAdmin),
                 "guardduty.required_features"));
}

TEST_CASE("discover_administrators: the whole organization in eight lines, administrators then optional") {
  const std::string whole_organization = R"(aws:
  regions: all
accounts:
  organizations:
    role_arn: arn:aws:iam::999999999999:role/memberwatch-organizations
    discover_administrators:
      role_name: memberwatch-read
      external_id: memberwatch-2026
)";
  const auto config = parse_ok(whole_organization);
  CHECK(config.administrators.empty());
  CHECK(config.aws.regions_all);
  CHECK(config.accounts.organizations.discover_administrators.role_name == "memberwatch-read");
  CHECK(config.accounts.organizations.discover_administrators.external_id == "memberwatch-2026");
  CHECK(parse_ok(whole_organization + "administrators: []\n").administrators.empty());
  CHECK(parse_ok(whole_organization + kAdmin).administrators.size() == 1);
  CHECK(parse_ok(R"(accounts:
  organizations:
    role_arn: arn:aws:iam::999999999999:role/o
    discover_administrators: {role_name: security/memberwatch-read}
)")
            .accounts.organizations.discover_administrators.role_name == "security/memberwatch-read");

  CHECK(contains(
      single_error("accounts:\n  organizations:\n    discover_administrators:\n      role_name: r\n"),
      ":4:7: accounts.organizations.discover_administrators: needs accounts.organizations.role_arn"));
  CHECK(contains(
      single_error(R"(accounts:
  organizations:
    role_arn: arn:aws:iam::999999999999:role/o
    discover_administrators:
      role_name: "bad name"
)" + kAdmin),
      ":5:18: accounts.organizations.discover_administrators.role_name: 'bad name' is not an IAM role name"));
  CHECK(contains(single_error(R"(accounts:
  organizations:
    role_arn: arn:aws:iam::999999999999:role/o
    discover_administrators:
      role: r
)" + kAdmin),
                 "accounts.organizations.discover_administrators.role"));
  // Discovery off: administrators stay required.
  CHECK(contains(single_error(R"(accounts:
  organizations:
    role_arn: arn:aws:iam::999999999999:role/o
    discover_administrators: {role_name: ""}
)"),
                 "administrators: required"));
}
