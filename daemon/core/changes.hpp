#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace mw::core {

// The status changes between two consecutive snapshots, one per (account,
// service, region, administrator) whose status appeared, changed or
// vanished, sorted like memberships. A record that appears already stale is
// carried over, not new; a record whose source is stale or in error in
// `next` has not vanished. Without a previous snapshot every non-stale
// record appears.
std::vector<MembershipChange> diff_changes(const std::optional<Snapshot>& previous, const Snapshot& next,
                                           std::string_view at);

}  // namespace mw::core
