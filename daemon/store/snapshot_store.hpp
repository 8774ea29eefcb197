#pragma once

// Where the snapshot and the changes log live on disk (CONTRACT.md,
// "Snapshot"). Every write is durable when it returns; a failed write leaves
// what was there before.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "store/posix_file.hpp"

namespace mw::store {

inline constexpr std::uint64_t kChangesRotateBytes = 64ull * 1024 * 1024;
inline constexpr int kChangesKeptRotations = 3;  // changes.jsonl.1 .. .3

// A snapshot file as written (or found): its size and strong ETag
// (common/etag.hpp), for serving it from the file.
struct SnapshotFile {
  std::uint64_t bytes = 0;
  std::string etag;
};

struct SnapshotWrite : SnapshotFile {
  std::chrono::nanoseconds duration{};
};

// The previous snapshot as a cycle reads it: everything but its records,
// plus the records a filter asked for (core::previous_records_needed). The
// diff streams the records back from the file as it was when opened (a
// file renamed over it since changes nothing), so they are never all in
// memory. A file whose records are out of membership order (not written by
// memberwatchd) is held whole instead, its records sorted.
class PreviousSnapshot {
 public:
  PreviousSnapshot() = default;  // none

  const std::optional<core::Snapshot>& snapshot() const { return snapshot_; }

  // Every record of the snapshot in membership order, one per key (a
  // core::RecordStream); none without a snapshot. Throws StoreError when
  // the file cannot be read or parsed again.
  void for_each_membership(const std::function<void(const core::Membership& record)>& each) const;

 private:
  friend class SnapshotStore;

  std::filesystem::path path_;
  UniqueFd file_;  // invalid when snapshot_ holds every record
  std::optional<core::Snapshot> snapshot_;
};

class SnapshotStore {
 public:
  // snapshot_file and changes_file are relative to state_dir unless absolute;
  // an empty changes_file turns the changes log off. state_dir (and the
  // files' folders) are created with mode 0750 when missing. Throws
  // StoreError when that fails, std::invalid_argument for an empty snapshot
  // file name. Temporary snapshot files left by a crash are removed.
  SnapshotStore(std::filesystem::path state_dir, const std::filesystem::path& snapshot_file,
                const std::filesystem::path& changes_file,
                std::uint64_t changes_rotate_bytes = kChangesRotateBytes);

  // Atomically replaces the snapshot file (mode 0640). Throws StoreError
  // (errno's text, the file, the failed step) with the previous snapshot
  // intact and no temporary file left.
  SnapshotWrite write_snapshot(const core::Snapshot& snapshot) const;

  // The size and ETag of the snapshot file as it is (read in pieces);
  // nullopt when there is none. Throws StoreError when it cannot be read.
  std::optional<SnapshotFile> describe_snapshot() const;

  // The snapshot written last, with the records `needed` accepts; none when
  // there is no snapshot or it cannot be read. One that does not parse is
  // renamed to <snapshot>.corrupt-YYYYMMDDTHHMMSSZ and logged. Never throws
  // StoreError.
  PreviousSnapshot open_previous(const std::function<bool(const core::Membership&)>& needed) const;
  // The same with every record.
  std::optional<core::Snapshot> load_previous() const;

  // Appends one line per change, written in pieces of about 1 MiB, and
  // fsyncs once; a no-op when the log is off or `changes` is empty. Before
  // the first line that would take the file past the rotation size it
  // becomes changes.jsonl.1 (.1 -> .2 -> .3, the oldest dropped). A torn
  // last line left by a crash is cut off first. Throws StoreError.
  void append_changes(std::span<const core::MembershipChange> changes) const;
  void append_changes(std::span<const core::AccountChange> changes) const;

  // Where the changes log stands, taken before a cycle's lines are
  // appended, so that they can be taken back.
  struct ChangesMark {
    std::uint64_t size = 0;       // of changes.jsonl
    std::uint64_t rotations = 0;  // rotations this store made so far
  };
  ChangesMark changes_mark() const;
  // Takes back every line appended since `mark` (the log cut to its size
  // then; after a rotation, the rotated file cut back and the newer files
  // emptied), so that a cycle whose snapshot was not written leaves no
  // line behind: the next cycle diffs against the same old snapshot and
  // appends them again, once. Throws StoreError.
  void cut_changes_back(const ChangesMark& mark) const;

  const std::filesystem::path& state_dir() const { return state_dir_; }
  const std::filesystem::path& snapshot_path() const { return snapshot_path_; }
  const std::optional<std::filesystem::path>& changes_path() const { return changes_path_; }
  // changes.jsonl.N, N in 1..kChangesKeptRotations.
  std::filesystem::path rotated_changes_path(int generation) const;

 private:
  void move_aside_corrupt(const std::string& parse_error) const;
  void rotate_changes() const;
  template <typename Change>
  void append_lines(std::span<const Change> changes) const;

  std::filesystem::path state_dir_;
  std::filesystem::path snapshot_path_;
  std::optional<std::filesystem::path> changes_path_;
  std::uint64_t changes_rotate_bytes_;
  mutable std::uint64_t rotations_ = 0;
};

}  // namespace mw::store
