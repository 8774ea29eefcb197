#include "reliability_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "store/snapshot_json.hpp"

namespace mw::reliability {
namespace fs = std::filesystem;

namespace {

std::string account(int index) {
  char text[16];
  std::snprintf(text, sizeof text, "3000000000%02d", index);
  return text;
}

// members: "  - {account_id: ..., email: ..., status: STATUS}" for first..last.
std::string members(int first, int last, std::string_view status, std::string_view indent) {
  std::string list;
  for (int i = first; i <= last; ++i) {
    list += std::string(indent) + "- {account_id: \"" + account(i) + "\", email: \"m" + std::to_string(i) +
            "@example.com\", status: " + std::string(status) + "}\n";
  }
  return list;
}

std::string detector(std::string_view suffix) {
  return "1111111111111111111111111111" + std::string(suffix);
}

std::string graph(std::string_view region, std::string_view administrator, std::string_view suffix) {
  return "arn:aws:detective:" + std::string(region) + ":" + std::string(administrator) +
         ":graph:1111111111111111111111111111" + std::string(suffix);
}

}  // namespace

std::string small_world(std::string_view faults_yaml) {
  const std::string m = "            ";
  std::string world = R"(credentials:
  - {access_key_id: AKIAMWDEMO0000000001, secret_access_key: memberwatch-demo-secret-access-key-00001,
     account_id: "999999999999"}
roles:
  - arn: arn:aws:iam::111111111111:role/memberwatch-read
  - arn: arn:aws:iam::222222222222:role/memberwatch-read
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
)" + members(1, 8, "Enabled", m) +
                      members(9, 9, "Invited", m) + members(10, 10, "Enabled", m) + R"(        guardduty:
          detector_id: )" +
                      detector("0001") + R"(
          members:
)" + members(1, 8, "Enabled", m) +
                      members(11, 11, "Enabled", m) +
                      R"(        detective:
          graph_arn: )" +
                      graph("us-east-1", kAdministrator, "0001") + R"(
          members:
)" + members(1, 6, "ENABLED", m) +
                      members(7, 7, "INVITED", m) +
                      R"(      eu-west-1:
        securityhub:
          members:
)" + members(1, 8, "Enabled", m) +
                      R"(        guardduty:
          detector_id: )" +
                      detector("0002") + R"(
          members:
)" + members(1, 10, "Enabled", m) +
                      R"(        detective:
          graph_arn: )" +
                      graph("eu-west-1", kAdministrator, "0002") + R"(
          members:
)" + members(1, 5, "ENABLED", m) +
                      R"(  - account_id: "222222222222"
    regions:
      us-east-1:
        securityhub:
          members:
)" + members(11, 12, "Enabled", m) +
                      R"(        guardduty:
          detector_id: )" +
                      detector("0003") + R"(
          members:
)" + members(12, 12, "Enabled", m) +
                      R"(throttling:
  securityhub: {rate: 0}
  guardduty: {rate: 0}
  detective: {rate: 0}
  sts: {rate: 0}
  organizations: {rate: 0}
  account: {rate: 0}
)";
  if (!faults_yaml.empty()) world += "faults:\n" + std::string(faults_yaml);
  return world;
}

std::string small_config(const fs::path& state_dir, std::string_view extra) {
  return R"(interval: 30s
jitter: 0s
cycle_timeout: 60s
concurrency: 8
state_dir: )" +
         state_dir.string() +
         R"(
aws:
  regions: [us-east-1, eu-west-1]
  max_attempts: 5
  requests_per_second: 10000
accounts:
  ids: ["300000000012"]
administrators:
  - name: security-tooling
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/memberwatch-read
  - name: legacy-admin
    account_id: "222222222222"
    role_arn: arn:aws:iam::222222222222:role/memberwatch-read
    regions: [us-east-1]
    services: [securityhub, guardduty]
)" + std::string(extra);
}

MembershipKey key_of(const core::Membership& m) {
  return {m.account_id, m.source->service, m.source->region, m.source->administrator_id};
}

core::SourceKey source_of(const core::Membership& m) {
  return *m.source;
}

std::vector<std::string> membership_problems(const core::Snapshot& reference,
                                             const core::Snapshot& snapshot) {
  std::map<core::SourceKey, core::SourceState> states;
  std::set<std::string> administrators_with_failures;
  for (const auto& source : snapshot.sources) {
    states[source.key] = source.state;
    if (source.state != core::SourceState::ok)
      administrators_with_failures.insert(source.key.administrator_id);
  }
  std::map<MembershipKey, const core::Membership*> present;
  for (const auto& m : snapshot.memberships) present[key_of(m)] = &m;

  std::vector<std::string> problems;
  for (const auto& expected : reference.memberships) {
    const auto name = expected.account_id + "/" + std::string(core::to_string(expected.source->service)) +
                      "/" + expected.source->region + "/" + expected.source->administrator_id;
    const auto state = states.find(source_of(expected));
    const auto found = present.find(key_of(expected));
    if (found == present.end()) {
      problems.push_back(name + ": missing (source " +
                         (state == states.end() ? "absent" : std::string(core::to_string(state->second))) +
                         ")");
      continue;
    }
    const auto& actual = *found->second;
    if (state == states.end()) {
      problems.push_back(name + ": its source is not in the snapshot");
    } else if (state->second == core::SourceState::ok && actual.stale &&
               !administrators_with_failures.count(expected.source->administrator_id)) {
      // Stale in an answering source is right only when a sibling source that
      // lists the account failed, so it was not asked about.
      problems.push_back(name + ": stale while every source of its administrator is ok");
    } else if (state->second == core::SourceState::ok && actual.stale && actual.status != expected.status) {
      problems.push_back(name + ": stale with another status");
    } else if (state->second == core::SourceState::ok && actual.stale) {
      // kept for a failed sibling, status unchanged: right
    } else if (state->second == core::SourceState::ok && actual.status != expected.status) {
      problems.push_back(name + ": status " + std::string(core::to_string(actual.status)) + ", expected " +
                         std::string(core::to_string(expected.status)));
    } else if (state->second != core::SourceState::ok && !actual.stale) {
      problems.push_back(name + ": not stale while its source failed");
    }
  }
  return problems;
}

CycleDriver::CycleDriver(config::Config config, aws::EnvLookup env, app::RuntimeHooks hooks)
    : runtime_(std::make_unique<app::Runtime>(io_, std::move(config), std::move(env), std::move(hooks))) {}

CycleDriver::~CycleDriver() {
  runtime_.reset();
  io_.restart();
  io_.poll();
}

app::CycleOutcome CycleDriver::cycle(std::chrono::seconds limit) {
  std::optional<app::CycleOutcome> outcome;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(io_, runtime_->run_cycle(), [&](std::exception_ptr error, app::CycleOutcome result) {
    failure = error;
    outcome = std::move(result);
    done = true;
  });
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
  REQUIRE_MESSAGE(done, "the cycle did not finish within " << limit.count() << " s");
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      FAIL("the cycle threw: " << e.what());
    }
  }
  return std::move(*outcome);
}

core::Snapshot load_snapshot_file(const fs::path& path) {
  const auto text = read_file(path);
  auto parsed = store::parse_snapshot(text);
  REQUIRE_MESSAGE(parsed.value.has_value(), path.string() << " does not parse: " << parsed.error);
  return std::move(*parsed.value);
}

fs::path memberwatchd_path() {
  return fs::path(MW_BINARY_DIR) / "bin" / "memberwatchd";
}

struct DaemonProcess::Output {
  mutable std::mutex mutex;
  std::string text;
};

DaemonProcess::DaemonProcess(Options options)
    : options_(std::move(options)), output_(std::make_shared<Output>()) {
  std::vector<std::string> strings;
  strings.push_back(memberwatchd_path().string());
  strings.insert(strings.end(), options_.args.begin(), options_.args.end());
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : options_.env) env_strings.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::signal(SIGXFSZ, options_.ignore_sigxfsz ? SIG_IGN : SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (pid_ < 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  reader_ = std::thread([fd = pipe_fds[0], output = output_] {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
      if (n <= 0) continue;
      std::lock_guard lock(output->mutex);
      output->text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
  });
}

DaemonProcess::~DaemonProcess() {
  if (!reaped_) kill_and_reap();
  if (reader_.joinable()) reader_.join();
}

void DaemonProcess::signal(int signal_number) const {
  ::kill(pid_, signal_number);
}

std::optional<int> DaemonProcess::wait(std::chrono::milliseconds limit) {
  if (reaped_) return 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

bool DaemonProcess::running() {
  return !reaped_ && !wait(std::chrono::milliseconds(0));
}

void DaemonProcess::kill_and_reap() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
}

std::string DaemonProcess::log() const {
  std::lock_guard lock(output_->mutex);
  return output_->text;
}

bool DaemonProcess::wait_for_log(std::string_view needle, std::size_t count,
                                 std::chrono::milliseconds limit) const {
  return wait_until([&] { return count_occurrences(log(), needle) >= count; }, limit);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::size_t count_occurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

ProcessFigures process_figures(pid_t pid) {
  ProcessFigures figures;
  const fs::path proc = fs::path("/proc") / std::to_string(pid);
  std::istringstream status(read_file(proc / "status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) figures.rss_kib = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) figures.threads = std::stol(line.substr(8));
  }
  std::error_code ignored;
  for (auto it = fs::directory_iterator(proc / "fd", ignored); it != fs::directory_iterator();
       it.increment(ignored))
    ++figures.open_fds;
  return figures;
}

std::string http_get(unsigned short port, std::string_view path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string request =
        "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      ssize_t n = 0;
      while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

std::optional<double> metric_value(std::string_view exposition, std::string_view name_and_labels) {
  std::size_t at = 0;
  while (at < exposition.size()) {
    auto end = exposition.find('\n', at);
    if (end == std::string_view::npos) end = exposition.size();
    const auto line = exposition.substr(at, end - at);
    if (line.size() > name_and_labels.size() && line.substr(0, name_and_labels.size()) == name_and_labels &&
        line[name_and_labels.size()] == ' ')
      return std::stod(std::string(line.substr(name_and_labels.size() + 1)));
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace mw::reliability
