#include "app/runtime.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "aws/proxy.hpp"
#include "common/strings.hpp"
#include "poller/cycle.hpp"

namespace mw::app {
namespace {

aws::HttpClientOptions http_options(const config::Config& config, const aws::EnvLookup& env,
                                    const RuntimeHooks& hooks) {
  aws::HttpClientOptions options;
  options.ca_bundle = config.aws.ca_bundle;
  if (options.ca_bundle.empty()) options.ca_bundle = env("AWS_CA_BUNDLE").value_or("");
  options.proxy = aws::proxy_config_from_environment(env);
  if (hooks.tune_clients) {
    aws::AwsClientOptions unused;
    hooks.tune_clients(options, unused);
  }
  return options;
}

aws::AwsClientOptions client_options(const config::Config& config, const RuntimeHooks& hooks) {
  aws::AwsClientOptions options;
  options.retry.max_attempts = config.aws.max_attempts;
  options.rate.max_rate = config.aws.requests_per_second;
  options.concurrency = static_cast<std::size_t>(config.concurrency);
  if (hooks.tune_clients) {
    aws::HttpClientOptions unused;
    hooks.tune_clients(unused, options);
  }
  return options;
}

store::SnapshotStore make_store(const config::Config& config) {
  return store::SnapshotStore(config.state_dir, config.snapshot.path, config.snapshot.changes);
}

// A service refused the credentials themselves: the cache's idea of their
// lifetime was wrong, so the next cycle must fetch new ones.
bool is_rejected_credentials_code(std::string_view code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "InvalidClientTokenId" ||
         code == "UnrecognizedClientException";
}

}  // namespace

Runtime::Runtime(boost::asio::io_context& io, config::Config config, aws::EnvLookup env, RuntimeHooks hooks)
    : config_(std::move(config)),
      env_(std::move(env)),
      http_(std::make_unique<aws::HttpClient>(io.get_executor(), http_options(config_, env_, hooks))),
      client_(std::make_unique<aws::AwsClient>(*http_, client_options(config_, hooks))),
      runner_(make_store(config_)) {
  if (hooks.on_attempt) client_->stats().set_attempt_observer(std::move(hooks.on_attempt));
  const auto context = credentials::provider_context(io.get_executor(), *client_, *http_, config_, env_);
  credentials_ = std::make_unique<credentials::AdministratorCredentials>(
      context, credentials::make_default_chain(context, config_));
}

Runtime::~Runtime() = default;

boost::asio::awaitable<CycleOutcome> Runtime::run_cycle() {
  // A named value: GCC 12 destroys a braced temporary inside a co_await
  // expression twice (double free of the env's std::function).
  poller::CycleDependencies deps{*client_, *this, env_};
  auto outcome = co_await runner_.run(config_, std::move(deps));
  if (outcome.snapshot) forget_rejected_credentials(*outcome.snapshot);
  co_return outcome;
}

void Runtime::forget_rejected_credentials(const core::Snapshot& snapshot) {
  std::set<std::string> rejected;
  for (const auto& source : snapshot.sources)
    if (source.error && is_rejected_credentials_code(source.error->code))
      rejected.insert(source.key.administrator_id);
  for (const auto& admin : config_.administrators) {
    if (!rejected.count(admin.account_id)) continue;
    spdlog::info("cached credentials dropped after rejection administrator={}", admin.name);
    credentials_->forget(credentials::target_of(admin));
  }
}

boost::asio::awaitable<aws::Credentials> Runtime::administrator(const config::Administrator& admin) {
  co_return co_await credentials_->get(admin);
}

boost::asio::awaitable<aws::Credentials> Runtime::role(const std::string& role_arn,
                                                       const std::string& external_id) {
  const auto parts = split(role_arn, ':');
  credentials::AdministratorTarget target;
  target.name = "organizations";
  target.account_id = parts.size() > 4 ? std::string(parts[4]) : "";
  target.role_arn = role_arn;
  target.external_id = external_id;
  co_return co_await credentials_->get(std::move(target));
}

}  // namespace mw::app
