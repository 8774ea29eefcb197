#pragma once

// Whole cycles of an in-process app::Runtime (as memberwatchd --once runs
// them) against fake-aws, with the metrics the daemon would publish.

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "app/cycle_runner.hpp"
#include "app/metrics_publisher.hpp"
#include "aws/endpoints.hpp"
#include "config/config.hpp"
#include "health/memberwatch_metrics.hpp"
#include "health/metrics.hpp"

namespace mw::security {

// Parses a test configuration; FAILs the test when it is rejected.
config::Config parse_test_config(std::string_view text, const std::filesystem::path& directory);

// What memberwatchd sees of its environment: fake-aws's endpoint plus
// `variables`, nothing of this machine (no IMDS, no shared files).
aws::EnvLookup fake_aws_environment(const std::string& endpoint,
                                    std::map<std::string, std::string, std::less<>> variables);

struct CycleResult {
  app::CycleOutcome outcome;
  std::string snapshot;  // the snapshot file's text after the cycle
};

class CycleHarness {
 public:
  explicit CycleHarness(config::Config config);

  // A fresh Runtime (as after a reload) runs one cycle with `env`. FAILs
  // the test when the cycle throws or does not finish within a minute.
  CycleResult cycle(aws::EnvLookup env);

  const config::Config& config() const { return config_; }
  std::filesystem::path snapshot_path() const;
  std::filesystem::path changes_path() const;
  std::string metrics() const { return registry_.render(); }

 private:
  boost::asio::io_context io_;
  health::Registry registry_;
  health::MemberwatchMetrics metrics_;
  app::MetricsPublisher publisher_;
  config::Config config_;
};

}  // namespace mw::security
