#pragma once

// Moves what the daemon knows into the Prometheus registry: the request
// layer's counters (as deltas, so the exposition's counters only grow) and
// each cycle's outcome and snapshot.

#include <map>
#include <optional>

#include "app/cycle_runner.hpp"
#include "aws/request_stats.hpp"
#include "core/model.hpp"
#include "health/memberwatch_metrics.hpp"

namespace mw::app {

// The memberwatch_gap series of a snapshot: one per gap of an active
// account, in account order, at most `max_series`; `total` counts them all.
struct GapSeries {
  std::vector<std::pair<health::LabelValues, double>> series;
  std::size_t total = 0;
};
GapSeries gap_series(const core::Snapshot& snapshot, std::size_t max_series);

class MetricsPublisher {
 public:
  explicit MetricsPublisher(health::MemberwatchMetrics metrics) : metrics_(metrics) {}

  // Counters requests_total and retries_total follow the client's totals;
  // `stats` may belong to a new client after a reload (totals restart).
  void publish_requests(const aws::RequestStats& stats);

  // Called with the attempt of every AWS request, for the latency histogram.
  void observe_request(std::string_view service, std::string_view operation, double seconds);

  // `max_gap_series` is health.max_gap_series of the running configuration.
  void publish_cycle(const CycleOutcome& outcome, std::size_t max_gap_series);

 private:
  health::MemberwatchMetrics metrics_;
  const aws::RequestStats* stats_source_ = nullptr;
  std::map<aws::RequestStats::ServiceOperationCode, std::uint64_t> published_requests_;
  std::map<aws::RequestStats::ServiceReason, std::uint64_t> published_retries_;
};

}  // namespace mw::app
