#pragma once

// The systemd notification protocol by hand (as chrony does): one datagram
// of "KEY=VALUE" lines to the unix socket named by $NOTIFY_SOCKET.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mw::health {

// Sends `message` to the datagram socket at `socket_path` (a filesystem
// path, or "@name" for the abstract namespace). Returns "" on success, else
// what went wrong.
std::string send_notification(std::string_view socket_path, std::string_view message);

// The watchdog period systemd asks for: WATCHDOG_USEC when it is a positive
// number and WATCHDOG_PID is unset or equal to `self_pid`; else nullopt.
std::optional<std::chrono::microseconds> parse_watchdog_period(std::optional<std::string_view> watchdog_usec,
                                                               std::optional<std::string_view> watchdog_pid,
                                                               long self_pid);

// CLOCK_MONOTONIC now, as systemd's MONOTONIC_USEC wants it.
std::chrono::microseconds monotonic_now();

// Sends the daemon's state changes to systemd. Disabled (every call a
// no-op returning true) when there is no socket path. Failures are logged
// as warnings and never fatal: the daemon works without systemd.
class SystemdNotifier {
 public:
  SystemdNotifier() = default;
  SystemdNotifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog_period);

  // From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID.
  static SystemdNotifier from_environment();

  bool enabled() const { return !socket_path_.empty(); }
  const std::string& socket_path() const { return socket_path_; }

  bool ready() const { return send("READY=1"); }
  // One line; newlines in `summary` become spaces.
  bool status(std::string_view summary) const;
  bool reloading(std::chrono::microseconds monotonic_usec = monotonic_now()) const;
  bool stopping() const { return send("STOPPING=1"); }
  bool watchdog() const { return send("WATCHDOG=1"); }

  // The period systemd enforces, and the interval at which to ping (half).
  std::optional<std::chrono::microseconds> watchdog_period() const { return watchdog_period_; }
  std::optional<std::chrono::microseconds> watchdog_ping_interval() const;

  bool send(std::string_view message) const;

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_period_;
};

}  // namespace mw::health
