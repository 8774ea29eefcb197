// Security Hub's response parsers on arbitrary bodies: a ParseError or a
// result, nothing else.

#include "fuzz_support.hpp"
#include "services/parse_error.hpp"
#include "services/securityhub.hpp"

namespace securityhub = mw::services::securityhub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = mw::fuzz::as_text(data, size);
  try {
    securityhub::parse_list_members(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    securityhub::parse_get_members(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    securityhub::organization_auto_enable(
        securityhub::parse_describe_organization_configuration(body).detail);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
