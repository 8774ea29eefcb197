#include "poller/cycle.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

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
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include "common/file_trust.hpp"
#include "config/accounts_file.hpp"
#include "poller/source_poller.hpp"
#include "services/account.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"

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
  const std::deque<std::string>& accounts() const { return accounts_; }
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
  // Calls beside the membership: they never fail the source.
  std::optional<core::SourceOrganization> organization = {};
  std::vector<core::SourceCallError> call_errors = {};
};

struct AdministratorRun {
  const config::Administrator* admin = nullptr;
  bool discovered = false;  // a delegated administrator Organizations named, not configured
  // From the configuration and what was known before the cycle, then from
  // ListRegions once it answers.
  AdministratorPlan plan;
  std::vector<SourceRun> sources;  // the planned ones that are polled
  std::unique_ptr<AccountUniverse> universe;
};

// Runs every task concurrently and waits for all. A task must not throw:
// it records its failure where it works.
asio::awaitable<void> run_all(std::vector<asio::awaitable<void>> tasks) {
  if (tasks.empty()) co_return;
  auto executor = co_await asio::this_coro::executor;
  using Operation = decltype(asio::co_spawn(executor, std::move(tasks.front()), asio::deferred));
  std::vector<Operation> operations;
  for (auto& task : tasks) operations.push_back(asio::co_spawn(executor, std::move(task), asio::deferred));
  co_await asio::experimental::make_parallel_group(std::move(operations))
      .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}

class CycleRun {
 public:
  CycleRun(const config::Config& config, CycleDependencies deps, core::LastKnown last_known,
           core::CycleResults& results, asio::any_io_executor executor)
      : config_(config),
        deps_(std::move(deps)),
        last_known_(std::move(last_known)),
        executor_(std::move(executor)),
        context_{deps_.client, config, deps_.env},
        results_(results) {}

  // Organizations and every administrator run side by side; within an
  // administrator every source lists its members while GetMembers batches
  // over the growing universe already go out.
  asio::awaitable<void> run() {
    co_await list_delegated_administrators();
    add_discovered_administrators();
    prepare();
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(feed_organization());
    for (auto& run : administrators_) tasks.push_back(poll_administrator(run));
    co_await run_all(std::move(tasks));
  }

  // Every administrator and the sources planned for it, into the results:
  // also when the cycle was cut short, so that the merge keeps the last
  // data of what was not polled.
  void finish_plan() {
    for (const auto& run : administrators_) {
      results_.administrators.push_back(run.plan.summary);
      results_.administrators.back().origin = run.discovered ? "organization" : "configured";
      results_.administrators.back().delegated_for = delegated_for(run.admin->account_id);
      results_.planned_sources.insert(results_.planned_sources.end(), run.plan.sources.begin(),
                                      run.plan.sources.end());
    }
  }

 private:
  void prepare() {
    results_.expected_accounts = expected_accounts(config_);
    std::vector<std::pair<const config::Administrator*, bool>> admins;  // (administrator, discovered)
    for (const auto& admin : config_.administrators) admins.emplace_back(&admin, false);
    for (const auto& admin : discovered_) admins.emplace_back(&admin, true);
    for (const auto& [admin, discovered] : admins) {
      AdministratorRun run{admin,
                           discovered,
                           plan_administrator(*admin, last_known_),
                           {},
                           std::make_unique<AccountUniverse>(executor_)};
      run.universe->add(std::vector<std::string>(results_.expected_accounts));
      if (!config_.accounts.organizations.role_arn.empty()) run.universe->open_feed();
      administrators_.push_back(std::move(run));
    }
  }

  // Every service some administrator polls (aws.services first).
  std::vector<core::Service> configured_services() const {
    std::vector<core::Service> services = config_.aws.services;
    for (const auto& admin : config_.administrators) {
      for (const auto service : admin.services)
        if (std::find(services.begin(), services.end(), service) == services.end())
          services.push_back(service);
    }
    return services;
  }

  aws::CredentialsGetter organizations_credentials() {
    const auto& organizations = config_.accounts.organizations;
    return [broker = &deps_.credentials, &organizations]() {
      return broker->role(organizations.role_arn, organizations.external_id);
    };
  }

  // Organizations ListDelegatedAdministrators for every configured
  // service's principal, side by side: who the organization delegated, for
  // NOT_DELEGATED_ADMINISTRATOR and delegated_for, and with
  // discover_administrators whom to poll besides the configured ones.
  asio::awaitable<void> list_delegated_administrators() {
    if (config_.accounts.organizations.role_arn.empty()) co_return;
    std::vector<asio::awaitable<void>> tasks;
    for (const auto service : configured_services()) tasks.push_back(list_delegated_administrators(service));
    co_await run_all(std::move(tasks));
  }

  // One service principal, every page. When it fails, the last good list
  // (the previous snapshot's delegated_for) stands for it.
  asio::awaitable<void> list_delegated_administrators(core::Service service) {
    namespace organizations = services::organizations;
    try {
      std::vector<std::string> ids;
      std::optional<std::string> next_token;
      NextTokens tokens("organizations", "ListDelegatedAdministrators");
      do {
        auto call = make_call(organizations::list_delegated_administrators_request(
                                  organizations::service_principal(service), next_token),
                              aws::Service::organizations, config_.aws.sts_region, config_, deps_.env,
                              organizations_credentials(), "organizations");
        const auto response = co_await deps_.client.call(std::move(call));
        auto page = organizations::parse_list_delegated_administrators(response.body);
        for (const auto& problem : page.problems)
          spdlog::warn("delegated administrator left out problem=\"{}\"", problem);
        for (auto& admin : page.administrators) {
          if (!admin.name.empty()) delegated_names_[admin.account_id] = admin.name;
          ids.push_back(std::move(admin.account_id));
        }
        next_token = std::move(page.next_token);
        tokens.check(next_token);
      } while (next_token);
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      results_.delegated_administrators[service] = std::move(ids);
    } catch (...) {
      auto error = to_source_error(std::current_exception());
      const auto last = last_known_.delegated_administrators.find(service);
      const bool known = last != last_known_.delegated_administrators.end();
      if (known) results_.delegated_administrators[service] = last->second;
      spdlog::warn(
          "delegated administrators unknown; the last good list is used service={} code={} message={} "
          "last_good_administrators={}",
          core::to_string(service), error.code, error.message, known ? last->second.size() : 0);
      if (!results_.delegation_error) results_.delegation_error = std::move(error);
    }
  }

  // With discover_administrators: every account Organizations names as a
  // delegated administrator that is not configured, polled through the
  // configured role name with aws.regions, for the services it is
  // delegated for.
  void add_discovered_administrators() {
    const auto& discover = config_.accounts.organizations.discover_administrators;
    if (discover.role_name.empty()) return;
    std::map<std::string, std::vector<core::Service>> services_of;
    for (const auto service : configured_services()) {
      const auto delegated = results_.delegated_administrators.find(service);
      if (delegated == results_.delegated_administrators.end()) continue;
      for (const auto& id : delegated->second) services_of[id].push_back(service);
    }
    for (auto& [id, services] : services_of) {
      const bool configured =
          std::any_of(config_.administrators.begin(), config_.administrators.end(),
                      [&id = id](const config::Administrator& admin) { return admin.account_id == id; });
      if (configured) continue;  // its configuration wins
      config::Administrator admin;
      admin.account_id = id;
      admin.name = discovered_name(id);
      admin.role_arn = "arn:" + config::partition_of_region(config_.aws.sts_region) + ":iam::" + id +
                       ":role/" + discover.role_name;
      admin.external_id = discover.external_id;
      admin.regions = config_.aws.regions;
      admin.regions_all = config_.aws.regions_all;
      admin.services = std::move(services);
      spdlog::debug("delegated administrator discovered administrator={} services={}", id,
                    admin.services.size());
      discovered_.push_back(std::move(admin));
    }
  }

  // Organizations' name for the account, this cycle's or the last known; else its ID.
  std::string discovered_name(const std::string& account_id) const {
    if (const auto name = delegated_names_.find(account_id); name != delegated_names_.end())
      return name->second;
    const auto& last = last_known_.discovered_administrator_names;
    if (const auto name = last.find(account_id); name != last.end()) return name->second;
    return account_id;
  }

  // The services Organizations names the account delegated administrator
  // of (by name); nullopt when no list is known.
  std::optional<std::vector<std::string>> delegated_for(const std::string& account_id) const {
    if (results_.delegated_administrators.empty()) return std::nullopt;
    std::vector<std::string> services;
    for (const auto& [service, ids] : results_.delegated_administrators) {
      if (std::find(ids.begin(), ids.end(), account_id) != ids.end())
        services.emplace_back(core::to_string(service));
    }
    std::sort(services.begin(), services.end());
    return services;
  }

  // Account ListRegions through the administrator's credentials, every
  // page: the regions enabled in its account. Throws on failure.
  asio::awaitable<std::vector<std::string>> list_enabled_regions(const config::Administrator& admin) {
    std::vector<std::string> enabled;
    std::optional<std::string> next_token;
    NextTokens tokens("account", "ListRegions");
    do {
      auto call = make_call(services::account::list_regions_request(next_token), aws::Service::account,
                            config_.aws.sts_region, config_, deps_.env, credentials_getter(admin),
                            "account/" + admin.account_id);
      const auto response = co_await deps_.client.call(std::move(call));
      auto page = services::account::parse_list_regions(response.body);
      for (auto& region : page.regions) {
        if (services::account::is_enabled(region.opt_status)) enabled.push_back(std::move(region.name));
      }
      next_token = std::move(page.next_token);
      tokens.check(next_token);
    } while (next_token);
    if (enabled.empty()) {
      throw aws::AwsError({"account", "ListRegions", 0, std::string(services::kMalformedResponseCode),
                           "ListRegions reported no enabled region", ""});
    }
    std::sort(enabled.begin(), enabled.end());
    enabled.erase(std::unique(enabled.begin(), enabled.end()), enabled.end());
    co_return enabled;
  }

  // Plans the administrator's sources from ListRegions. When it fails, the
  // plan from what was known before stays: a configured list is polled as
  // configured, `regions: all` uses the last discovered regions (or, with
  // none, polls nothing and its coverage stays unknown).
  asio::awaitable<void> discover_regions(AdministratorRun& run) {
    const config::Administrator& admin = *run.admin;
    try {
      run.plan = plan_administrator(admin, co_await list_enabled_regions(admin));
    } catch (...) {
      run.plan.summary.error = to_source_error(std::current_exception());
      spdlog::warn("region discovery failed administrator={} regions_all={} code={} message={}",
                   admin.account_id, admin.regions_all, run.plan.summary.error->code,
                   run.plan.summary.error->message);
    }
  }

  // A poller for every planned source that is not region_disabled.
  void start_sources(AdministratorRun& run) {
    for (const auto& planned : run.plan.sources) {
      if (planned.region_disabled) continue;
      run.sources.push_back(
          {std::make_unique<SourcePoller>(context_, *run.admin, planned.key.service, planned.key.region,
                                          credentials_getter(*run.admin)),
           run.admin->name,
           core::Clock::now(),
           false,
           0,
           {},
           std::nullopt});
      run.universe->open_feed();
    }
  }

  aws::CredentialsGetter credentials_getter(const config::Administrator& admin) {
    return [broker = &deps_.credentials, admin = &admin]() { return broker->administrator(*admin); };
  }

  // The organization's accounts join every administrator's universe.
  asio::awaitable<void> feed_organization() {
    if (config_.accounts.organizations.role_arn.empty()) co_return;
    co_await list_organization();
    for (auto& run : administrators_) {
      run.universe->add(std::vector<std::string>(organization_ids_));
      run.universe->close_feed();
    }
  }

  asio::awaitable<void> poll_administrator(AdministratorRun& run) {
    try {
      co_await deps_.credentials.administrator(*run.admin);
    } catch (...) {
      const auto error = to_source_error(std::current_exception());
      spdlog::warn("administrator credentials failed administrator={} code={} message={}",
                   run.admin->account_id, error.code, error.message);
      run.plan.summary.error = error;
      start_sources(run);
      for (auto& source : run.sources) {
        source.error = error;
        record(source);
      }
      co_return;
    }
    co_await discover_regions(run);
    start_sources(run);
    std::vector<asio::awaitable<void>> tasks;
    for (auto& source : run.sources) tasks.push_back(poll_source(*run.universe, source));
    co_await run_all(std::move(tasks));
  }

  // The source's listing and its GetMembers workers side by side (or, for
  // a service without GetMembers, the listing and then the accounts it did
  // not list), then its result.
  asio::awaitable<void> poll_source(AccountUniverse& universe, SourceRun& source) {
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(list_source(universe, source));
    if (services::descriptor(source.poller->key().service).get_members_request) {
      for (int worker = 0; worker < kBatchWorkersPerSource; ++worker)
        tasks.push_back(get_members(universe, source));
    } else {
      tasks.push_back(complete_from_listing(universe, source));
    }
    co_await run_all(std::move(tasks));
    co_await read_member_features(source);
    record(source);
  }

  // Discovery and every ListMembers page, each page feeding the universe.
  // A failed listing fails the source; what it listed before stays known.
  asio::awaitable<void> list_source(AccountUniverse& universe, SourceRun& source) {
    try {
      co_await source.poller->find_resource();
      source.resource_known = true;
      universe.notify();
      std::vector<asio::awaitable<void>> tasks;
      tasks.push_back(list_members(universe, source));
      tasks.push_back(describe_organization(source));
      co_await run_all(std::move(tasks));
    } catch (...) {
      if (!source.error) source.error = to_source_error(std::current_exception());
    }
    universe.close_feed();
  }

  asio::awaitable<void> list_members(AccountUniverse& universe, SourceRun& source) {
    try {
      co_await source.poller->list_members(
          [&universe](std::vector<std::string>&& accounts) { universe.add(std::move(accounts)); });
    } catch (...) {
      if (!source.error) source.error = to_source_error(std::current_exception());
    }
  }

  // Beside the listing: its failure is the source's call error, never the source's.
  asio::awaitable<void> describe_organization(SourceRun& source) {
    try {
      source.organization =
          co_await source.poller->describe_organization(config_.guardduty.required_features);
    } catch (...) {
      add_call_error(source, "DescribeOrganizationConfiguration", std::current_exception());
    }
  }

  void add_call_error(SourceRun& source, std::string_view operation, std::exception_ptr failure) {
    const auto key = source.poller->key();
    auto error = to_source_error(failure);
    spdlog::warn("source call failed administrator={} service={} region={} operation={} code={} message={}",
                 key.administrator_id, core::to_string(key.service), key.region, operation, error.code,
                 error.message);
    source.call_errors.push_back({std::string(operation), std::nullopt, std::move(error)});
  }

  // What the member-features workers of one source share.
  struct FeatureBatches {
    std::vector<core::Membership*> enabled;  // the records to ask about (the source's, which no longer grow)
    std::size_t next = 0;                    // index of the next batch's first record
    bool failed = false;
  };

  // What the source's ENABLED members run beyond their membership
  // (GuardDuty's protection plans, GetMemberDetectors; Inspector's scan
  // coverage, BatchGetAccountStatus), the service's batch a call,
  // kBatchWorkersPerSource calls at once, each answer added to its records
  // as it comes (held until the end, 50,000 members' answers took 100 MiB);
  // the first failure stops the batches not yet sent (the same refusal
  // would come again) and leaves what was not read unknown.
  asio::awaitable<void> read_member_features(SourceRun& source) {
    const auto service = source.poller->key().service;
    if (!services::descriptor(service).member_features || source.error) co_return;
    // Inspector's scan coverage costs a call per 100 members: asked for only.
    if (service == core::Service::inspector2 && !config_.inspector2.account_status) co_return;
    FeatureBatches batches;
    for (auto& record : source.memberships)
      if (record.status == core::MemberStatus::ENABLED) batches.enabled.push_back(&record);
    std::vector<asio::awaitable<void>> tasks;
    for (int worker = 0; worker < kBatchWorkersPerSource; ++worker)
      tasks.push_back(read_feature_batches(source, batches));
    co_await run_all(std::move(tasks));
  }

  asio::awaitable<void> read_feature_batches(SourceRun& source, FeatureBatches& batches) {
    const auto& calls = *services::descriptor(source.poller->key().service).member_features;
    while (batches.next < batches.enabled.size() && !batches.failed) {
      const auto count = std::min(batches.enabled.size() - batches.next, calls.batch_size);
      std::map<std::string_view, core::Membership*> record_of;
      std::vector<std::string> batch;
      for (std::size_t i = batches.next; i < batches.next + count; ++i) {
        batch.push_back(batches.enabled[i]->account_id);
        record_of.emplace(batches.enabled[i]->account_id, batches.enabled[i]);
      }
      batches.next += count;
      try {
        const auto page = co_await source.poller->get_member_features(std::move(batch));
        for (const auto& member : page.members) {
          if (const auto record = record_of.find(member.account_id); record != record_of.end())
            add_member_detail(*record->second, member.detail);
        }
        for (auto unprocessed : page.unprocessed)
          add_unprocessed(source, calls.operation, std::move(unprocessed));
      } catch (...) {
        // Batches already in flight may fail alike: the first failure is the one reported.
        if (!std::exchange(batches.failed, true))
          add_call_error(source, calls.operation, std::current_exception());
      }
    }
  }

  // Reported on the source; the account's membership stays as GetMembers gave it.
  void add_unprocessed(SourceRun& source, std::string_view operation,
                       services::MemberFeaturesPage::Unprocessed unprocessed) {
    const auto key = source.poller->key();
    spdlog::warn(
        "account unprocessed administrator={} service={} region={} operation={} account={} reason=\"{}\"",
        key.administrator_id, core::to_string(key.service), key.region, operation, unprocessed.account_id,
        unprocessed.reason);
    source.call_errors.push_back({std::string(operation),
                                  std::move(unprocessed.account_id),
                                  {"UnprocessedAccount", std::move(unprocessed.reason), 0}});
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

  // A service without GetMembers (Inspector, Macie): its full listing is
  // the answer. Once the universe is complete, each of its accounts the
  // listing did not name is NOT_MEMBER (raw_status NOT_LISTED), or UNKNOWN
  // when some listed element was unreadable (it may have been that account).
  asio::awaitable<void> complete_from_listing(AccountUniverse& universe, SourceRun& source) {
    while (!universe.complete()) {
      try {
        co_await universe.wait();
      } catch (...) {
        if (!source.error) source.error = to_source_error(std::current_exception());
        co_return;
      }
    }
    if (source.error) co_return;
    source.memberships = source.poller->take_listed_records();
    auto absent =
        unlisted_records(universe.accounts(), source.memberships, source.poller->listing_left_out_accounts());
    source.memberships.insert(source.memberships.end(), std::make_move_iterator(absent.begin()),
                              std::make_move_iterator(absent.end()));
  }

  void record(SourceRun& source) {
    core::SourceResult result{source.poller->key(), source.administrator_name,
                              source.attempted_at,  source.poller->resource(),
                              source.error,         {}};
    if (!source.error) {
      result.memberships = std::move(source.memberships);
      result.organization = std::move(source.organization);
      result.call_errors = std::move(source.call_errors);
    }
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
    results_.organization_attempted_at = core::Clock::now();
    try {
      co_await deps_.credentials.role(organizations.role_arn, organizations.external_id);
      std::vector<core::OrganizationAccount> accounts;
      std::optional<std::string> next_token;
      NextTokens tokens("organizations", "ListAccounts");
      do {
        auto call = make_call(services::organizations::list_accounts_request(next_token),
                              aws::Service::organizations, config_.aws.sts_region, config_, deps_.env,
                              organizations_credentials(), "organizations");
        const auto response = co_await deps_.client.call(std::move(call));
        auto page = services::organizations::parse_list_accounts(response.body);
        for (const auto& problem : page.problems)
          spdlog::warn("organizations account left out problem=\"{}\"", problem);
        accounts.insert(accounts.end(), page.accounts.begin(), page.accounts.end());
        next_token = std::move(page.next_token);
        tokens.check(next_token);
      } while (next_token);
      for (const auto& account : accounts) organization_ids_.push_back(account.account_id);
      results_.organization_accounts = std::move(accounts);
    } catch (...) {
      results_.organization_error = to_source_error(std::current_exception());
      // The last good list still names the accounts to ask about: without
      // it, the accounts only Organizations knew would vanish.
      const auto& last = last_known_.organization_accounts;
      if (last) {
        for (const auto& account : *last) organization_ids_.push_back(account.account_id);
      }
      spdlog::warn(
          "organizations failed; the last good list is used code={} message={} last_good_accounts={}",
          results_.organization_error->code, results_.organization_error->message, last ? last->size() : 0);
    }
  }

  const config::Config& config_;
  CycleDependencies deps_;
  core::LastKnown last_known_;
  asio::any_io_executor executor_;
  CallContext context_;
  core::CycleResults& results_;
  std::vector<AdministratorRun> administrators_;
  std::vector<std::string> organization_ids_;
  std::deque<config::Administrator> discovered_;        // AdministratorRun points into it
  std::map<std::string, std::string> delegated_names_;  // account -> Organizations' name
};

}  // namespace

asio::awaitable<core::CycleResults> run_cycle(const config::Config& config, CycleDependencies deps,
                                              core::LastKnown last_known) {
  using namespace asio::experimental::awaitable_operators;
  auto results = std::make_shared<core::CycleResults>();
  results->started_at = core::Clock::now();
  const auto& stats = deps.client.stats();
  const auto requests_before = stats.total_requests();
  const auto retries_before = stats.total_retries();
  const auto throttles_before = stats.total_throttles();

  deps.client.rate_limiter().set_burst(std::max(1.0, kBurstSeconds * config.aws.requests_per_second - 1));
  auto run = std::make_shared<CycleRun>(config, std::move(deps), std::move(last_known), *results,
                                        co_await asio::this_coro::executor);
  asio::steady_timer deadline(co_await asio::this_coro::executor, config.cycle_timeout);
  const auto outcome = co_await (run->run() || deadline.async_wait(asio::use_awaitable));
  if (outcome.index() == 1) {
    results->cancelled = true;
    spdlog::warn("cycle timed out; unfinished sources keep their last data cycle_timeout_seconds={}",
                 config.cycle_timeout.count());
  }
  run->finish_plan();
  results->finished_at = core::Clock::now();
  results->requests = stats.total_requests() - requests_before;
  results->retries = stats.total_retries() - retries_before;
  results->throttled = stats.total_throttles() - throttles_before;
  co_return std::move(*results);
}

namespace {

// One source per (service, region); those in `disabled` region_disabled.
AdministratorPlan plan_regions(const config::Administrator& admin, std::vector<std::string> regions,
                               const std::vector<std::string>& disabled, core::RegionsFrom from) {
  AdministratorPlan plan;
  plan.summary.account_id = admin.account_id;
  plan.summary.name = admin.name;
  plan.summary.regions_from = from;
  std::sort(regions.begin(), regions.end());
  for (const auto& region : regions) {
    const bool region_disabled = std::find(disabled.begin(), disabled.end(), region) != disabled.end();
    if (!region_disabled) plan.summary.regions.push_back(region);
    for (const auto service : admin.services)
      plan.sources.push_back({{admin.account_id, service, region}, admin.name, region_disabled});
  }
  return plan;
}

}  // namespace

AdministratorPlan plan_administrator(const config::Administrator& admin, const core::LastKnown& last_known) {
  if (admin.regions_all) {
    const auto discovered = last_known.discovered_regions.find(admin.account_id);
    return plan_regions(
        admin,
        discovered == last_known.discovered_regions.end() ? std::vector<std::string>{} : discovered->second,
        {}, core::RegionsFrom::last_discovered);
  }
  const auto disabled = last_known.disabled_regions.find(admin.account_id);
  return plan_regions(
      admin, admin.regions,
      disabled == last_known.disabled_regions.end() ? std::vector<std::string>{} : disabled->second,
      core::RegionsFrom::configured);
}

AdministratorPlan plan_administrator(const config::Administrator& admin,
                                     const std::vector<std::string>& enabled) {
  if (admin.regions_all) return plan_regions(admin, enabled, {}, core::RegionsFrom::discovered);
  std::vector<std::string> disabled;
  for (const auto& region : admin.regions) {
    if (std::find(enabled.begin(), enabled.end(), region) == enabled.end()) disabled.push_back(region);
  }
  return plan_regions(admin, admin.regions, disabled, core::RegionsFrom::configured);
}

std::vector<std::string> expected_accounts(const config::Config& config) {
  std::vector<std::string> accounts = config.accounts.ids;
  if (config.accounts.file.empty()) return accounts;
  // Re-read each cycle: checked each time, as at start.
  if (auto reason = untrusted_file_reason(config.accounts.file, ::geteuid()); !reason.empty()) {
    spdlog::error("accounts file refused file={} reason=\"{}\"", config.accounts.file, reason);
    return accounts;
  }
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
