#pragma once

// Input checks shared by the request builders (std::invalid_argument on
// failure: a caller's bug, not a bad response). Internal to the layer.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

namespace mw::services {

// GetMembers' limit in Detective and GuardDuty (Security Hub rejects large
// batches too).
inline constexpr std::size_t kMaxGetMembersBatch = 50;

// 1..50 account IDs of 12 digits each: GetMembers' limits.
void require_account_batch(std::string_view operation, const std::vector<std::string>& account_ids);
void require_in_range(std::string_view operation, std::string_view name, int value, int min, int max);
void require_non_empty(std::string_view operation, std::string_view name, std::string_view value,
                       std::size_t max_length);
// A next token given must not be empty ("" is how some services end paging).
void require_token(std::string_view operation, const std::optional<std::string>& next_token);

boost::json::array to_json_array(const std::vector<std::string>& values);

}  // namespace mw::services
