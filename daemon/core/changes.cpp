#include "core/changes.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/merge.hpp"

namespace mw::core {
namespace {

// Records in membership order, one per key (the first, as a map would keep).
// The merge already sorts memberships; a snapshot read from disk may not be
// sorted, hence the sort.
std::vector<const Membership*> ordered_records(const std::vector<Membership>& records) {
  std::vector<const Membership*> ordered;
  ordered.reserve(records.size());
  for (const auto& record : records) ordered.push_back(&record);
  const auto less = [](const Membership* a, const Membership* b) { return membership_order(*a, *b); };
  if (!std::is_sorted(ordered.begin(), ordered.end(), less))
    std::stable_sort(ordered.begin(), ordered.end(), less);
  const auto same_key = [&](const Membership* a, const Membership* b) { return !less(a, b) && !less(b, a); };
  ordered.erase(std::unique(ordered.begin(), ordered.end(), same_key), ordered.end());
  return ordered;
}

bool source_is_failing(const Snapshot& snapshot, const SourceKey& key) {
  for (const auto& source : snapshot.sources) {
    if (source.key == key) return source.state == SourceState::stale || source.state == SourceState::error;
  }
  return false;
}

}  // namespace

void for_each_change(const std::optional<Snapshot>& previous, const Snapshot& next,
                     const ChangeVisitor& visit) {
  const auto before = previous ? ordered_records(previous->memberships) : std::vector<const Membership*>{};
  const auto after = ordered_records(next.memberships);
  auto old_it = before.begin();
  auto new_it = after.begin();
  while (old_it != before.end() || new_it != after.end()) {
    const bool only_old =
        new_it == after.end() || (old_it != before.end() && membership_order(**old_it, **new_it));
    const bool only_new =
        old_it == before.end() || (new_it != after.end() && membership_order(**new_it, **old_it));
    if (only_old) {
      if (!source_is_failing(next, *(*old_it)->source)) visit(**old_it, (*old_it)->status, std::nullopt);
      ++old_it;
    } else if (only_new) {
      if (!(*new_it)->stale) visit(**new_it, std::nullopt, (*new_it)->status);
      ++new_it;
    } else {
      if ((*old_it)->status != (*new_it)->status) visit(**new_it, (*old_it)->status, (*new_it)->status);
      ++old_it;
      ++new_it;
    }
  }
}

MembershipChange change_of(const Membership& record, std::string_view at, std::optional<MemberStatus> from,
                           std::optional<MemberStatus> to) {
  const SourceKey& source = *record.source;
  return {
      std::string(at), record.account_id, source.service, source.region, source.administrator_id, from, to};
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
