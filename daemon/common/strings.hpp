#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mw {

std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is a plausible typo of it, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

bool is_digits(std::string_view text);

// An AWS region name as the configuration and the Account API give it
// ("us-east-1", "us-gov-west-1", "ap-southeast-3").
bool is_region_name(std::string_view text);

// Exactly 12 ASCII digits: an AWS account ID.
bool is_account_id(std::string_view text);

}  // namespace mw
