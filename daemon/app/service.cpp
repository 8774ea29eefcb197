#include "app/service.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <vector>

#include "app/logging.hpp"
#include "app/version.hpp"

namespace mw::app {
namespace asio = boost::asio;

Service::Service(asio::io_context& io, ServiceOptions options, config::Config config, aws::EnvLookup env)
    : io_(io),
      options_(std::move(options)),
      env_(std::move(env)),
      config_(std::move(config)),
      metrics_(health::declare_memberwatch_metrics(registry_, kVersion)),
      health_(io, {[this] { return readiness(); }, [this] { return registry_.render(); },
                   [this] { return snapshot_document_; }}),
      notifier_(health::SystemdNotifier::from_environment()),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      wake_(io) {
  signals_.add(SIGUSR1);
}

Service::~Service() = default;

std::unique_ptr<Runtime> Service::make_runtime(const config::Config& config) {
  RuntimeHooks hooks;
  hooks.on_attempt = [this](std::string_view service, std::string_view operation, double seconds) {
    metrics_.observe_request(service, operation, seconds);
  };
  return std::make_unique<Runtime>(io_, config, env_, std::move(hooks));
}

int Service::run() {
  runtime_ = make_runtime(config_);
  describe_snapshot_file();
  start_health(config_.health.listen);
  handle_signals();
  notifier_.ready();
  watchdog_ = health::make_watchdog_pinger(io_, notifier_);
  if (watchdog_) watchdog_->start();
  spdlog::info("memberwatchd ready version={} health={} {}", kVersion,
               health_.listening() ? health_.local_address() : "off", config::summarize(config_));

  int exit_code = 0;
  bool scheduler_done = false;
  asio::co_spawn(io_, schedule(), [&](std::exception_ptr error) {
    scheduler_done = true;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::critical("scheduler failed error={}", e.what());
    }
    exit_code = 1;
    stop();
  });
  while (!scheduler_done && io_.run_one()) {
  }
  finish_outstanding_work();
  spdlog::info("memberwatchd stopped exit_code={}", exit_code);
  return exit_code;
}

void Service::finish_outstanding_work() {
  // What outlives the cancelled cycle (a credentials refresh shared by all
  // waiters, hence not cancelled with any of them) gets a short grace: the
  // daemon must exit within 5 s of SIGTERM however slow AWS answers.
  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  while (io_.run_one_until(deadline) > 0) {
  }
  if (io_.stopped()) return;
  spdlog::warn("requests still in flight at shutdown are abandoned grace_ms={}", kShutdownGrace.count());
  io_.stop();
  // Their coroutine frames are destroyed with the io_context, after this
  // Service, and still refer to the runtime: it is never destroyed (not even
  // at exit, when its sockets' io_context is gone), but kept reachable.
  static auto* const abandoned = new std::vector<std::unique_ptr<Runtime>>();
  abandoned->push_back(std::move(runtime_));
  for (auto& retired : retired_runtimes_) abandoned->push_back(std::move(retired));
}

void Service::start_health(const std::string& address) {
  health_.listen(address);
}

void Service::describe_snapshot_file() {
  const auto& store = runtime_->runner().store();
  try {
    set_snapshot_document(store.describe_snapshot());
  } catch (const std::exception& error) {
    spdlog::error("snapshot file unreadable, not served path={} error=\"{}\"", store.snapshot_path().string(),
                  error.what());
    snapshot_document_.reset();
  }
}

void Service::set_snapshot_document(const std::optional<store::SnapshotFile>& file) {
  if (!file) {
    snapshot_document_.reset();
    return;
  }
  snapshot_document_ = std::make_shared<const health::SnapshotDocument>(
      health::SnapshotDocument{runtime_->runner().store().snapshot_path(), file->bytes, file->etag});
}

health::Readiness Service::readiness() const {
  return health::evaluate_readiness({snapshot_document_ != nullptr, last_cycle_finished_at_, config_.interval,
                                     std::chrono::system_clock::now(), state_write_error_});
}

asio::awaitable<void> Service::schedule() {
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    co_await run_one_cycle();
    // The cycle's records and both snapshots are freed by now: hand their
    // pages back to the system instead of idling at the cycle's peak
    // (glibc keeps a fragmented heap's free pages otherwise).
    ::malloc_trim(0);
    if (stopping_) break;
    wake_.expires_after(next_delay(started));
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));  // SIGUSR1 and stop cancel it
  }
}

asio::awaitable<void> Service::run_one_cycle() {
  if (pending_) {
    config_ = std::move(*pending_);
    pending_.reset();
    // A credentials refresh of the old runtime may still be in flight and
    // refers to it: it is kept until shutdown rather than destroyed here.
    retired_runtimes_.push_back(std::move(runtime_));
    runtime_ = make_runtime(config_);
    describe_snapshot_file();
    spdlog::info("configuration applied {}", config::summarize(config_));
  }
  cycle_running_ = true;
  auto [error, outcome] = co_await asio::co_spawn(
      io_, runtime_->run_cycle(),
      asio::bind_cancellation_slot(cycle_cancel_.slot(), asio::as_tuple(asio::use_awaitable)));
  cycle_running_ = false;
  metrics_.publish_requests(runtime_->client().stats());
  if (error) {
    if (stopping_) co_return;  // cancelled by shutdown: nothing written, the last snapshot stays
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("cycle failed error={}", e.what());
    }
    outcome = CycleOutcome{};
  }
  metrics_.publish_cycle(outcome);
  state_write_error_ = outcome.state_write_file.empty()
                           ? std::string()
                           : outcome.state_write_file + ": " + outcome.state_write_error;
  if (outcome.written) {
    last_cycle_finished_at_ = std::chrono::system_clock::now();
    set_snapshot_document(outcome.write);
  }
  notifier_.status(outcome.summary.empty() ? "last cycle failed" : "last cycle: " + outcome.summary);
}

std::chrono::steady_clock::duration Service::next_delay(std::chrono::steady_clock::time_point started) {
  const auto jitter_ms = config_.jitter.count() * 1000;
  const auto jitter = std::chrono::milliseconds(
      jitter_ms > 0 ? std::uniform_int_distribution<long long>(0, jitter_ms)(random_) : 0);
  const auto next_start = started + config_.interval + jitter;
  // A cycle longer than the interval delays the next instead of overlapping.
  return std::max<std::chrono::steady_clock::duration>(next_start - std::chrono::steady_clock::now(),
                                                       std::chrono::steady_clock::duration::zero());
}

void Service::handle_signals() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    on_signal(signal_number);
    if (!stopping_) handle_signals();
  });
}

void Service::on_signal(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
    case SIGINT:
      spdlog::info("stopping signal={}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
      stop();
      break;
    case SIGHUP:
      reload();
      break;
    case SIGUSR1:
      if (cycle_running_) {
        spdlog::info("cycle requested but one is running signal=SIGUSR1");
      } else {
        spdlog::info("cycle requested signal=SIGUSR1");
        wake_.cancel();
      }
      break;
    default:
      break;
  }
}

void Service::stop() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.stopping();
  cycle_cancel_.emit(asio::cancellation_type::terminal);
  wake_.cancel();
  signals_.cancel();
  if (watchdog_) watchdog_->stop();
  health_.stop();
}

void Service::reload() {
  notifier_.reloading();
  auto loaded = config::load_config_file(options_.config_path);
  if (!loaded.config) {
    for (const auto& error : loaded.errors) spdlog::error("reload rejected error={}", error.to_string());
    spdlog::error("reload rejected; the running configuration stays errors={}", loaded.errors.size());
    notifier_.ready();
    return;
  }
  auto& config = *loaded.config;
  if (config.health.listen != config_.health.listen) {
    try {
      start_health(config.health.listen);
    } catch (const std::exception& e) {
      spdlog::error("health endpoint not moved address={} error={}", config.health.listen, e.what());
    }
  }
  const auto level = parse_log_level(options_.log_level_override.value_or(config.log_level));
  if (level) spdlog::set_level(*level);
  spdlog::info("configuration reloaded; applies from the next cycle {}", config::summarize(config));
  pending_ = std::move(config);
  notifier_.ready();
}

}  // namespace mw::app
