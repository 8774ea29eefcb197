#include "app/metrics_publisher.hpp"

#include <chrono>
#include <map>
#include <tuple>

namespace mw::app {
namespace {

double unix_seconds(core::TimePoint time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

double unix_seconds_of(const std::optional<std::string>& rfc3339) {
  if (!rfc3339) return 0;
  std::tm parts{};
  if (strptime(rfc3339->c_str(), "%Y-%m-%dT%H:%M:%S", &parts) == nullptr) return 0;
  return static_cast<double>(timegm(&parts));
}

// Adds what `current` gained since `published` to `counter`.
template <typename Key, typename ToLabels>
void publish_deltas(const std::map<Key, std::uint64_t>& current, std::map<Key, std::uint64_t>& published,
                    health::Counter& counter, ToLabels to_labels) {
  for (const auto& [key, value] : current) {
    auto& seen = published[key];
    if (value > seen) counter.increment(to_labels(key), static_cast<double>(value - seen));
    seen = value;
  }
}

}  // namespace

GapSeries gap_series(const core::Snapshot& snapshot, std::size_t max_series) {
  GapSeries result;
  for (const auto& account : snapshot.accounts) {
    if (account.inactive) continue;  // the merge gives them no gaps; said again for the reader
    for (const auto& gap : account.gaps) {
      ++result.total;
      if (result.series.size() == max_series) continue;
      result.series.emplace_back(
          health::LabelValues{account.account_id, std::string(core::to_string(gap.service)), gap.region,
                              std::string(core::to_string(gap.status))},
          1.0);
    }
  }
  return result;
}

void MetricsPublisher::publish_requests(const aws::RequestStats& stats) {
  if (stats_source_ != &stats) {
    stats_source_ = &stats;
    published_requests_.clear();
    published_retries_.clear();
  }
  publish_deltas(stats.requests(), published_requests_, metrics_.requests_total, [](const auto& key) {
    return health::LabelValues{std::get<0>(key), std::get<1>(key), std::get<2>(key)};
  });
  publish_deltas(stats.retries(), published_retries_, metrics_.retries_total, [](const auto& key) {
    return health::LabelValues{key.first, key.second};
  });
}

void MetricsPublisher::observe_request(std::string_view service, std::string_view operation, double seconds) {
  metrics_.request_duration_seconds.observe({std::string(service), std::string(operation)}, seconds);
}

void MetricsPublisher::publish_cycle(const CycleOutcome& outcome, std::size_t max_gap_series) {
  const auto now = unix_seconds(core::Clock::now());
  const char* result = !outcome.written ? "failed" : outcome.complete ? "complete" : "partial";
  metrics_.cycles_total.increment({result});
  metrics_.cycle_duration_seconds.set(outcome.duration_seconds);
  metrics_.last_cycle_attempt_timestamp_seconds.set(now);
  // Only a cycle whose state reached the disk moves the cycle timestamps:
  // an alert on them must see that nothing new is being recorded.
  if (outcome.written) metrics_.last_cycle_timestamp_seconds.set(now);
  if (outcome.written && outcome.complete) metrics_.last_complete_cycle_timestamp_seconds.set(now);
  if (!outcome.state_write_file.empty()) {
    metrics_.state_write_failures_total.increment({outcome.state_write_file});
    metrics_.last_state_write_error_timestamp_seconds.set(now);
  }
  if (outcome.write) {
    metrics_.snapshot_write_timestamp_seconds.set(now);
    metrics_.snapshot_bytes.set(static_cast<double>(outcome.write->bytes));
  }
  // The per-source and per-account series describe the snapshot on disk:
  // one that was not written leaves them as they were.
  if (!outcome.written || !outcome.snapshot) return;
  const core::Snapshot& snapshot = *outcome.snapshot;

  std::vector<std::pair<health::LabelValues, double>> up, last_success, auto_enable, members;
  for (const auto& source : snapshot.sources) {
    health::LabelValues labels{source.key.administrator_id, std::string(core::to_string(source.key.service)),
                               source.key.region};
    if (source.state == core::SourceState::region_disabled) continue;  // not polled: neither up nor down
    up.emplace_back(labels, source.state == core::SourceState::ok ? 1 : 0);
    if (source.last_success_at) last_success.emplace_back(labels, unix_seconds_of(source.last_success_at));
    if (source.organization) {
      labels.push_back(source.organization->auto_enable);
      auto_enable.emplace_back(std::move(labels), 1);
    }
  }
  // Counted by value first: a label vector a record would be 300,000
  // allocations on a large organization.
  std::map<std::tuple<core::Service, std::string_view, core::MemberStatus>, double> by_value;
  for (const auto& membership : snapshot.memberships)
    by_value[{membership.source->service, membership.source->region, membership.status}] += 1;
  std::map<health::LabelValues, double> member_counts;
  for (const auto& [key, count] : by_value) {
    const auto& [service, region, status] = key;
    member_counts[{std::string(core::to_string(service)), std::string(region),
                   std::string(core::to_string(status))}] = count;
  }
  members.assign(member_counts.begin(), member_counts.end());
  metrics_.source_up.replace(up);
  metrics_.source_last_success_timestamp_seconds.replace(last_success);
  metrics_.source_auto_enable.replace(auto_enable);
  metrics_.members.replace(members);

  const auto counts = count(snapshot);
  metrics_.accounts.set({"covered"}, static_cast<double>(counts.covered));
  metrics_.accounts.set({"gaps"}, static_cast<double>(counts.gaps));
  metrics_.accounts.set({"unknown"}, static_cast<double>(counts.unknown));
  metrics_.accounts.set({"inactive"}, static_cast<double>(snapshot.totals.inactive));
  const auto gaps = gap_series(snapshot, max_gap_series);
  metrics_.gap.replace(gaps.series);
  metrics_.gaps.set(static_cast<double>(gaps.total));
  metrics_.gap_series_truncated.set(gaps.series.size() < gaps.total ? 1 : 0);
  if (snapshot.organization) {
    metrics_.organization_up.set(snapshot.organization->state == core::SourceState::ok ? 1 : 0);
    if (snapshot.organization->last_success_at)
      metrics_.organization_last_success_timestamp_seconds.set(
          unix_seconds_of(snapshot.organization->last_success_at));
  }
}

}  // namespace mw::app
