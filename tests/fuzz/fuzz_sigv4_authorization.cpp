// SigV4 Authorization headers: parse_authorization never throws, and what
// it accepts survives being written back and parsed again.

#include "aws/sigv4.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = mw::aws::sigv4::parse_authorization(mw::fuzz::as_text(data, size));
  mw::fuzz::require(parsed.value.has_value() == parsed.error.empty(), "value and error disagree");
  if (!parsed.value) return 0;
  const auto& value = *parsed.value;
  auto again = mw::aws::sigv4::parse_authorization(mw::aws::sigv4::authorization_header(
      value.access_key_id, value.scope, value.signed_headers, value.signature));
  mw::fuzz::require(again.value.has_value(), "a parsed header does not parse once written back");
  mw::fuzz::require(again.value->access_key_id == value.access_key_id, "access key id changed");
  mw::fuzz::require(again.value->signature == value.signature, "signature changed");
  mw::fuzz::require(again.value->signed_headers == value.signed_headers, "signed headers changed");
  return 0;
}
