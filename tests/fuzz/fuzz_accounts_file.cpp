// The accounts file: never throws; every kept ID is a 12-digit account ID,
// every problem names a line of the file.

#include <algorithm>

#include "common/strings.hpp"
#include "config/accounts_file.hpp"
#include "config/config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = mw::fuzz::as_text(data, size);
  auto file = mw::config::parse_accounts_file(text);
  auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& id : file.ids) mw::fuzz::require(mw::is_account_id(id), "kept a bad account ID");
  for (const auto& problem : file.problems) {
    mw::fuzz::require(problem.line >= 1 && problem.line <= lines, "a problem outside the file");
    mw::fuzz::require(!problem.message.empty(), "a problem without a message");
  }
  return 0;
}
