#pragma once

// Daemon mode: cycles on a schedule, the health endpoint, systemd
// notifications and the watchdog, and signals (SIGTERM/SIGINT stop,
// SIGHUP reload, SIGUSR1 cycle now) and their HTTP twins with
// health.lifecycle (POST /-/reload, POST /-/refresh).

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "app/metrics_publisher.hpp"
#include "app/runtime.hpp"
#include "config/config.hpp"
#include "health/health_routes.hpp"
#include "health/health_server.hpp"
#include "health/metrics.hpp"
#include "health/sd_notify.hpp"
#include "health/watchdog.hpp"
#include "health/web_config.hpp"

namespace mw::app {

struct ServiceOptions {
  std::string config_path;
  std::optional<std::string> log_level_override;  // --log-level beats the configuration's
  // A POST /-/refresh sooner than this after the last cycle's start waits
  // until then, and any more requests join that one cycle: a client
  // looping on the endpoint cannot keep every source busy. (Shorter only in
  // tests.)
  std::chrono::steady_clock::duration refresh_min_gap = std::chrono::seconds(30);
  // health.web_config_file as loaded at start (nullptr when unset).
  std::shared_ptr<const health::LoadedWebConfig> web_config = {};
};

// health.web_config_file of `config` loaded (nullptr when unset), or why it
// cannot be, as configuration errors (FILE:LINE:COLUMN: key: what).
struct WebConfigResult {
  std::shared_ptr<const health::LoadedWebConfig> loaded;
  std::vector<config::ConfigError> errors;
};
WebConfigResult load_web_config_of(const config::Config& config);

class Service {
 public:
  // After SIGTERM, how long requests that outlive the cancelled cycle may
  // take before they are abandoned.
  static constexpr std::chrono::milliseconds kShutdownGrace{2000};

  Service(boost::asio::io_context& io, ServiceOptions options, config::Config config, aws::EnvLookup env);
  ~Service();

  // Runs until SIGTERM/SIGINT; returns the exit code.
  int run();

 private:
  boost::asio::awaitable<void> schedule();
  boost::asio::awaitable<void> run_one_cycle();
  // Until `next_start`, or a requested cycle's time if sooner, or stop.
  boost::asio::awaitable<void> wait_for_next_cycle(std::chrono::steady_clock::time_point next_start);
  // The next cycle starts at `at` (now: at once) unless it starts sooner.
  void request_cycle_at(std::chrono::steady_clock::time_point at);
  health::RefreshOutcome refresh();  // POST /-/refresh
  void handle_signals();
  void on_signal(int signal_number);
  void stop();
  void finish_outstanding_work();
  // SIGHUP and POST /-/reload (source: "SIGHUP", "http").
  health::ReloadOutcome reload(std::string_view source);
  void start_health(const std::string& address);
  // What /snapshot serves: the file as found at start (or after a reload
  // moved it), then as each cycle wrote it.
  void describe_snapshot_file();
  void set_snapshot_document(const std::optional<store::SnapshotFile>& file);
  std::chrono::steady_clock::time_point next_start(std::chrono::steady_clock::time_point started);
  health::Readiness readiness() const;
  std::unique_ptr<Runtime> make_runtime(const config::Config& config);

  boost::asio::io_context& io_;
  ServiceOptions options_;
  aws::EnvLookup env_;
  config::Config config_;
  std::optional<config::Config> pending_;  // a reloaded configuration, applied at the next cycle

  health::Registry registry_;
  MetricsPublisher metrics_;
  std::unique_ptr<Runtime> runtime_;
  std::vector<std::unique_ptr<Runtime>> retired_runtimes_;  // replaced by reloads
  std::shared_ptr<const health::SnapshotDocument> snapshot_document_;
  std::optional<std::chrono::system_clock::time_point> last_cycle_finished_at_;
  std::string state_write_error_;  // "FILE: why" while the last cycle's state could not be written

  health::HealthServer health_;
  health::SystemdNotifier notifier_;
  std::unique_ptr<health::WatchdogPinger> watchdog_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer wake_;
  boost::asio::cancellation_signal cycle_cancel_;
  bool cycle_running_ = false;
  std::optional<std::chrono::steady_clock::time_point> cycle_started_at_;    // the last cycle's start
  std::chrono::system_clock::time_point cycle_started_wall_;                 // the same, as told to clients
  std::optional<std::chrono::steady_clock::time_point> cycle_requested_at_;  // SIGUSR1, POST /-/refresh
  // health.lifecycle of the configuration last loaded: like health.listen it
  // applies at once, not from the next cycle.
  bool lifecycle_ = false;
  bool stopping_ = false;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace mw::app
