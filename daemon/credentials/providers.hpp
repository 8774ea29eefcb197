#pragma once

// The providers behind a CredentialPlan: static keys, STS
// AssumeRoleWithWebIdentity, the container credentials endpoint, EC2
// instance metadata (IMDSv2) and STS AssumeRole on top of another provider.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "aws/endpoints.hpp"
#include "credentials/cache.hpp"
#include "credentials/plan.hpp"
#include "credentials/provider.hpp"

namespace mw::aws {
class AwsClient;
class HttpClient;
}  // namespace mw::aws

namespace mw::credentials {

// Where STS calls go: the regional endpoint of aws.sts_region, unless
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or aws.endpoints.sts say otherwise.
struct StsSettings {
  std::string region = "us-east-1";
  bool fips = false;
  std::map<std::string, std::string, std::less<>> endpoints;  // aws.endpoints
};

// Timeouts of the instance metadata and container endpoints: short, so a
// machine outside EC2 or ECS does not hang. `attempts` counts the first try.
struct MetadataOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds imds_timeout{1000};
  std::chrono::milliseconds container_timeout{2000};
  int attempts = 2;
};

// What providers need from the application. The clients must outlive the
// providers; everything runs on `executor`'s single thread.
struct ProviderContext {
  boost::asio::any_io_executor executor;
  aws::AwsClient* sts_client = nullptr;  // signed STS calls (AssumeRole, GetCallerIdentity)
  aws::HttpClient* http = nullptr;       // unsigned STS calls (AssumeRoleWithWebIdentity)
  aws::EnvLookup env;
  StsSettings sts;
  MetadataOptions metadata;
  CacheTiming timing;
  Clock now;  // empty: the system clock
};

// Turns a plan into a provider, each step cached (CachingProvider).
std::shared_ptr<CredentialsProvider> build_provider(CredentialPlan plan, const ProviderContext& context);

// One sts:AssumeRole with `source`'s credentials. Failures are aws::AwsError
// with STS's code and message (the role ARN appended to the message).
std::shared_ptr<CredentialsProvider> make_assume_role_provider(const ProviderContext& context,
                                                               std::shared_ptr<CredentialsProvider> source,
                                                               RoleSpec role);

// The account of `credentials`, from sts:GetCallerIdentity.
boost::asio::awaitable<std::string> caller_account(const ProviderContext& context,
                                                   aws::Credentials credentials);

}  // namespace mw::credentials
