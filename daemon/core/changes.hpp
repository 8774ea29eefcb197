#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace mw::core {

// Called once per change with the record it is about (from `next`, or from
// the previous snapshot when the record vanished: valid during the call
// only) and its status before and after.
using ChangeVisitor = std::function<void(const Membership& record, std::optional<MemberStatus> from,
                                         std::optional<MemberStatus> to)>;

// The previous snapshot's records as a stream: calls `each` for every
// record, in membership order, one per (account, service, region,
// administrator). A snapshot file streamed back from disk is one
// (store::PreviousSnapshot), so the diff never holds its records.
using RecordStream = std::function<void(const std::function<void(const Membership& record)>& each)>;

// The status changes between two consecutive snapshots, one per (account,
// service, region, administrator) whose status appeared, changed or
// vanished, in membership order: a merge-join of the previous records
// against `next`'s. A record that appears already stale is carried over,
// not new; a record whose source is stale or in error in `next` has not
// vanished. Nothing is copied, so a first cycle's hundreds of thousands of
// "appeared" changes can be written out as they come.
void for_each_change(const RecordStream& previous_records, const Snapshot& next, const ChangeVisitor& visit);
// The same with the previous snapshot in memory (its records in any order;
// of two with one key the first counts); without one every non-stale
// record appears.
void for_each_change(const std::optional<Snapshot>& previous, const Snapshot& next,
                     const ChangeVisitor& visit);

// `records` in membership order, one per key (the first of those with one
// key): pointers into `records`.
std::vector<const Membership*> in_membership_order(const std::vector<Membership>& records);

// The change as written to the changes log.
MembershipChange change_of(const Membership& record, std::string_view at, std::optional<MemberStatus> from,
                           std::optional<MemberStatus> to);

// The accounts whose Organizations state appeared, changed or vanished
// between two consecutive snapshots (ACTIVE to SUSPENDED, say), in account
// order. None unless both snapshots have an Organizations list: turning
// Organizations on or off is no change of any account.
std::vector<AccountChange> account_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at);

// A source whose organization auto-enable mode changed between two
// consecutive snapshots (nullopt: none known: not the organization's
// administrator, or its call failed), for the log.
struct AutoEnableChange {
  SourceKey source;
  std::optional<std::string> from;
  std::optional<std::string> to;

  bool operator==(const AutoEnableChange&) const = default;
};
// In source order; sources new or gone in `next` are no change.
std::vector<AutoEnableChange> auto_enable_changes(const Snapshot& previous, const Snapshot& next);

// for_each_change, collected.
std::vector<MembershipChange> diff_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at);

}  // namespace mw::core
