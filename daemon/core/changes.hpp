#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace mw::core {

// Called once per change with the record it is about (from `next`, or from
// `previous` when the record vanished) and its status before and after.
using ChangeVisitor = std::function<void(const Membership& record, std::optional<MemberStatus> from,
                                         std::optional<MemberStatus> to)>;

// The status changes between two consecutive snapshots, one per (account,
// service, region, administrator) whose status appeared, changed or
// vanished, in membership order. A record that appears already stale is
// carried over, not new; a record whose source is stale or in error in
// `next` has not vanished. Without a previous snapshot every non-stale
// record appears. Nothing is copied, so a first cycle's hundreds of
// thousands of "appeared" changes can be written out as they come.
void for_each_change(const std::optional<Snapshot>& previous, const Snapshot& next,
                     const ChangeVisitor& visit);

// The change as written to the changes log.
MembershipChange change_of(const Membership& record, std::string_view at, std::optional<MemberStatus> from,
                           std::optional<MemberStatus> to);

// The accounts whose Organizations state appeared, changed or vanished
// between two consecutive snapshots (ACTIVE to SUSPENDED, say), in account
// order. None unless both snapshots have an Organizations list: turning
// Organizations on or off is no change of any account.
std::vector<AccountChange> account_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at);

// for_each_change, collected.
std::vector<MembershipChange> diff_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at);

}  // namespace mw::core
