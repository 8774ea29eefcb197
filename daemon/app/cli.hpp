#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mw::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitPartial = 2;
inline constexpr int kExitUsage = 64;   // EX_USAGE
inline constexpr int kExitConfig = 78;  // EX_CONFIG

inline constexpr const char* kDefaultConfigPath = "/etc/memberwatch/memberwatch.yaml";

struct CliOptions {
  std::string config_path = kDefaultConfigPath;
  bool once = false;
  bool check_config = false;
  std::optional<std::string> log_level;
  bool show_version = false;
  bool show_help = false;
};

struct CliParseResult {
  std::optional<CliOptions> options;
  std::string error;  // set when options is not
};

// Accepts "--flag value" and "--flag=value". Pure: argv without the program name.
CliParseResult parse_cli(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace mw::app
