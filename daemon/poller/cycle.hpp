#pragma once

// One cycle's polling: credentials, discovery and ListMembers of every
// source, Organizations' ListAccounts, then GetMembers over each
// administrator's account universe. It gathers; the merge decides.

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
boost::asio::awaitable<core::CycleResults> run_cycle(const config::Config& config, CycleDependencies deps);

// Every (administrator, service, region) the configuration polls.
std::vector<core::ConfiguredSource> configured_sources(const config::Config& config);

// accounts.ids plus the accounts file, re-read now; bad lines are logged
// with their line number and skipped, an unreadable file is logged.
std::vector<std::string> expected_accounts(const config::Config& config);

}  // namespace mw::poller
