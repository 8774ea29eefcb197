// GuardDuty's response parsers on arbitrary bodies: a ParseError or a
// result, nothing else.

#include "fuzz_support.hpp"
#include "services/guardduty.hpp"
#include "services/parse_error.hpp"

#include <string>
#include <vector>

namespace guardduty = mw::services::guardduty;

const std::vector<std::string> kRequired = {"RUNTIME_MONITORING", "S3_DATA_EVENTS"};

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
  try {
    auto page = guardduty::parse_describe_organization_configuration(body);
    guardduty::organization_auto_enable(page.detail, kRequired);
    mw::fuzz::require(!page.next_token || !page.next_token->empty(), "empty nextToken kept");
  } catch (const mw::services::ParseError&) {
  }
  try {
    auto page = guardduty::parse_get_member_detectors(body);
    for (const auto& member : page.members)
      mw::fuzz::require(member.account_id.size() == 12, "a member without a 12-digit account ID accepted");
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
