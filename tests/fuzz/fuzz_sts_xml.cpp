// STS's XML responses (AssumeRole, AssumeRoleWithWebIdentity,
// GetCallerIdentity) on arbitrary bodies: an AwsError or a result whose
// required credentials are all present.

#include "aws/protocols.hpp"
#include "fuzz_support.hpp"

namespace protocol = mw::aws::protocol;

namespace {

void check_credentials(const protocol::AssumeRoleResult& result) {
  mw::fuzz::require(!result.credentials.access_key_id.empty(), "AssumeRole result without an access key");
  mw::fuzz::require(!result.expiration.empty(), "AssumeRole result without an expiration");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto xml = mw::fuzz::as_text(data, size);
  try {
    check_credentials(protocol::parse_assume_role_response(xml));
  } catch (const mw::aws::AwsError&) {
  }
  try {
    check_credentials(protocol::parse_assume_role_with_web_identity_response(xml));
  } catch (const mw::aws::AwsError&) {
  }
  try {
    protocol::parse_get_caller_identity_response(xml);
  } catch (const mw::aws::AwsError&) {
  }
  return 0;
}
