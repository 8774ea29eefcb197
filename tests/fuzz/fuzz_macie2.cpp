// Macie's response parsers on arbitrary bodies: a ParseError or a result,
// nothing else; every listed record's account is a listed account.

#include "fuzz_support.hpp"
#include "services/macie2.hpp"
#include "services/parse_error.hpp"

namespace macie2 = mw::services::macie2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = mw::fuzz::as_text(data, size);
  try {
    const auto page = macie2::parse_list_members(body);
    mw::fuzz::require(page.account_ids.size() == page.members.size(), "records and listed accounts differ");
  } catch (const mw::services::ParseError&) {
  }
  try {
    macie2::organization_auto_enable(macie2::parse_describe_organization_configuration(body).detail);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
