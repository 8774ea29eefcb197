#pragma once

// An administrator's account universe and its GetMembers batches.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mw::core {

// GetMembers' limit in Detective and GuardDuty (Security Hub rejects large
// batches too).
inline constexpr std::size_t kMaxGetMembersBatch = 50;

// Exactly 12 ASCII digits.
bool is_account_id(std::string_view text);

// Sorted, without duplicates.
std::vector<std::string> make_universe(std::vector<std::string> account_ids);

// Adds `more` to a universe, keeping it sorted and without duplicates.
void add_to_universe(std::vector<std::string>& universe, const std::vector<std::string>& more);

// The sorted, deduplicated accounts in consecutive batches of at most
// `max_batch` (1 or more; std::invalid_argument otherwise), the fewest
// batches possible; none for an empty input.
std::vector<std::vector<std::string>> make_batches(std::vector<std::string> account_ids,
                                                   std::size_t max_batch = kMaxGetMembersBatch);

}  // namespace mw::core
