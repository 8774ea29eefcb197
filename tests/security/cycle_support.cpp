#include "cycle_support.hpp"

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "app/runtime.hpp"
#include "security_support.hpp"

namespace mw::security {
namespace fs = std::filesystem;

config::Config parse_test_config(std::string_view text, const fs::path& directory) {
  auto parsed = config::parse_config(text, (directory / "memberwatch.yaml").string());
  if (!parsed.config) FAIL("test configuration rejected: " << parsed.errors.front().to_string());
  return std::move(*parsed.config);
}

aws::EnvLookup fake_aws_environment(const std::string& endpoint,
                                    std::map<std::string, std::string, std::less<>> variables) {
  variables["AWS_ENDPOINT_URL"] = endpoint;
  variables["AWS_EC2_METADATA_DISABLED"] = "true";
  variables["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
  variables["AWS_CONFIG_FILE"] = "/nonexistent";
  return aws::env_from_map(std::move(variables));
}

CycleHarness::CycleHarness(config::Config config)
    : metrics_(health::declare_memberwatch_metrics(registry_, "test")),
      publisher_(metrics_),
      config_(std::move(config)) {}

fs::path CycleHarness::snapshot_path() const {
  return fs::path(config_.state_dir) / config_.snapshot.path;
}

fs::path CycleHarness::changes_path() const {
  return fs::path(config_.state_dir) / config_.snapshot.changes;
}

CycleResult CycleHarness::cycle(aws::EnvLookup env) {
  app::RuntimeHooks hooks;
  hooks.on_attempt = [this](std::string_view service, std::string_view operation, double seconds) {
    publisher_.observe_request(service, operation, seconds);
  };
  auto runtime = std::make_unique<app::Runtime>(io_, config_, std::move(env), std::move(hooks));
  std::optional<app::CycleOutcome> outcome;
  std::exception_ptr failure;
  boost::asio::co_spawn(io_, runtime->run_cycle(), [&](std::exception_ptr error, app::CycleOutcome result) {
    failure = error;
    outcome = std::move(result);
  });
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!outcome && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
  REQUIRE_MESSAGE(outcome.has_value(), "the cycle did not finish within a minute");
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      FAIL("the cycle threw: " << error.what());
    }
  }
  publisher_.publish_requests(runtime->client().stats());
  publisher_.publish_cycle(*outcome, config_.health.max_gap_series);
  runtime.reset();
  io_.restart();
  io_.poll();
  return {std::move(*outcome), read_file(snapshot_path())};
}

}  // namespace mw::security
