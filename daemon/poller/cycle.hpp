#pragma once

// One cycle's polling: credentials, each administrator's enabled regions
// (Account ListRegions), discovery and ListMembers of every source, Organizations' ListAccounts, then
// GetMembers over each administrator's account universe. It gathers; the merge decides.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <vector>

#include "aws/aws_client.hpp"
#include "aws/endpoints.hpp"
#include "config/config.hpp"
#include "core/merge.hpp"
#include "core/model.hpp"
#include "poller/credentials_broker.hpp"

namespace mw::poller {

struct CycleDependencies {
  aws::AwsClient& client;
  CredentialsBroker& credentials;
  aws::EnvLookup env;
};

// Runs the cycle until done or until cycle_timeout; a cut-short cycle
// returns what finished, with `cancelled` set (the merge marks the rest).
// Never throws for AWS trouble: every failure lands in a source's error.
// `last_known`: what the previous snapshot knew (the last good
// Organizations list and regions), used where a call fails.
// results.planned_sources is every source planned: the merge's configuration.
boost::asio::awaitable<core::CycleResults> run_cycle(const config::Config& config, CycleDependencies deps,
                                                     core::LastKnown last_known = {});

// An administrator's sources for this cycle, and how it is reported.
struct AdministratorPlan {
  core::AdministratorSummary summary;
  std::vector<core::ConfiguredSource> sources;  // administrator x service x region
};

// Before Account ListRegions answers, and when it fails: the configured
// regions less those ListRegions last reported not enabled, or for
// `regions: all` the last discovered regions (last_discovered; none known:
// no source at all).
AdministratorPlan plan_administrator(const config::Administrator& admin, const core::LastKnown& last_known);

// From the regions ListRegions reports enabled: with `regions: all` exactly
// those (discovered); with a list, the listed ones not among them are
// region_disabled.
AdministratorPlan plan_administrator(const config::Administrator& admin,
                                     const std::vector<std::string>& enabled);

// accounts.ids plus the accounts file, re-read now; bad lines are logged
// with their line number and skipped, an unreadable file is logged.
std::vector<std::string> expected_accounts(const config::Config& config);

}  // namespace mw::poller
