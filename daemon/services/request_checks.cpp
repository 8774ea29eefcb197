#include "services/request_checks.hpp"

#include <stdexcept>

#include "common/strings.hpp"

namespace mw::services {
namespace {

[[noreturn]] void reject(std::string_view operation, const std::string& problem) {
  throw std::invalid_argument(std::string(operation) + ": " + problem);
}

}  // namespace

void require_account_batch(std::string_view operation, const std::vector<std::string>& account_ids) {
  if (account_ids.empty() || account_ids.size() > kMaxGetMembersBatch) {
    reject(operation, "needs 1 to " + std::to_string(kMaxGetMembersBatch) + " account IDs, got " +
                          std::to_string(account_ids.size()));
  }
  for (const auto& id : account_ids) {
    if (!mw::is_account_id(id)) reject(operation, "not a 12-digit account ID: \"" + id + "\"");
  }
}

void require_in_range(std::string_view operation, std::string_view name, int value, int min, int max) {
  if (value < min || value > max) {
    reject(operation, std::string(name) + " must be " + std::to_string(min) + ".." + std::to_string(max) +
                          ", got " + std::to_string(value));
  }
}

void require_non_empty(std::string_view operation, std::string_view name, std::string_view value,
                       std::size_t max_length) {
  if (value.empty() || value.size() > max_length) {
    reject(operation, std::string(name) + " must be 1.." + std::to_string(max_length) + " characters");
  }
}

void require_token(std::string_view operation, const std::optional<std::string>& next_token) {
  if (next_token && next_token->empty()) reject(operation, "an empty next token");
}

boost::json::array to_json_array(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const auto& value : values) array.emplace_back(value);
  return array;
}

}  // namespace mw::services
