#include "health/watchdog.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mw::health {

struct WatchdogPinger::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, SystemdNotifier notifier, std::chrono::microseconds interval)
      : timer(io), notifier(std::move(notifier)), interval(interval) {}

  void ping() {
    notifier.watchdog();
    timer.expires_after(interval);
    // A generation number so a stop() followed quickly by start() does not
    // leave two chains of pings running.
    timer.async_wait(
        [self = shared_from_this(), generation = generation](const boost::system::error_code& error) {
          if (!error && self->running && self->generation == generation) self->ping();
        });
  }

  boost::asio::steady_timer timer;
  SystemdNotifier notifier;
  std::chrono::microseconds interval;
  bool running = false;
  unsigned generation = 0;
};

WatchdogPinger::WatchdogPinger(boost::asio::io_context& io, SystemdNotifier notifier,
                               std::chrono::microseconds interval)
    : state_(std::make_shared<State>(io, std::move(notifier), interval)) {}

WatchdogPinger::~WatchdogPinger() {
  stop();
}

void WatchdogPinger::start() {
  stop();
  state_->running = true;
  state_->ping();
}

void WatchdogPinger::stop() {
  state_->running = false;
  ++state_->generation;
  state_->timer.cancel();
}

std::unique_ptr<WatchdogPinger> make_watchdog_pinger(boost::asio::io_context& io,
                                                     const SystemdNotifier& notifier) {
  auto interval = notifier.watchdog_ping_interval();
  if (!notifier.enabled() || !interval) return nullptr;
  return std::make_unique<WatchdogPinger>(io, notifier, *interval);
}

}  // namespace mw::health
