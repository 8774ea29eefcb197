#include "core/changes.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/merge.hpp"

namespace mw::core {
namespace {

// The sources stale or in error in `next`: their previous records are
// carried over, not vanished.
std::vector<SourceKey> failing_sources(const Snapshot& next) {
  std::vector<SourceKey> failing;
  for (const auto& source : next.sources) {
    if (source.state == SourceState::stale || source.state == SourceState::error)
      failing.push_back(source.key);
  }
  return failing;
}

}  // namespace

void for_each_change(const RecordStream& previous_records, const Snapshot& next, const ChangeVisitor& visit) {
  const auto failing = failing_sources(next);
  const auto after = in_membership_order(next.memberships);
  auto new_it = after.begin();
  const auto appeared = [&](const Membership& record) {
    if (!record.stale) visit(record, std::nullopt, record.status);
  };
  previous_records([&](const Membership& old) {
    while (new_it != after.end() && membership_order(**new_it, old)) appeared(**new_it++);
    if (new_it != after.end() && !membership_order(old, **new_it)) {  // the same key
      if (old.status != (*new_it)->status) visit(**new_it, old.status, (*new_it)->status);
      ++new_it;
    } else if (std::find(failing.begin(), failing.end(), *old.source) == failing.end()) {
      visit(old, old.status, std::nullopt);
    }
  });
  while (new_it != after.end()) appeared(**new_it++);
}

void for_each_change(const std::optional<Snapshot>& previous, const Snapshot& next,
                     const ChangeVisitor& visit) {
  const auto before =
      previous ? in_membership_order(previous->memberships) : std::vector<const Membership*>{};
  for_each_change(
      [&](const auto& each) {
        for (const Membership* record : before) each(*record);
      },
      next, visit);
}

std::vector<const Membership*> in_membership_order(const std::vector<Membership>& records) {
  std::vector<const Membership*> ordered;
  ordered.reserve(records.size());
  for (const auto& record : records) ordered.push_back(&record);
  const auto less = [](const Membership* a, const Membership* b) { return membership_order(*a, *b); };
  // The merge sorts them already; a snapshot file edited by hand may not be.
  if (!std::is_sorted(ordered.begin(), ordered.end(), less))
    std::stable_sort(ordered.begin(), ordered.end(), less);
  const auto same_key = [&](const Membership* a, const Membership* b) { return !less(a, b) && !less(b, a); };
  ordered.erase(std::unique(ordered.begin(), ordered.end(), same_key), ordered.end());
  return ordered;
}

MembershipChange change_of(const Membership& record, std::string_view at, std::optional<MemberStatus> from,
                           std::optional<MemberStatus> to) {
  const SourceKey& source = *record.source;
  return {
      std::string(at), record.account_id, source.service, source.region, source.administrator_id, from, to};
}

std::vector<AutoEnableChange> auto_enable_changes(const Snapshot& previous, const Snapshot& next) {
  const auto mode = [](const SourceSummary& source) {
    return source.organization ? std::optional(source.organization->auto_enable) : std::nullopt;
  };
  std::map<SourceKey, std::optional<std::string>> before;
  for (const auto& source : previous.sources) before.emplace(source.key, mode(source));
  std::vector<AutoEnableChange> changes;
  for (const auto& source : next.sources) {
    const auto found = before.find(source.key);
    if (found != before.end() && found->second != mode(source))
      changes.push_back({source.key, found->second, mode(source)});
  }
  return changes;
}

std::vector<AccountChange> account_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at) {
  std::vector<AccountChange> changes;
  if (!previous || !previous->organization || !next.organization) return changes;
  std::map<std::string_view, std::optional<std::string>> before;
  for (const auto& account : previous->accounts) {
    before[account.account_id] = account.organization_status;
  }
  std::map<std::string_view, std::optional<std::string>> after;
  for (const auto& account : next.accounts) {
    after[account.account_id] = account.organization_status;
  }
  const auto state_in = [](const auto& states, std::string_view account_id) {
    const auto found = states.find(account_id);
    return found == states.end() ? std::nullopt : found->second;
  };
  std::set<std::string_view> accounts;
  for (const auto& [account_id, _] : before) accounts.insert(account_id);
  for (const auto& [account_id, _] : after) accounts.insert(account_id);
  for (const std::string_view account_id : accounts) {
    auto from = state_in(before, account_id);
    auto to = state_in(after, account_id);
    if (from != to)
      changes.push_back({std::string(at), std::string(account_id), std::move(from), std::move(to)});
  }
  return changes;
}

std::vector<MembershipChange> diff_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at) {
  std::vector<MembershipChange> changes;
  for_each_change(previous, next, [&](const Membership& record, auto from, auto to) {
    changes.push_back(change_of(record, at, from, to));
  });
  return changes;
}

}  // namespace mw::core
