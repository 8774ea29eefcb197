#include "app/daemon.hpp"

#include <cstdio>
#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "app/logging.hpp"
#include "app/runtime.hpp"
#include "app/service.hpp"
#include "app/version.hpp"
#include "aws/endpoints.hpp"
#include "config/config.hpp"

namespace mw::app {
namespace {

int report_config_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  std::fprintf(stderr, "memberwatchd: %zu configuration error%s\n", errors.size(),
               errors.size() == 1 ? "" : "s");
  return kExitConfig;
}

int run_once(const config::Config& config) {
  boost::asio::io_context io;
  int exit_code = kExitFailure;
  try {
    Runtime runtime(io, config, aws::process_env());
    boost::asio::co_spawn(io, runtime.run_cycle(), [&](std::exception_ptr error, CycleOutcome outcome) {
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          spdlog::error("cycle failed error={}", e.what());
        }
        return;
      }
      exit_code = !outcome.written ? kExitFailure : outcome.complete ? kExitOk : kExitPartial;
    });
    io.run();
  } catch (const std::exception& e) {
    spdlog::error("cannot start error={}", e.what());
    return kExitFailure;
  }
  return exit_code;
}

int run_service(const CliOptions& options, const config::Config& config,
                std::shared_ptr<const health::LoadedWebConfig> web_config) {
  boost::asio::io_context io;
  try {
    ServiceOptions service_options{options.config_path, options.log_level};
    service_options.web_config = std::move(web_config);
    Service service(io, std::move(service_options), config, aws::process_env());
    return service.run();
  } catch (const std::exception& e) {
    spdlog::error("cannot start error={}", e.what());
    return kExitFailure;
  }
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
  // health.web_config_file, its certificates and keys: a configuration error at start too.
  auto web = load_web_config_of(config);
  if (!web.errors.empty()) return report_config_errors(web.errors);
  if (options.check_config) {
    std::printf("%s: configuration ok: %s\n", options.config_path.c_str(), config::summarize(config).c_str());
    return kExitOk;
  }
  const auto level = parse_log_level(options.log_level.value_or(config.log_level));
  setup_logging(std::getenv("JOURNAL_STREAM") != nullptr, level.value_or(spdlog::level::info));
  spdlog::info("memberwatchd starting version={} config={} {}", kVersion, options.config_path,
               config::summarize(config));
  return options.once ? run_once(config) : run_service(options, config, std::move(web.loaded));
}

}  // namespace mw::app
