#include "health/memberwatch_metrics.hpp"

#include <string>

namespace mw::health {

MemberwatchMetrics declare_memberwatch_metrics(Registry& registry, std::string_view version) {
  const std::vector<std::string> source_labels = {"administrator_id", "service", "region"};
  MemberwatchMetrics metrics{
      .build_info = registry.add_gauge(
          "memberwatch_build_info", "Always 1; the version label says which memberwatchd runs.", {"version"}),
      .cycles_total =
          registry.add_counter("memberwatch_cycles_total",
                               "Finished polling cycles, by result: complete (every source "
                               "answered), partial (some failed) or failed (no snapshot written).",
                               {"result"}),
      .cycle_duration_seconds =
          registry.add_gauge("memberwatch_cycle_duration_seconds", "Duration of the last finished cycle."),
      .last_cycle_attempt_timestamp_seconds =
          registry.add_gauge("memberwatch_last_cycle_attempt_timestamp_seconds",
                             "Unix time at which the last cycle finished, whatever its result."),
      .last_cycle_timestamp_seconds =
          registry.add_gauge("memberwatch_last_cycle_timestamp_seconds",
                             "Unix time at which the last cycle whose snapshot and changes were written "
                             "finished, complete or partial."),
      .last_complete_cycle_timestamp_seconds =
          registry.add_gauge("memberwatch_last_complete_cycle_timestamp_seconds",
                             "Unix time at which the last cycle in which every source answered finished."),
      .source_up =
          registry.add_gauge("memberwatch_source_up",
                             "1 when the source (administrator, service, region) answered in the last "
                             "cycle, 0 when it failed.",
                             source_labels),
      .source_last_success_timestamp_seconds =
          registry.add_gauge("memberwatch_source_last_success_timestamp_seconds",
                             "Unix time of the last successful poll of the source.", source_labels),
      .source_auto_enable =
          registry.add_gauge("memberwatch_source_auto_enable",
                             "1 for the source's organization auto-enable mode (ALL, NEW, PARTIAL, NONE, "
                             "CENTRAL, UNKNOWN) from DescribeOrganizationConfiguration; absent where the "
                             "administrator is not the organization's administrator or the call failed.",
                             {"administrator_id", "service", "region", "mode"}),
      .organization_up = registry.add_gauge("memberwatch_organization_up",
                                            "1 when Organizations ListAccounts answered in the last cycle, "
                                            "0 when it failed (the last good list is used); absent when "
                                            "Organizations is not configured."),
      .organization_last_success_timestamp_seconds =
          registry.add_gauge("memberwatch_organization_last_success_timestamp_seconds",
                             "Unix time of the last successful Organizations ListAccounts."),
      .requests_total =
          registry.add_counter("memberwatch_requests_total",
                               "AWS API requests sent, by service, operation and result code "
                               "(HTTP status, or the transport error when there was no answer).",
                               {"service", "operation", "code"}),
      .request_duration_seconds =
          registry.add_histogram("memberwatch_request_duration_seconds",
                                 "Duration of single AWS API requests, retries not included.",
                                 {"service", "operation"}, kRequestDurationBuckets),
      .retries_total = registry.add_counter("memberwatch_retries_total",
                                            "AWS API requests retried, by service and reason (throttling, "
                                            "server error, transport error, ...).",
                                            {"service", "reason"}),
      .members = registry.add_gauge("memberwatch_members",
                                    "Membership records in the last snapshot, by service, region and "
                                    "normalized status.",
                                    {"service", "region", "status"}),
      .accounts = registry.add_gauge("memberwatch_accounts",
                                     "Accounts in the last snapshot, by coverage: covered, gaps (some "
                                     "answering source says not enabled), unknown (only failed sources) "
                                     "or inactive (closed, closing or not yet active in Organizations).",
                                     {"coverage"}),
      .gap = registry.add_gauge("memberwatch_gap",
                                "1 for each current gap: an active account that an answering source "
                                "(service, region) does not cover, with its normalized status. At most "
                                "health.max_gap_series series, in account order; the rest are counted in "
                                "memberwatch_gaps.",
                                {"account_id", "service", "region", "status"}),
      .gaps = registry.add_gauge("memberwatch_gaps",
                                 "Current gaps (account, service, region) in the last snapshot, whether "
                                 "memberwatch_gap lists them or not."),
      .gap_series_truncated = registry.add_gauge(
          "memberwatch_gap_series_truncated",
          "1 when memberwatch_gap lists fewer gaps than memberwatch_gaps counts (health.max_gap_series)."),
      .state_write_failures_total =
          registry.add_counter("memberwatch_state_write_failures_total",
                               "Cycles whose state could not be written, by the file that failed: changes "
                               "(the changes log) or snapshot. The cycle's change lines were taken back "
                               "and the previous snapshot stays.",
                               {"file"}),
      .last_state_write_error_timestamp_seconds =
          registry.add_gauge("memberwatch_last_state_write_error_timestamp_seconds",
                             "Unix time at which writing the state (changes log or snapshot) last failed."),
      .snapshot_write_timestamp_seconds =
          registry.add_gauge("memberwatch_snapshot_write_timestamp_seconds",
                             "Unix time at which the snapshot was last written."),
      .snapshot_bytes =
          registry.add_gauge("memberwatch_snapshot_bytes", "Size of the last written snapshot."),
  };
  metrics.build_info.set({std::string(version)}, 1.0);
  for (const char* result : {"complete", "partial", "failed"}) metrics.cycles_total.increment({result}, 0.0);
  for (const char* file : {"changes", "snapshot"}) metrics.state_write_failures_total.increment({file}, 0.0);
  for (const char* coverage : {"covered", "gaps", "unknown", "inactive"})
    metrics.accounts.set({coverage}, 0.0);
  metrics.gaps.set(0.0);
  metrics.gap_series_truncated.set(0.0);
  return metrics;
}

}  // namespace mw::health
