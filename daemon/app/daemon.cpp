#include "app/daemon.hpp"

#include <cstdio>
#include <cstdlib>

#include "app/logging.hpp"
#include "app/version.hpp"
#include "config/config.hpp"

namespace mw::app {
namespace {

int report_config_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  std::fprintf(stderr, "memberwatchd: %zu configuration error%s\n", errors.size(),
               errors.size() == 1 ? "" : "s");
  return kExitConfig;
}

}  // namespace

int run(const CliOptions& options) {
  if (options.show_help) {
    std::printf("%s", usage_text().c_str());
    return kExitOk;
  }
  if (options.show_version) {
    std::printf("memberwatchd %s\n", kVersion);
    return kExitOk;
  }
  const auto loaded = config::load_config_file(options.config_path);
  if (!loaded.config) return report_config_errors(loaded.errors);
  const auto& config = *loaded.config;
  if (options.check_config) {
    std::printf("%s: configuration ok: %s\n", options.config_path.c_str(), config::summarize(config).c_str());
    return kExitOk;
  }
  const auto level = parse_log_level(options.log_level.value_or(config.log_level));
  setup_logging(std::getenv("JOURNAL_STREAM") != nullptr, level.value_or(spdlog::level::info));
  spdlog::info("memberwatchd starting version={} config={} {}", kVersion, options.config_path,
               config::summarize(config));
  spdlog::error("polling is not part of this build yet");
  return kExitFailure;
}

}  // namespace mw::app
