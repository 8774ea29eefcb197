#pragma once

// Credentials per configured administrator: STS AssumeRole into its
// role_arn from the base credentials (cached per role and external id,
// refreshed 5 minutes before expiry, one refresh shared by all concurrent
// users), or the base credentials themselves, checked once with
// GetCallerIdentity against its account_id.

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "aws/aws_client.hpp"
#include "config/config.hpp"
#include "credentials/cache.hpp"
#include "credentials/default_chain.hpp"
#include "credentials/provider.hpp"
#include "credentials/providers.hpp"

namespace mw::credentials {

// What of an administrator matters for its credentials.
struct AdministratorTarget {
  std::string name;
  std::string account_id;
  std::string role_arn;  // "" = base credentials
  std::string external_id;
  std::string session_name = "memberwatch";
};
AdministratorTarget target_of(const config::Administrator& administrator);

struct AdministratorOptions {
  bool verify_base_account = true;  // GetCallerIdentity once for administrators without role_arn
  int duration_seconds = 3600;
};

class AdministratorCredentials {
 public:
  // `base` is usually the DefaultChain. The context's clients must outlive this.
  AdministratorCredentials(ProviderContext context, std::shared_ptr<CredentialsProvider> base,
                           AdministratorOptions options = {});

  // Throws aws::AwsError: STS's code and message when AssumeRole fails,
  // CredentialsError (code AccountMismatch, NoCredentialProviders, ...)
  // otherwise. Nothing is cached after a failure: the next call tries again.
  boost::asio::awaitable<aws::Credentials> get(AdministratorTarget target);
  boost::asio::awaitable<aws::Credentials> get(const config::Administrator& administrator) {
    return get(target_of(administrator));
  }

  // Drops what is cached for `target`, so the next get() fetches afresh:
  // for credentials a service rejected as expired or unknown before the
  // cache thought they were (revoked session, server clock ahead).
  void forget(const AdministratorTarget& target);

  // For aws::AwsCall::credentials: this administrator's credentials at every attempt.
  aws::CredentialsGetter getter(const config::Administrator& administrator);

 private:
  std::shared_ptr<CredentialsProvider> provider_for(const AdministratorTarget& target);

  ProviderContext context_;
  std::shared_ptr<CredentialsProvider> base_;
  AdministratorOptions options_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<CredentialsProvider>> roles_;
  std::map<std::string, std::shared_ptr<CredentialsProvider>> checked_base_;  // by account id
};

// The application's wiring from the configuration.
ProviderContext provider_context(boost::asio::any_io_executor executor, aws::AwsClient& sts_client,
                                 aws::HttpClient& http, const config::Config& config, aws::EnvLookup env);
std::shared_ptr<DefaultChain> make_default_chain(const ProviderContext& context,
                                                 const config::Config& config);

}  // namespace mw::credentials
