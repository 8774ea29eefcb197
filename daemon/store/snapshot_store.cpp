#include "store/snapshot_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "common/etag.hpp"
#include "core/changes.hpp"
#include "core/merge.hpp"
#include "store/snapshot_json.hpp"

namespace mw::store {
namespace {

constexpr mode_t kDirectoryMode = 0750;
constexpr mode_t kFileMode = 0640;
// Changes are written in pieces of this size, not held whole: a first
// cycle reports every membership as new.
constexpr std::size_t kChangesWriteBytes = 1 << 20;

std::filesystem::path without_trailing_separator(std::filesystem::path path) {
  path = path.lexically_normal();
  if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
  return path;
}

std::filesystem::path file_in(const std::filesystem::path& state_dir, const std::filesystem::path& file) {
  if (!file.has_filename()) throw std::invalid_argument("not a file name: \"" + file.string() + "\"");
  return (state_dir / file).lexically_normal();
}

// 20261121T101502Z: sortable, and no ':' that would trouble shells and tools.
std::string compact_utc_timestamp(core::TimePoint time) {
  const std::time_t seconds = core::Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string(text.data(), length);
}

std::filesystem::path with_suffix(const std::filesystem::path& path, const std::string& suffix) {
  std::filesystem::path result = path;
  result += suffix;
  return result;
}

void pread_exactly(int fd, char* buffer, std::size_t size, off_t offset, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t count = ::pread(fd, buffer, size, offset);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) throw_store_error("read", path, errno);
    if (count == 0) throw_store_error("read", path, EIO);  // shrank under us
    buffer += count;
    size -= static_cast<std::size_t>(count);
    offset += count;
  }
}

// The length of the file up to and including its last '\n'.
std::uint64_t length_of_complete_lines(int fd, std::uint64_t size, const std::filesystem::path& path) {
  std::array<char, 65536> buffer{};
  std::uint64_t end = size;
  while (end > 0) {
    const std::uint64_t chunk = std::min<std::uint64_t>(end, buffer.size());
    const std::uint64_t start = end - chunk;
    pread_exactly(fd, buffer.data(), chunk, static_cast<off_t>(start), path);
    for (std::uint64_t i = chunk; i > 0; --i) {
      if (buffer[i - 1] == '\n') return start + i;
    }
    end = start;
  }
  return 0;
}

struct ChangeLogFile {
  UniqueFd fd;
  std::uint64_t size = 0;
  bool created = false;
};

// A line cut short by a crash mid-append would glue itself to the next
// cycle's first line; it is incomplete JSON anyway, so it goes.
std::uint64_t cut_torn_tail(int fd, std::uint64_t size, const std::filesystem::path& path) {
  if (size == 0) return 0;
  char last = 0;
  pread_exactly(fd, &last, 1, static_cast<off_t>(size - 1), path);
  if (last == '\n') return size;
  const std::uint64_t keep = length_of_complete_lines(fd, size, path);
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0)
    throw_store_error("truncate the torn last line of", path, errno);
  spdlog::warn("changes log ended in a torn line, cut it off path={} removed_bytes={}", path.string(),
               size - keep);
  return keep;
}

ChangeLogFile open_change_log(const std::filesystem::path& path) {
  ChangeLogFile log;
  log.created = !path_exists(path);
  log.fd = open_in_folder(path, O_RDWR | O_APPEND | O_CREAT, kFileMode);
  if (::fchmod(log.fd.get(), kFileMode) != 0) throw_store_error("set the mode of", path, errno);
  struct stat status {};
  if (::fstat(log.fd.get(), &status) != 0) throw_store_error("inspect", path, errno);
  log.size = cut_torn_tail(log.fd.get(), static_cast<std::uint64_t>(status.st_size), path);
  return log;
}

// A crash between mkstemp and rename leaves a temporary file behind; nothing
// else writes names of that shape, so they are removed when the store opens.
void remove_stale_temporaries(const std::filesystem::path& file) {
  const std::string prefix = temporary_file_prefix(file);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_of(file), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::error_code removal;
    std::filesystem::remove(entry.path(), removal);
    if (removal) {
      spdlog::warn("stale temporary snapshot not removed path={} error=\"{}\"", entry.path().string(),
                   removal.message());
    } else {
      spdlog::warn("stale temporary snapshot removed path={}", entry.path().string());
    }
  }
}

void flush_and_close(ChangeLogFile& log, const std::string& pending, const std::filesystem::path& path) {
  write_all(log.fd.get(), pending, path);
  fsync_or_throw(log.fd.get(), path);
  log.fd.close_or_throw(path);
}

}  // namespace

SnapshotStore::SnapshotStore(std::filesystem::path state_dir, const std::filesystem::path& snapshot_file,
                             const std::filesystem::path& changes_file, std::uint64_t changes_rotate_bytes)
    : state_dir_(without_trailing_separator(std::move(state_dir))),
      snapshot_path_(file_in(state_dir_, snapshot_file)),
      changes_rotate_bytes_(changes_rotate_bytes) {
  if (state_dir_.empty()) throw std::invalid_argument("the state directory is empty");
  if (!changes_file.empty()) changes_path_ = file_in(state_dir_, changes_file);
  ensure_directory(state_dir_, kDirectoryMode);
  ensure_directory(folder_of(snapshot_path_), kDirectoryMode);
  if (changes_path_) ensure_directory(folder_of(*changes_path_), kDirectoryMode);
  remove_stale_temporaries(snapshot_path_);
}

SnapshotWrite SnapshotStore::write_snapshot(const core::Snapshot& snapshot) const {
  const auto started = std::chrono::steady_clock::now();
  SnapshotWrite written;
  EtagHasher etag;
  try {
    ensure_directory(folder_of(snapshot_path_), kDirectoryMode);
    // Streamed, and tagged as it streams: the text of a large snapshot
    // would double its memory.
    written.bytes = replace_file_atomically(
        snapshot_path_,
        [&](const auto& write) {
          serialize_to(snapshot, [&](std::string_view piece) {
            etag.update(piece);
            write(piece);
          });
        },
        kFileMode);
  } catch (const StoreError& error) {
    throw StoreError("snapshot not written, the previous one kept: " + std::string(error.what()),
                     error.error_number());
  }
  written.etag = etag.finish();
  written.duration = std::chrono::steady_clock::now() - started;
  return written;
}

std::optional<SnapshotFile> SnapshotStore::describe_snapshot() const {
  SnapshotFile file;
  EtagHasher etag;
  const bool found = read_file_in_pieces(snapshot_path_, [&](std::string_view piece) {
    etag.update(piece);
    file.bytes += piece.size();
  });
  if (!found) return std::nullopt;
  file.etag = etag.finish();
  return file;
}

PreviousSnapshot SnapshotStore::open_previous(
    const std::function<bool(const core::Membership&)>& needed) const {
  // Read and parsed block by block: a 170 MB snapshot read whole took
  // 600 MiB at start-up, its text and its JSON tree.
  PreviousSnapshot previous;
  previous.path_ = snapshot_path_;
  std::vector<core::Membership> kept;
  std::size_t records = 0;
  bool in_order = true;
  core::Membership last;  // the key of the record before
  SnapshotParser parser([&](core::Membership&& record) {
    if (last.source && !core::membership_order(last, record)) in_order = false;
    last.account_id = record.account_id;
    last.source = record.source;
    ++records;
    if (needed(record)) kept.push_back(std::move(record));
  });
  try {
    previous.file_ = open_in_folder(snapshot_path_, O_RDONLY, 0);
    if (previous.file_.get() < 0) {
      spdlog::info("no previous snapshot, starting fresh path={}", snapshot_path_.string());
      return previous;
    }
    read_open_file_in_pieces(previous.file_.get(), snapshot_path_,
                             [&parser](std::string_view piece) { parser.write(piece); });
  } catch (const StoreError& error) {
    spdlog::error("previous snapshot unreadable, starting fresh path={} error=\"{}\"",
                  snapshot_path_.string(), error.what());
    return PreviousSnapshot();
  }
  Parsed<core::Snapshot> parsed = parser.finish();
  if (!parsed) {
    move_aside_corrupt(parsed.error);
    return PreviousSnapshot();
  }
  parsed.value->memberships = std::move(kept);
  if (!in_order) {
    // Read again whole: the diff's merge-join needs the records in order.
    SnapshotParser whole;
    try {
      read_open_file_in_pieces(previous.file_.get(), snapshot_path_,
                               [&whole](std::string_view piece) { whole.write(piece); });
    } catch (const StoreError& error) {
      spdlog::error("previous snapshot unreadable, starting fresh path={} error=\"{}\"",
                    snapshot_path_.string(), error.what());
      return PreviousSnapshot();
    }
    parsed = whole.finish();
    if (!parsed) {  // changed in place since it parsed a moment ago
      spdlog::error("previous snapshot changed while read, starting fresh path={} error=\"{}\"",
                    snapshot_path_.string(), parsed.error);
      return PreviousSnapshot();
    }
    previous.file_ = UniqueFd();
    spdlog::warn("previous snapshot records out of order, holding them all path={} memberships={}",
                 snapshot_path_.string(), parsed.value->memberships.size());
  }
  spdlog::info("previous snapshot loaded path={} generated_at={} memberships={} memberships_held={}",
               snapshot_path_.string(), parsed.value->generated_at, records,
               parsed.value->memberships.size());
  previous.snapshot_ = std::move(parsed.value);
  return previous;
}

std::optional<core::Snapshot> SnapshotStore::load_previous() const {
  return open_previous([](const core::Membership&) { return true; }).snapshot_;
}

void PreviousSnapshot::for_each_membership(const std::function<void(const core::Membership&)>& each) const {
  if (!snapshot_) return;
  if (file_.get() < 0) {
    for (const core::Membership* record : core::in_membership_order(snapshot_->memberships)) each(*record);
    return;
  }
  SnapshotParser parser([&each](core::Membership&& record) { each(record); });
  read_open_file_in_pieces(file_.get(), path_, [&parser](std::string_view piece) { parser.write(piece); });
  const auto parsed = parser.finish();
  if (!parsed) throw StoreError("previous snapshot " + path_.string() + " read again: " + parsed.error, 0);
}

void SnapshotStore::move_aside_corrupt(const std::string& parse_error) const {
  const std::filesystem::path base =
      with_suffix(snapshot_path_, ".corrupt-" + compact_utc_timestamp(core::Clock::now()));
  std::filesystem::path target = base;
  for (int n = 2; path_exists(target); ++n) target = with_suffix(base, "-" + std::to_string(n));
  try {
    rename_if_exists(snapshot_path_, target);
    fsync_directory(folder_of(snapshot_path_));
  } catch (const StoreError& error) {
    spdlog::error(
        "previous snapshot does not parse and could not be moved aside, starting fresh path={} "
        "parse_error=\"{}\" error=\"{}\"",
        snapshot_path_.string(), parse_error, error.what());
    return;
  }
  spdlog::error(
      "previous snapshot does not parse, moved aside, starting fresh path={} moved_to={} error=\"{}\"",
      snapshot_path_.string(), target.string(), parse_error);
}

void SnapshotStore::append_changes(std::span<const core::MembershipChange> changes) const {
  append_lines(changes);
}

void SnapshotStore::append_changes(std::span<const core::AccountChange> changes) const {
  append_lines(changes);
}

template <typename Change>
void SnapshotStore::append_lines(std::span<const Change> changes) const {
  if (!changes_path_ || changes.empty()) return;
  const std::filesystem::path& path = *changes_path_;
  try {
    ensure_directory(folder_of(path), kDirectoryMode);
    ChangeLogFile log = open_change_log(path);
    bool folder_changed = log.created;
    std::string pending;
    for (const Change& change : changes) {
      std::string line = serialize_change(change);
      line += '\n';
      const std::uint64_t size = log.size + pending.size();
      if (size > 0 && size + line.size() > changes_rotate_bytes_) {
        flush_and_close(log, pending, path);
        pending.clear();
        rotate_changes();
        log = open_change_log(path);
        folder_changed = true;
      }
      pending += line;
      if (pending.size() >= kChangesWriteBytes) {
        write_all(log.fd.get(), pending, path);
        log.size += pending.size();
        pending.clear();
      }
    }
    flush_and_close(log, pending, path);
    if (folder_changed) fsync_directory(folder_of(path));
  } catch (const StoreError& error) {
    throw StoreError("changes not appended: " + std::string(error.what()), error.error_number());
  }
}

std::filesystem::path SnapshotStore::rotated_changes_path(int generation) const {
  if (!changes_path_) return {};
  return with_suffix(*changes_path_, "." + std::to_string(generation));
}

SnapshotStore::ChangesMark SnapshotStore::changes_mark() const {
  ChangesMark mark{0, rotations_};
  if (!changes_path_) return mark;
  UniqueFd log = open_in_folder(*changes_path_, O_RDONLY, 0);
  if (log.get() < 0) return mark;  // none yet
  struct stat status {};
  if (::fstat(log.get(), &status) != 0) throw_store_error("inspect", *changes_path_, errno);
  mark.size = static_cast<std::uint64_t>(status.st_size);
  return mark;
}

namespace {

void truncate_file(const std::filesystem::path& path, std::uint64_t size) {
  UniqueFd file = open_in_folder(path, O_WRONLY, 0);
  if (file.get() < 0) return;  // nothing to take back
  if (::ftruncate(file.get(), static_cast<off_t>(size)) != 0) throw_store_error("truncate", path, errno);
  fsync_or_throw(file.get(), path);
  file.close_or_throw(path);
}

}  // namespace

void SnapshotStore::cut_changes_back(const ChangesMark& mark) const {
  if (!changes_path_) return;
  const std::uint64_t rotated = rotations_ - mark.rotations;
  if (rotated == 0) {
    truncate_file(*changes_path_, mark.size);
  } else {
    // The log as it stood is now changes.jsonl.N (N = rotations since);
    // the files after it hold only lines of this cycle.
    if (rotated <= static_cast<std::uint64_t>(kChangesKeptRotations))
      truncate_file(rotated_changes_path(static_cast<int>(rotated)), mark.size);
    for (std::uint64_t generation = 1; generation < rotated && generation <= kChangesKeptRotations;
         ++generation)
      truncate_file(rotated_changes_path(static_cast<int>(generation)), 0);
    truncate_file(*changes_path_, 0);
  }
  spdlog::warn("changes of a cycle whose state was not written taken back path={} size={}",
               changes_path_->string(), mark.size);
}

void SnapshotStore::rotate_changes() const {
  for (int generation = kChangesKeptRotations - 1; generation >= 1; --generation) {
    rename_if_exists(rotated_changes_path(generation), rotated_changes_path(generation + 1));
  }
  rename_if_exists(*changes_path_, rotated_changes_path(1));
  ++rotations_;
  spdlog::info("changes log rotated path={} limit_bytes={} kept={}", changes_path_->string(),
               changes_rotate_bytes_, kChangesKeptRotations);
}

}  // namespace mw::store
