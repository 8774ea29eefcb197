// memberwatchctl: the operator's command beside memberwatchd (CONTRACT.md,
// "memberwatchctl"). Thin: parse, run, report.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/version.hpp"
#include "ctl/commands.hpp"
#include "ctl/options.hpp"
#include "ctl/reading.hpp"

int main(int argc, char** argv) {
  using namespace mw::ctl;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = parse_options(args, mw::core::Clock::now());
  if (!parsed.options) {
    std::fprintf(stderr, "memberwatchctl: %s\n(memberwatchctl --help lists the commands)\n",
                 parsed.error.c_str());
    return kExitUsage;
  }
  const Options& options = *parsed.options;
  if (options.show_help) {
    std::fputs(usage_text().c_str(), stdout);
    return kExitOk;
  }
  if (options.show_version) {
    std::printf("memberwatchctl %s\n", mw::app::kVersion);
    return kExitOk;
  }
  try {
    const int code = run_command(options, mw::core::Clock::now(), stdout);
    if (std::fflush(stdout) != 0) {
      std::perror("memberwatchctl: writing the output");
      return kExitFailure;
    }
    return code;
  } catch (const CtlError& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "memberwatchctl: %s\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::fprintf(stderr, "memberwatchctl: %s\n", error.what());
    return kExitFailure;
  }
}
