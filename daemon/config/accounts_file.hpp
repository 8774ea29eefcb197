#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mw::config {

struct AccountsFileProblem {
  int line = 0;
  std::string message;
};

struct AccountsFile {
  std::vector<std::string> ids;  // in file order, duplicates dropped
  std::vector<AccountsFileProblem> problems;
};

// One 12-digit account ID a line; '#' starts a comment; blank lines are
// skipped. A bad line is reported with its number and skipped, so one typo
// does not drop the rest of the file.
AccountsFile parse_accounts_file(std::string_view text);

}  // namespace mw::config
