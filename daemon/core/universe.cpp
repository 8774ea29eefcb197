#include "core/universe.hpp"

#include <algorithm>
#include <stdexcept>

namespace mw::core {

bool is_account_id(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> make_universe(std::vector<std::string> account_ids) {
  std::sort(account_ids.begin(), account_ids.end());
  account_ids.erase(std::unique(account_ids.begin(), account_ids.end()), account_ids.end());
  return account_ids;
}

void add_to_universe(std::vector<std::string>& universe, const std::vector<std::string>& more) {
  universe.insert(universe.end(), more.begin(), more.end());
  universe = make_universe(std::move(universe));
}

std::vector<std::vector<std::string>> make_batches(std::vector<std::string> account_ids,
                                                   std::size_t max_batch) {
  if (max_batch == 0) throw std::invalid_argument("make_batches: max_batch must be at least 1");
  const auto universe = make_universe(std::move(account_ids));
  std::vector<std::vector<std::string>> batches;
  for (std::size_t start = 0; start < universe.size(); start += max_batch) {
    const auto end = std::min(universe.size(), start + max_batch);
    batches.emplace_back(universe.begin() + static_cast<std::ptrdiff_t>(start),
                         universe.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return batches;
}

}  // namespace mw::core
