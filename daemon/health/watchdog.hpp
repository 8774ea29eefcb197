#pragma once

// Sends WATCHDOG=1 from the event loop: when the loop stalls, the pings
// stop and systemd restarts the daemon.

#include <chrono>
#include <memory>

#include "health/sd_notify.hpp"

namespace boost::asio {
class io_context;
}

namespace mw::health {

class WatchdogPinger {
 public:
  WatchdogPinger(boost::asio::io_context& io, SystemdNotifier notifier, std::chrono::microseconds interval);
  ~WatchdogPinger();
  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

  // Pings at once, then every interval. Calling start() again restarts.
  void start();
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// A pinger at the notifier's ping interval (half of WATCHDOG_USEC), or
// nullptr when systemd asked for no watchdog.
std::unique_ptr<WatchdogPinger> make_watchdog_pinger(boost::asio::io_context& io,
                                                     const SystemdNotifier& notifier);

}  // namespace mw::health
