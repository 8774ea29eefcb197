// Disk trouble with the real memberwatchd in daemon mode: a full disk
// (RLIMIT_FSIZE lowered on the running daemon with prlimit, SIGXFSZ
// ignored, so writes fail with EFBIG as they would with ENOSPC; and, as
// root, a real tmpfs filled at each step of the write), an fsync that fails
// (a preloaded library) and a state directory it cannot write to. Each time: the failure is logged and
// counted in cycles_total{result="failed"}, the previous snapshot stays intact, the daemon keeps polling, and
// writes again once the trouble is gone.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>

#include "reliability_support.hpp"
#include "server.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"

namespace mw::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

unsigned short health_port(const DaemonProcess& daemon) {
  std::smatch match;
  const auto log = daemon.log();
  REQUIRE(std::regex_search(log, match, std::regex("health=127\\.0\\.0\\.1:([0-9]+)")));
  return static_cast<unsigned short>(std::stoi(match[1]));
}

double cycles(unsigned short port, std::string_view result) {
  const auto metrics = http_get(port, "/metrics");
  return metric_value(metrics, "memberwatch_cycles_total{result=\"" + std::string(result) + "\"}")
      .value_or(0);
}

void set_file_size_limit(pid_t pid, rlim_t bytes) {
  rlimit limit{bytes, RLIM_INFINITY};
  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0);
}

struct Harness {
  test::TempFolder dir{"disk"};
  fake_aws::Server server{fake_aws::parse_world(small_world())};
  fs::path state;
  fs::path config_path = dir.path() / "memberwatch.yaml";
  fs::path snapshot_path;
  std::unique_ptr<DaemonProcess> daemon;
  unsigned short port = 0;

  // `state_dir`: where the state goes (default: a folder of `dir`);
  // `extra_env` joins the daemon's environment.
  explicit Harness(fs::path state_dir = {},
                   const std::map<std::string, std::string, std::less<>>& extra_env = {})
      : state(state_dir.empty() ? dir.path() / "state" : std::move(state_dir)),
        snapshot_path(state / "snapshot.json") {
    server.start();
    write_file(config_path, small_config(state, "health:\n  listen: 127.0.0.1:0\n"));
    auto env = fake_aws_environment(server.endpoint_url());
    env.insert(extra_env.begin(), extra_env.end());
    daemon = std::make_unique<DaemonProcess>(
        DaemonProcess::Options{{"--config", config_path.string()}, env, true});
    REQUIRE_MESSAGE(daemon->wait_for_log("cycle finished", 1, 60s), daemon->log());
    port = health_port(*daemon);
    REQUIRE(wait_until([&] { return cycles(port, "complete") == 1; }, 10s));
  }

  // SIGUSR1, then waits until cycles_total{result} reaches `count`.
  void cycle_expecting(std::string_view result, double count) {
    daemon->signal(SIGUSR1);
    REQUIRE_MESSAGE(wait_until([&] { return cycles(port, result) >= count; }, 60s),
                    "cycles_total{result=" << result << "} never reached " << count << "\n"
                                           << daemon->log());
    CHECK(daemon->running());
  }

  void check_only_final_files() const {
    for (const auto& entry : fs::directory_iterator(state)) {
      const auto name = entry.path().filename().string();
      CHECK_MESSAGE((name == "snapshot.json" || name == "changes.jsonl"), "left behind: " << name);
    }
  }
};

// Every Enabled Security Hub and GuardDuty member of the small world
// resigns: one change line each, more than a page of the changes log.
// Returns how many memberships changed.
int resign_enabled_members(fake_aws::Server& server) {
  auto world = fake_aws::parse_world(small_world());
  int changed = 0;
  for (auto& administrator : world.administrators)
    for (auto& [region, services] : administrator.regions)
      for (auto service : {fake_aws::Service::securityhub, fake_aws::Service::guardduty})
        if (services.contains(service))
          for (auto& member : services[service].members)
            if (member.status == "Enabled") {
              member.status = "Resigned";
              ++changed;
            }
  server.emulator().set_world(world);
  return changed;
}

// The log holds each resignation exactly once and every line parses.
void check_resignations_logged_once(const std::string& text, std::size_t lines_before, int resigned) {
  CHECK(count_occurrences(text, "\n") == lines_before + static_cast<std::size_t>(resigned));
  CHECK(count_occurrences(text, "\"from\":\"ENABLED\",\"to\":\"RESIGNED\"") ==
        static_cast<std::size_t>(resigned));
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    CHECK_MESSAGE(!store::change_kind(text.substr(start, end - start)).empty(),
                  text.substr(start, end - start));
}

// A small tmpfs mounted for the test (needs root and CAP_SYS_ADMIN),
// detached at destruction.
class TmpfsMount {
 public:
  explicit TmpfsMount(const fs::path& where) : where_(where) {
    fs::create_directories(where_);
    mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0;
    if (!mounted_) reason_ = std::string("mount tmpfs: ") + std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }

  // Fills the file system until about `keep` bytes remain free.
  void fill_leaving(std::uint64_t keep) const {
    struct statvfs status {};
    REQUIRE(::statvfs(where_.c_str(), &status) == 0);
    const std::uint64_t free = static_cast<std::uint64_t>(status.f_bavail) * status.f_frsize;
    REQUIRE(free > keep);
    const int fd = ::open((where_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const int result = ::posix_fallocate(fd, 0, static_cast<off_t>(free - keep));
    ::close(fd);
    REQUIRE(result == 0);
  }
  void free_space() const { fs::remove(where_ / "filler"); }

 private:
  fs::path where_;
  bool mounted_ = false;
  std::string reason_;
};

// Makes `dir` unwritable even for root: the immutable attribute where the
// file system and capabilities allow it, else a read-only bind mount; as
// another user, plain permission bits. Returns how, or "" when nothing works.
std::string make_unwritable(const fs::path& dir) {
  if (::geteuid() != 0) {
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    return "chmod";
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags |= FS_IMMUTABLE_FL;
      if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0) {
        ::close(fd);
        return "immutable";
      }
    }
    ::close(fd);
  }
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) == 0) {
    if (::mount(nullptr, dir.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) == 0)
      return "mount";
    ::umount(dir.c_str());
  }
  return "";
}

void make_writable(const fs::path& dir, const std::string& how) {
  if (how == "chmod") {
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  } else if (how == "immutable") {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    int flags = 0;
    REQUIRE(::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0);
    flags &= ~FS_IMMUTABLE_FL;
    REQUIRE(::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
    ::close(fd);
  } else if (how == "mount") {
    REQUIRE(::umount(dir.c_str()) == 0);
  }
}

}  // namespace

TEST_CASE("disk trouble: a full disk fails the write, keeps the snapshot, and recovers") {
  Harness h;
  const auto before = read_file(h.snapshot_path);
  REQUIRE(before.size() > 100);

  set_file_size_limit(h.daemon->pid(), 64);  // the snapshot no longer fits
  h.cycle_expecting("failed", 1);
  h.cycle_expecting("failed", 2);  // still polling, still failing
  CHECK(read_file(h.snapshot_path) == before);
  h.check_only_final_files();
  const auto log = h.daemon->log();
  CHECK(count_occurrences(log, "cycle state not written") == 2);
  CHECK(log.find("File too large") != std::string::npos);
  CHECK(cycles(h.port, "complete") == 1);

  set_file_size_limit(h.daemon->pid(), RLIM_INFINITY);  // space is back
  h.cycle_expecting("complete", 2);
  const auto after = read_file(h.snapshot_path);
  CHECK(after != before);
  load_snapshot_file(h.snapshot_path);  // the new one, complete (timestamps may share the second)
  h.check_only_final_files();
  h.daemon->signal(SIGTERM);
  const auto status = h.daemon->wait(30s);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

// One line of the changes log for each transition, whichever write failed
// while it happened: the changes append or the snapshot after it.
TEST_CASE("disk trouble: the changes log and the snapshot move together, every transition logged once") {
  for (const std::string step : {"changes", "snapshot"}) {
    CAPTURE(step);
    Harness h;
    const auto changes_path = h.state / "changes.jsonl";
    const auto before = read_file(h.snapshot_path);
    const auto lines_before = count_occurrences(read_file(changes_path), "\n");
    const auto metrics_before = http_get(h.port, "/metrics");
    const auto last_cycle = metric_value(metrics_before, "memberwatch_last_cycle_timestamp_seconds");
    REQUIRE(last_cycle.has_value());

    // Account 300000000009 accepts its Security Hub invitation while the disk is full.
    auto world = fake_aws::parse_world(small_world());
    for (auto& member : world.administrators[0].regions["us-east-1"][fake_aws::Service::securityhub].members)
      if (member.status == "Invited") member.status = "Enabled";
    h.server.emulator().set_world(world);
    const auto changes_size = fs::file_size(changes_path);
    // "changes": no line fits; "snapshot": the line fits, the snapshot does not.
    const auto limit = step == "changes" ? changes_size : changes_size + 1024;
    REQUIRE(before.size() > changes_size + 1024);  // the snapshot cannot fit under the limit
    set_file_size_limit(h.daemon->pid(), limit);
    h.cycle_expecting("failed", 1);
    const auto metrics = http_get(h.port, "/metrics");
    CHECK(metric_value(metrics, "memberwatch_state_write_failures_total{file=\"" + step + "\"}") == 1);
    CHECK(metric_value(metrics, "memberwatch_last_state_write_error_timestamp_seconds").value_or(0) > 0);
    CHECK(metric_value(metrics, "memberwatch_last_cycle_timestamp_seconds") == last_cycle);
    const auto ready = http_get(h.port, "/readyz");
    CHECK(ready.find("could not be written") != std::string::npos);
    CHECK(ready.find(step + ":") != std::string::npos);
    CHECK(read_file(h.snapshot_path) == before);
    CHECK(fs::file_size(changes_path) == changes_size);  // nothing half-appended
    h.check_only_final_files();

    set_file_size_limit(h.daemon->pid(), RLIM_INFINITY);  // space is back
    h.cycle_expecting("complete", 2);
    CHECK(http_get(h.port, "/readyz").find("could not be written") == std::string::npos);
    const auto text = read_file(changes_path);
    CHECK(count_occurrences(text, "\n") == lines_before + 1);
    CHECK(count_occurrences(
              text, "\"account_id\":\"300000000009\",\"service\":\"securityhub\",\"region\":\"us-east-1\"") ==
          2);
    CHECK(text.find("\"from\":\"INVITED\",\"to\":\"ENABLED\"") != std::string::npos);
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
      CHECK_MESSAGE(!store::change_kind(text.substr(start, end - start)).empty(),
                    text.substr(start, end - start));
  }
}

// A real full disk: the state directory on a 1 MiB tmpfs, filled so that
// the changes append (a step "changes") or the snapshot's temporary file
// (a step "snapshot") runs out of space.
TEST_CASE("disk trouble: a full tmpfs at each step loses no change line and tears no snapshot") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  for (const std::string step : {"changes", "snapshot"}) {
    CAPTURE(step);
    test::TempFolder disk_dir("tmpfs");
    TmpfsMount disk(disk_dir.path() / "disk");
    if (!disk.mounted()) {
      MESSAGE("skipped: " << disk.reason());
      return;
    }
    Harness h(disk_dir.path() / "disk" / "state");
    const auto changes_path = h.state / "changes.jsonl";
    const auto before = read_file(h.snapshot_path);
    const auto lines_before = count_occurrences(read_file(changes_path), "\n");
    const auto changes_size = fs::file_size(changes_path);
    const auto resigned = resign_enabled_members(h.server);

    // "changes": no space at all (the lines are more than the slack of the
    // log's last page); "snapshot": room for the lines, not the snapshot.
    const std::uint64_t room = step == "changes" ? 0 : before.size() / 2;
    disk.fill_leaving(room);
    h.cycle_expecting("failed", 1);
    const auto metrics = http_get(h.port, "/metrics");
    CHECK(metric_value(metrics, "memberwatch_state_write_failures_total{file=\"" + step + "\"}") == 1);
    CHECK(metric_value(metrics, "memberwatch_last_state_write_error_timestamp_seconds").value_or(0) > 0);
    const auto ready = http_get(h.port, "/readyz");
    CHECK(ready.find("could not be written") != std::string::npos);
    CHECK(ready.find("No space left on device") != std::string::npos);
    CHECK(read_file(h.snapshot_path) == before);
    CHECK(fs::file_size(changes_path) == changes_size);  // cut back to its last complete line
    h.check_only_final_files();

    disk.free_space();
    h.cycle_expecting("complete", 2);
    CHECK(http_get(h.port, "/readyz").find("could not be written") == std::string::npos);
    const auto text = read_file(changes_path);
    if (step == "snapshot") REQUIRE(text.size() - changes_size < room);  // the lines did fit
    check_resignations_logged_once(text, lines_before, resigned);
    load_snapshot_file(h.snapshot_path);
    h.check_only_final_files();
  }
}

// fsync failing with ENOSPC (as on file systems that allocate at writeback):
// on the snapshot's temporary file, the cycle fails like a full disk; on
// the folder after the rename, the new snapshot is already in place, so the
// cycle's lines stay and the failure is logged.
TEST_CASE("disk trouble: a failing fsync before or after the rename loses no change line") {
  for (const std::string target : {"temporary", "folder"}) {
    CAPTURE(target);
    test::TempFolder flag_dir("fsync");
    const auto flag = flag_dir.path() / "fail-fsync";
    // ASan wants its runtime first among the libraries; the preloaded one comes first here.
    Harness h({}, {{"LD_PRELOAD", MW_FSYNC_FAILURE_LIBRARY},
                   {"MW_FAIL_FSYNC_FLAG", flag.string()},
                   {"ASAN_OPTIONS", "verify_asan_link_order=0"}});
    const auto changes_path = h.state / "changes.jsonl";
    const auto before = read_file(h.snapshot_path);
    const auto lines_before = count_occurrences(read_file(changes_path), "\n");
    const auto changes_size = fs::file_size(changes_path);
    const auto resigned = resign_enabled_members(h.server);

    write_file(flag, target);
    if (target == "temporary") {
      h.cycle_expecting("failed", 1);
      const auto metrics = http_get(h.port, "/metrics");
      CHECK(metric_value(metrics, "memberwatch_state_write_failures_total{file=\"snapshot\"}") == 1);
      CHECK(http_get(h.port, "/readyz").find("No space left on device") != std::string::npos);
      CHECK(read_file(h.snapshot_path) == before);
      CHECK(fs::file_size(changes_path) == changes_size);
      h.check_only_final_files();
      fs::remove(flag);
      h.cycle_expecting("complete", 2);
    } else {
      h.cycle_expecting("complete", 2);
      CHECK(h.daemon->log().find("folder fsync after rename failed") != std::string::npos);
      CHECK(read_file(h.snapshot_path) != before);
      fs::remove(flag);
      h.cycle_expecting("complete", 3);  // no change left to log: nothing logged twice
    }
    check_resignations_logged_once(read_file(changes_path), lines_before, resigned);
    load_snapshot_file(h.snapshot_path);
    h.check_only_final_files();
  }
}

TEST_CASE("disk trouble: an unwritable state directory fails the write, keeps the snapshot, and recovers") {
  Harness h;
  const auto before = read_file(h.snapshot_path);
  const auto how = make_unwritable(h.state);
  if (how.empty()) {
    // Root without CAP_LINUX_IMMUTABLE on a file system without attributes
    // and without CAP_SYS_ADMIN: nothing can stop root from writing here.
    MESSAGE("skipped: no way to make a directory unwritable for root here");
    return;
  }
  MESSAGE("state directory made unwritable by: " << how);
  h.cycle_expecting("failed", 1);
  h.cycle_expecting("failed", 2);
  make_writable(h.state, how);
  CHECK(read_file(h.snapshot_path) == before);
  CHECK(count_occurrences(h.daemon->log(), "cycle state not written") == 2);

  h.cycle_expecting("complete", 2);
  CHECK(read_file(h.snapshot_path) != before);
  load_snapshot_file(h.snapshot_path);
  h.check_only_final_files();
}

}  // namespace mw::reliability
