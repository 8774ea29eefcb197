#pragma once

// memberwatchctl's commands (CONTRACT.md, "memberwatchctl"). Each reads
// what it needs through ctl/reading.hpp and prints through ctl/output.hpp;
// what they compute is in pure functions below, tested without files.

#include <boost/json/object.hpp>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/model.hpp"
#include "ctl/options.hpp"

namespace mw::ctl {

// Runs the command of `options` at `now`, printing to `out`; the exit code.
// Throws CtlError (ctl/reading.hpp) for what ends it early.
int run_command(const Options& options, core::TimePoint now, std::FILE* out);

// ---------------------------------------------------------------- pure parts

// The (service, region) pairs an administrator polls: its sources that are
// not region_disabled.
using PolledPairs = std::set<std::pair<core::Service, std::string>>;
PolledPairs polled_by(const std::vector<core::SourceSummary>& sources, const std::string& administrator_id);

// The gap rows of one account that pass the filters, but the
// administrator filter (applied with polled_by once the sources are read):
// first its coverage gaps (kind "coverage", feature null, status its
// membership status), then its feature gaps (kind "feature": a required
// GuardDuty protection plan, status DISABLED or ABSENT). A status filter
// keeps the feature rows whose status has the same name only.
// Row keys: account_id, account_name, kind, service, region, feature, status.
std::vector<boost::json::object> gap_rows(const core::AccountSummary& account, const Filters& filters);

// One line of a changes log as a row (keys: at, kind, account_id, service,
// region, administrator_id, from, to), nullopt when a filter leaves it
// out; an error text when the line is not a changes line.
struct ChangeLine {
  std::optional<boost::json::object> row;
  std::string error;
};
ChangeLine change_row(std::string_view line, const Filters& filters, std::optional<core::TimePoint> since);

// The memberships that differ between two snapshots, in membership order.
// Row keys: account_id, service, region, administrator_id, change
// (appeared, vanished, status, stale), from, to, stale_before, stale_after.
std::vector<boost::json::object> diff_rows(const std::vector<core::Membership>& before,
                                           const std::vector<core::Membership>& after);

// What `check` looks at, gathered while the snapshot streams by.
struct CheckFacts {
  std::optional<core::TimePoint> generated_at;
  std::uint64_t accounts = 0;
  std::uint64_t covered = 0;
  std::uint64_t inactive = 0;
  std::uint64_t with_gaps = 0;
  std::uint64_t with_unknown = 0;
  std::vector<std::string> failing_sources;  // "ADMIN/service/region (state, code)"
};
struct CheckVerdict {
  int exit_code = kCheckOk;
  std::string label;  // OK, WARNING, CRITICAL, UNKNOWN
  std::string line;   // the whole status line, Nagios plugin format
};
CheckVerdict check_verdict(const CheckFacts& facts, std::chrono::seconds max_age, core::TimePoint now);

// "42s", "12m5s", "3h12m", "2d3h": an age for people.
std::string human_age(std::chrono::seconds age);

}  // namespace mw::ctl
