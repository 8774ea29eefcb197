#pragma once

// The AWS default credentials chain as one provider: on first use (and
// again after a failure) it decides which provider applies (plan.hpp),
// builds it (providers.hpp) and keeps using it, its credentials cached
// until 5 minutes before they expire.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "credentials/plan.hpp"
#include "credentials/provider.hpp"
#include "credentials/providers.hpp"

namespace mw::credentials {

class DefaultChain : public CredentialsProvider {
 public:
  // `configured_profile` is aws.profile ("" = AWS_PROFILE, else default).
  // `load_profiles` defaults to reading the files of profile_file_paths(context.env).
  DefaultChain(ProviderContext context, std::string configured_profile, ProfileLoader load_profiles = {});

  // Credentials of the chosen provider; CredentialsError when none applies
  // (listing what was tried and why not) or when the one that applies fails
  // (which and why); aws::AwsError for a failed STS call.
  boost::asio::awaitable<aws::Credentials> get() override;
  std::string name() const override;

  // The description of the provider in use ("" before the first success).
  const std::string& selected() const { return description_; }

 private:
  ProviderContext context_;
  std::string configured_profile_;
  ProfileLoader load_profiles_;
  std::shared_ptr<CredentialsProvider> provider_;
  std::string description_;
  std::vector<std::string> skipped_;
  bool imds_is_fallback_ = false;
};

}  // namespace mw::credentials
