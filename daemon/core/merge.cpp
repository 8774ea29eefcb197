#include "core/merge.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <utility>

#include <boost/json/parse.hpp>
#include <tuple>

#include "core/json_text.hpp"

namespace mw::core {
namespace {

struct SourceLess {
  bool operator()(const SourceKey& a, const SourceKey& b) const { return source_order(a, b); }
};

struct OrganizationInfo {
  std::optional<std::string> name;
  std::optional<std::string> state;
};

// The first of `records` (sorted by account) whose account is not before
// `account_id`.
std::vector<Membership>::iterator lower_bound_account(std::vector<Membership>::iterator begin,
                                                      std::vector<Membership>::iterator end,
                                                      const std::string& account_id) {
  return std::lower_bound(begin, end, account_id, [](const Membership& record, const std::string& id) {
    return record.account_id < id;
  });
}

// Appends the result's records to `out`, each pointing to `source`. With
// `owned` (the same result, handed over through merge's rvalue overload)
// they are moved, not copied, and its vector is freed.
void append_fresh_records(const SourceResult& result, SourceResult* owned,
                          const std::shared_ptr<const SourceKey>& source, std::vector<Membership>& out) {
  const std::size_t first = out.size();
  if (owned) {
    out.insert(out.end(), std::make_move_iterator(owned->memberships.begin()),
               std::make_move_iterator(owned->memberships.end()));
    std::vector<Membership>().swap(owned->memberships);
  } else {
    out.insert(out.end(), result.memberships.begin(), result.memberships.end());
  }
  for (std::size_t i = first; i < out.size(); ++i) {
    out[i].source = source;
    out[i].stale = false;
  }
  // By account; a source may return an account twice (a page boundary
  // moving under ListMembers): a real status beats an UnprocessedAccounts
  // entry, else the first one stays.
  const auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  std::stable_sort(begin, out.end(), [](const Membership& a, const Membership& b) {
    if (a.account_id != b.account_id) return a.account_id < b.account_id;
    return a.status != MemberStatus::NOT_MEMBER && b.status == MemberStatus::NOT_MEMBER;
  });
  out.erase(
      std::unique(begin, out.end(),
                  [](const Membership& a, const Membership& b) { return a.account_id == b.account_id; }),
      out.end());
}

// The administrator's own account in its answering source: the service
// runs there, so it is covered. It replaces the NOT_MEMBER that GetMembers
// gives for it (AWS lists it in UnprocessedAccounts). `out[first..]` holds
// the source's records, by account.
void add_administrator_record(const SourceResult& result, const std::shared_ptr<const SourceKey>& source,
                              std::size_t first, std::vector<Membership>& out) {
  const std::string& administrator_id = result.key.administrator_id;
  out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                           [&](const Membership& record) { return record.account_id == administrator_id; }),
            out.end());
  boost::json::object detail;
  if (result.resource && !resource_detail_key(result.key.service).empty())
    detail[resource_detail_key(result.key.service)] = *result.resource;
  Membership record;
  record.source = source;
  record.account_id = administrator_id;
  record.status = MemberStatus::ADMINISTRATOR;
  record.raw_status = to_string(MemberStatus::ADMINISTRATOR);
  record.detail = to_sorted_compact_json(detail);
  out.insert(
      lower_bound_account(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), administrator_id),
      std::move(record));
}

SourceError missing_result_error(const CycleResults& results) {
  if (results.cancelled) {
    return {std::string(kCancelledErrorCode), "the cycle was cancelled before this source finished", 0};
  }
  return {std::string(kNoResultErrorCode), "the cycle produced no result for this source", 0};
}

// The configured sources that did not answer this cycle (no result, or
// an error), region_disabled ones aside.
using SourceSet = std::set<SourceKey, SourceLess>;
SourceSet failing_sources(const CycleResults& results, const MergeOptions& options) {
  std::map<SourceKey, bool, SourceLess> answered;  // the first result of a source counts, as in the merge
  for (const auto& result : results.sources) answered.try_emplace(result.key, !result.error);
  SourceSet failing;
  for (const auto& configured : options.sources) {
    const auto result = answered.find(configured.key);
    if (!configured.region_disabled && (result == answered.end() || !result->second))
      failing.insert(configured.key);
  }
  return failing;
}

// Each administrator's accounts that one of its sources failing this cycle
// had listed (any status but NOT_MEMBER) in the previous snapshot. The
// universe is built from the sources that answered, so the answering
// sources were not asked about these accounts this cycle.
using HeldAccounts = std::map<std::string, std::set<std::string>>;

template <typename RecordsOf>
HeldAccounts held_by_failed_sources(const SourceSet& failing, const RecordsOf& previous_records_of) {
  HeldAccounts held;
  for (const auto& [key, records] : previous_records_of) {
    if (!failing.count(key)) continue;
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

  if (configured.region_disabled) {
    // Nothing runs there: no records, no error, and its last records go.
    summary.state = SourceState::region_disabled;
    return summary;
  }
  if (result && !result->error) {
    summary.state = SourceState::ok;
    summary.resource = result->resource;
    summary.organization = result->organization;
    summary.call_errors = result->call_errors;
    summary.last_success_at = summary.last_attempt_at;
    const auto source = std::make_shared<const SourceKey>(configured.key);
    append_fresh_records(*result, owned, source, out);
    add_administrator_record(*result, source, first, out);
    // A NOT_MEMBER record exists only because another source listed the
    // account; when that source failed, this one was not asked about it
    // (see held_by_failed_sources): the record stays, stale, instead of
    // vanishing. A member record is listed by this source itself, so its
    // absence from an answer is real.
    const std::size_t fresh_end = out.size();
    const auto answered = [&](const std::string& account_id) {
      const auto end = out.begin() + static_cast<std::ptrdiff_t>(fresh_end);
      const auto at = lower_bound_account(out.begin() + static_cast<std::ptrdiff_t>(first), end, account_id);
      return at != end && at->account_id == account_id;
    };
    std::vector<Membership> carried;
    for (const Membership* record : previous_records) {
      if (record->status != MemberStatus::NOT_MEMBER || answered(record->account_id) ||
          !held_accounts.count(record->account_id))
        continue;
      carried.push_back(*record);
      carried.back().stale = true;
    }
    out.insert(out.end(), std::make_move_iterator(carried.begin()), std::make_move_iterator(carried.end()));
  } else {
    summary.error = result ? *result->error : missing_result_error(results);
    summary.resource = result && result->resource ? result->resource
                       : previous_summary         ? previous_summary->resource
                                                  : std::nullopt;
    if (previous_summary) {
      summary.last_success_at = previous_summary->last_success_at;
      summary.organization = previous_summary->organization;
    }
    const bool answered_before = summary.last_success_at.has_value() || !previous_records.empty();
    summary.state = answered_before ? SourceState::stale : SourceState::error;
    for (const Membership* record : previous_records) {
      out.push_back(*record);
      out.back().stale = true;
    }
  }
  for (std::size_t i = first; i < out.size(); ++i) {
    (out[i].status == MemberStatus::NOT_MEMBER ? summary.not_members : summary.members) += 1;
  }
  if (summary.organization && summary.organization->auto_enable == "NONE")
    summary.findings.emplace_back(kFindingAutoEnableOff);
  if (const auto delegated = results.delegated_administrators.find(configured.key.service);
      delegated != results.delegated_administrators.end() &&
      std::find(delegated->second.begin(), delegated->second.end(), configured.key.administrator_id) ==
          delegated->second.end())
    summary.findings.emplace_back(kFindingNotDelegatedAdministrator);
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

// The Organizations list this snapshot uses: this cycle's, or when
// ListAccounts failed, the last good one (the previous snapshot's).
std::optional<std::vector<OrganizationAccount>> organization_list(const std::optional<Snapshot>& previous,
                                                                  const CycleResults& results) {
  if (results.organization_accounts) return results.organization_accounts;
  if (results.organization_error && previous) return last_organization_accounts(*previous);
  return std::nullopt;
}

std::map<std::string, OrganizationInfo> organization_info(
    const std::optional<std::vector<OrganizationAccount>>& accounts) {
  std::map<std::string, OrganizationInfo> info;
  if (!accounts) return info;
  for (const auto& account : *accounts) {
    info.try_emplace(
        account.account_id,
        OrganizationInfo{account.name.empty() ? std::nullopt : std::optional(account.name), account.state});
  }
  return info;
}

std::optional<OrganizationSummary> summarize_organization(
    const std::optional<Snapshot>& previous, const CycleResults& results,
    const std::optional<std::vector<OrganizationAccount>>& accounts) {
  if (!results.organization_accounts && !results.organization_error) return std::nullopt;
  OrganizationSummary summary;
  summary.last_attempt_at = format_rfc3339(results.organization_attempted_at);
  summary.accounts = accounts ? accounts->size() : 0;
  summary.delegation_error = results.delegation_error;
  if (results.organization_accounts) {
    summary.state = SourceState::ok;
    summary.last_success_at = summary.last_attempt_at;
    return summary;
  }
  summary.error = results.organization_error;
  if (previous && previous->organization) summary.last_success_at = previous->organization->last_success_at;
  summary.state = accounts && !accounts->empty() ? SourceState::stale : SourceState::error;
  return summary;
}

// What the sources of one (service, region) say about one account.
enum class PairState { covered, gap, unknown };

struct PairVerdict {
  PairState state = PairState::unknown;
  MemberStatus gap_status = MemberStatus::NOT_MEMBER;
};

// A (service, region) some configured source polls, in membership order.
struct PolledPair {
  Service service = Service::securityhub;
  std::string region;
  bool answered = false;  // some source of the pair answered this cycle

  bool operator<(const PolledPair& other) const {
    if (service != other.service) return service_order(service, other.service);
    return region < other.region;
  }
};

std::vector<PolledPair> polled_pairs(const std::vector<SourceSummary>& sources) {
  std::vector<PolledPair> pairs;
  for (const auto& source : sources) {
    if (source.state == SourceState::region_disabled) continue;  // nothing to cover there
    pairs.push_back({source.key.service, source.key.region, source.state == SourceState::ok});
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<PolledPair> merged;
  for (const auto& pair : pairs) {
    if (!merged.empty() && !(merged.back() < pair))
      merged.back().answered = merged.back().answered || pair.answered;
    else
      merged.push_back(pair);
  }
  return merged;
}

// `records`: the account's records of one pair.
PairVerdict verdict(std::span<const Membership> records, bool answered) {
  const auto enabled = [&](bool stale) {
    return std::any_of(records.begin(), records.end(), [&](const Membership& record) {
      return record.stale == stale &&
             (record.status == MemberStatus::ENABLED || record.status == MemberStatus::ADMINISTRATOR);
    });
  };
  if (enabled(false)) return {PairState::covered, MemberStatus::ENABLED};
  if (enabled(true) || !answered) return {PairState::unknown, MemberStatus::UNKNOWN};
  PairVerdict verdict{PairState::gap, MemberStatus::NOT_MEMBER};
  for (const Membership& record : records) {
    if (!record.stale && record.status < verdict.gap_status) verdict.gap_status = record.status;
  }
  // UNKNOWN sorts last among statuses but says more than an absence.
  if (verdict.gap_status == MemberStatus::NOT_MEMBER) {
    for (const Membership& record : records) {
      if (!record.stale && record.status == MemberStatus::UNKNOWN) verdict.gap_status = MemberStatus::UNKNOWN;
    }
  }
  return verdict;
}

// `records`: all the account's records, in membership order.
bool administrator_mismatch(std::span<const Membership> records) {
  std::vector<std::pair<std::string_view, std::string_view>> enabled;  // (region, administrator)
  for (const Membership& record : records) {
    if (record.status == MemberStatus::ENABLED)
      enabled.emplace_back(record.source->region, record.source->administrator_id);
  }
  std::sort(enabled.begin(), enabled.end());
  for (std::size_t i = 1; i < enabled.size(); ++i) {
    if (enabled[i].first == enabled[i - 1].first && enabled[i].second != enabled[i - 1].second) return true;
  }
  return false;
}

// The required features an ENABLED GuardDuty record's detail names without
// ENABLED, once per (region, feature). `records`: all the account's records.
std::vector<FeatureGap> feature_gaps(std::span<const Membership> records,
                                     const std::vector<std::string>& required) {
  std::vector<FeatureGap> gaps;
  if (required.empty()) return gaps;
  for (const Membership& record : records) {
    if (record.source->service != Service::guardduty || record.status != MemberStatus::ENABLED) continue;
    boost::system::error_code error;
    const auto detail = boost::json::parse(record.detail, error);
    const auto* features =
        !error && detail.is_object() ? detail.get_object().if_contains("features") : nullptr;
    if (!features || !features->is_object()) continue;  // unknown: no finding
    for (const auto& feature : required) {
      const auto* status = features->get_object().if_contains(feature);
      if (status && status->is_string() && status->get_string() == "ENABLED") continue;
      FeatureGap gap{
          Service::guardduty, record.source->region, feature,
          status && status->is_string() ? std::string(status->get_string()) : std::string(kFeatureAbsent)};
      const bool known = std::any_of(gaps.begin(), gaps.end(), [&](const FeatureGap& other) {
        return other.region == gap.region && other.feature == gap.feature;
      });
      if (!known) gaps.push_back(std::move(gap));
    }
  }
  std::sort(gaps.begin(), gaps.end(), [](const FeatureGap& a, const FeatureGap& b) {
    return std::tie(a.region, a.feature) < std::tie(b.region, b.feature);
  });
  return gaps;
}

// `records`: all the account's records, in membership order (so in the
// pairs' order too, one pair's records neighbours).
AccountSummary summarize_account(const std::string& account_id, std::span<const Membership> records,
                                 const std::vector<PolledPair>& pairs,
                                 const std::map<std::string, OrganizationInfo>& organization,
                                 const std::vector<std::string>& required_guardduty_features) {
  AccountSummary account;
  account.account_id = account_id;
  if (const auto found = organization.find(account_id); found != organization.end()) {
    account.name = found->second.name;
    account.organization_status = found->second.state;
  }
  account.inactive =
      account.organization_status && is_inactive_organization_state(*account.organization_status);
  account.covered = !pairs.empty() && !account.inactive;
  std::vector<std::pair<const PolledPair*, PairState>> states;
  states.reserve(pairs.size());
  // Compared by the pair's fields, without copying the region.
  const auto before = [](const Membership& record, const PolledPair& pair) {
    if (record.source->service != pair.service) return service_order(record.source->service, pair.service);
    return record.source->region < pair.region;
  };
  const auto after = [](const Membership& record, const PolledPair& pair) {
    if (record.source->service != pair.service) return service_order(pair.service, record.source->service);
    return pair.region < record.source->region;
  };
  std::size_t next = 0;
  for (const auto& pair : pairs) {
    while (next < records.size() && before(records[next], pair)) ++next;
    std::size_t end = next;
    while (end < records.size() && !after(records[end], pair)) ++end;
    const PairVerdict found = verdict(records.subspan(next, end - next), pair.answered);
    next = end;
    states.emplace_back(&pair, found.state);
    if (found.state != PairState::covered) account.covered = false;
    if (account.inactive) continue;  // closed or closing: never a gap or unknown
    if (found.state == PairState::unknown) account.unknown.push_back({pair.service, pair.region});
    if (found.state == PairState::gap) account.gaps.push_back({pair.service, pair.region, found.gap_status});
  }
  const auto state_of = [&](Service service, const std::string& region) {
    for (const auto& [pair, state] : states) {
      if (pair->service == service && pair->region == region) return std::optional(state);
    }
    return std::optional<PairState>();
  };
  for (const auto& [pair, state] : states) {
    if (account.inactive) break;  // a finding about a gap, and it has none
    if (pair->service == Service::guardduty && state == PairState::covered &&
        state_of(Service::detective, pair->region) == PairState::gap) {
      account.findings.emplace_back(kFindingGuardDutyWithoutDetective);
      break;
    }
  }
  if (administrator_mismatch(records)) account.findings.emplace_back(kFindingAdministratorMismatch);
  if (!account.inactive) account.feature_gaps = feature_gaps(records, required_guardduty_features);
  if (!account.feature_gaps.empty()) account.findings.emplace_back(kFindingGuardDutyFeatureDisabled);
  std::sort(account.findings.begin(), account.findings.end());
  return account;
}

CycleSummary summarize_cycle(const CycleResults& results, const std::vector<SourceSummary>& sources) {
  CycleSummary cycle;
  cycle.started_at = format_rfc3339(results.started_at);
  cycle.finished_at = format_rfc3339(results.finished_at);
  cycle.duration_seconds = std::chrono::duration<double>(results.finished_at - results.started_at).count();
  // An administrator whose regions are unknown (regions: all, ListRegions
  // failing, none known) polled nothing: that is not a complete cycle.
  const bool every_administrator_polled =
      std::none_of(results.administrators.begin(), results.administrators.end(),
                   [](const AdministratorSummary& admin) { return admin.error && admin.regions.empty(); });
  cycle.complete = !results.cancelled && !results.organization_error && !results.delegation_error &&
                   every_administrator_polled &&
                   std::all_of(sources.begin(), sources.end(), [](const SourceSummary& source) {
                     return source.state == SourceState::ok || source.state == SourceState::region_disabled;
                   });
  cycle.requests = results.requests;
  cycle.retries = results.retries;
  cycle.throttled = results.throttled;
  return cycle;
}

// Calls visit(account_id, its records) for every account of the universe
// (every account of a membership, of results.expected_accounts and of the
// Organizations list) in order. `memberships` must be in membership order.
template <typename Visit>
void for_each_account(const CycleResults& results, const std::vector<Membership>& memberships,
                      const std::map<std::string, OrganizationInfo>& organization, const Visit& visit) {
  std::vector<std::string> others(results.expected_accounts.begin(), results.expected_accounts.end());
  for (const auto& [account_id, _] : organization) others.push_back(account_id);
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  std::size_t record = 0;
  auto other = others.begin();
  while (record < memberships.size() || other != others.end()) {
    const bool from_records =
        record < memberships.size() && (other == others.end() || !(*other < memberships[record].account_id));
    const std::string& account_id = from_records ? memberships[record].account_id : *other;
    std::size_t end = record;
    while (end < memberships.size() && memberships[end].account_id == account_id) ++end;
    visit(account_id, std::span<const Membership>(memberships.data() + record, end - record));
    record = end;
    if (other != others.end() && *other == account_id) ++other;
  }
}

Totals count_totals(const Snapshot& snapshot) {
  Totals totals;
  totals.accounts = snapshot.accounts.size();
  totals.covered = static_cast<std::uint64_t>(std::count_if(
      snapshot.accounts.begin(), snapshot.accounts.end(), [](const AccountSummary& a) { return a.covered; }));
  totals.inactive =
      static_cast<std::uint64_t>(std::count_if(snapshot.accounts.begin(), snapshot.accounts.end(),
                                               [](const AccountSummary& a) { return a.inactive; }));
  // Counted by the enums' values, then named.
  std::array<std::array<std::uint64_t, kMemberStatusCount>, kServiceCount> counts{};
  for (const auto& record : snapshot.memberships)
    ++counts[static_cast<std::size_t>(record.source->service)][static_cast<std::size_t>(record.status)];
  for (std::size_t service = 0; service < kServiceCount; ++service) {
    for (std::size_t status = 0; status < kMemberStatusCount; ++status) {
      if (counts[service][status] == 0) continue;
      totals.by_service_status[std::string(to_string(static_cast<Service>(service)))]
                              [std::string(to_string(static_cast<MemberStatus>(status)))] =
          counts[service][status];
    }
  }
  return totals;
}

}  // namespace

RecordFilter previous_records_needed(const CycleResults& results, const MergeOptions& options) {
  SourceSet failing = failing_sources(results, options);
  std::set<std::string> failing_administrators;
  for (const auto& key : failing) failing_administrators.insert(key.administrator_id);
  return [failing = std::move(failing),
          failing_administrators = std::move(failing_administrators)](const Membership& record) {
    if (failing.count(*record.source)) return true;
    return record.status == MemberStatus::NOT_MEMBER &&
           failing_administrators.count(record.source->administrator_id) > 0;
  };
}

std::vector<OrganizationAccount> last_organization_accounts(const Snapshot& snapshot) {
  std::vector<OrganizationAccount> accounts;
  if (!snapshot.organization || snapshot.organization->state == SourceState::error) return accounts;
  for (const auto& account : snapshot.accounts) {
    if (!account.name && !account.organization_status) continue;
    accounts.push_back({account.account_id, account.name.value_or(""), account.organization_status});
  }
  return accounts;
}

LastKnown last_known(const std::optional<Snapshot>& previous) {
  return previous ? last_known(*previous) : LastKnown{};
}

LastKnown last_known(const Snapshot& previous) {
  LastKnown known;
  if (previous.organization && previous.organization->state != SourceState::error)
    known.organization_accounts = last_organization_accounts(previous);
  for (const auto& admin : previous.administrators) {
    if (admin.regions_from != RegionsFrom::configured && !admin.regions.empty())
      known.discovered_regions[admin.account_id] = admin.regions;
    for (const auto& service_name : admin.delegated_for.value_or(std::vector<std::string>{})) {
      if (const auto service = parse_service(service_name))
        known.delegated_administrators[*service].push_back(admin.account_id);
    }
    if (admin.origin == "organization") known.discovered_administrator_names[admin.account_id] = admin.name;
  }
  for (const auto& source : previous.sources) {
    if (source.state != SourceState::region_disabled) continue;
    auto& regions = known.disabled_regions[source.key.administrator_id];
    if (std::find(regions.begin(), regions.end(), source.key.region) == regions.end())
      regions.push_back(source.key.region);
  }
  return known;
}

bool service_order(Service a, Service b) {
  // By name; ranked once, since sorting the records asks millions of times.
  static const auto rank = [] {
    std::array<int, kServiceCount> rank{};
    for (std::size_t service = 0; service < kServiceCount; ++service)
      for (std::size_t other = 0; other < kServiceCount; ++other)
        if (to_string(static_cast<Service>(other)) < to_string(static_cast<Service>(service)))
          ++rank[service];
    return rank;
  }();
  return rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)];
}

bool source_order(const SourceKey& a, const SourceKey& b) {
  if (a.administrator_id != b.administrator_id) return a.administrator_id < b.administrator_id;
  if (a.service != b.service) return service_order(a.service, b.service);
  return a.region < b.region;
}

bool membership_order(const Membership& a, const Membership& b) {
  if (a.account_id != b.account_id) return a.account_id < b.account_id;
  const SourceKey& x = *a.source;
  const SourceKey& y = *b.source;
  if (x.service != y.service) return service_order(x.service, y.service);
  if (x.region != y.region) return x.region < y.region;
  return x.administrator_id < y.administrator_id;
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
    for (const auto& record : previous->memberships) previous_records_of[*record.source].push_back(&record);
  }

  const auto held = held_by_failed_sources(failing_sources(results, options), previous_records_of);
  static const std::set<std::string> kNoAccounts;
  static const std::vector<const Membership*> kNoRecords;
  Snapshot snapshot;
  snapshot.generated_at = format_rfc3339(results.finished_at);
  // Room for every record that can come (the previous ones held, the
  // fresh ones, each source's administrator record), so that they are
  // never moved to a bigger vector: one move would double the peak.
  std::size_t at_most = previous ? previous->memberships.size() : 0;
  for (const auto& result : results.sources) at_most += result.memberships.size() + 1;
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

  const auto organization_accounts = organization_list(previous, results);
  snapshot.organization = summarize_organization(previous, results, organization_accounts);
  snapshot.administrators = results.administrators;
  std::sort(snapshot.administrators.begin(), snapshot.administrators.end(),
            [](const AdministratorSummary& a, const AdministratorSummary& b) {
              return a.account_id < b.account_id;
            });
  const auto organization = organization_info(organization_accounts);
  const auto pairs = polled_pairs(snapshot.sources);
  std::size_t accounts = 0;
  for_each_account(results, snapshot.memberships, organization,
                   [&](const std::string&, auto) { ++accounts; });
  snapshot.accounts.reserve(accounts);
  for_each_account(
      results, snapshot.memberships, organization, [&](const std::string& account_id, auto records) {
        snapshot.accounts.push_back(
            summarize_account(account_id, records, pairs, organization, options.required_guardduty_features));
      });
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
