#include <doctest/doctest.h>

#include "common/strings.hpp"

using namespace mw;

TEST_CASE("trim, lower, split and join") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim("") == "");
  CHECK(to_lower("GuardDuty") == "guardduty");
  const auto parts = split("a,,b", ',');
  REQUIRE(parts.size() == 3);
  CHECK(parts[1] == "");
  CHECK(join({"x", "y", "z"}, ", ") == "x, y, z");
}

TEST_CASE("edit distance and closest match") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("intervl", {"interval", "jitter"}) == "interval");
  CHECK(closest_match("completely_else", {"interval", "jitter"}) == "");
}

TEST_CASE("is_digits") {
  CHECK(is_digits("0123"));
  CHECK_FALSE(is_digits(""));
  CHECK_FALSE(is_digits("12a"));
}

TEST_CASE("is_account_id accepts exactly 12 digits") {
  CHECK(mw::is_account_id("123456789012"));
  CHECK_FALSE(mw::is_account_id("12345678901"));
  CHECK_FALSE(mw::is_account_id("1234567890123"));
  CHECK_FALSE(mw::is_account_id("12345678901a"));
  CHECK_FALSE(mw::is_account_id(""));
}
