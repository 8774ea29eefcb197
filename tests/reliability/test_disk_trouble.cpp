// Disk trouble with the real memberwatchd in daemon mode: a full disk
// (RLIMIT_FSIZE lowered on the running daemon with prlimit, SIGXFSZ
// ignored, so writes fail with EFBIG as they would with ENOSPC) and a state
// directory it cannot write to. Each time: the failure is logged and counted
// in cycles_total{result="failed"}, the previous snapshot stays intact, the
// daemon keeps polling, and writes again once the trouble is gone.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <regex>

#include "reliability_support.hpp"
#include "server.hpp"
#include "store/snapshot_json.hpp"

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
  TempDir dir{"disk"};
  fake_aws::Server server{fake_aws::parse_world(small_world())};
  fs::path state = dir.path() / "state";
  fs::path config_path = dir.path() / "memberwatch.yaml";
  fs::path snapshot_path = state / "snapshot.json";
  std::unique_ptr<DaemonProcess> daemon;
  unsigned short port = 0;

  Harness() {
    server.start();
    write_file(config_path, small_config(state, "health:\n  listen: 127.0.0.1:0\n"));
    daemon = std::make_unique<DaemonProcess>(DaemonProcess::Options{
        {"--config", config_path.string()}, fake_aws_environment(server.endpoint_url()), true});
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
