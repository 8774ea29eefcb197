#include "core/changes.hpp"

#include <map>
#include <tuple>

#include "core/merge.hpp"

namespace mw::core {
namespace {

struct RecordLess {
  bool operator()(const Membership* a, const Membership* b) const { return membership_order(*a, *b); }
};

using RecordIndex = std::map<const Membership*, MemberStatus, RecordLess>;

RecordIndex index_records(const std::vector<Membership>& records) {
  RecordIndex index;
  for (const auto& record : records) index.try_emplace(&record, record.status);
  return index;
}

MembershipChange change_of(const Membership& record, std::string_view at, std::optional<MemberStatus> from,
                           std::optional<MemberStatus> to) {
  return {
      std::string(at), record.account_id, record.service, record.region, record.administrator_id, from, to};
}

bool source_is_failing(const Snapshot& snapshot, const SourceKey& key) {
  for (const auto& source : snapshot.sources) {
    if (source.key == key) return source.state != SourceState::ok;
  }
  return false;
}

}  // namespace

std::vector<MembershipChange> diff_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at) {
  const RecordIndex before = previous ? index_records(previous->memberships) : RecordIndex{};
  const RecordIndex after = index_records(next.memberships);
  std::vector<MembershipChange> changes;
  auto old_it = before.begin();
  auto new_it = after.begin();
  const RecordLess less;
  while (old_it != before.end() || new_it != after.end()) {
    const bool only_old =
        new_it == after.end() || (old_it != before.end() && less(old_it->first, new_it->first));
    const bool only_new =
        old_it == before.end() || (new_it != after.end() && less(new_it->first, old_it->first));
    if (only_old) {
      if (!source_is_failing(next, old_it->first->source())) {
        changes.push_back(change_of(*old_it->first, at, old_it->second, std::nullopt));
      }
      ++old_it;
    } else if (only_new) {
      if (!new_it->first->stale)
        changes.push_back(change_of(*new_it->first, at, std::nullopt, new_it->second));
      ++new_it;
    } else {
      if (old_it->second != new_it->second) {
        changes.push_back(change_of(*new_it->first, at, old_it->second, new_it->second));
      }
      ++old_it;
      ++new_it;
    }
  }
  return changes;
}

}  // namespace mw::core
