#include "core/merge.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace mw::core {
namespace {

using Pair = std::pair<Service, std::string>;  // (service, region)

struct PairLess {
  bool operator()(const Pair& a, const Pair& b) const {
    if (a.first != b.first) return service_order(a.first, b.first);
    return a.second < b.second;
  }
};

struct SourceLess {
  bool operator()(const SourceKey& a, const SourceKey& b) const { return source_order(a, b); }
};

struct OrganizationInfo {
  std::optional<std::string> name;
  std::string status;
};

// One merged source: its summary and the records it contributes.
struct MergedSource {
  SourceSummary summary;
  std::vector<Membership> memberships;
};

std::vector<Membership> fresh_records(const SourceResult& result) {
  std::vector<Membership> records;
  std::set<std::string> seen;
  // A source may return an account twice (a page boundary moving under
  // ListMembers); a real status beats an UnprocessedAccounts entry.
  std::vector<const Membership*> ordered;
  for (const auto& record : result.memberships) ordered.push_back(&record);
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const Membership* record) { return record->status != MemberStatus::NOT_MEMBER; });
  for (const Membership* record : ordered) {
    if (!seen.insert(record->account_id).second) continue;
    Membership copy = *record;
    copy.service = result.key.service;
    copy.region = result.key.region;
    copy.administrator_id = result.key.administrator_id;
    copy.stale = false;
    records.push_back(std::move(copy));
  }
  return records;
}

SourceError missing_result_error(const CycleResults& results) {
  if (results.cancelled) {
    return {std::string(kCancelledErrorCode), "the cycle was cancelled before this source finished", 0};
  }
  return {std::string(kNoResultErrorCode), "the cycle produced no result for this source", 0};
}

MergedSource merge_source(const ConfiguredSource& configured, const SourceResult* result,
                          const SourceSummary* previous_summary,
                          const std::vector<const Membership*>& previous_records,
                          const CycleResults& results) {
  MergedSource merged;
  SourceSummary& summary = merged.summary;
  summary.key = configured.key;
  summary.administrator_name = configured.administrator_name;
  summary.last_attempt_at = format_rfc3339(result ? result->attempted_at : results.started_at);

  if (result && !result->error) {
    summary.state = SourceState::ok;
    summary.resource = result->resource;
    summary.last_success_at = summary.last_attempt_at;
    merged.memberships = fresh_records(*result);
  } else {
    summary.error = result ? *result->error : missing_result_error(results);
    summary.resource = result && result->resource ? result->resource
                       : previous_summary         ? previous_summary->resource
                                                  : std::nullopt;
    if (previous_summary) summary.last_success_at = previous_summary->last_success_at;
    const bool answered_before = summary.last_success_at.has_value() || !previous_records.empty();
    summary.state = answered_before ? SourceState::stale : SourceState::error;
    for (const Membership* record : previous_records) {
      Membership copy = *record;
      copy.stale = true;
      merged.memberships.push_back(std::move(copy));
    }
  }
  for (const auto& record : merged.memberships) {
    (record.status == MemberStatus::NOT_MEMBER ? summary.not_members : summary.members) += 1;
  }
  return merged;
}

std::vector<ConfiguredSource> sorted_configuration(const MergeOptions& options) {
  std::vector<ConfiguredSource> sources = options.sources;
  std::stable_sort(sources.begin(), sources.end(), [](const ConfiguredSource& a, const ConfiguredSource& b) {
    return source_order(a.key, b.key);
  });
  sources.erase(
      std::unique(sources.begin(), sources.end(),
                  [](const ConfiguredSource& a, const ConfiguredSource& b) { return a.key == b.key; }),
      sources.end());
  return sources;
}

std::map<std::string, OrganizationInfo> organization_info(const std::optional<Snapshot>& previous,
                                                          const CycleResults& results) {
  std::map<std::string, OrganizationInfo> info;
  if (results.organization_accounts) {
    for (const auto& account : *results.organization_accounts) {
      info.try_emplace(account.account_id,
                       OrganizationInfo{account.name.empty() ? std::nullopt : std::optional(account.name),
                                        account.status});
    }
  } else if (results.organization_error && previous) {
    for (const auto& account : previous->accounts) {
      if (!account.organization_status) continue;
      info.try_emplace(account.account_id, OrganizationInfo{account.name, *account.organization_status});
    }
  }
  return info;
}

// What the sources of one (service, region) say about one account.
enum class PairState { covered, gap, unknown };

struct PairVerdict {
  PairState state = PairState::unknown;
  MemberStatus gap_status = MemberStatus::NOT_MEMBER;
};

class Coverage {
 public:
  Coverage(const std::vector<MergedSource>& sources) {
    for (const auto& source : sources) {
      const Pair pair{source.summary.key.service, source.summary.key.region};
      auto& pair_sources = answering_[pair];
      if (source.summary.state == SourceState::ok)
        pair_sources.push_back(source.summary.key.administrator_id);
      for (const auto& record : source.memberships) {
        records_[{record.account_id, pair}].push_back(&record);
      }
    }
  }

  const std::map<Pair, std::vector<std::string>, PairLess>& polled_pairs() const { return answering_; }

  PairVerdict verdict(const std::string& account_id, const Pair& pair) const {
    const auto found = records_.find({account_id, pair});
    static const std::vector<const Membership*> kNone;
    const auto& records = found == records_.end() ? kNone : found->second;
    const auto enabled = [&](bool stale) {
      return std::any_of(records.begin(), records.end(), [&](const Membership* record) {
        return record->stale == stale && record->status == MemberStatus::ENABLED;
      });
    };
    if (enabled(false)) return {PairState::covered, MemberStatus::ENABLED};
    const auto& answering = answering_.at(pair);
    if (enabled(true) || answering.empty()) return {PairState::unknown, MemberStatus::UNKNOWN};
    PairVerdict verdict{PairState::gap, MemberStatus::NOT_MEMBER};
    for (const Membership* record : records) {
      if (!record->stale && record->status < verdict.gap_status) verdict.gap_status = record->status;
    }
    // UNKNOWN sorts last among statuses but says more than an absence.
    if (verdict.gap_status == MemberStatus::NOT_MEMBER) {
      for (const Membership* record : records) {
        if (!record->stale && record->status == MemberStatus::UNKNOWN)
          verdict.gap_status = MemberStatus::UNKNOWN;
      }
    }
    return verdict;
  }

  bool administrator_mismatch(const std::string& account_id, const std::set<std::string>& regions) const {
    for (const auto& region : regions) {
      std::set<std::string> administrators;
      for (const auto& [pair, _] : answering_) {
        if (pair.second != region) continue;
        const auto found = records_.find({account_id, pair});
        if (found == records_.end()) continue;
        for (const Membership* record : found->second) {
          if (record->status == MemberStatus::ENABLED) administrators.insert(record->administrator_id);
        }
      }
      if (administrators.size() > 1) return true;
    }
    return false;
  }

 private:
  std::map<Pair, std::vector<std::string>, PairLess> answering_;  // administrators whose source answered
  std::map<std::pair<std::string, Pair>, std::vector<const Membership*>> records_;
};

bool never_a_gap(const std::optional<std::string>& organization_status) {
  return organization_status == "SUSPENDED" || organization_status == "PENDING_CLOSURE";
}

AccountSummary summarize_account(const std::string& account_id, const Coverage& coverage,
                                 const std::map<std::string, OrganizationInfo>& organization) {
  AccountSummary account;
  account.account_id = account_id;
  if (const auto found = organization.find(account_id); found != organization.end()) {
    account.name = found->second.name;
    account.organization_status = found->second.status;
  }
  const auto& pairs = coverage.polled_pairs();
  std::map<Pair, PairVerdict, PairLess> verdicts;
  std::set<std::string> regions;
  for (const auto& [pair, _] : pairs) {
    verdicts[pair] = coverage.verdict(account_id, pair);
    regions.insert(pair.second);
  }
  account.covered = !verdicts.empty();
  for (const auto& [pair, verdict] : verdicts) {
    if (verdict.state != PairState::covered) account.covered = false;
    if (verdict.state == PairState::unknown) account.unknown.push_back({pair.first, pair.second});
    if (verdict.state == PairState::gap && !never_a_gap(account.organization_status)) {
      account.gaps.push_back({pair.first, pair.second, verdict.gap_status});
    }
  }
  const auto state_of = [&](Service service, const std::string& region) {
    const auto found = verdicts.find({service, region});
    return found == verdicts.end() ? std::optional<PairState>() : found->second.state;
  };
  for (const auto& region : regions) {
    if (state_of(Service::guardduty, region) == PairState::covered &&
        state_of(Service::detective, region) == PairState::gap) {
      account.findings.emplace_back(kFindingGuardDutyWithoutDetective);
      break;
    }
  }
  if (coverage.administrator_mismatch(account_id, regions)) {
    account.findings.emplace_back(kFindingAdministratorMismatch);
  }
  std::sort(account.findings.begin(), account.findings.end());
  return account;
}

CycleSummary summarize_cycle(const CycleResults& results, const std::vector<MergedSource>& sources) {
  CycleSummary cycle;
  cycle.started_at = format_rfc3339(results.started_at);
  cycle.finished_at = format_rfc3339(results.finished_at);
  cycle.duration_seconds = std::chrono::duration<double>(results.finished_at - results.started_at).count();
  cycle.complete = !results.cancelled && !results.organization_error &&
                   std::all_of(sources.begin(), sources.end(), [](const MergedSource& source) {
                     return source.summary.state == SourceState::ok;
                   });
  cycle.requests = results.requests;
  cycle.retries = results.retries;
  cycle.throttled = results.throttled;
  return cycle;
}

Totals count_totals(const Snapshot& snapshot) {
  Totals totals;
  totals.accounts = snapshot.accounts.size();
  totals.covered = static_cast<std::uint64_t>(std::count_if(
      snapshot.accounts.begin(), snapshot.accounts.end(), [](const AccountSummary& a) { return a.covered; }));
  for (const auto& record : snapshot.memberships) {
    totals.by_service_status[std::string(to_string(record.service))][std::string(to_string(record.status))] +=
        1;
  }
  return totals;
}

}  // namespace

bool service_order(Service a, Service b) {
  return to_string(a) < to_string(b);
}

bool source_order(const SourceKey& a, const SourceKey& b) {
  if (a.administrator_id != b.administrator_id) return a.administrator_id < b.administrator_id;
  if (a.service != b.service) return service_order(a.service, b.service);
  return a.region < b.region;
}

bool membership_order(const Membership& a, const Membership& b) {
  if (a.account_id != b.account_id) return a.account_id < b.account_id;
  if (a.service != b.service) return service_order(a.service, b.service);
  if (a.region != b.region) return a.region < b.region;
  return a.administrator_id < b.administrator_id;
}

Snapshot merge(const std::optional<Snapshot>& previous, const CycleResults& results,
               const MergeOptions& options) {
  std::map<SourceKey, const SourceResult*, SourceLess> result_of;
  for (const auto& result : results.sources) result_of.try_emplace(result.key, &result);
  std::map<SourceKey, const SourceSummary*, SourceLess> previous_summary_of;
  std::map<SourceKey, std::vector<const Membership*>, SourceLess> previous_records_of;
  if (previous) {
    for (const auto& summary : previous->sources) previous_summary_of.try_emplace(summary.key, &summary);
    for (const auto& record : previous->memberships) previous_records_of[record.source()].push_back(&record);
  }

  std::vector<MergedSource> merged;
  for (const auto& configured : sorted_configuration(options)) {
    const auto result = result_of.find(configured.key);
    const auto summary = previous_summary_of.find(configured.key);
    const auto records = previous_records_of.find(configured.key);
    static const std::vector<const Membership*> kNoRecords;
    merged.push_back(merge_source(configured, result == result_of.end() ? nullptr : result->second,
                                  summary == previous_summary_of.end() ? nullptr : summary->second,
                                  records == previous_records_of.end() ? kNoRecords : records->second,
                                  results));
  }

  Snapshot snapshot;
  snapshot.generated_at = format_rfc3339(results.finished_at);
  snapshot.cycle = summarize_cycle(results, merged);
  for (auto& source : merged) {
    snapshot.sources.push_back(source.summary);
    snapshot.memberships.insert(snapshot.memberships.end(), source.memberships.begin(),
                                source.memberships.end());
  }
  std::sort(snapshot.memberships.begin(), snapshot.memberships.end(), membership_order);

  const auto organization = organization_info(previous, results);
  std::set<std::string> universe(results.expected_accounts.begin(), results.expected_accounts.end());
  for (const auto& record : snapshot.memberships) universe.insert(record.account_id);
  for (const auto& [account_id, _] : organization) universe.insert(account_id);

  const Coverage coverage(merged);
  for (const auto& account_id : universe) {
    snapshot.accounts.push_back(summarize_account(account_id, coverage, organization));
  }
  snapshot.totals = count_totals(snapshot);
  return snapshot;
}

}  // namespace mw::core
