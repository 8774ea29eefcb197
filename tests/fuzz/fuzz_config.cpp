// The configuration loader on arbitrary text: never throws, and a config
// comes back exactly when there are no errors.

#include "config/config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result = mw::config::parse_config(mw::fuzz::as_text(data, size), "/etc/memberwatch/memberwatch.yaml");
  mw::fuzz::require(result.config.has_value() == result.errors.empty(), "config and errors disagree");
  for (const auto& error : result.errors) {
    mw::fuzz::require(!error.message.empty(), "an error without a message");
    error.to_string();
  }
  if (result.config) {
    mw::config::summarize(*result.config);
    mw::fuzz::require(result.config->interval.count() > 0, "a config with a zero interval");
  }
  return 0;
}
