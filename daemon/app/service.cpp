#include "app/service.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <vector>

#include "app/logging.hpp"
#include "app/version.hpp"
#include "aws/protocols.hpp"

namespace mw::app {
namespace asio = boost::asio;

WebConfigResult load_web_config_of(const config::Config& config) {
  WebConfigResult result;
  if (config.health.web_config_file.empty()) return result;
  auto load = health::load_web_config(config.health.web_config_file, ::geteuid());
  result.loaded = std::move(load.loaded);
  for (auto& error : load.errors) {
    result.errors.push_back({std::move(error.file), error.line, error.column, std::move(error.key_path),
                             std::move(error.message)});
  }
  return result;
}

Service::Service(asio::io_context& io, ServiceOptions options, config::Config config, aws::EnvLookup env)
    : io_(io),
      options_(std::move(options)),
      env_(std::move(env)),
      config_(std::move(config)),
      metrics_(health::declare_memberwatch_metrics(registry_, kVersion)),
      health_(io, {[this] { return readiness(); }, [this] { return registry_.render(); },
                   [this] { return snapshot_document_; }, [this] { return lifecycle_; },
                   [this] { return refresh(); }, [this] { return reload("http"); }}),
      notifier_(health::SystemdNotifier::from_environment()),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      wake_(io),
      lifecycle_(config_.health.lifecycle) {
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
  health_.use_web_config(options_.web_config);
  start_health(config_.health.listen);
  handle_signals();
  notifier_.ready();
  watchdog_ = health::make_watchdog_pinger(io_, notifier_);
  if (watchdog_) watchdog_->start();
  spdlog::info("memberwatchd ready version={} health={} lifecycle={} {}", kVersion,
               health_.listening() ? health_.local_address() : "off", lifecycle_, config::summarize(config_));

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
    cycle_started_at_ = started;
    cycle_started_wall_ = std::chrono::system_clock::now();
    cycle_requested_at_.reset();  // this cycle answers every request made before it
    co_await run_one_cycle();
    // The cycle's records and both snapshots are freed by now: hand their
    // pages back to the system instead of idling at the cycle's peak
    // (glibc keeps a fragmented heap's free pages otherwise).
    ::malloc_trim(0);
    if (stopping_) break;
    co_await wait_for_next_cycle(next_start(started));
  }
}

asio::awaitable<void> Service::wait_for_next_cycle(std::chrono::steady_clock::time_point next_start) {
  while (!stopping_) {
    const auto due = cycle_requested_at_ ? std::min(next_start, *cycle_requested_at_) : next_start;
    // A cycle longer than the interval delays the next instead of overlapping.
    if (std::chrono::steady_clock::now() >= due) break;
    wake_.expires_at(due);
    // A cycle request and stop cancel the wait; the loop then looks again.
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void Service::request_cycle_at(std::chrono::steady_clock::time_point at) {
  if (cycle_requested_at_ && *cycle_requested_at_ <= at) return;
  cycle_requested_at_ = at;
  wake_.cancel();
}

health::RefreshOutcome Service::refresh() {
  using Kind = health::RefreshOutcome::Kind;
  if (cycle_running_) {
    spdlog::info("cycle requested but one is running source=http");
    return {Kind::running, {}};
  }
  const auto now = std::chrono::steady_clock::now();
  auto at = cycle_started_at_ ? std::max(now, *cycle_started_at_ + options_.refresh_min_gap) : now;
  // A cycle requested sooner (SIGUSR1, an earlier refresh) serves this one too.
  if (cycle_requested_at_) at = std::min(at, *cycle_requested_at_);
  if (at <= now) {
    spdlog::info("cycle requested source=http");
    request_cycle_at(now);
    return {Kind::started, {}};
  }
  const bool joined = cycle_requested_at_ == at;
  request_cycle_at(at);
  // From the wall-clock start, so that every request joining it is told the same time.
  const auto at_text = aws::protocol::format_rfc3339(cycle_started_wall_ + options_.refresh_min_gap, true);
  const auto delay_ms = std::chrono::ceil<std::chrono::milliseconds>(at - now).count();
  if (joined) {
    spdlog::info("cycle requested, joins the scheduled one source=http at={} in_ms={}", at_text, delay_ms);
  } else {
    spdlog::info("cycle scheduled source=http at={} in_ms={} reason=last_start_less_than_{}s_ago", at_text,
                 delay_ms, std::chrono::ceil<std::chrono::seconds>(options_.refresh_min_gap).count());
  }
  return {Kind::scheduled, at_text};
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
  metrics_.publish_cycle(outcome, config_.health.max_gap_series);
  state_write_error_ = outcome.state_write_file.empty()
                           ? std::string()
                           : outcome.state_write_file + ": " + outcome.state_write_error;
  if (outcome.written) {
    last_cycle_finished_at_ = std::chrono::system_clock::now();
    set_snapshot_document(outcome.write);
  }
  notifier_.status(outcome.summary.empty() ? "last cycle failed" : "last cycle: " + outcome.summary);
}

std::chrono::steady_clock::time_point Service::next_start(std::chrono::steady_clock::time_point started) {
  const auto jitter_ms = config_.jitter.count() * 1000;
  const auto jitter = std::chrono::milliseconds(
      jitter_ms > 0 ? std::uniform_int_distribution<long long>(0, jitter_ms)(random_) : 0);
  return started + config_.interval + jitter;
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
      reload("SIGHUP");
      break;
    case SIGUSR1:
      // At once, without POST /-/refresh's 30 s spacing: only the daemon's
      // own user (or root) can send it.
      if (cycle_running_) {
        spdlog::info("cycle requested but one is running signal=SIGUSR1");
      } else {
        spdlog::info("cycle requested signal=SIGUSR1");
        request_cycle_at(std::chrono::steady_clock::now());
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

health::ReloadOutcome Service::reload(std::string_view source) {
  spdlog::info("reload requested source={}", source);
  notifier_.reloading();
  auto loaded = config::load_config_file(options_.config_path);
  // The web configuration is part of the configuration: one that does not
  // load refuses the reload, and the one in force stays.
  WebConfigResult web;
  if (loaded.config) {
    web = load_web_config_of(*loaded.config);
    if (!web.errors.empty()) {
      loaded.errors = std::move(web.errors);
      loaded.config.reset();
    }
  }
  if (!loaded.config) {
    std::string errors;
    for (const auto& error : loaded.errors) {
      spdlog::error("reload rejected error={}", error.to_string());
      errors += (errors.empty() ? "" : "; ") + error.to_string();
    }
    spdlog::error("reload rejected; the running configuration stays errors={}", loaded.errors.size());
    notifier_.ready();
    return {false, errors};
  }
  auto& config = *loaded.config;
  // Read again even when unchanged: SIGHUP after editing the file applies it
  // at once.
  health_.use_web_config(web.loaded);
  if (config.health.listen != config_.health.listen) {
    try {
      start_health(config.health.listen);
    } catch (const std::exception& e) {
      spdlog::error("health endpoint not moved address={} error={}", config.health.listen, e.what());
    }
  }
  if (config.health.lifecycle != lifecycle_) {
    lifecycle_ = config.health.lifecycle;
    spdlog::info("lifecycle endpoints {} lifecycle={}", lifecycle_ ? "on" : "off", lifecycle_);
  }
  const auto level = parse_log_level(options_.log_level_override.value_or(config.log_level));
  if (level) spdlog::set_level(*level);
  spdlog::info("configuration reloaded; applies from the next cycle {}", config::summarize(config));
  pending_ = std::move(config);
  notifier_.ready();
  return {true, {}};
}

}  // namespace mw::app
