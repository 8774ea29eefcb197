// memberwatchctl's command line on arbitrary arguments (one a line) and its
// --since parser on the first line: never throws, and options come back
// exactly when there is no error.

#include "ctl/options.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = mw::fuzz::as_text(data, size);
  const auto now = mw::core::TimePoint(std::chrono::seconds(1'800'000'000));
  mw::ctl::parse_since(text.substr(0, text.find('\n')), now);
  std::vector<std::string> args;
  while (!text.empty()) args.emplace_back(mw::fuzz::take_line(text));
  const auto result = mw::ctl::parse_options(args, now);
  mw::fuzz::require(result.options.has_value() == result.error.empty(), "options and error disagree");
  return 0;
}
