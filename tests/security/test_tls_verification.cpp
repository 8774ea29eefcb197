// TLS verification cannot be turned off. The HTTPS client's own tests
// (tests/aws/test_http_client.cpp: "a certificate for another host name is
// rejected", "an expired certificate is rejected", "a self-signed
// certificate is rejected unless it is the configured CA bundle") show
// wrong-host and expired certificates rejected through the real HttpClient
// with mw_test_support's CA. Here, end to end: whole daemon cycles against
// an HTTPS fake-aws whose CA the daemon was not given fail before any
// request is sent, whatever the environment says, and succeed once the CA
// is configured; the configuration has no key that disables verification.

#include <doctest/doctest.h>
#include <algorithm>
#include <string>
#include <vector>

#include "cycle_support.hpp"
#include "security_support.hpp"
#include "server.hpp"
#include "support/test_files.hpp"
#include "world.hpp"

namespace fs = std::filesystem;
using namespace mw;

namespace {

constexpr std::string_view kWorld = R"(credentials:
  - {access_key_id: AKIAMWTLSTEST0000001, secret_access_key: tls-test-secret, account_id: "999999999999"}
administrators:
  - account_id: "999999999999"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "500000000001", email: "one@example.com", status: Enabled}
throttling:
  securityhub: {rate: 0}
  sts: {rate: 0}
)";

std::string config_yaml(const fs::path& state_dir, std::string_view aws_extra = "") {
  return "interval: 30s\njitter: 0s\ncycle_timeout: 60s\nstate_dir: " + state_dir.string() +
         "\naws:\n  regions: [us-east-1]\n  services: [securityhub]\n  max_attempts: 1\n" +
         std::string(aws_extra) + "administrators:\n  - name: direct\n    account_id: \"999999999999\"\n";
}

const std::map<std::string, std::string, std::less<>> kBaseCredentials{
    {"AWS_ACCESS_KEY_ID", "AKIAMWTLSTEST0000001"}, {"AWS_SECRET_ACCESS_KEY", "tls-test-secret"}};

// Settings other tools read to skip verification; memberwatch must not.
std::map<std::string, std::string, std::less<>> with_disabling_knobs(
    std::map<std::string, std::string, std::less<>> variables) {
  variables.insert({{"AWS_VERIFY_SSL", "false"},
                    {"AWS_NO_VERIFY_SSL", "true"},
                    {"PYTHONHTTPSVERIFY", "0"},
                    {"NODE_TLS_REJECT_UNAUTHORIZED", "0"},
                    {"GIT_SSL_NO_VERIFY", "true"},
                    {"CURL_INSECURE", "true"}});
  return variables;
}

}  // namespace

TEST_CASE(
    "cycles against an HTTPS endpoint with an unknown CA fail before sending, the configured CA fixes them") {
  test::TempFolder dir("tls");
  fake_aws::ServerOptions options;
  options.tls = true;
  fake_aws::Server server(fake_aws::parse_world(kWorld), options);
  server.start();
  const auto endpoint = server.endpoint_url();
  REQUIRE(endpoint.rfind("https://", 0) == 0);
  const fs::path ca_file = dir.path() / "fake-aws-ca.pem";
  security::write_file(ca_file, server.ca_certificate_pem());

  security::CycleHarness unverified(security::parse_test_config(config_yaml(dir.path() / "a"), dir.path()));
  const auto refused =
      unverified.cycle(security::fake_aws_environment(endpoint, with_disabling_knobs(kBaseCredentials)));
  CHECK(refused.outcome.written);
  CHECK_FALSE(refused.outcome.complete);
  CHECK(refused.snapshot.find("certificate") != std::string::npos);
  CHECK(refused.snapshot.find("\"state\": \"ok\"") == std::string::npos);
  CHECK(server.request_log().empty());

  security::CycleHarness configured(security::parse_test_config(
      config_yaml(dir.path() / "b", "  ca_bundle: " + ca_file.string() + "\n"), dir.path()));
  const auto verified = configured.cycle(security::fake_aws_environment(endpoint, kBaseCredentials));
  CHECK(verified.outcome.complete);
  CHECK(verified.snapshot.find("500000000001") != std::string::npos);
  CHECK_FALSE(server.request_log().empty());

  auto variables = kBaseCredentials;
  variables["AWS_CA_BUNDLE"] = ca_file.string();
  security::CycleHarness from_environment(
      security::parse_test_config(config_yaml(dir.path() / "c"), dir.path()));
  CHECK(from_environment.cycle(security::fake_aws_environment(endpoint, variables)).outcome.complete);
}

TEST_CASE("no configuration key turns certificate verification off") {
  const fs::path directory = fs::path(MW_BINARY_DIR) / "security-tmp";
  for (const auto* key : {"verify_ssl: false", "insecure: true", "tls_verify: false", "no_verify_ssl: true",
                          "skip_tls_verify: true", "verify: false"}) {
    INFO(key);
    auto parsed = config::parse_config(config_yaml(directory / "state", "  " + std::string(key) + "\n"),
                                       (directory / "memberwatch.yaml").string());
    CHECK_FALSE(parsed.config);
    REQUIRE_FALSE(parsed.errors.empty());
    CHECK(parsed.errors.front().key_path.rfind("aws.", 0) == 0);
  }
  for (const auto* key : {"insecure: true", "tls: {verify: false}"}) {
    INFO(key);
    auto parsed = config::parse_config(std::string(key) + "\n" + config_yaml(directory / "state"),
                                       (directory / "memberwatch.yaml").string());
    CHECK_FALSE(parsed.config);
  }
}
