#pragma once

// Counters of the AWS request layer, kept for the metrics endpoint:
// requests_total{service,operation,code}, retries_total{service,reason},
// throttles and request_duration_seconds{service,operation}. Plain maps,
// updated and read on the one io_context thread.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace mw::aws {

// A Prometheus-style cumulative histogram of durations in seconds.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10,  30};

  void observe(std::chrono::duration<double> latency);
  // counts()[i]: observations <= kBounds[i]; count() includes the ones above every bound (+Inf).
  const std::array<std::uint64_t, kBounds.size()>& counts() const { return cumulative_; }
  std::uint64_t count() const { return count_; }
  double sum_seconds() const { return sum_; }

 private:
  std::array<std::uint64_t, kBounds.size()> cumulative_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class RequestStats {
 public:
  using ServiceOperationCode = std::tuple<std::string, std::string, std::string>;
  using ServiceOperation = std::pair<std::string, std::string>;
  using ServiceReason = std::pair<std::string, std::string>;

  // One attempt that got an answer or failed: code is "OK" for 2xx, else the
  // AWS error code or transport code (ConnectionError, RequestTimeout, ...).
  void record_attempt(std::string_view service, std::string_view operation, std::string_view code,
                      std::chrono::duration<double> latency);
  void record_retry(std::string_view service, std::string_view reason);

  // Told of every attempt as record_attempt sees it, so an exporter with
  // its own histogram buckets gets the raw latencies.
  using AttemptObserver =
      std::function<void(std::string_view service, std::string_view operation, double latency_seconds)>;
  void set_attempt_observer(AttemptObserver observer) { observer_ = std::move(observer); }
  void record_throttle(std::string_view service);

  const std::map<ServiceOperationCode, std::uint64_t>& requests() const { return requests_; }
  const std::map<ServiceReason, std::uint64_t>& retries() const { return retries_; }
  const std::map<std::string, std::uint64_t>& throttles() const { return throttles_; }
  const std::map<ServiceOperation, LatencyHistogram>& latencies() const { return latencies_; }

  std::uint64_t total_requests() const { return total_requests_; }
  std::uint64_t total_retries() const { return total_retries_; }
  std::uint64_t total_throttles() const { return total_throttles_; }

 private:
  std::map<ServiceOperationCode, std::uint64_t> requests_;
  std::map<ServiceReason, std::uint64_t> retries_;
  std::map<std::string, std::uint64_t> throttles_;
  std::map<ServiceOperation, LatencyHistogram> latencies_;
  AttemptObserver observer_;
  std::uint64_t total_requests_ = 0;
  std::uint64_t total_retries_ = 0;
  std::uint64_t total_throttles_ = 0;
};

}  // namespace mw::aws
