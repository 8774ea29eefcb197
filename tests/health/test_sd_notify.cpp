#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "health/sd_notify.hpp"
#include "health/watchdog.hpp"

using namespace mw::health;
using namespace std::chrono_literals;

namespace {

// A datagram socket standing in for systemd's notification socket.
class NotifyListener {
 public:
  explicit NotifyListener(bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    std::string name = "mw-notify-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socklen_t length;
    if (abstract) {
      path_ = "@" + name;
      std::memcpy(address.sun_path + 1, name.data(), name.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      path_ = (std::filesystem::temp_directory_path() / name).string();
      std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
      length = sizeof address;
    }
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifyListener() {
    ::close(fd_);
    if (path_.front() == '/') std::filesystem::remove(path_);
  }

  const std::string& path() const { return path_; }

  // The next datagram, or nullopt after `timeout` without one.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 2s) {
    timeval limit{static_cast<time_t>(timeout.count() / 1000),
                  static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char buffer[4096];
    ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    if (size < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(size));
  }

 private:
  static inline int counter_ = 0;
  int fd_ = -1;
  std::string path_;
};

// Sets an environment variable for one scope and restores it after.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnvironment() {
    if (previous_) {
      ::setenv(name_, previous_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

void check_lifecycle_messages(NotifyListener& listener) {
  SystemdNotifier notifier(listener.path(), std::nullopt);
  CHECK(notifier.enabled());
  CHECK(notifier.ready());
  CHECK(notifier.status("cycle complete: 3 sources\nok"));
  CHECK(notifier.reloading(123456789us));
  CHECK(notifier.ready());
  CHECK(notifier.watchdog());
  CHECK(notifier.stopping());
  const std::vector<std::string> expected = {
      "READY=1",
      "STATUS=cycle complete: 3 sources ok",
      "RELOADING=1\nMONOTONIC_USEC=123456789",
      "READY=1",
      "WATCHDOG=1",
      "STOPPING=1",
  };
  for (const auto& message : expected) CHECK(listener.receive() == message);
  CHECK(listener.receive(50ms) == std::nullopt);
}

}  // namespace

TEST_CASE("notifications reach a filesystem socket, in order") {
  NotifyListener listener(false);
  check_lifecycle_messages(listener);
}

TEST_CASE("notifications reach an abstract socket named with @") {
  NotifyListener listener(true);
  check_lifecycle_messages(listener);
}

TEST_CASE("RELOADING=1 carries the current CLOCK_MONOTONIC time") {
  NotifyListener listener(false);
  SystemdNotifier notifier(listener.path(), std::nullopt);
  auto before = monotonic_now();
  CHECK(notifier.reloading());
  auto after = monotonic_now();
  auto message = listener.receive();
  REQUIRE(message);
  REQUIRE(message->starts_with("RELOADING=1\nMONOTONIC_USEC="));
  long long usec = std::stoll(message->substr(std::strlen("RELOADING=1\nMONOTONIC_USEC=")));
  CHECK(usec >= before.count());
  CHECK(usec <= after.count());
}

TEST_CASE("a notifier without a socket is disabled and sends nothing") {
  SystemdNotifier notifier;
  CHECK_FALSE(notifier.enabled());
  CHECK(notifier.ready());
  CHECK(notifier.stopping());
}

TEST_CASE("failures to notify are reported, never thrown") {
  auto missing = (std::filesystem::temp_directory_path() / "mw-no-such-notify-socket").string();
  CHECK(send_notification(missing, "READY=1").find("sendto") != std::string::npos);
  CHECK_FALSE(SystemdNotifier(missing, std::nullopt).ready());
  CHECK(send_notification("relative/path", "READY=1").find("absolute") != std::string::npos);
  CHECK(send_notification("/" + std::string(200, 'x'), "READY=1").find("too long") != std::string::npos);
  CHECK_FALSE(send_notification("@", "READY=1").empty());
}

TEST_CASE("the watchdog period comes from WATCHDOG_USEC when WATCHDOG_PID is ours or unset") {
  CHECK(parse_watchdog_period("30000000", std::nullopt, 42) == 30s);
  CHECK(parse_watchdog_period("30000000", "42", 42) == 30s);
  CHECK(parse_watchdog_period("30000000", "43", 42) == std::nullopt);
  CHECK(parse_watchdog_period("30000000", "x", 42) == std::nullopt);
  CHECK(parse_watchdog_period(std::nullopt, "42", 42) == std::nullopt);
  CHECK(parse_watchdog_period("0", std::nullopt, 42) == std::nullopt);
  CHECK(parse_watchdog_period("-5", std::nullopt, 42) == std::nullopt);
  CHECK(parse_watchdog_period("12abc", std::nullopt, 42) == std::nullopt);
  CHECK(parse_watchdog_period("", std::nullopt, 42) == std::nullopt);
}

TEST_CASE("the watchdog is pinged at half its period") {
  SystemdNotifier notifier("/run/unused", 30s);
  CHECK(notifier.watchdog_period() == 30s);
  CHECK(notifier.watchdog_ping_interval() == 15s);
  CHECK(SystemdNotifier("/run/unused", std::nullopt).watchdog_ping_interval() == std::nullopt);
}

TEST_CASE("from_environment reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID") {
  NotifyListener listener(false);
  ScopedEnvironment socket("NOTIFY_SOCKET", listener.path().c_str());
  ScopedEnvironment usec("WATCHDOG_USEC", "4000000");
  ScopedEnvironment pid("WATCHDOG_PID", std::to_string(::getpid()).c_str());
  auto notifier = SystemdNotifier::from_environment();
  CHECK(notifier.socket_path() == listener.path());
  CHECK(notifier.watchdog_ping_interval() == 2s);
  CHECK(notifier.ready());
  CHECK(listener.receive() == "READY=1");
  ScopedEnvironment no_socket("NOTIFY_SOCKET", nullptr);
  CHECK_FALSE(SystemdNotifier::from_environment().enabled());
}

TEST_CASE("the watchdog pinger sends WATCHDOG=1 from the event loop until stopped") {
  NotifyListener listener(false);
  boost::asio::io_context io;
  WatchdogPinger pinger(io, SystemdNotifier(listener.path(), 40ms), 20ms);
  pinger.start();
  io.run_for(200ms);
  int pings = 0;
  while (auto message = listener.receive(10ms)) {
    CHECK(*message == "WATCHDOG=1");
    ++pings;
  }
  CHECK(pings >= 3);  // at once, then every 20 ms
  CHECK(pings <= 11);
  pinger.stop();
  io.restart();
  io.run_for(60ms);
  CHECK(listener.receive(10ms) == std::nullopt);
}

TEST_CASE("a blocked event loop sends no watchdog pings") {
  NotifyListener listener(false);
  boost::asio::io_context io;
  WatchdogPinger pinger(io, SystemdNotifier(listener.path(), 40ms), 20ms);
  pinger.start();
  CHECK(listener.receive() == "WATCHDOG=1");  // the immediate one
  std::this_thread::sleep_for(100ms);         // the loop is not running
  CHECK(listener.receive(10ms) == std::nullopt);
}

TEST_CASE("make_watchdog_pinger needs both a socket and a watchdog period") {
  boost::asio::io_context io;
  CHECK(make_watchdog_pinger(io, SystemdNotifier("/run/x", std::nullopt)) == nullptr);
  CHECK(make_watchdog_pinger(io, SystemdNotifier("", 30s)) == nullptr);
  CHECK(make_watchdog_pinger(io, SystemdNotifier("/run/x", 30s)) != nullptr);
}
