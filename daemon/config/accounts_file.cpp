#include "config/accounts_file.hpp"

#include <set>

#include "common/strings.hpp"
#include "config/config.hpp"

namespace mw::config {

AccountsFile parse_accounts_file(std::string_view text) {
  AccountsFile result;
  std::set<std::string, std::less<>> seen;
  int line_number = 0;
  for (auto line : split(text, '\n')) {
    ++line_number;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    if (!is_account_id(line)) {
      result.problems.push_back(
          {line_number, "'" + std::string(line) + "' is not an account ID (exactly 12 digits)"});
      continue;
    }
    if (seen.insert(std::string(line)).second) result.ids.emplace_back(line);
  }
  return result;
}

}  // namespace mw::config
