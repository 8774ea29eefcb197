// Organizations' ListAccounts and ListDelegatedAdministrators parsers on arbitrary bodies: a ParseError or
// a page, nothing else.

#include "fuzz_support.hpp"
#include "services/organizations.hpp"
#include "services/parse_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = mw::fuzz::as_text(data, size);
  try {
    mw::services::organizations::parse_list_accounts(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    mw::services::organizations::parse_list_delegated_administrators(body);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
