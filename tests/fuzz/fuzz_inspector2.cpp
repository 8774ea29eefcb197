// Inspector's response parsers on arbitrary bodies: a ParseError or a
// result, nothing else; every listed record's account is a listed account.

#include "fuzz_support.hpp"
#include "services/inspector2.hpp"
#include "services/parse_error.hpp"

namespace inspector2 = mw::services::inspector2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = mw::fuzz::as_text(data, size);
  try {
    const auto page = inspector2::parse_list_members(body);
    mw::fuzz::require(page.account_ids.size() == page.members.size(), "records and listed accounts differ");
  } catch (const mw::services::ParseError&) {
  }
  try {
    inspector2::organization_auto_enable(inspector2::parse_describe_organization_configuration(body).detail);
  } catch (const mw::services::ParseError&) {
  }
  try {
    inspector2::parse_batch_get_account_status(body);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
