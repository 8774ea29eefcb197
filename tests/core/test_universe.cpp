#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/universe.hpp"

using namespace mw::core;

namespace {

std::vector<std::string> numbered_accounts(int count, long long first = 100000000000LL) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(std::to_string(first + i));
  return ids;
}

}  // namespace

TEST_CASE("is_account_id accepts exactly 12 digits") {
  CHECK(is_account_id("123456789012"));
  CHECK_FALSE(is_account_id("12345678901"));
  CHECK_FALSE(is_account_id("1234567890123"));
  CHECK_FALSE(is_account_id("12345678901a"));
  CHECK_FALSE(is_account_id(""));
}

TEST_CASE("make_universe sorts and deduplicates; add_to_universe keeps it so") {
  auto universe = make_universe({"333333333333", "111111111111", "333333333333"});
  CHECK(universe == std::vector<std::string>{"111111111111", "333333333333"});
  add_to_universe(universe, {"222222222222", "111111111111"});
  CHECK(universe == std::vector<std::string>{"111111111111", "222222222222", "333333333333"});
}

TEST_CASE("make_batches splits the universe into the fewest batches of at most 50") {
  struct Case {
    int accounts;
    std::vector<std::size_t> sizes;
  };
  for (const auto& c : std::vector<Case>{
           {0, {}}, {1, {1}}, {49, {49}}, {50, {50}}, {51, {50, 1}}, {100, {50, 50}}, {130, {50, 50, 30}}}) {
    CAPTURE(c.accounts);
    const auto batches = make_batches(numbered_accounts(c.accounts));
    std::vector<std::size_t> sizes;
    for (const auto& batch : batches) sizes.push_back(batch.size());
    CHECK(sizes == c.sizes);
  }
}

TEST_CASE("make_batches deduplicates, sorts, and covers every account exactly once") {
  auto ids = numbered_accounts(120);
  auto shuffled = ids;
  std::reverse(shuffled.begin(), shuffled.end());
  shuffled.insert(shuffled.end(), ids.begin(), ids.begin() + 10);  // duplicates
  const auto batches = make_batches(shuffled);
  REQUIRE(batches.size() == 3);
  std::vector<std::string> flattened;
  for (const auto& batch : batches) flattened.insert(flattened.end(), batch.begin(), batch.end());
  CHECK(flattened == ids);
  CHECK(make_batches(ids, 7).size() == 18);
  CHECK_THROWS_AS(make_batches(ids, 0), std::invalid_argument);
}
