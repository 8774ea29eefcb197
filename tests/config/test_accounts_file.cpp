#include <doctest/doctest.h>

#include "config/accounts_file.hpp"

using mw::config::parse_accounts_file;

TEST_CASE("accounts file: ids, comments, blank lines and bad lines with their numbers") {
  const auto file = parse_accounts_file(
      "# expected accounts\n"
      "111111111111\n"
      "\n"
      "  222222222222   # trailing comment\n"
      "12345\n"
      "111111111111\n"
      "abcdefghijkl\r\n"
      "333333333333\r\n");
  CHECK(file.ids == std::vector<std::string>{"111111111111", "222222222222", "333333333333"});
  REQUIRE(file.problems.size() == 2);
  CHECK(file.problems[0].line == 5);
  CHECK(file.problems[0].message.find("12345") != std::string::npos);
  CHECK(file.problems[1].line == 7);
}

TEST_CASE("accounts file: empty text") {
  const auto file = parse_accounts_file("");
  CHECK(file.ids.empty());
  CHECK(file.problems.empty());
}
