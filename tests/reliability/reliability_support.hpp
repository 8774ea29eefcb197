#pragma once

// Shared by the reliability tests: a small fake-aws world, configurations
// for it, whole cycles of an in-process Runtime with a hang guard, the
// membership keys a faultless run reports, and a real memberwatchd child
// process (spawned, signalled, killed, measured through /proc).

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "app/runtime.hpp"
#include "config/config.hpp"
#include "core/model.hpp"
#include "integration/harness.hpp"
#include "support/test_files.hpp"

namespace mw::reliability {

// The demo credentials, the environment and configuration text as the
// end-to-end tests make them.
using integration::fake_aws_environment;
using integration::kAccessKeyId;
using integration::kSecretAccessKey;
using integration::make_config;
inline constexpr std::string_view kAdministrator = "111111111111";
inline constexpr std::string_view kSecondAdministrator = "222222222222";

using test::read_file;
using test::write_file;

// Two administrators, two regions, three services, twelve accounts: some
// accounts are members of only some services (NOT_MEMBER records appear),
// 111111111111 is reached through AssumeRole, 222222222222 with the base
// credentials. fake-aws's own throttling is off; `faults_yaml` is appended
// as the world's `faults:` list (empty: none).
std::string small_world(std::string_view faults_yaml = "");

// A configuration polling small_world() with state in `state_dir`.
// `extra` is appended (top-level keys not set here).
std::string small_config(const std::filesystem::path& state_dir, std::string_view extra = "");

// (account, service, region, administrator).
using MembershipKey = std::tuple<std::string, core::Service, std::string, std::string>;
MembershipKey key_of(const core::Membership& membership);
core::SourceKey source_of(const core::Membership& membership);

// The memberships of `reference` missing from `snapshot`, or present but
// wrong: stale while their source is ok, or fresh with another status, or
// not stale while their source failed. Empty when nothing was lost.
std::vector<std::string> membership_problems(const core::Snapshot& reference, const core::Snapshot& snapshot);

// One Runtime driven like `memberwatchd --once`, cycle after cycle.
class CycleDriver {
 public:
  CycleDriver(config::Config config, aws::EnvLookup env, app::RuntimeHooks hooks = {});
  ~CycleDriver();

  // Fails the test (doctest REQUIRE) when the cycle does not finish within
  // `limit` or throws.
  app::CycleOutcome cycle(std::chrono::seconds limit = std::chrono::seconds(60));
  app::Runtime& runtime() { return *runtime_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<app::Runtime> runtime_;
};

// The snapshot file parsed; REQUIREs that it parses.
core::Snapshot load_snapshot_file(const std::filesystem::path& path);

// memberwatchd as a child process with exactly `env`. Its stdout and stderr
// go through a pipe (no file size limit applies to it) into log().
class DaemonProcess {
 public:
  struct Options {
    std::vector<std::string> args;  // after the program name
    std::map<std::string, std::string, std::less<>> env;
    bool ignore_sigxfsz = false;  // a write past RLIMIT_FSIZE fails with EFBIG instead of killing
  };
  explicit DaemonProcess(Options options);
  ~DaemonProcess();  // SIGKILL and reap when still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // Waits for the exit; the raw wait status, or nullopt after `limit`.
  std::optional<int> wait(std::chrono::milliseconds limit);
  bool running();
  void kill_and_reap();
  std::string log() const;
  // Waits until log() holds `needle` at least `count` times.
  bool wait_for_log(std::string_view needle, std::size_t count, std::chrono::milliseconds limit) const;

 private:
  struct Output;
  Options options_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::shared_ptr<Output> output_;
  std::thread reader_;
};

std::filesystem::path memberwatchd_path();

// Polls `condition` every 5 ms until true or `limit` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit);

// How many times `needle` occurs in `text`.
std::size_t count_occurrences(std::string_view text, std::string_view needle);

// Process figures from /proc/PID.
struct ProcessFigures {
  long rss_kib = 0;
  long threads = 0;
  long open_fds = 0;
};
ProcessFigures process_figures(pid_t pid);

// GET http://127.0.0.1:port/path with a blocking socket; the body, or "" on failure.
std::string http_get(unsigned short port, std::string_view path);

// The value of a metric line `name{labels} value` in Prometheus text; nullopt when absent.
std::optional<double> metric_value(std::string_view exposition, std::string_view name_and_labels);

}  // namespace mw::reliability
