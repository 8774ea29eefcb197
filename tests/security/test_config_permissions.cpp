// The real memberwatchd refuses a configuration file that other users may
// write (as sshd does): exit 78 with a clear error, in daemon mode, with
// --once and with --check-config alike.

#include <sys/stat.h>

#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "security_support.hpp"
#include "support/test_files.hpp"

namespace fs = std::filesystem;
using namespace mw;

namespace {

std::string config_text(const fs::path& state_dir) {
  return "interval: 5m\nstate_dir: " + state_dir.string() +
         "\nhealth:\n  listen: \"\"\n"
         "administrators:\n  - name: tooling\n    account_id: \"111111111111\"\n";
}

const std::vector<std::string> kEnvironment{"HOME=/nonexistent", "PATH=/usr/bin:/bin",
                                            "AWS_EC2_METADATA_DISABLED=true"};

}  // namespace

TEST_CASE("a configuration file writable by other users is refused with exit 78 in every mode") {
  REQUIRE_MESSAGE(fs::exists(security::memberwatchd_path()), "build memberwatchd first");
  test::TempFolder dir("config-permissions");
  const fs::path config = dir.path() / "memberwatch.yaml";
  security::write_file(config, config_text(dir.path() / "state"));

  REQUIRE(::chmod(config.c_str(), 0640) == 0);
  const auto accepted =
      security::run_memberwatchd({"--config", config.string(), "--check-config"}, kEnvironment);
  INFO(accepted.output);
  REQUIRE(accepted.exit_code == 0);

  for (mode_t mode : {0666, 0642, 0602}) {
    REQUIRE(::chmod(config.c_str(), mode) == 0);
    for (const auto& mode_args : std::vector<std::vector<std::string>>{{"--check-config"}, {"--once"}, {}}) {
      std::vector<std::string> args{"--config", config.string()};
      args.insert(args.end(), mode_args.begin(), mode_args.end());
      const auto refused = security::run_memberwatchd(args, kEnvironment);
      INFO("mode " << std::oct << mode << " args " << (mode_args.empty() ? "(daemon)" : mode_args.front()));
      INFO(refused.output);
      CHECK(refused.exit_code == 78);
      CHECK(refused.output.find(config.string()) != std::string::npos);
      CHECK(refused.output.find("writable by other users") != std::string::npos);
    }
  }
  CHECK_FALSE(fs::exists(dir.path() / "state" / "snapshot.json"));
}
