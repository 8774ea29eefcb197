#include "poller/cycle.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <deque>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include "config/accounts_file.hpp"
#include "poller/source_poller.hpp"
#include "services/organizations.hpp"

namespace mw::poller {
namespace asio = boost::asio;

namespace {

// GetMembers batches start as soon as this many new accounts are known.
constexpr std::size_t kBatchSize = 50;
// GetMembers calls one source keeps going at once; its rate limit paces them.
constexpr int kBatchWorkersPerSource = 8;
// The Security Hub member APIs' published quota allows bursts of three
// seconds' worth of requests (30 at 10/s); the other services are treated
// alike. One token is held back so that requests arriving a little early or
// late never find the service's bucket emptier than ours.
constexpr double kBurstSeconds = 3.0;

// Every account one administrator's sources must be asked about, in the
// order they became known, growing while discovery still lists: ListMembers
// pages of its sources, Organizations, accounts.ids and the accounts file.
// Waiters wake on every change. One io_context thread.
class AccountUniverse {
 public:
  explicit AccountUniverse(asio::any_io_executor executor) : executor_(std::move(executor)) {}

  void add(std::vector<std::string>&& accounts) {
    bool grew = false;
    for (auto& account : accounts) {
      if (seen_.contains(account)) continue;
      accounts_.push_back(std::move(account));
      seen_.insert(accounts_.back());  // deque elements never move
      grew = true;
    }
    if (grew) notify();
  }
  // A feed (a source's listing, Organizations) that may still add accounts.
  void open_feed() { ++open_feeds_; }
  void close_feed() {
    --open_feeds_;
    notify();
  }
  bool complete() const { return open_feeds_ == 0; }
  std::size_t size() const { return accounts_.size(); }
  std::vector<std::string> slice(std::size_t from, std::size_t count) const {
    return {accounts_.begin() + static_cast<std::ptrdiff_t>(from),
            accounts_.begin() + static_cast<std::ptrdiff_t>(from + count)};
  }

  // Wakes all waiters (something changed; they check what).
  void notify() {
    for (auto& waiter : std::exchange(waiters_, {})) {
      waiter->notified = true;
      waiter->timer.cancel();
    }
  }
  // Until the next notify(); throws operation_aborted when the cycle is cancelled.
  asio::awaitable<void> wait() {
    auto waiter = std::make_shared<Waiter>(executor_);
    waiters_.push_back(waiter);
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!waiter->notified) {
      std::erase(waiters_, waiter);
      throw boost::system::system_error(asio::error::operation_aborted, "waiting for accounts");
    }
  }

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor)
        : timer(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    bool notified = false;
  };

  asio::any_io_executor executor_;
  std::deque<std::string> accounts_;
  std::unordered_set<std::string_view> seen_;
  int open_feeds_ = 0;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// One source through the cycle: its poller, how far into the universe its
// GetMembers got, what it returned, and its failure, if any, so far.
struct SourceRun {
  std::unique_ptr<SourcePoller> poller;
  std::string administrator_name;
  core::TimePoint attempted_at;
  bool resource_known = false;
  std::size_t next_account = 0;  // universe index of the next account to ask about
  std::vector<core::Membership> memberships;
  std::optional<core::SourceError> error;
};

struct AdministratorRun {
  const config::Administrator* admin = nullptr;
  std::vector<SourceRun> sources;
  std::unique_ptr<AccountUniverse> universe;
};

// Runs `work(item)` for every item concurrently and waits for all; `work`
// must not throw (failures are recorded in the item).
template <typename Items, typename Work>
asio::awaitable<void> for_each_concurrently(Items& items, Work work) {
  auto executor = co_await asio::this_coro::executor;
  using Operation = decltype(asio::co_spawn(executor, work(items.front()), asio::deferred));
  std::vector<Operation> operations;
  for (auto& item : items) operations.push_back(asio::co_spawn(executor, work(item), asio::deferred));
  if (operations.empty()) co_return;
  co_await asio::experimental::make_parallel_group(std::move(operations))
      .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}

class CycleRun {
 public:
  CycleRun(const config::Config& config, CycleDependencies deps, core::CycleResults& results,
           asio::any_io_executor executor)
      : config_(config),
        deps_(std::move(deps)),
        executor_(std::move(executor)),
        context_{deps_.client, config, deps_.env},
        results_(results) {}

  // Organizations and every administrator run side by side; within an
  // administrator every source lists its members while GetMembers batches
  // over the growing universe already go out.
  asio::awaitable<void> run() {
    prepare();
    co_await for_each_concurrently(phases_, [this](int& phase) { return run_phase(phase); });
  }

 private:
  void prepare() {
    results_.expected_accounts = expected_accounts(config_);
    for (const auto& admin : config_.administrators) {
      AdministratorRun run{&admin, {}, std::make_unique<AccountUniverse>(executor_)};
      run.universe->add(std::vector<std::string>(results_.expected_accounts));
      if (!config_.accounts.organizations.role_arn.empty()) run.universe->open_feed();
      for (const auto& service_name : admin.services) {
        for (const auto& region : admin.regions) {
          const auto service = *core::parse_service(service_name);
          run.sources.push_back(
              {std::make_unique<SourcePoller>(context_, admin, service, region, credentials_getter(admin)),
               admin.name,
               core::Clock::now(),
               false,
               0,
               {},
               std::nullopt});
          run.universe->open_feed();
        }
      }
      administrators_.push_back(std::move(run));
    }
  }

  aws::CredentialsGetter credentials_getter(const config::Administrator& admin) {
    return [broker = &deps_.credentials, admin = &admin]() { return broker->administrator(*admin); };
  }

  // Phase 0 is Organizations, phase i > 0 administrator i - 1.
  asio::awaitable<void> run_phase(int& phase) {
    if (phase == 0) {
      co_await list_organization();
      for (auto& run : administrators_) {
        if (config_.accounts.organizations.role_arn.empty()) continue;
        run.universe->add(std::vector<std::string>(organization_ids_));
        run.universe->close_feed();
      }
    } else {
      co_await poll_administrator(administrators_[static_cast<std::size_t>(phase - 1)]);
    }
  }

  asio::awaitable<void> poll_administrator(AdministratorRun& run) {
    try {
      co_await deps_.credentials.administrator(*run.admin);
    } catch (...) {
      const auto error = to_source_error(std::current_exception());
      spdlog::warn("administrator credentials failed administrator={} code={} message={}",
                   run.admin->account_id, error.code, error.message);
      for (auto& source : run.sources) {
        source.error = error;
        record(source);
      }
      co_return;
    }
    co_await for_each_concurrently(run.sources, [this, &run](SourceRun& source) -> asio::awaitable<void> {
      std::vector<int> roles(1 + kBatchWorkersPerSource);
      for (std::size_t i = 0; i < roles.size(); ++i) roles[i] = static_cast<int>(i);
      co_await for_each_concurrently(roles, [this, &run, &source](int& role) {
        return role == 0 ? list_source(*run.universe, source) : get_members(*run.universe, source);
      });
      record(source);
    });
  }

  // Discovery and every ListMembers page, each page feeding the universe.
  // A failed listing fails the source; what it listed before stays known.
  asio::awaitable<void> list_source(AccountUniverse& universe, SourceRun& source) {
    try {
      co_await source.poller->find_resource();
      source.resource_known = true;
      universe.notify();
      co_await source.poller->list_members(
          [&universe](std::vector<std::string>&& accounts) { universe.add(std::move(accounts)); });
    } catch (...) {
      if (!source.error) source.error = to_source_error(std::current_exception());
    }
    universe.close_feed();
  }

  // One of the source's GetMembers workers: takes the next batch of the
  // universe when 50 accounts (or, once the universe is complete, the rest)
  // are waiting, until the universe is exhausted or the source failed.
  asio::awaitable<void> get_members(AccountUniverse& universe, SourceRun& source) {
    for (;;) {
      if (source.error) co_return;
      const auto waiting = universe.size() - source.next_account;
      if (source.resource_known && (waiting >= kBatchSize || (universe.complete() && waiting > 0))) {
        const auto count = std::min(waiting, kBatchSize);
        auto batch = universe.slice(source.next_account, count);
        source.next_account += count;
        try {
          auto records = co_await source.poller->get_batch(std::move(batch));
          source.memberships.insert(source.memberships.end(), std::make_move_iterator(records.begin()),
                                    std::make_move_iterator(records.end()));
        } catch (...) {
          if (!source.error) source.error = to_source_error(std::current_exception());
          universe.notify();  // the other workers stop
          co_return;
        }
        continue;
      }
      if (universe.complete() && (waiting == 0 || !source.resource_known)) co_return;
      try {
        co_await universe.wait();
      } catch (...) {
        if (!source.error) source.error = to_source_error(std::current_exception());
        co_return;
      }
    }
  }

  void record(SourceRun& source) {
    core::SourceResult result{source.poller->key(), source.administrator_name,
                              source.attempted_at,  source.poller->resource(),
                              source.error,         {}};
    if (!source.error) result.memberships = std::move(source.memberships);
    source.memberships = {};
    record(std::move(result));
  }

  void record(core::SourceResult result) {
    if (result.error) {
      spdlog::warn("source failed administrator={} service={} region={} code={} http_status={} message={}",
                   result.key.administrator_id, core::to_string(result.key.service), result.key.region,
                   result.error->code, result.error->http_status, result.error->message);
    } else {
      spdlog::debug("source answered administrator={} service={} region={} records={}",
                    result.key.administrator_id, core::to_string(result.key.service), result.key.region,
                    result.memberships.size());
    }
    results_.sources.push_back(std::move(result));
  }

  asio::awaitable<void> list_organization() {
    const auto& organizations = config_.accounts.organizations;
    if (organizations.role_arn.empty()) co_return;
    try {
      co_await deps_.credentials.role(organizations.role_arn, organizations.external_id);
      std::vector<core::OrganizationAccount> accounts;
      std::optional<std::string> next_token;
      std::set<std::string> seen_tokens;
      do {
        const auto request = services::organizations::list_accounts_request(next_token);
        auto call = make_call(
            request, aws::Service::organizations, config_.aws.sts_region, config_, deps_.env,
            [broker = &deps_.credentials, &organizations]() {
              return broker->role(organizations.role_arn, organizations.external_id);
            },
            "organizations");
        const auto response = co_await deps_.client.call(std::move(call));
        auto page = services::organizations::parse_list_accounts(response.body);
        accounts.insert(accounts.end(), page.accounts.begin(), page.accounts.end());
        next_token = std::move(page.next_token);
        if (next_token && !seen_tokens.insert(*next_token).second) {
          throw aws::AwsError({"organizations", "ListAccounts", 0, "PaginationLoop",
                               "the service returned the same NextToken twice", ""});
        }
      } while (next_token);
      for (const auto& account : accounts) organization_ids_.push_back(account.account_id);
      results_.organization_accounts = std::move(accounts);
    } catch (...) {
      results_.organization_error = to_source_error(std::current_exception());
      spdlog::warn("organizations failed code={} message={}", results_.organization_error->code,
                   results_.organization_error->message);
    }
  }

  const config::Config& config_;
  CycleDependencies deps_;
  asio::any_io_executor executor_;
  CallContext context_;
  core::CycleResults& results_;
  std::vector<AdministratorRun> administrators_;
  std::vector<int> phases_ = make_phases();
  std::vector<std::string> organization_ids_;

  std::vector<int> make_phases() const {
    std::vector<int> phases(config_.administrators.size() + 1);
    for (std::size_t i = 0; i < phases.size(); ++i) phases[i] = static_cast<int>(i);
    return phases;
  }
};

}  // namespace

asio::awaitable<core::CycleResults> run_cycle(const config::Config& config, CycleDependencies deps) {
  using namespace asio::experimental::awaitable_operators;
  auto results = std::make_shared<core::CycleResults>();
  results->started_at = core::Clock::now();
  const auto& stats = deps.client.stats();
  const auto requests_before = stats.total_requests();
  const auto retries_before = stats.total_retries();
  const auto throttles_before = stats.total_throttles();

  deps.client.rate_limiter().set_burst(std::max(1.0, kBurstSeconds * config.aws.requests_per_second - 1));
  auto run =
      std::make_shared<CycleRun>(config, std::move(deps), *results, co_await asio::this_coro::executor);
  asio::steady_timer deadline(co_await asio::this_coro::executor, config.cycle_timeout);
  const auto outcome = co_await (run->run() || deadline.async_wait(asio::use_awaitable));
  if (outcome.index() == 1) {
    results->cancelled = true;
    spdlog::warn("cycle timed out; unfinished sources keep their last data cycle_timeout_seconds={}",
                 config.cycle_timeout.count());
  }
  results->finished_at = core::Clock::now();
  results->requests = stats.total_requests() - requests_before;
  results->retries = stats.total_retries() - retries_before;
  results->throttled = stats.total_throttles() - throttles_before;
  co_return std::move(*results);
}

std::vector<core::ConfiguredSource> configured_sources(const config::Config& config) {
  std::vector<core::ConfiguredSource> sources;
  for (const auto& admin : config.administrators) {
    for (const auto& service : admin.services) {
      for (const auto& region : admin.regions) {
        sources.push_back({{admin.account_id, *core::parse_service(service), region}, admin.name});
      }
    }
  }
  return sources;
}

std::vector<std::string> expected_accounts(const config::Config& config) {
  std::vector<std::string> accounts = config.accounts.ids;
  if (config.accounts.file.empty()) return accounts;
  std::ifstream in(config.accounts.file, std::ios::binary);
  if (!in) {
    spdlog::error("accounts file unreadable file={} error={}", config.accounts.file, std::strerror(errno));
    return accounts;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = config::parse_accounts_file(text.str());
  for (const auto& problem : parsed.problems) {
    spdlog::warn("accounts file line skipped file={} line={} problem={}", config.accounts.file, problem.line,
                 problem.message);
  }
  accounts.insert(accounts.end(), parsed.ids.begin(), parsed.ids.end());
  return accounts;
}

}  // namespace mw::poller
