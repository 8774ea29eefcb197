#include "aws/endpoints.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace mw::aws {
namespace {

struct ServiceInfo {
  Service service;
  std::string_view name;
  std::string_view env_suffix;
  std::string_view host_prefix;
  std::string_view signing_name;
};

constexpr std::array<ServiceInfo, 8> kServices = {{
    {Service::securityhub, "securityhub", "SECURITYHUB", "securityhub", "securityhub"},
    {Service::guardduty, "guardduty", "GUARDDUTY", "guardduty", "guardduty"},
    {Service::detective, "detective", "DETECTIVE", "api.detective", "detective"},
    {Service::inspector2, "inspector2", "INSPECTOR2", "inspector2", "inspector2"},
    {Service::macie2, "macie2", "MACIE2", "macie2", "macie2"},
    {Service::sts, "sts", "STS", "sts", "sts"},
    {Service::organizations, "organizations", "ORGANIZATIONS", "organizations", "organizations"},
    {Service::account, "account", "ACCOUNT", "account", "account"},
}};

const ServiceInfo& info(Service service) {
  return *std::find_if(kServices.begin(), kServices.end(),
                       [&](const auto& i) { return i.service == service; });
}

// Organizations and Account have one endpoint per partition, signed for that region.
std::string_view global_region(Partition partition) {
  switch (partition) {
    case Partition::aws_cn:
      return "cn-northwest-1";
    case Partition::aws_us_gov:
      return "us-gov-west-1";
    case Partition::aws:
      break;
  }
  return "us-east-1";
}

bool valid_region(std::string_view region) {
  return !region.empty() && region.front() != '-' && region.back() != '-' &&
         std::all_of(region.begin(), region.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// FIPS hostnames as the AWS endpoint data names them: "<prefix>-fips." in the
// commercial US regions and GovCloud, except GovCloud's GuardDuty and STS
// whose standard endpoints are already FIPS; none in China.
std::optional<std::string> fips_host_prefix(Service service, Partition partition, std::string_view region) {
  const ServiceInfo& i = info(service);
  const std::string fips_prefix = std::string(i.host_prefix) + "-fips";
  switch (partition) {
    case Partition::aws_cn:
      return std::nullopt;
    case Partition::aws_us_gov:
      if (service == Service::guardduty || service == Service::sts || service == Service::organizations) {
        return std::string(i.host_prefix);
      }
      return fips_prefix;
    case Partition::aws:
      break;
  }
  static constexpr std::array<std::string_view, 4> kFipsRegions = {"us-east-1", "us-east-2", "us-west-1",
                                                                   "us-west-2"};
  if (std::find(kFipsRegions.begin(), kFipsRegions.end(), region) == kFipsRegions.end()) return std::nullopt;
  return fips_prefix;
}

EndpointResolution explicit_endpoint(const std::string& url, EndpointSource source, std::string detail) {
  auto endpoint = parse_endpoint_url(url);
  if (!endpoint) {
    return {std::nullopt, detail + " is not an http:// or https:// URL with a host (got \"" + url + "\")"};
  }
  ResolvedEndpoint resolved;
  resolved.endpoint = std::move(*endpoint);
  resolved.source = source;
  resolved.source_detail = std::move(detail);
  return {std::move(resolved), {}};
}

}  // namespace

std::string_view service_name(Service service) {
  return info(service).name;
}
std::string_view signing_name(Service service) {
  return info(service).signing_name;
}

std::optional<Service> parse_service(std::string_view name) {
  for (const auto& i : kServices) {
    if (i.name == name) return i.service;
  }
  return std::nullopt;
}

Partition partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return Partition::aws_cn;
  if (region.starts_with("us-gov-")) return Partition::aws_us_gov;
  return Partition::aws;
}

std::string_view partition_name(Partition partition) {
  switch (partition) {
    case Partition::aws_cn:
      return "aws-cn";
    case Partition::aws_us_gov:
      return "aws-us-gov";
    case Partition::aws:
      break;
  }
  return "aws";
}

std::string_view dns_suffix(Partition partition) {
  return partition == Partition::aws_cn ? "amazonaws.com.cn" : "amazonaws.com";
}

EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EndpointResolution resolve_endpoint(const EndpointRequest& request, const EnvLookup& env) {
  if (!valid_region(request.region)) {
    return {std::nullopt, "region \"" + request.region + "\" is not a valid AWS region name"};
  }
  const ServiceInfo& i = info(request.service);
  const Partition partition = partition_of(request.region);
  const bool global = request.service == Service::organizations || request.service == Service::account;
  const std::string signing_region = global ? std::string(global_region(partition)) : request.region;

  EndpointResolution result;
  const std::string service_var = "AWS_ENDPOINT_URL_" + std::string(i.env_suffix);
  if (auto url = env(service_var); url && !url->empty()) {
    result = explicit_endpoint(*url, EndpointSource::env_service, service_var);
  } else if (auto global = env("AWS_ENDPOINT_URL"); global && !global->empty()) {
    result = explicit_endpoint(*global, EndpointSource::env_global, "AWS_ENDPOINT_URL");
  } else if (auto it = request.configured.find(i.name);
             it != request.configured.end() && !it->second.empty()) {
    result = explicit_endpoint(it->second, EndpointSource::config, "aws.endpoints." + std::string(i.name));
  } else {
    std::string prefix(i.host_prefix);
    if (request.fips) {
      auto fips = fips_host_prefix(request.service, partition, signing_region);
      if (!fips) {
        return {std::nullopt, "no FIPS endpoint for " + std::string(i.name) + " in " + request.region + " (" +
                                  std::string(partition_name(partition)) + ")"};
      }
      prefix = std::move(*fips);
    }
    ResolvedEndpoint derived;
    derived.endpoint.scheme = "https";
    derived.endpoint.port = 443;
    derived.endpoint.host = prefix + "." + signing_region + "." + std::string(dns_suffix(partition));
    derived.source = EndpointSource::derived;
    derived.source_detail = "derived";
    result.value = std::move(derived);
  }
  if (!result.value) return result;
  if (!result.value->explicit_endpoint() && result.value->endpoint.scheme != "https") {
    return {std::nullopt, "a derived endpoint must use https"};
  }
  result.value->signing_region = signing_region;
  result.value->signing_name = std::string(i.signing_name);
  return result;
}

}  // namespace mw::aws
