#pragma once

// Every metric of the contract, declared once with its HELP text, so the
// code that runs cycles only sets values.

#include <string_view>

#include "health/metrics.hpp"

namespace mw::health {

// Bucket bounds of memberwatch_request_duration_seconds (seconds); AWS API
// calls take tens of milliseconds, retries with backoff up to tens of seconds.
inline const std::vector<double> kRequestDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                                            1.0,   2.5,  5.0,   10.0, 30.0, 60.0};

struct MemberwatchMetrics {
  Gauge& build_info;                             // {version}, always 1
  Counter& cycles_total;                         // {result=complete|partial|failed}
  Gauge& cycle_duration_seconds;                 // of the last finished cycle
  Gauge& last_cycle_attempt_timestamp_seconds;   // Unix time the last cycle finished, written or not
  Gauge& last_cycle_timestamp_seconds;           // Unix time the last cycle whose state was written finished
  Gauge& last_complete_cycle_timestamp_seconds;  // Unix time the last complete cycle finished
  Gauge& source_up;                              // {administrator_id,service,region}; clear() each cycle
  Gauge& source_last_success_timestamp_seconds;  // {administrator_id,service,region}
  Gauge& source_auto_enable;  // {administrator_id,service,region,mode}; replace() each cycle
  Gauge& organization_up;     // no labels; unset without Organizations
  Gauge& organization_last_success_timestamp_seconds;
  Counter& requests_total;              // {service,operation,code}
  Histogram& request_duration_seconds;  // {service,operation}
  Counter& retries_total;               // {service,reason}
  Gauge& members;                       // {service,region,status}; replace() each cycle
  Gauge& accounts;                      // {coverage=covered|gaps|unknown|inactive}
  Gauge& gap;                           // {account_id,service,region,status}; replace() each cycle
  Gauge& gaps;                          // every current gap, listed in `gap` or not
  Gauge& gap_series_truncated;          // 1 when `gap` lists fewer than `gaps`
  Counter& state_write_failures_total;  // {file=changes|snapshot}
  Gauge& last_state_write_error_timestamp_seconds;  // Unix time a state file last failed to be written
  Gauge& snapshot_write_timestamp_seconds;
  Gauge& snapshot_bytes;
};

// Declares the metrics in `registry` (which must not hold them yet), sets
// build_info{version} to 1 and starts cycles_total and accounts at 0 for
// each of their known label values, and gaps and gap_series_truncated at 0.
MemberwatchMetrics declare_memberwatch_metrics(Registry& registry, std::string_view version);

}  // namespace mw::health
