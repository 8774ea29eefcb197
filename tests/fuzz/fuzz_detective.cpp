// Detective's response parsers on arbitrary bodies: a ParseError or a
// result, nothing else.

#include "fuzz_support.hpp"
#include "services/detective.hpp"
#include "services/parse_error.hpp"

namespace detective = mw::services::detective;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto body = mw::fuzz::as_text(data, size);
  try {
    auto page = detective::parse_list_graphs(body);
    for (const auto& graph : page.graphs) mw::fuzz::require(!graph.arn.empty(), "empty graph ARN accepted");
  } catch (const mw::services::ParseError&) {
  }
  try {
    detective::parse_list_members(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    detective::parse_get_members(body);
  } catch (const mw::services::ParseError&) {
  }
  try {
    detective::organization_auto_enable(detective::parse_describe_organization_configuration(body).detail);
  } catch (const mw::services::ParseError&) {
  }
  return 0;
}
