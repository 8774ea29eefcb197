#include "app/cycle_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>
#include <utility>

#include "core/changes.hpp"
#include "core/merge.hpp"

namespace mw::app {
namespace {

constexpr std::size_t kChangesBatch = 4096;

std::string status_or_null(const std::optional<core::MemberStatus>& status) {
  return status ? std::string(core::to_string(*status)) : "null";
}

}  // namespace

CycleCounts count(const core::Snapshot& snapshot) {
  CycleCounts counts;
  counts.accounts = snapshot.totals.accounts;
  counts.covered = snapshot.totals.covered;
  for (const auto& account : snapshot.accounts) {
    if (!account.gaps.empty()) ++counts.gaps;
    if (!account.unknown.empty()) ++counts.unknown;
  }
  counts.sources = snapshot.sources.size();
  counts.sources_failed = static_cast<std::uint64_t>(
      std::count_if(snapshot.sources.begin(), snapshot.sources.end(), [](const core::SourceSummary& source) {
        return source.state == core::SourceState::stale || source.state == core::SourceState::error;
      }));
  counts.sources_region_disabled = static_cast<std::uint64_t>(std::count_if(
      snapshot.sources.begin(), snapshot.sources.end(),
      [](const core::SourceSummary& source) { return source.state == core::SourceState::region_disabled; }));
  return counts;
}

std::string summary_line(const core::Snapshot& snapshot) {
  const auto counts = count(snapshot);
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", snapshot.cycle.duration_seconds);
  return "accounts=" + std::to_string(counts.accounts) + " covered=" + std::to_string(counts.covered) +
         " gaps=" + std::to_string(counts.gaps) + " unknown=" + std::to_string(counts.unknown) +
         " inactive=" + std::to_string(snapshot.totals.inactive) +
         " sources=" + std::to_string(counts.sources) +
         " sources_failed=" + std::to_string(counts.sources_failed) +
         " sources_region_disabled=" + std::to_string(counts.sources_region_disabled) +
         " requests=" + std::to_string(snapshot.cycle.requests) +
         " retries=" + std::to_string(snapshot.cycle.retries) +
         " throttled=" + std::to_string(snapshot.cycle.throttled) + " duration_seconds=" + duration;
}

CycleRunner::CycleRunner(store::SnapshotStore store)
    : store_(std::move(store)),
      last_known_(
          core::last_known(store_.open_previous([](const core::Membership&) { return false; }).snapshot())) {}

boost::asio::awaitable<CycleOutcome> CycleRunner::run(const config::Config& config,
                                                      poller::CycleDependencies deps) {
  core::CycleResults results = co_await poller::run_cycle(config, std::move(deps), last_known_);
  // Shutdown cancels the cycle; the sources it cut short did not fail, so
  // nothing is merged or written and the previous snapshot stays.
  if ((co_await boost::asio::this_coro::cancellation_state).cancelled() !=
      boost::asio::cancellation_type::none) {
    spdlog::info("cycle cancelled; the previous snapshot stays");
    throw boost::system::system_error(boost::asio::error::operation_aborted);
  }
  // The results go into the merge and are freed with it: a large
  // organization's records then exist once, not twice.
  // The previous snapshot is read with only the records the merge needs;
  // the diff streams the rest back from its file.
  core::MergeOptions options{results.planned_sources, config.guardduty.required_features};
  const store::PreviousSnapshot previous =
      store_.open_previous(core::previous_records_needed(results, options));
  auto next = core::merge(previous.snapshot(), std::exchange(results, {}), options);

  CycleOutcome outcome;
  outcome.complete = next.cycle.complete;
  outcome.summary = summary_line(next);
  outcome.duration_seconds = next.cycle.duration_seconds;
  // The changes log and the snapshot move together: this cycle's changes
  // first, then the snapshot they lead to. When either cannot be written,
  // the lines are taken back and the old snapshot stays, so the next cycle
  // diffs against it again and logs every change exactly once.
  const auto mark = store_.changes_mark();
  const auto fail = [&](std::string file, const std::exception& error) {
    outcome.state_write_file = std::move(file);
    outcome.state_write_error = error.what();
    spdlog::error("cycle state not written; the previous snapshot stays file={} path={} error=\"{}\"",
                  outcome.state_write_file, store_.snapshot_path().string(), outcome.state_write_error);
    try {
      store_.cut_changes_back(mark);
    } catch (const std::exception& e) {
      spdlog::error("changes not taken back path={} error=\"{}\"", store_.state_dir().string(), e.what());
    }
    spdlog::info("cycle finished without snapshot {}", outcome.summary);
  };
  std::vector<core::MembershipChange> changes;
  try {
    changes = append_changes(previous, next);
  } catch (const std::exception& e) {
    fail("changes", e);
    outcome.snapshot = std::move(next);
    co_return outcome;
  }
  try {
    outcome.write = store_.write_snapshot(next);
    outcome.written = true;
  } catch (const std::exception& e) {
    fail("snapshot", e);
    outcome.snapshot = std::move(next);
    co_return outcome;
  }
  log_changes(previous.snapshot(), next, changes);
  spdlog::info("cycle finished {} complete={} snapshot={} snapshot_bytes={}", outcome.summary,
               outcome.complete, store_.snapshot_path().string(), outcome.write->bytes);
  last_known_ = core::last_known(next);
  outcome.snapshot = std::move(next);
  co_return outcome;
}

std::vector<core::MembershipChange> CycleRunner::append_changes(const store::PreviousSnapshot& previous,
                                                                const core::Snapshot& next) const {
  // Appended in batches: a first cycle reports every membership as new.
  std::vector<core::MembershipChange> batch;
  std::vector<core::MembershipChange> logged;
  const auto previous_records = [&previous](const auto& each) { previous.for_each_membership(each); };
  core::for_each_change(previous_records, next, [&](const core::Membership& record, auto from, auto to) {
    batch.push_back(core::change_of(record, next.generated_at, from, to));
    if (previous.snapshot()) logged.push_back(batch.back());
    if (batch.size() == kChangesBatch) {
      store_.append_changes(batch);
      batch.clear();
    }
  });
  store_.append_changes(batch);
  store_.append_changes(core::account_changes(previous.snapshot(), next, next.generated_at));
  return logged;
}

void CycleRunner::log_changes(const std::optional<core::Snapshot>& previous, const core::Snapshot& next,
                              const std::vector<core::MembershipChange>& changes) const {
  if (!previous) {
    spdlog::info("first snapshot memberships={}", next.memberships.size());
    return;
  }
  for (const auto& change : changes) {
    spdlog::info("membership status changed account={} service={} region={} administrator={} from={} to={}",
                 change.account_id, core::to_string(change.service), change.region, change.administrator_id,
                 status_or_null(change.from), status_or_null(change.to));
  }
  for (const auto& change : core::account_changes(previous, next, next.generated_at)) {
    spdlog::info("account state changed account={} from={} to={}", change.account_id,
                 change.from.value_or("null"), change.to.value_or("null"));
  }
  for (const auto& change : core::auto_enable_changes(*previous, next)) {
    spdlog::info("source auto-enable changed administrator={} service={} region={} from={} to={}",
                 change.source.administrator_id, core::to_string(change.source.service), change.source.region,
                 change.from.value_or("null"), change.to.value_or("null"));
  }
}

}  // namespace mw::app
