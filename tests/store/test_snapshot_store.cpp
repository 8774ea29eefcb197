#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/merge.hpp"
#include "store/snapshot_json.hpp"
#include "store/snapshot_store.hpp"
#include "store_test_support.hpp"
#include "support/test_files.hpp"

namespace fs = std::filesystem;
using namespace mw;
using mw::store::SnapshotStore;
using mw::store::StoreError;
using mw::store::testing::check_equal;
using mw::store::testing::rich_snapshot;
using mw::test::TempFolder;

namespace {

unsigned mode_of(const fs::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out);
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs `body` in a child process whose files cannot grow past `max_file_bytes`
// (SIGXFSZ ignored, so writes fail with EFBIG): a write failure that root,
// who ignores permissions, cannot bypass. Returns the child's exit status.
int run_with_file_size_limit(rlim_t max_file_bytes, const std::function<int()>& body) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{max_file_bytes, max_file_bytes};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(90);
    int code = 91;
    try {
      code = body();
    } catch (...) {
      code = 92;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

// Captures what the store logs while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

core::MembershipChange change(int index) {
  return {
      "2026-11-21T10:15:14Z", std::to_string(100000000000 + index), core::Service::guardduty,   "eu-west-1",
      "111111111111",         core::MemberStatus::INVITED,          core::MemberStatus::ENABLED};
}

std::vector<core::MembershipChange> changes(int first, int count) {
  std::vector<core::MembershipChange> result;
  for (int i = first; i < first + count; ++i) result.push_back(change(i));
  return result;
}

std::string account_of_line(const std::string& line) {
  const auto parsed = store::parse_change_line(line);
  REQUIRE_MESSAGE(parsed, parsed.error);
  return parsed.value->account_id;
}

}  // namespace

TEST_CASE("the state directory is created with mode 0750 whatever the umask, an existing one is left alone") {
  test::TempFolder temp;
  const mode_t previous_umask = ::umask(077);
  SnapshotStore store(temp.path() / "var" / "lib" / "memberwatch/", "snapshot.json", "changes.jsonl");
  ::umask(previous_umask);
  CHECK(store.state_dir() == temp.path() / "var" / "lib" / "memberwatch");
  CHECK(mode_of(temp.path() / "var") == 0750);
  CHECK(mode_of(store.state_dir()) == 0750);
  CHECK(store.snapshot_path() == store.state_dir() / "snapshot.json");
  CHECK(store.changes_path() == store.state_dir() / "changes.jsonl");

  fs::create_directory(temp.path() / "existing");
  fs::permissions(temp.path() / "existing", fs::perms::owner_all);
  SnapshotStore existing(temp.path() / "existing", "snapshot.json", "");
  CHECK(mode_of(temp.path() / "existing") == 0700);
  CHECK_FALSE(existing.changes_path().has_value());
}

TEST_CASE("a state directory that is a file is a clear error") {
  test::TempFolder temp;
  write_text(temp.path() / "state", "not a folder");
  try {
    SnapshotStore store(temp.path() / "state", "snapshot.json", "changes.jsonl");
    FAIL("no error");
  } catch (const StoreError& error) {
    CHECK(std::string(error.what()) ==
          "use as a directory " + (temp.path() / "state").string() + ": Not a directory");
    CHECK(error.error_number() == ENOTDIR);
  }
  CHECK_THROWS_AS(SnapshotStore(temp.path(), "", ""), std::invalid_argument);
}

TEST_CASE("snapshot and changes paths: relative to state_dir, in subfolders, or absolute") {
  test::TempFolder temp;
  SnapshotStore store(temp.path() / "state", "snapshots/current.json", temp.path() / "log" / "changes.jsonl");
  CHECK(store.snapshot_path() == temp.path() / "state" / "snapshots" / "current.json");
  CHECK(store.changes_path() == temp.path() / "log" / "changes.jsonl");
  CHECK(mode_of(temp.path() / "state" / "snapshots") == 0750);
  CHECK(mode_of(temp.path() / "log") == 0750);
  store.write_snapshot(rich_snapshot());
  CHECK(names_in(temp.path() / "state" / "snapshots") == std::vector<std::string>{"current.json"});
}

TEST_CASE("write_snapshot replaces the file atomically with mode 0640 and leaves no temporary file") {
  test::TempFolder temp;
  const mode_t previous_umask = ::umask(077);
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  core::Snapshot snapshot = rich_snapshot();
  const auto first = store.write_snapshot(snapshot);
  ::umask(previous_umask);
  const std::string text = read_text(store.snapshot_path());
  CHECK(text == store::serialize(snapshot));
  CHECK(first.bytes == text.size());
  CHECK(first.duration.count() > 0);
  CHECK(mode_of(store.snapshot_path()) == 0640);

  snapshot.generated_at = "2026-11-21T10:30:14Z";
  snapshot.memberships.pop_back();
  const auto second = store.write_snapshot(snapshot);
  CHECK(read_text(store.snapshot_path()) == store::serialize(snapshot));
  CHECK(second.bytes < first.bytes);
  CHECK(names_in(temp.path()) == std::vector<std::string>{"snapshot.json"});
}

TEST_CASE("a failed write (file size limit) keeps the previous snapshot and removes the temporary file") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  const core::Snapshot previous = rich_snapshot();
  store.write_snapshot(previous);
  const std::string previous_text = read_text(store.snapshot_path());

  core::Snapshot next = rich_snapshot();
  next.generated_at = "2026-11-21T10:30:14Z";
  const int status = run_with_file_size_limit(1000, [&] {
    try {
      store.write_snapshot(next);
      return 1;
    } catch (const StoreError& error) {
      const std::string what = error.what();
      const bool clear = what.find("snapshot not written, the previous one kept: write ") == 0 &&
                         what.find("File too large") != std::string::npos;
      return error.error_number() == EFBIG && clear ? 0 : 2;
    }
  });
  CHECK(status == 0);
  CHECK(read_text(store.snapshot_path()) == previous_text);
  CHECK(names_in(temp.path()) == std::vector<std::string>{"snapshot.json"});
  const auto loaded = store.load_previous();
  REQUIRE(loaded);
  check_equal(*loaded, previous);
}

TEST_CASE(
    "a failed rename (the snapshot path is a directory) is a clear error and removes the temporary file") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  fs::create_directory(store.snapshot_path());
  write_text(store.snapshot_path() / "keep", "x");
  try {
    store.write_snapshot(rich_snapshot());
    FAIL("no error");
  } catch (const StoreError& error) {
    const std::string what = error.what();
    CHECK(what.find("snapshot not written, the previous one kept: rename ") == 0);
    CHECK(what.find("Is a directory") != std::string::npos);
    CHECK(error.error_number() == EISDIR);
  }
  CHECK(names_in(temp.path()) == std::vector<std::string>{"snapshot.json"});
  CHECK(names_in(store.snapshot_path()) == std::vector<std::string>{"keep"});
}

TEST_CASE("load_previous reads back what write_snapshot wrote, none is nullopt") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  CHECK_FALSE(store.load_previous().has_value());
  const core::Snapshot snapshot = rich_snapshot();
  store.write_snapshot(snapshot);
  const auto loaded = SnapshotStore(temp.path(), "snapshot.json", "").load_previous();
  REQUIRE(loaded);
  check_equal(*loaded, snapshot);
}

TEST_CASE("a snapshot that does not parse is moved aside with a UTC timestamp and logged") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  LogCapture log;
  write_text(store.snapshot_path(), "{\"schema\": \"memberwatch.snapshot/v1\", \"cycle\": ");
  CHECK_FALSE(store.load_previous().has_value());
  auto names = names_in(temp.path());
  REQUIRE(names.size() == 1);
  CHECK(std::regex_match(names[0], std::regex(R"(snapshot\.json\.corrupt-20\d{6}T\d{6}Z)")));
  CHECK(read_text(temp.path() / names[0]) == "{\"schema\": \"memberwatch.snapshot/v1\", \"cycle\": ");
  const std::string logged = log.text();
  CHECK(logged.find("error previous snapshot does not parse, moved aside, starting fresh path=" +
                    store.snapshot_path().string() + " moved_to=" + (temp.path() / names[0]).string() +
                    " error=\"not valid JSON at line 1 column ") == 0);

  // A second corrupt file within the same second gets its own name.
  write_text(store.snapshot_path(), "[]");
  write_text(temp.path() / (names[0]), "earlier");
  CHECK_FALSE(store.load_previous().has_value());
  names = names_in(temp.path());
  REQUIRE(names.size() == 2);
  CHECK(read_text(temp.path() / names[0]) == "earlier");
  CHECK(std::regex_match(names[1], std::regex(R"(snapshot\.json\.corrupt-20\d{6}T\d{6}Z(-2)?)")));

  // The store goes on: the next write creates a fresh snapshot.
  store.write_snapshot(rich_snapshot());
  CHECK(store.load_previous().has_value());
}

TEST_CASE("a snapshot of another schema or an unreadable one is never fatal") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  LogCapture log;
  write_text(store.snapshot_path(), R"({"schema": "memberwatch.snapshot/v2"})");
  CHECK_FALSE(store.load_previous().has_value());
  CHECK(log.text().find("error=\"schema: expected \\\"memberwatch.snapshot/v1\\\"") == std::string::npos);
  CHECK(log.text().find("error=\"schema: expected ") != std::string::npos);
  CHECK_FALSE(fs::exists(store.snapshot_path()));

  fs::create_directory(store.snapshot_path());
  CHECK_FALSE(store.load_previous().has_value());
  CHECK(fs::is_directory(store.snapshot_path()));
  CHECK(log.text().find("error previous snapshot unreadable, starting fresh path=") != std::string::npos);
}

TEST_CASE("account changes are appended as lines of kind account beside the membership lines") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  store.append_changes(changes(0, 1));
  const std::vector<core::AccountChange> accounts = {
      {"2026-11-21T10:15:14Z", "222222222222", "ACTIVE", "SUSPENDED"},
      {"2026-11-21T10:15:14Z", "333333333333", "CLOSED", std::nullopt}};
  store.append_changes(accounts);
  store.append_changes(std::vector<core::AccountChange>{});
  const auto lines = lines_of(*store.changes_path());
  REQUIRE(lines.size() == 3);
  CHECK(store::change_kind(lines[0]) == "membership");
  CHECK(store::parse_account_change_line(lines[1]).value == accounts[0]);
  CHECK(store::parse_account_change_line(lines[2]).value == accounts[1]);
}

TEST_CASE("append_changes appends one parsable line per change, mode 0640") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  store.append_changes(std::vector<core::MembershipChange>{});
  CHECK_FALSE(fs::exists(*store.changes_path()));
  store.append_changes(changes(0, 3));
  store.append_changes(changes(3, 2));
  const auto lines = lines_of(*store.changes_path());
  REQUIRE(lines.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(account_of_line(lines[i]) == std::to_string(100000000000 + i));
  CHECK(lines[0] == store::serialize_change(change(0)));
  CHECK(mode_of(*store.changes_path()) == 0640);
  CHECK(read_text(*store.changes_path()).back() == '\n');
}

TEST_CASE("an empty changes file name turns the log off") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  store.append_changes(changes(0, 3));
  CHECK(names_in(temp.path()).empty());
  CHECK(store.rotated_changes_path(1).empty());
}

TEST_CASE("the changes log rotates before it would pass the limit and keeps three old files") {
  test::TempFolder temp;
  const std::size_t line_bytes = store::serialize_change(change(0)).size() + 1;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl", line_bytes * 4);
  int next = 0;
  for (int batch = 0; batch < 9; ++batch) {
    store.append_changes(changes(next, 3));
    next += 3;
  }
  // 27 lines, at most 4 a file: files of 4,4,4,...: the live file and three
  // rotated ones hold the newest lines; older ones are gone.
  CHECK(names_in(temp.path()) ==
        std::vector<std::string>{"changes.jsonl", "changes.jsonl.1", "changes.jsonl.2", "changes.jsonl.3"});
  std::vector<std::string> kept;
  for (int generation = 3; generation >= 1; --generation) {
    const fs::path path = store.rotated_changes_path(generation);
    CHECK(fs::file_size(path) <= line_bytes * 4);
    CHECK(mode_of(path) == 0640);
    for (const auto& line : lines_of(path)) kept.push_back(account_of_line(line));
  }
  for (const auto& line : lines_of(*store.changes_path())) kept.push_back(account_of_line(line));
  CHECK(fs::file_size(*store.changes_path()) <= line_bytes * 4);
  REQUIRE(kept.size() == 15);  // 27 = 4 * 6 + 3: the three newest full files and the live one
  for (std::size_t i = 0; i < kept.size(); ++i) CHECK(kept[i] == std::to_string(100000000000 + 12 + i));
}

TEST_CASE("a single batch larger than the limit is split over rotations, a line alone may exceed it") {
  test::TempFolder temp;
  const std::size_t line_bytes = store::serialize_change(change(0)).size() + 1;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl", line_bytes * 2);
  store.append_changes(changes(0, 5));
  CHECK(lines_of(store.rotated_changes_path(2)).size() == 2);
  CHECK(lines_of(store.rotated_changes_path(1)).size() == 2);
  CHECK(lines_of(*store.changes_path()).size() == 1);

  SnapshotStore tiny(temp.path() / "tiny", "snapshot.json", "changes.jsonl", 10);
  tiny.append_changes(changes(0, 2));
  CHECK(lines_of(tiny.rotated_changes_path(1)).size() == 1);
  CHECK(lines_of(*tiny.changes_path()).size() == 1);
}

TEST_CASE("a batch of several MiB goes out in pieces: every line whole, in order, rotation exact") {
  test::TempFolder temp;
  const std::size_t line_bytes = store::serialize_change(change(0)).size() + 1;
  const int count = static_cast<int>((5u << 20) / line_bytes);  // about 5 MiB, past the 1 MiB write piece
  const std::size_t per_file = (3u << 20) / line_bytes;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl", per_file * line_bytes);
  store.append_changes(changes(0, count));
  const auto rotated = lines_of(store.rotated_changes_path(1));
  const auto live = lines_of(*store.changes_path());
  CHECK(rotated.size() == per_file);
  CHECK(fs::file_size(store.rotated_changes_path(1)) == per_file * line_bytes);
  REQUIRE(rotated.size() + live.size() == static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto& line = static_cast<std::size_t>(i) < rotated.size() ? rotated[i] : live[i - rotated.size()];
    REQUIRE(account_of_line(line) == std::to_string(100000000000 + i));
  }
}

TEST_CASE("a torn last line is cut off before appending, and logged") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  const std::string complete = store::serialize_change(change(0)) + "\n";
  const std::string torn = store::serialize_change(change(1)).substr(0, 40);
  write_text(*store.changes_path(), complete + torn);
  LogCapture log;
  store.append_changes(changes(2, 2));
  const auto lines = lines_of(*store.changes_path());
  REQUIRE(lines.size() == 3);
  CHECK(account_of_line(lines[0]) == "100000000000");
  CHECK(account_of_line(lines[1]) == "100000000002");
  CHECK(account_of_line(lines[2]) == "100000000003");
  CHECK(log.text().find("warning changes log ended in a torn line, cut it off path=" +
                        store.changes_path()->string() + " removed_bytes=40") != std::string::npos);

  write_text(*store.changes_path(), torn);
  store.append_changes(changes(4, 1));
  CHECK(read_text(*store.changes_path()) == store::serialize_change(change(4)) + "\n");
}

TEST_CASE("an append cut short by a full disk leaves a torn line that the next append repairs") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  store.append_changes(changes(0, 2));
  const std::size_t line_bytes = store::serialize_change(change(0)).size() + 1;
  const int status = run_with_file_size_limit(line_bytes * 3 + line_bytes / 2, [&] {
    try {
      store.append_changes(changes(2, 4));
      return 1;
    } catch (const StoreError& error) {
      return error.error_number() == EFBIG &&
                     std::string(error.what()).find("changes not appended: write ") == 0
                 ? 0
                 : 2;
    }
  });
  CHECK(status == 0);
  CHECK(fs::file_size(*store.changes_path()) == line_bytes * 3 + line_bytes / 2);
  store.append_changes(changes(6, 1));
  const auto lines = lines_of(*store.changes_path());
  REQUIRE(lines.size() == 4);
  CHECK(account_of_line(lines[2]) == "100000000002");
  CHECK(account_of_line(lines[3]) == "100000000006");
}

TEST_CASE("a changes path that cannot be opened is a clear error") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  fs::create_directory(*store.changes_path());
  try {
    store.append_changes(changes(0, 1));
    FAIL("no error");
  } catch (const StoreError& error) {
    CHECK(std::string(error.what()) ==
          "changes not appended: open " + store.changes_path()->string() + ": Is a directory");
  }
}

TEST_CASE("temporary snapshot files left by a crash are removed when the store opens") {
  test::TempFolder temp;
  write_text(temp.path() / ".snapshot.json.tmp-a1B2c3", "{\"half\": ");
  write_text(temp.path() / ".snapshot.json.tmp-notours", "kept");
  write_text(temp.path() / ".other.json.tmp-a1B2c3", "kept");
  LogCapture log;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  CHECK(names_in(temp.path()) ==
        std::vector<std::string>{".other.json.tmp-a1B2c3", ".snapshot.json.tmp-notours"});
  CHECK(log.text().find("warning stale temporary snapshot removed path=" +
                        (temp.path() / ".snapshot.json.tmp-a1B2c3").string()) != std::string::npos);
}

TEST_CASE("a read-only state directory is a clear error for non-root users (root bypasses the check)") {
  test::TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "changes.jsonl");
  store.write_snapshot(rich_snapshot());
  const std::string previous = read_text(store.snapshot_path());
  fs::permissions(temp.path(), fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() == 0) {
    MESSAGE("running as root: permissions are not enforced, the size-limit test covers the failure path");
    store.write_snapshot(rich_snapshot());
  } else {
    try {
      store.write_snapshot(rich_snapshot());
      FAIL("no error");
    } catch (const StoreError& error) {
      CHECK(std::string(error.what()) ==
            "snapshot not written, the previous one kept: create a temporary file in " +
                temp.path().string() + ": Permission denied");
      CHECK(error.error_number() == EACCES);
    }
    CHECK_THROWS_AS(store.append_changes(changes(0, 1)), StoreError);
  }
  CHECK(read_text(store.snapshot_path()) == previous);
  fs::permissions(temp.path(), fs::perms::owner_all);
  CHECK(names_in(temp.path()) == std::vector<std::string>{"snapshot.json"});
}

namespace {

// A record's key and status, to compare record lists.
std::string key_of(const core::Membership& record) {
  return record.account_id + " " + std::string(core::to_string(record.source->service)) + " " +
         record.source->region + " " + record.source->administrator_id + " " +
         std::string(core::to_string(record.status));
}

std::vector<std::string> streamed_keys(const store::PreviousSnapshot& previous) {
  std::vector<std::string> keys;
  previous.for_each_membership([&](const core::Membership& record) { keys.push_back(key_of(record)); });
  return keys;
}

// rich_snapshot's records in membership order, one per key, as the merge
// writes them.
core::Snapshot ordered_snapshot() {
  core::Snapshot snapshot = rich_snapshot();
  auto& records = snapshot.memberships;
  std::stable_sort(records.begin(), records.end(), core::membership_order);
  records.erase(std::unique(records.begin(), records.end(),
                            [](const core::Membership& a, const core::Membership& b) {
                              return !core::membership_order(a, b) && !core::membership_order(b, a);
                            }),
                records.end());
  REQUIRE(records.size() >= 3);
  return snapshot;
}

}  // namespace

TEST_CASE("open_previous holds the records asked for and streams all of them from the file as opened") {
  TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  CHECK_FALSE(store.open_previous([](const core::Membership&) { return true; }).snapshot());
  const core::Snapshot written = ordered_snapshot();
  store.write_snapshot(written);
  std::vector<std::string> all;
  std::vector<std::string> enabled;
  for (const auto& record : written.memberships) {
    all.push_back(key_of(record));
    if (record.status == core::MemberStatus::ENABLED) enabled.push_back(key_of(record));
  }
  REQUIRE(!enabled.empty());
  REQUIRE(enabled.size() < all.size());

  const auto previous = store.open_previous(
      [](const core::Membership& record) { return record.status == core::MemberStatus::ENABLED; });
  REQUIRE(previous.snapshot());
  std::vector<std::string> held;
  for (const auto& record : previous.snapshot()->memberships) held.push_back(key_of(record));
  CHECK(held == enabled);
  CHECK(previous.snapshot()->sources.size() == written.sources.size());
  CHECK(previous.snapshot()->accounts.size() == written.accounts.size());

  // The next snapshot replaces the file: the stream still reads the old one.
  core::Snapshot next = written;
  next.memberships.resize(1);
  store.write_snapshot(next);
  CHECK(streamed_keys(previous) == all);
  CHECK(streamed_keys(previous) == all);  // as often as asked
}

TEST_CASE("a previous snapshot with records out of order is held whole and streamed in order, one per key") {
  TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  core::Snapshot written = ordered_snapshot();
  std::vector<std::string> ordered;
  for (const auto& record : written.memberships) ordered.push_back(key_of(record));
  std::reverse(written.memberships.begin(), written.memberships.end());
  written.memberships.push_back(written.memberships.front());  // a key twice
  store.write_snapshot(written);

  const auto previous = store.open_previous([](const core::Membership&) { return false; });
  REQUIRE(previous.snapshot());
  CHECK(previous.snapshot()->memberships.size() == written.memberships.size());
  CHECK(streamed_keys(previous) == ordered);
}

TEST_CASE("a previous snapshot changed in place to bad text cannot be streamed: StoreError, not records") {
  TempFolder temp;
  SnapshotStore store(temp.path(), "snapshot.json", "");
  store.write_snapshot(ordered_snapshot());
  const auto previous = store.open_previous([](const core::Membership&) { return false; });
  REQUIRE(previous.snapshot());
  {
    std::ofstream in_place(store.snapshot_path(), std::ios::in | std::ios::out);  // same file, not replaced
    in_place << "{\"schema\": 7,";
  }
  try {
    streamed_keys(previous);
    FAIL("no error");
  } catch (const StoreError& error) {
    CHECK(std::string(error.what())
              .find("previous snapshot " + store.snapshot_path().string() + " read again: ") == 0);
  }
}
