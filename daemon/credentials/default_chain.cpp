#include "credentials/default_chain.hpp"

#include <spdlog/spdlog.h>

#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace asio = boost::asio;

DefaultChain::DefaultChain(ProviderContext context, std::string configured_profile,
                           ProfileLoader load_profiles)
    : context_(std::move(context)),
      configured_profile_(std::move(configured_profile)),
      load_profiles_(std::move(load_profiles)) {
  if (!context_.env) context_.env = aws::process_env();
  if (!load_profiles_) {
    load_profiles_ = [env = context_.env] { return load_profile_files(profile_file_paths(env)); };
  }
}

std::string DefaultChain::name() const {
  return description_.empty() ? "default-chain" : "default-chain: " + description_;
}

asio::awaitable<aws::Credentials> DefaultChain::get() {
  if (!provider_) {
    auto decision = decide_chain(context_.env, configured_profile_, load_profiles_);
    skipped_ = std::move(decision.skipped);
    if (!decision.plan) {
      throw CredentialsError("default-chain", code::kNoCredentials, describe_no_credentials(skipped_));
    }
    description_ = decision.plan->description;
    imds_is_fallback_ = std::holds_alternative<ImdsSpec>(decision.plan->base) && decision.plan->roles.empty();
    provider_ = build_provider(std::move(*decision.plan), context_);
    spdlog::info("credentials provider chosen provider=\"{}\"", description_);
  }
  auto provider = provider_;
  std::exception_ptr failure;
  try {
    co_return co_await provider->get();
  } catch (const CredentialsError& error) {
    // Instance metadata ends the chain: when it is not there, no provider applies.
    if (imds_is_fallback_ && error.info().code == code::kUnavailable) {
      auto tried = skipped_;
      tried.push_back("instance-metadata: " + error.info().message);
      failure = std::make_exception_ptr(
          CredentialsError("default-chain", code::kNoCredentials, describe_no_credentials(tried)));
    } else {
      failure = std::current_exception();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  // Decide again next time: the environment or the files may have been fixed.
  if (provider_ == provider) {
    provider_.reset();
    description_.clear();
  }
  std::rethrow_exception(failure);
}

}  // namespace mw::credentials
