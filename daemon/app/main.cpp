#include <cstdio>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/daemon.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = mw::app::parse_cli(args);
  if (!parsed.options) {
    std::fprintf(stderr, "memberwatchd: %s\n\n%s", parsed.error.c_str(), mw::app::usage_text().c_str());
    return mw::app::kExitUsage;
  }
  return mw::app::run(*parsed.options);
}
