#include "health/sd_notify.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace mw::health {
namespace {

std::optional<std::string_view> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

template <typename Integer>
std::optional<Integer> parse_integer(std::string_view text) {
  Integer value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string send_notification(std::string_view socket_path, std::string_view message) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() < 2 || (socket_path.front() != '/' && socket_path.front() != '@')) {
    return "NOTIFY_SOCKET is neither an absolute path nor an abstract socket name";
  }
  if (socket_path.size() >= sizeof address.sun_path) return "NOTIFY_SOCKET path is too long";
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  if (socket_path.front() == '@') address.sun_path[0] = '\0';
  // Abstract names are not NUL-terminated: the length says where they end.
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size() +
                                       (socket_path.front() == '/' ? 1 : 0));

  FileDescriptor socket{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return std::string("socket: ") + std::strerror(errno);
  ssize_t sent = ::sendto(socket.fd, message.data(), message.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address), length);
  if (sent < 0) return std::string("sendto: ") + std::strerror(errno);
  if (static_cast<std::size_t>(sent) != message.size()) return "sendto: short write";
  return "";
}

std::optional<std::chrono::microseconds> parse_watchdog_period(std::optional<std::string_view> watchdog_usec,
                                                               std::optional<std::string_view> watchdog_pid,
                                                               long self_pid) {
  if (!watchdog_usec) return std::nullopt;
  auto usec = parse_integer<std::uint64_t>(*watchdog_usec);
  if (!usec || *usec == 0 || *usec > static_cast<std::uint64_t>(std::chrono::microseconds::max().count())) {
    return std::nullopt;
  }
  if (watchdog_pid) {
    auto pid = parse_integer<long>(*watchdog_pid);
    if (!pid || *pid != self_pid) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
}

std::chrono::microseconds monotonic_now() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::chrono::seconds(now.tv_sec) +
         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(now.tv_nsec));
}

SystemdNotifier::SystemdNotifier(std::string socket_path,
                                 std::optional<std::chrono::microseconds> watchdog_period)
    : socket_path_(std::move(socket_path)), watchdog_period_(watchdog_period) {}

SystemdNotifier SystemdNotifier::from_environment() {
  auto socket_path = environment("NOTIFY_SOCKET");
  return SystemdNotifier(std::string(socket_path.value_or("")),
                         parse_watchdog_period(environment("WATCHDOG_USEC"), environment("WATCHDOG_PID"),
                                               static_cast<long>(::getpid())));
}

bool SystemdNotifier::status(std::string_view summary) const {
  std::string message = "STATUS=";
  for (char c : summary) message += (c == '\n' || c == '\r') ? ' ' : c;
  return send(message);
}

bool SystemdNotifier::reloading(std::chrono::microseconds monotonic_usec) const {
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec.count()));
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_ping_interval() const {
  if (!watchdog_period_) return std::nullopt;
  return *watchdog_period_ / 2;
}

bool SystemdNotifier::send(std::string_view message) const {
  if (!enabled()) return true;
  std::string error = send_notification(socket_path_, message);
  if (error.empty()) return true;
  auto first_line = message.substr(0, message.find('\n'));
  spdlog::warn("systemd notification failed socket={} message={} error={}", socket_path_, first_line, error);
  return false;
}

}  // namespace mw::health
