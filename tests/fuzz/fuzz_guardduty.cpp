// GuardDuty's response parsers on arbitrary bodies: a ParseError or a
// result, nothing else.

#include "fuzz_support.hpp"
#include "services/guardduty.hpp"
#include "services/parse_error.hpp"

namespace guardduty = mw::services::guardduty;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = mw::fuzz::as_text(data, size);
  try {
    auto page = guardduty::parse_list_detectors(body);
    for (const auto& id : page.detector_ids) mw::fuzz::require(!id.empty(), "empty detector id accepted");
  } catch (const mw::services::ParseError&) {
  }
  try {
    guardduty::parse_list_members(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    guardduty::parse_get_members(body);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
