#pragma once

// One whole cycle: poll, merge with the previous snapshot, write the
// snapshot and the changes log, log the changes and a summary line.
//
// The state between cycles is the snapshot on disk: the runner reads it
// back for the merge and keeps nothing of it while it waits but what the
// next cycle's plan needs (core::LastKnown, a few hundred bytes).

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/model.hpp"
#include "poller/cycle.hpp"
#include "store/snapshot_store.hpp"

namespace mw::app {

struct CycleOutcome {
  bool written = false;   // the snapshot reached the disk
  bool complete = false;  // every source (and Organizations) answered, nothing cancelled
  std::string summary;    // the one-line summary, also logged (and sent as systemd STATUS=)
  double duration_seconds = 0;
  std::optional<store::SnapshotWrite> write;
  // When the cycle's state could not be written: "changes" or "snapshot",
  // and why (its lines were taken back, the previous snapshot stays).
  std::string state_write_file;
  std::string state_write_error;
  // The snapshot this cycle merged (written or not), for the caller's
  // metrics; gone when the outcome goes.
  std::optional<core::Snapshot> snapshot;
};

struct CycleCounts {
  std::uint64_t accounts = 0;
  std::uint64_t covered = 0;
  std::uint64_t gaps = 0;
  std::uint64_t unknown = 0;
  std::uint64_t sources = 0;
  std::uint64_t sources_failed = 0;           // stale or error
  std::uint64_t sources_region_disabled = 0;  // not enabled in the administrator's account
};

CycleCounts count(const core::Snapshot& snapshot);
std::string summary_line(const core::Snapshot& snapshot);

class CycleRunner {
 public:
  // Reads what the last snapshot on disk tells the next cycle, so that the
  // plan survives a restart (stale carry-over and change detection read
  // the snapshot itself, each cycle).
  explicit CycleRunner(store::SnapshotStore store);

  boost::asio::awaitable<CycleOutcome> run(const config::Config& config, poller::CycleDependencies deps);

  const core::LastKnown& last_known() const { return last_known_; }
  const store::SnapshotStore& store() const { return store_; }

 private:
  // This cycle's change lines, membership and account, to the changes log
  // (the previous records streamed back from its file). Returns the
  // membership changes to log; none after a first snapshot, whose every
  // record is new.
  std::vector<core::MembershipChange> append_changes(const store::PreviousSnapshot& previous,
                                                     const core::Snapshot& next) const;
  // The changes logged line by line, once they are on disk with their snapshot.
  void log_changes(const std::optional<core::Snapshot>& previous, const core::Snapshot& next,
                   const std::vector<core::MembershipChange>& changes) const;

  store::SnapshotStore store_;
  core::LastKnown last_known_;
};

}  // namespace mw::app
