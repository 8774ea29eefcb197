// The AWS shared credentials/config file parser: a CredentialsError or
// sections that merge into profiles, nothing else.

#include "credentials/credentials_error.hpp"
#include "credentials/shared_files.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mw::credentials;
  try {
    auto file = parse_ini(mw::fuzz::as_text(data, size), "/home/user/.aws/credentials");
    auto profiles = merge_profiles(&file, &file);
    for (const auto& [name, profile] : profiles.profiles) {
      mw::fuzz::require(profiles.find(name) == &profile, "a merged profile cannot be found by name");
      profile.get("aws_access_key_id");
    }
  } catch (const CredentialsError&) {
  }
  return 0;
}
