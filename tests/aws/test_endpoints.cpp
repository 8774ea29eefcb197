#include <doctest/doctest.h>

#include "aws/endpoints.hpp"

using namespace mw::aws;

namespace {

ResolvedEndpoint resolve_ok(Service service, std::string region, bool fips = false,
                            std::map<std::string, std::string, std::less<>> env = {},
                            std::map<std::string, std::string, std::less<>> configured = {}) {
  EndpointRequest request{service, std::move(region), fips, std::move(configured)};
  auto result = resolve_endpoint(request, env_from_map(std::move(env)));
  REQUIRE_MESSAGE(result.value, result.error);
  return *result.value;
}

std::string derived_host(Service service, std::string region, bool fips = false) {
  const auto resolved = resolve_ok(service, std::move(region), fips);
  CHECK(resolved.source == EndpointSource::derived);
  CHECK_FALSE(resolved.explicit_endpoint());
  CHECK(resolved.endpoint.scheme == "https");
  CHECK(resolved.endpoint.port == 443);
  return resolved.endpoint.host;
}

}  // namespace

TEST_CASE("service names, signing names and partitions") {
  for (auto service : {Service::securityhub, Service::guardduty, Service::detective, Service::inspector2,
                       Service::macie2, Service::sts, Service::organizations, Service::account}) {
    CHECK(parse_service(service_name(service)) == service);
  }
  CHECK_FALSE(parse_service("inspector"));
  CHECK(signing_name(Service::detective) == "detective");
  CHECK(signing_name(Service::inspector2) == "inspector2");
  CHECK(signing_name(Service::macie2) == "macie2");
  CHECK(partition_of("us-east-1") == Partition::aws);
  CHECK(partition_of("cn-north-1") == Partition::aws_cn);
  CHECK(partition_of("us-gov-west-1") == Partition::aws_us_gov);
  CHECK(partition_name(Partition::aws_cn) == "aws-cn");
  CHECK(dns_suffix(Partition::aws_cn) == "amazonaws.com.cn");
  CHECK(dns_suffix(Partition::aws_us_gov) == "amazonaws.com");
}

TEST_CASE("derived hostnames in the aws partition") {
  CHECK(derived_host(Service::securityhub, "eu-west-1") == "securityhub.eu-west-1.amazonaws.com");
  CHECK(derived_host(Service::guardduty, "us-east-2") == "guardduty.us-east-2.amazonaws.com");
  CHECK(derived_host(Service::detective, "ap-south-1") == "api.detective.ap-south-1.amazonaws.com");
  CHECK(derived_host(Service::sts, "eu-central-1") == "sts.eu-central-1.amazonaws.com");  // regional STS
  CHECK(derived_host(Service::organizations, "eu-west-1") == "organizations.us-east-1.amazonaws.com");
}

TEST_CASE("derived hostnames in aws-cn and aws-us-gov") {
  CHECK(derived_host(Service::securityhub, "cn-north-1") == "securityhub.cn-north-1.amazonaws.com.cn");
  CHECK(derived_host(Service::guardduty, "cn-northwest-1") == "guardduty.cn-northwest-1.amazonaws.com.cn");
  CHECK(derived_host(Service::detective, "cn-north-1") == "api.detective.cn-north-1.amazonaws.com.cn");
  CHECK(derived_host(Service::sts, "cn-north-1") == "sts.cn-north-1.amazonaws.com.cn");
  CHECK(derived_host(Service::organizations, "cn-north-1") ==
        "organizations.cn-northwest-1.amazonaws.com.cn");
  CHECK(derived_host(Service::guardduty, "us-gov-east-1") == "guardduty.us-gov-east-1.amazonaws.com");
  CHECK(derived_host(Service::organizations, "us-gov-east-1") == "organizations.us-gov-west-1.amazonaws.com");
}

TEST_CASE("FIPS hostnames as the AWS endpoint data names them") {
  CHECK(derived_host(Service::securityhub, "us-east-1", true) == "securityhub-fips.us-east-1.amazonaws.com");
  CHECK(derived_host(Service::guardduty, "us-west-2", true) == "guardduty-fips.us-west-2.amazonaws.com");
  CHECK(derived_host(Service::detective, "us-east-2", true) == "api.detective-fips.us-east-2.amazonaws.com");
  CHECK(derived_host(Service::sts, "us-west-1", true) == "sts-fips.us-west-1.amazonaws.com");
  CHECK(derived_host(Service::organizations, "us-west-2", true) ==
        "organizations-fips.us-east-1.amazonaws.com");
  CHECK(derived_host(Service::securityhub, "us-gov-west-1", true) ==
        "securityhub-fips.us-gov-west-1.amazonaws.com");
  CHECK(derived_host(Service::detective, "us-gov-east-1", true) ==
        "api.detective-fips.us-gov-east-1.amazonaws.com");
  CHECK(derived_host(Service::guardduty, "us-gov-west-1", true) == "guardduty.us-gov-west-1.amazonaws.com");
  CHECK(derived_host(Service::sts, "us-gov-east-1", true) == "sts.us-gov-east-1.amazonaws.com");
  CHECK(derived_host(Service::organizations, "us-gov-east-1", true) ==
        "organizations.us-gov-west-1.amazonaws.com");
}

TEST_CASE(
    "Inspector and Macie: regional hostnames, China, FIPS as Security Hub's, their own environment "
    "variables") {
  CHECK(derived_host(Service::inspector2, "eu-west-1") == "inspector2.eu-west-1.amazonaws.com");
  CHECK(derived_host(Service::macie2, "ap-south-1") == "macie2.ap-south-1.amazonaws.com");
  CHECK(derived_host(Service::inspector2, "cn-north-1") == "inspector2.cn-north-1.amazonaws.com.cn");
  CHECK(derived_host(Service::macie2, "cn-northwest-1") == "macie2.cn-northwest-1.amazonaws.com.cn");
  CHECK(derived_host(Service::inspector2, "us-east-1", true) == "inspector2-fips.us-east-1.amazonaws.com");
  CHECK(derived_host(Service::macie2, "us-west-2", true) == "macie2-fips.us-west-2.amazonaws.com");
  CHECK(derived_host(Service::macie2, "us-gov-west-1", true) == "macie2-fips.us-gov-west-1.amazonaws.com");
  CHECK_FALSE(resolve_endpoint({Service::inspector2, "eu-west-1", true, {}}, env_from_map({})).value);
  const auto inspector = resolve_ok(Service::inspector2, "eu-west-1", false,
                                    {{"AWS_ENDPOINT_URL_INSPECTOR2", "http://127.0.0.1:4567"},
                                     {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"}});
  CHECK(inspector.source_detail == "AWS_ENDPOINT_URL_INSPECTOR2");
  CHECK(inspector.signing_name == "inspector2");
  CHECK(inspector.signing_region == "eu-west-1");
  const auto macie =
      resolve_ok(Service::macie2, "eu-west-1", false, {{"AWS_ENDPOINT_URL_MACIE2", "http://127.0.0.1:4568"}});
  CHECK(macie.endpoint.port == 4568);
}

TEST_CASE("FIPS where AWS has no FIPS endpoint is a clear error") {
  for (const char* region : {"eu-west-1", "cn-north-1", "ap-northeast-1"}) {
    INFO(region);
    const auto result = resolve_endpoint({Service::guardduty, region, true, {}}, env_from_map({}));
    CHECK_FALSE(result.value);
    CHECK(result.error.find("no FIPS endpoint for guardduty in") != std::string::npos);
  }
}

TEST_CASE("Account is global: one endpoint per partition, signed for its region, overridable") {
  CHECK(derived_host(Service::account, "eu-west-1") == "account.us-east-1.amazonaws.com");
  CHECK(derived_host(Service::account, "cn-north-1") == "account.cn-northwest-1.amazonaws.com.cn");
  auto resolved = resolve_ok(Service::account, "ap-southeast-2");
  CHECK(resolved.signing_region == "us-east-1");
  CHECK(resolved.signing_name == "account");
  resolved = resolve_ok(
      Service::account, "eu-west-1", false,
      {{"AWS_ENDPOINT_URL_ACCOUNT", "http://127.0.0.1:4567"}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"}});
  CHECK(resolved.source_detail == "AWS_ENDPOINT_URL_ACCOUNT");
  CHECK(resolved.endpoint.port == 4567);
  CHECK(resolved.signing_region == "us-east-1");
}

TEST_CASE("signing region and name") {
  auto resolved = resolve_ok(Service::detective, "eu-west-1");
  CHECK(resolved.signing_region == "eu-west-1");
  CHECK(resolved.signing_name == "detective");
  resolved = resolve_ok(Service::organizations, "eu-west-1");
  CHECK(resolved.signing_region == "us-east-1");
  resolved = resolve_ok(Service::organizations, "cn-north-1");
  CHECK(resolved.signing_region == "cn-northwest-1");
  resolved = resolve_ok(Service::organizations, "us-gov-east-1", false,
                        {{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"}});
  CHECK(resolved.signing_region == "us-gov-west-1");
  CHECK(resolved.signing_name == "organizations");
}

TEST_CASE("precedence: service variable > AWS_ENDPOINT_URL > aws.endpoints > derived") {
  const std::map<std::string, std::string, std::less<>> configured = {
      {"guardduty", "https://config.example:8443"}};
  std::map<std::string, std::string, std::less<>> env = {
      {"AWS_ENDPOINT_URL_GUARDDUTY", "http://127.0.0.1:9000/gd"},
      {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"}};

  auto resolved = resolve_ok(Service::guardduty, "us-east-1", true, env, configured);
  CHECK(resolved.source == EndpointSource::env_service);
  CHECK(resolved.source_detail == "AWS_ENDPOINT_URL_GUARDDUTY");
  CHECK(resolved.endpoint == Endpoint{"http", "127.0.0.1", 9000, "/gd"});
  CHECK(resolved.explicit_endpoint());
  CHECK(resolved.signing_region == "us-east-1");

  env.erase("AWS_ENDPOINT_URL_GUARDDUTY");
  resolved = resolve_ok(Service::guardduty, "us-east-1", false, env, configured);
  CHECK(resolved.source == EndpointSource::env_global);
  CHECK(resolved.endpoint == Endpoint{"http", "127.0.0.1", 4566, ""});

  env.erase("AWS_ENDPOINT_URL");
  resolved = resolve_ok(Service::guardduty, "us-east-1", false, env, configured);
  CHECK(resolved.source == EndpointSource::config);
  CHECK(resolved.source_detail == "aws.endpoints.guardduty");
  CHECK(resolved.endpoint == Endpoint{"https", "config.example", 8443, ""});

  // Another service's variable or configuration does not apply.
  resolved = resolve_ok(Service::securityhub, "us-east-1", false,
                        {{"AWS_ENDPOINT_URL_GUARDDUTY", "http://127.0.0.1:1"}}, configured);
  CHECK(resolved.source == EndpointSource::derived);
  CHECK(resolved.endpoint.host == "securityhub.us-east-1.amazonaws.com");
}

TEST_CASE("each service reads its own AWS_ENDPOINT_URL_<SERVICE>") {
  const std::vector<std::pair<Service, std::string>> variables = {
      {Service::securityhub, "AWS_ENDPOINT_URL_SECURITYHUB"},
      {Service::guardduty, "AWS_ENDPOINT_URL_GUARDDUTY"},
      {Service::detective, "AWS_ENDPOINT_URL_DETECTIVE"},
      {Service::sts, "AWS_ENDPOINT_URL_STS"},
      {Service::organizations, "AWS_ENDPOINT_URL_ORGANIZATIONS"}};
  for (const auto& [service, variable_binding] : variables) {
    const auto& variable = variable_binding;  // doctest's INFO captures it: clang 14 captures no binding
    INFO(variable);
    const auto resolved = resolve_ok(service, "us-east-1", false, {{variable, "https://local.test"}});
    CHECK(resolved.source == EndpointSource::env_service);
    CHECK(resolved.endpoint.host == "local.test");
  }
}

TEST_CASE("empty variables count as unset, malformed explicit URLs are errors") {
  auto resolved = resolve_ok(Service::sts, "us-east-1", false,
                             {{"AWS_ENDPOINT_URL_STS", ""}, {"AWS_ENDPOINT_URL", ""}}, {{"sts", ""}});
  CHECK(resolved.source == EndpointSource::derived);

  auto result = resolve_endpoint({Service::sts, "us-east-1", false, {}},
                                 env_from_map({{"AWS_ENDPOINT_URL_STS", "sts.local:4566"}}));
  CHECK_FALSE(result.value);
  CHECK(result.error.find("AWS_ENDPOINT_URL_STS is not an http:// or https:// URL") != std::string::npos);

  result = resolve_endpoint({Service::sts, "us-east-1", false, {{"sts", "ftp://x"}}}, env_from_map({}));
  CHECK_FALSE(result.value);
  CHECK(result.error.find("aws.endpoints.sts") != std::string::npos);
}

TEST_CASE("invalid region names are rejected before they reach a hostname") {
  for (const char* region : {"", "US-EAST-1", "us-east-1.evil.com", "-us", "us east", "us-east-1/x"}) {
    INFO(region);
    const auto result = resolve_endpoint({Service::guardduty, region, false, {}}, env_from_map({}));
    CHECK_FALSE(result.value);
    CHECK(result.error.find("is not a valid AWS region name") != std::string::npos);
  }
}

TEST_CASE("process_env reads the real environment") {
  ::setenv("MW_TEST_ENDPOINTS_VARIABLE", "value", 1);
  CHECK(process_env()("MW_TEST_ENDPOINTS_VARIABLE") == "value");
  ::unsetenv("MW_TEST_ENDPOINTS_VARIABLE");
  CHECK_FALSE(process_env()("MW_TEST_ENDPOINTS_VARIABLE"));
}
