#include "app/cli.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace mw::app {
namespace {

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

}  // namespace

CliParseResult parse_cli(const std::vector<std::string>& args) {
  CliOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (const auto equals = flag.find('='); flag.starts_with("--") && equals != std::string::npos) {
      inline_value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    const auto take_value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    const auto takes_no_value = [&]() { return !inline_value; };

    if (flag == "--config") {
      auto value = take_value();
      if (!value || value->empty()) return {std::nullopt, "--config needs a file name"};
      options.config_path = *value;
    } else if (flag == "--log-level") {
      auto value = take_value();
      if (!value) return {std::nullopt, "--log-level needs a level"};
      if (std::find(kLogLevels.begin(), kLogLevels.end(), *value) == kLogLevels.end()) {
        return {std::nullopt,
                "--log-level: '" + *value + "' is not one of trace, debug, info, warn, error, critical, off"};
      }
      options.log_level = *value;
    } else if (flag == "--once" && takes_no_value()) {
      options.once = true;
    } else if (flag == "--check-config" && takes_no_value()) {
      options.check_config = true;
    } else if (flag == "--version" && takes_no_value()) {
      options.show_version = true;
    } else if ((flag == "--help" || flag == "-h") && takes_no_value()) {
      options.show_help = true;
    } else if (inline_value) {
      return {std::nullopt, flag + " takes no value"};
    } else {
      return {std::nullopt, "unknown argument '" + flag + "'"};
    }
  }
  return {options, ""};
}

std::string usage_text() {
  return R"(Usage: memberwatchd [--config FILE] [--once] [--check-config] [--log-level LEVEL] [--version] [--help]

Keeps a merged picture of Security Hub, GuardDuty and Detective membership
across AWS administrator accounts and regions.

Options:
  --config FILE       configuration file (default /etc/memberwatch/memberwatch.yaml)
  --once              run one cycle, write the snapshot and exit:
                      0 every source answered, 2 some source failed,
                      1 no snapshot could be written
  --check-config      validate the configuration, print a one-line summary,
                      exit 0 (valid) or 78 (errors, as FILE:LINE:COLUMN: key: message)
  --log-level LEVEL   trace, debug, info, warn, error, critical or off
                      (overrides log_level in the configuration)
  --version           print the version and exit
  --help              print this help and exit

Signals (daemon mode): SIGTERM/SIGINT stop gracefully, SIGHUP reloads the
configuration, SIGUSR1 starts a cycle now.
Exit codes: 0 ok, 1 failure, 2 partial (--once), 64 usage error, 78 configuration error.
)";
}

}  // namespace mw::app
