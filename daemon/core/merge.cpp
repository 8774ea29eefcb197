#include "core/merge.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
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

// Room for `more` records without moving the ones already there, growing
// geometrically so that appending source after source stays linear.
void grow_for(std::vector<Membership>& records, std::size_t more) {
  const std::size_t needed = records.size() + more;
  if (needed > records.capacity()) records.reserve(std::max(needed, records.capacity() * 2));
}

// Appends the result's records, completed with their source, to `out`.
// With `owned` (the same result, handed over through merge's rvalue
// overload) they are moved, not copied, and its vector is freed.
void append_fresh_records(const SourceResult& result, SourceResult* owned, std::vector<Membership>& out) {
  grow_for(out, result.memberships.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(result.memberships.size());
  // A source may return an account twice (a page boundary moving under
  // ListMembers); a real status beats an UnprocessedAccounts entry.
  std::vector<std::size_t> ordered(result.memberships.size());
  for (std::size_t i = 0; i < ordered.size(); ++i) ordered[i] = i;
  std::stable_partition(ordered.begin(), ordered.end(), [&](std::size_t i) {
    return result.memberships[i].status != MemberStatus::NOT_MEMBER;
  });
  for (const std::size_t i : ordered) {
    if (seen.contains(result.memberships[i].account_id)) continue;
    if (owned)
      out.push_back(std::move(owned->memberships[i]));
    else
      out.push_back(result.memberships[i]);
    Membership& record = out.back();
    record.service = result.key.service;
    record.region = result.key.region;
    record.administrator_id = result.key.administrator_id;
    record.stale = false;
    seen.insert(record.account_id);  // grow_for reserved room, so no reallocation moves the viewed record
  }
  if (owned) std::vector<Membership>().swap(owned->memberships);
}

SourceError missing_result_error(const CycleResults& results) {
  if (results.cancelled) {
    return {std::string(kCancelledErrorCode), "the cycle was cancelled before this source finished", 0};
  }
  return {std::string(kNoResultErrorCode), "the cycle produced no result for this source", 0};
}

// Each administrator's accounts that one of its sources failing this cycle
// had listed (any status but NOT_MEMBER) in the previous snapshot. The
// universe is built from the sources that answered, so the answering
// sources were not asked about these accounts this cycle.
using HeldAccounts = std::map<std::string, std::set<std::string>>;

template <typename ResultOf, typename RecordsOf>
HeldAccounts held_by_failed_sources(const CycleResults& results, const ResultOf& result_of,
                                    const RecordsOf& previous_records_of) {
  HeldAccounts held;
  for (const auto& [key, records] : previous_records_of) {
    const auto result = result_of.find(key);
    if (result != result_of.end() && !results.sources[result->second].error) continue;
    for (const Membership* record : records)
      if (record->status != MemberStatus::NOT_MEMBER) held[key.administrator_id].insert(record->account_id);
  }
  return held;
}

// Merges one configured source: returns its summary and appends the
// records it contributes to `out`.
SourceSummary merge_source(const ConfiguredSource& configured, const SourceResult* result,
                           SourceResult* owned, const SourceSummary* previous_summary,
                           const std::vector<const Membership*>& previous_records,
                           const CycleResults& results, const std::set<std::string>& held_accounts,
                           std::vector<Membership>& out) {
  SourceSummary summary;
  summary.key = configured.key;
  summary.administrator_name = configured.administrator_name;
  summary.last_attempt_at = format_rfc3339(result ? result->attempted_at : results.started_at);
  const std::size_t first = out.size();

  if (result && !result->error) {
    summary.state = SourceState::ok;
    summary.resource = result->resource;
    summary.last_success_at = summary.last_attempt_at;
    append_fresh_records(*result, owned, out);
    // A NOT_MEMBER record exists only because another source listed the
    // account; when that source failed, this one was not asked about it
    // (see held_by_failed_sources): the record stays, stale, instead of
    // vanishing. A member record is listed by this source itself, so its
    // absence from an answer is real.
    // The views point into `out`: the carried records are appended only
    // after the last lookup, so no reallocation moves them.
    std::unordered_set<std::string_view> answered;
    answered.reserve(out.size() - first);
    for (std::size_t i = first; i < out.size(); ++i) answered.insert(out[i].account_id);
    std::vector<Membership> carried;
    for (const Membership* record : previous_records) {
      if (record->status != MemberStatus::NOT_MEMBER || answered.count(record->account_id) ||
          !held_accounts.count(record->account_id))
        continue;
      carried.push_back(*record);
      carried.back().stale = true;
    }
    grow_for(out, carried.size());
    out.insert(out.end(), std::make_move_iterator(carried.begin()), std::make_move_iterator(carried.end()));
  } else {
    summary.error = result ? *result->error : missing_result_error(results);
    summary.resource = result && result->resource ? result->resource
                       : previous_summary         ? previous_summary->resource
                                                  : std::nullopt;
    if (previous_summary) summary.last_success_at = previous_summary->last_success_at;
    const bool answered_before = summary.last_success_at.has_value() || !previous_records.empty();
    summary.state = answered_before ? SourceState::stale : SourceState::error;
    grow_for(out, previous_records.size());
    for (const Membership* record : previous_records) {
      out.push_back(*record);
      out.back().stale = true;
    }
  }
  for (std::size_t i = first; i < out.size(); ++i) {
    (out[i].status == MemberStatus::NOT_MEMBER ? summary.not_members : summary.members) += 1;
  }
  return summary;
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
  // `memberships` must outlive the Coverage and be in membership order:
  // the records of one (account, service, region) are then neighbours and
  // indexed as one span, not copied into a vector each.
  Coverage(const std::vector<SourceSummary>& sources, const std::vector<Membership>& memberships) {
    for (const auto& source : sources) {
      auto& pair_sources = answering_[{source.key.service, source.key.region}];
      if (source.state == SourceState::ok) pair_sources.push_back(source.key.administrator_id);
    }
    records_.reserve(memberships.size());
    for (std::size_t first = 0; first < memberships.size();) {
      const Membership& head = memberships[first];
      std::size_t end = first + 1;
      while (end < memberships.size() && memberships[end].account_id == head.account_id &&
             memberships[end].service == head.service && memberships[end].region == head.region)
        ++end;
      records_.try_emplace({head.account_id, head.service, head.region},
                           std::span<const Membership>(memberships.data() + first, end - first));
      first = end;
    }
  }

  const std::map<Pair, std::vector<std::string>, PairLess>& polled_pairs() const { return answering_; }

  PairVerdict verdict(const std::string& account_id, const Pair& pair) const {
    const auto found = records_.find({account_id, pair.first, pair.second});
    const auto records = found == records_.end() ? std::span<const Membership>() : found->second;
    const auto enabled = [&](bool stale) {
      return std::any_of(records.begin(), records.end(), [&](const Membership& record) {
        return record.stale == stale && record.status == MemberStatus::ENABLED;
      });
    };
    if (enabled(false)) return {PairState::covered, MemberStatus::ENABLED};
    const auto& answering = answering_.at(pair);
    if (enabled(true) || answering.empty()) return {PairState::unknown, MemberStatus::UNKNOWN};
    PairVerdict verdict{PairState::gap, MemberStatus::NOT_MEMBER};
    for (const Membership& record : records) {
      if (!record.stale && record.status < verdict.gap_status) verdict.gap_status = record.status;
    }
    // UNKNOWN sorts last among statuses but says more than an absence.
    if (verdict.gap_status == MemberStatus::NOT_MEMBER) {
      for (const Membership& record : records) {
        if (!record.stale && record.status == MemberStatus::UNKNOWN)
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
        const auto found = records_.find({account_id, pair.first, pair.second});
        if (found == records_.end()) continue;
        for (const Membership& record : found->second) {
          if (record.status == MemberStatus::ENABLED) administrators.insert(record.administrator_id);
        }
      }
      if (administrators.size() > 1) return true;
    }
    return false;
  }

 private:
  // (account, service, region), viewing the memberships' own strings.
  struct RecordKey {
    std::string_view account_id;
    Service service;
    std::string_view region;
    bool operator==(const RecordKey&) const = default;
  };
  struct RecordKeyHash {
    std::size_t operator()(const RecordKey& key) const {
      const std::hash<std::string_view> hash;
      return hash(key.account_id) * 31 + hash(key.region) * 7 + static_cast<std::size_t>(key.service);
    }
  };

  std::map<Pair, std::vector<std::string>, PairLess> answering_;  // administrators whose source answered
  std::unordered_map<RecordKey, std::span<const Membership>, RecordKeyHash> records_;
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

CycleSummary summarize_cycle(const CycleResults& results, const std::vector<SourceSummary>& sources) {
  CycleSummary cycle;
  cycle.started_at = format_rfc3339(results.started_at);
  cycle.finished_at = format_rfc3339(results.finished_at);
  cycle.duration_seconds = std::chrono::duration<double>(results.finished_at - results.started_at).count();
  cycle.complete = !results.cancelled && !results.organization_error &&
                   std::all_of(sources.begin(), sources.end(),
                               [](const SourceSummary& source) { return source.state == SourceState::ok; });
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

namespace {

// `owned` is `results` itself when the caller handed them over: their
// records are then moved into the snapshot and freed source by source.
Snapshot merge_results(const std::optional<Snapshot>& previous, const CycleResults& results,
                       const MergeOptions& options, CycleResults* owned) {
  std::map<SourceKey, std::size_t, SourceLess> result_of;  // index into results.sources
  for (std::size_t i = 0; i < results.sources.size(); ++i) result_of.try_emplace(results.sources[i].key, i);
  std::map<SourceKey, const SourceSummary*, SourceLess> previous_summary_of;
  std::map<SourceKey, std::vector<const Membership*>, SourceLess> previous_records_of;
  if (previous) {
    for (const auto& summary : previous->sources) previous_summary_of.try_emplace(summary.key, &summary);
    for (const auto& record : previous->memberships) previous_records_of[record.source()].push_back(&record);
  }

  const auto held = held_by_failed_sources(results, result_of, previous_records_of);
  static const std::set<std::string> kNoAccounts;
  static const std::vector<const Membership*> kNoRecords;
  Snapshot snapshot;
  snapshot.generated_at = format_rfc3339(results.finished_at);
  // Room for every record that can come (the pages never touched cost no
  // memory), so the records are never moved to a bigger vector.
  std::size_t at_most = previous ? previous->memberships.size() : 0;
  for (const auto& result : results.sources) at_most += result.memberships.size();
  snapshot.memberships.reserve(at_most);
  for (const auto& configured : sorted_configuration(options)) {
    const auto held_here = held.find(configured.key.administrator_id);
    const auto result = result_of.find(configured.key);
    const auto summary = previous_summary_of.find(configured.key);
    const auto records = previous_records_of.find(configured.key);
    const bool answered = result != result_of.end();
    snapshot.sources.push_back(
        merge_source(configured, answered ? &results.sources[result->second] : nullptr,
                     answered && owned ? &owned->sources[result->second] : nullptr,
                     summary == previous_summary_of.end() ? nullptr : summary->second,
                     records == previous_records_of.end() ? kNoRecords : records->second, results,
                     held_here == held.end() ? kNoAccounts : held_here->second, snapshot.memberships));
  }
  snapshot.cycle = summarize_cycle(results, snapshot.sources);
  std::sort(snapshot.memberships.begin(), snapshot.memberships.end(), membership_order);

  const auto organization = organization_info(previous, results);
  std::set<std::string> universe(results.expected_accounts.begin(), results.expected_accounts.end());
  for (const auto& record : snapshot.memberships) universe.insert(record.account_id);
  for (const auto& [account_id, _] : organization) universe.insert(account_id);

  const Coverage coverage(snapshot.sources, snapshot.memberships);
  for (const auto& account_id : universe) {
    snapshot.accounts.push_back(summarize_account(account_id, coverage, organization));
  }
  snapshot.totals = count_totals(snapshot);
  return snapshot;
}

}  // namespace

Snapshot merge(const std::optional<Snapshot>& previous, const CycleResults& results,
               const MergeOptions& options) {
  return merge_results(previous, results, options, nullptr);
}

Snapshot merge(const std::optional<Snapshot>& previous, CycleResults&& results, const MergeOptions& options) {
  return merge_results(previous, results, options, &results);
}

}  // namespace mw::core
