// Parse + merge + serialize, the CPU work of a cycle without the network:
// GetMembers answers of the three services (in fake-aws's shapes, 50
// accounts each) are parsed, completed with their source, merged into a
// snapshot and serialized. Reports membership records per second. As in
// the services' answers (and fake-aws's worlds), each GuardDuty member has
// a detector ID of its own and each Detective member its own volume usage.

#include <benchmark/benchmark.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "core/merge.hpp"
#include "core/model.hpp"
#include "services/service_descriptor.hpp"
#include "store/snapshot_json.hpp"

namespace {

namespace json = boost::json;
using mw::core::Service;

constexpr int kBatch = 50;
constexpr const char* kAdministrator = "100000000001";
constexpr const char* kGraph =
    "arn:aws:detective:us-east-1:100000000001:graph:0123456789abcdef0123456789abcdef";

std::string account_id(int index) {
  char id[16];
  std::snprintf(id, sizeof id, "%012d", 200000000 + index);
  return id;
}

// A member's own detector: 32 hex digits that differ from account to account.
std::string detector_id(int index) {
  char id[40];
  const auto mixed = static_cast<unsigned long long>(index) * 0x9E3779B97F4A7C15ULL;
  std::snprintf(id, sizeof id, "%016llx%016llx", mixed, ~mixed);
  return id;
}

json::object member(Service service, int index) {
  const std::string account = account_id(index);
  const std::string email = "aws+" + account + "@example.com";
  switch (service) {
    case Service::securityhub:
      return {{"AccountId", account},
              {"Email", email},
              {"MasterId", kAdministrator},
              {"AdministratorId", kAdministrator},
              {"MemberStatus", "Enabled"},
              {"InvitedAt", "2021-05-06T07:08:09.123Z"},
              {"UpdatedAt", "2022-05-06T07:08:09Z"}};
    case Service::guardduty:
      return {{"accountId", account},
              {"detectorId", detector_id(index)},
              {"masterId", kAdministrator},
              {"administratorId", kAdministrator},
              {"email", email},
              {"relationshipStatus", "Enabled"},
              {"invitedAt", "2021-05-06T07:08:09.123Z"},
              {"updatedAt", "2022-05-06T07:08:09Z"}};
    case Service::detective:
      return {{"AccountId", account},
              {"EmailAddress", email},
              {"GraphArn", kGraph},
              {"MasterId", kAdministrator},
              {"AdministratorId", kAdministrator},
              {"Status", "ENABLED"},
              {"InvitedTime", "2021-05-06T07:08:09.123Z"},
              {"UpdatedTime", "2022-05-06T07:08:09Z"},
              {"VolumeUsageInBytes", 10000000 + (index * 7919) % 90000000},
              {"VolumeUsageUpdatedTime", "2022-05-06T07:08:09.000Z"},
              {"InvitationType", "ORGANIZATION"}};
    case Service::inspector2:
    case Service::macie2:
      break;  // no GetMembers: the workload has none of them
  }
  return {};
}

// One GetMembers body per batch; every tenth account is unprocessed (NOT_MEMBER).
std::string get_members_body(Service service, int first) {
  json::array members;
  json::array unprocessed;
  for (int i = first; i < first + kBatch; ++i) {
    const auto account = account_id(i);
    if (i % 10 == 9) {
      const char* id_key = service == Service::guardduty ? "accountId" : "AccountId";
      const char* reason_key = service == Service::guardduty ? "result" : "ProcessingResult";
      unprocessed.push_back(json::object{{id_key, account}, {reason_key, "Account is not a member"}});
    } else {
      members.push_back(member(service, i));
    }
  }
  const bool guardduty = service == Service::guardduty;
  const char* members_key = service == Service::detective ? "MemberDetails"
                            : guardduty                   ? "members"
                                                          : "Members";
  return json::serialize(json::object{
      {members_key, members}, {guardduty ? "unprocessedAccounts" : "UnprocessedAccounts", unprocessed}});
}

struct Workload {
  std::vector<std::pair<mw::core::SourceKey, std::vector<std::string>>> bodies;  // per source
  std::size_t records = 0;
};

// `accounts` accounts in each of the three services in two regions.
Workload make_workload(int accounts) {
  Workload workload;
  for (const auto service : {Service::securityhub, Service::guardduty, Service::detective}) {
    for (const char* region : {"us-east-1", "eu-west-1"}) {
      std::vector<std::string> bodies;
      for (int first = 0; first < accounts; first += kBatch)
        bodies.push_back(get_members_body(service, first));
      workload.bodies.push_back({{kAdministrator, service, region}, std::move(bodies)});
      workload.records += static_cast<std::size_t>(accounts);
    }
  }
  return workload;
}

mw::core::MergeOptions merge_options(const Workload& workload) {
  mw::core::MergeOptions options;
  for (const auto& [key, bodies] : workload.bodies) options.sources.push_back({key, "admin"});
  return options;
}

mw::core::CycleResults parse(const Workload& workload) {
  mw::core::CycleResults results;
  results.started_at = results.finished_at = mw::core::Clock::now();
  for (const auto& [key, bodies] : workload.bodies) {
    mw::core::SourceResult source{key, "admin", results.started_at, std::nullopt, std::nullopt, {}};
    for (const auto& body : bodies) {
      auto page = mw::services::descriptor(key.service).parse_get_members(body);
      // The merge completes each record with its source's region and
      // administrator, as in the daemon.
      for (auto& record : page.members) source.memberships.push_back(std::move(record));
    }
    results.sources.push_back(std::move(source));
  }
  return results;
}

void count(benchmark::State& state, const Workload& workload) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * workload.records));
}

// The whole of it: what one core does per cycle besides the network.
void parse_merge_serialize(benchmark::State& state) {
  const auto workload = make_workload(static_cast<int>(state.range(0)));
  const auto options = merge_options(workload);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto snapshot = mw::core::merge(std::nullopt, parse(workload), options);
    // Streamed in 1 MiB pieces, as the store writes a snapshot to its file.
    bytes = 0;
    mw::store::serialize_to(snapshot, [&](std::string_view piece) {
      benchmark::DoNotOptimize(piece.data());
      bytes += piece.size();
    });
  }
  count(state, workload);
  state.counters["snapshot_bytes"] = static_cast<double>(bytes);
}

// The three steps alone, to see where the time goes.
void parse_only(benchmark::State& state) {
  const auto workload = make_workload(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse(workload));
  count(state, workload);
}

void merge_only(benchmark::State& state) {
  const auto workload = make_workload(static_cast<int>(state.range(0)));
  const auto options = merge_options(workload);
  const auto results = parse(workload);
  for (auto _ : state) benchmark::DoNotOptimize(mw::core::merge(std::nullopt, results, options));
  count(state, workload);
}

void serialize_only(benchmark::State& state) {
  const auto workload = make_workload(static_cast<int>(state.range(0)));
  const auto snapshot = mw::core::merge(std::nullopt, parse(workload), merge_options(workload));
  for (auto _ : state) {
    mw::store::serialize_to(snapshot, [](std::string_view piece) { benchmark::DoNotOptimize(piece.data()); });
  }
  count(state, workload);
}

BENCHMARK(parse_only)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(merge_only)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(serialize_only)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(parse_merge_serialize)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
