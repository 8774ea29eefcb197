#include "credentials/administrator_credentials.hpp"

#include <spdlog/spdlog.h>

#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace asio = boost::asio;

namespace {

// The base credentials, checked against the administrator's account once
// (the check result is kept as long as the credentials are).
class AccountCheckedProvider : public CredentialsProvider {
 public:
  AccountCheckedProvider(const ProviderContext& context, std::shared_ptr<CredentialsProvider> base,
                         AdministratorTarget target)
      : context_(context), base_(std::move(base)), target_(std::move(target)) {}

  asio::awaitable<aws::Credentials> get() override {
    auto credentials = co_await base_->get();
    if (!checked_) {
      const auto account = co_await caller_account(context_, credentials);
      if (account != target_.account_id) {
        throw CredentialsError("caller-identity", code::kAccountMismatch,
                               "the base credentials (" + credentials.source + ") belong to account " +
                                   account + " but administrator " + target_.name + " has account_id " +
                                   target_.account_id + " and no role_arn");
      }
      checked_ = true;
      spdlog::info("base credentials checked administrator={} account_id={}", target_.name, account);
    }
    co_return credentials;
  }
  std::string name() const override { return "base credentials of account " + target_.account_id; }

 private:
  ProviderContext context_;
  std::shared_ptr<CredentialsProvider> base_;
  AdministratorTarget target_;
  bool checked_ = false;
};

}  // namespace

AdministratorTarget target_of(const config::Administrator& administrator) {
  return {administrator.name, administrator.account_id, administrator.role_arn, administrator.external_id,
          administrator.session_name.empty() ? "memberwatch" : administrator.session_name};
}

AdministratorCredentials::AdministratorCredentials(ProviderContext context,
                                                   std::shared_ptr<CredentialsProvider> base,
                                                   AdministratorOptions options)
    : context_(std::move(context)), base_(std::move(base)), options_(options) {}

std::shared_ptr<CredentialsProvider> AdministratorCredentials::provider_for(
    const AdministratorTarget& target) {
  if (target.role_arn.empty()) {
    if (!options_.verify_base_account || target.account_id.empty()) return base_;
    auto& entry = checked_base_[target.account_id];
    if (!entry) {
      entry = std::make_shared<CachingProvider>(
          std::make_shared<AccountCheckedProvider>(context_, base_, target), context_.timing, context_.now);
    }
    return entry;
  }
  auto& entry = roles_[{target.role_arn, target.external_id}];
  if (!entry) {
    RoleSpec role{target.role_arn, target.external_id, target.session_name, options_.duration_seconds,
                  "administrator " + target.name};
    entry = std::make_shared<CachingProvider>(make_assume_role_provider(context_, base_, std::move(role)),
                                              context_.timing, context_.now);
  }
  return entry;
}

asio::awaitable<aws::Credentials> AdministratorCredentials::get(AdministratorTarget target) {
  auto provider = provider_for(target);
  co_return co_await provider->get();
}

void AdministratorCredentials::forget(const AdministratorTarget& target) {
  // Callers in flight keep their own reference to the old provider.
  if (target.role_arn.empty()) {
    checked_base_.erase(target.account_id);
  } else {
    roles_.erase({target.role_arn, target.external_id});
  }
}

aws::CredentialsGetter AdministratorCredentials::getter(const config::Administrator& administrator) {
  return [this, target = target_of(administrator)] { return get(target); };
}

ProviderContext provider_context(asio::any_io_executor executor, aws::AwsClient& sts_client,
                                 aws::HttpClient& http, const config::Config& config, aws::EnvLookup env) {
  ProviderContext context;
  context.executor = std::move(executor);
  context.sts_client = &sts_client;
  context.http = &http;
  context.env = std::move(env);
  context.sts.region = config.aws.sts_region;
  context.sts.fips = config.aws.fips;
  context.sts.endpoints.insert(config.aws.endpoints.begin(), config.aws.endpoints.end());
  return context;
}

std::shared_ptr<DefaultChain> make_default_chain(const ProviderContext& context,
                                                 const config::Config& config) {
  return std::make_shared<DefaultChain>(context, config.aws.profile);
}

}  // namespace mw::credentials
