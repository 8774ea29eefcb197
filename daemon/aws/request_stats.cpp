#include "aws/request_stats.hpp"

namespace mw::aws {

void LatencyHistogram::observe(std::chrono::duration<double> latency) {
  double seconds = latency.count();
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++cumulative_[i];
  }
  ++count_;
  sum_ += seconds;
}

void RequestStats::record_attempt(std::string_view service, std::string_view operation, std::string_view code,
                                  std::chrono::duration<double> latency) {
  ++requests_[{std::string(service), std::string(operation), std::string(code)}];
  latencies_[{std::string(service), std::string(operation)}].observe(latency);
  ++total_requests_;
  if (observer_) observer_(service, operation, latency.count());
}

void RequestStats::record_retry(std::string_view service, std::string_view reason) {
  ++retries_[{std::string(service), std::string(reason)}];
  ++total_retries_;
}

void RequestStats::record_throttle(std::string_view service) {
  ++throttles_[std::string(service)];
  ++total_throttles_;
}

}  // namespace mw::aws
