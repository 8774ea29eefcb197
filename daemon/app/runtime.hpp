#pragma once

// Everything one configuration needs to run cycles: the HTTPS client, the
// AWS client with its retry and rate state, the credentials (base chain and
// AssumeRole cache) and the cycle runner with its snapshot store. A reload
// builds a new Runtime between cycles.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "app/cycle_runner.hpp"
#include "aws/aws_client.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_client.hpp"
#include "config/config.hpp"
#include "credentials/administrator_credentials.hpp"
#include "poller/credentials_broker.hpp"

namespace mw::app {

struct RuntimeHooks {
  // Every AWS request attempt, for the latency histogram.
  std::function<void(std::string_view service, std::string_view operation, double seconds)> on_attempt;
  // Adjusts what the configuration does not set (timeouts, retry backoff), so
  // reliability tests can make latency spikes outlast a short request timeout.
  std::function<void(aws::HttpClientOptions&, aws::AwsClientOptions&)> tune_clients;
};

class Runtime : public poller::CredentialsBroker {
 public:
  // Throws std::exception when the state directory or the CA bundle cannot be used.
  Runtime(boost::asio::io_context& io, config::Config config, aws::EnvLookup env, RuntimeHooks hooks = {});
  ~Runtime() override;

  boost::asio::awaitable<CycleOutcome> run_cycle();

  const config::Config& config() const { return config_; }
  const CycleRunner& runner() const { return runner_; }
  aws::AwsClient& client() { return *client_; }
  const aws::HttpClient& http() const { return *http_; }

  boost::asio::awaitable<aws::Credentials> administrator(const config::Administrator& admin) override;
  boost::asio::awaitable<aws::Credentials> role(const std::string& role_arn,
                                                const std::string& external_id) override;

 private:
  void forget_rejected_credentials(const core::Snapshot& snapshot);

  config::Config config_;
  aws::EnvLookup env_;
  std::unique_ptr<aws::HttpClient> http_;
  std::unique_ptr<aws::AwsClient> client_;
  std::unique_ptr<credentials::AdministratorCredentials> credentials_;
  CycleRunner runner_;
};

}  // namespace mw::app
