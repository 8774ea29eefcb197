// Organizations' ListAccounts parser on arbitrary bodies: a ParseError or
// a page, nothing else.

#include "fuzz_support.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mw::services::organizations::parse_list_accounts(mw::fuzz::as_text(data, size));
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
