#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/http_types.hpp"

namespace mw::aws {

// The services memberwatch calls, by the names the configuration and the
// AWS_ENDPOINT_URL_<SERVICE> variables use.
enum class Service { securityhub, guardduty, detective, inspector2, macie2, sts, organizations, account };

std::string_view service_name(Service service);  // "securityhub", ..., "organizations", "account"
std::optional<Service> parse_service(std::string_view name);  // inverse of service_name
std::string_view signing_name(Service service);               // SigV4 service: "detective" for api.detective

enum class Partition { aws, aws_cn, aws_us_gov };
Partition partition_of(std::string_view region);  // cn-* -> aws-cn, us-gov-* -> aws-us-gov, else aws
std::string_view partition_name(Partition partition);
std::string_view dns_suffix(Partition partition);  // amazonaws.com or amazonaws.com.cn

// Environment variables as a value, so resolution stays pure and tests do
// not touch the process environment. Returns nullopt for unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> values);
EnvLookup process_env();  // getenv

struct EndpointRequest {
  Service service = Service::securityhub;
  std::string region;
  bool fips = false;
  std::map<std::string, std::string, std::less<>> configured;  // aws.endpoints: service name -> URL
};

enum class EndpointSource { env_service, env_global, config, derived };

struct ResolvedEndpoint {
  Endpoint endpoint;
  EndpointSource source = EndpointSource::derived;
  std::string source_detail;  // "AWS_ENDPOINT_URL_GUARDDUTY", "aws.endpoints.guardduty", "derived"
  std::string signing_region;
  std::string signing_name;
  bool explicit_endpoint() const { return source != EndpointSource::derived; }
};

struct EndpointResolution {
  std::optional<ResolvedEndpoint> value;
  std::string error;  // set when value is empty
};

// AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > aws.endpoints > the derived
// https hostname of the region's partition (FIPS variants, api.detective,
// regional STS, the partition's global Organizations and Account endpoints). An empty
// variable counts as unset. http:// is accepted only from an explicit source.
EndpointResolution resolve_endpoint(const EndpointRequest& request, const EnvLookup& env);

}  // namespace mw::aws
