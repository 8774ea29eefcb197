#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "health/memberwatch_metrics.hpp"

using namespace mw::health;

namespace {

struct PromtoolResult {
  int exit_code;
  std::string output;
};

std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');) {
    auto candidate = std::filesystem::path(folder) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// Runs `promtool check metrics` on `exposition`; fails the test (never
// skips) when promtool is missing, since CI must run this check.
PromtoolResult promtool_check(const std::string& exposition) {
  std::string promtool = find_promtool();
  REQUIRE_MESSAGE(!promtool.empty(), "promtool not found in PATH: install the Debian package 'prometheus'");
  auto folder = std::filesystem::temp_directory_path() / ("mw_promtool_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  auto input = folder / "metrics.txt";
  auto output = folder / "output.txt";
  std::ofstream(input, std::ios::binary) << exposition;
  std::string command = promtool + " check metrics < " + input.string() + " > " + output.string() + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream stream(output);
  std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(folder);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), text};
}

// The exposition after one cycle's worth of values.
std::string filled_exposition() {
  Registry registry;
  auto metrics = declare_memberwatch_metrics(registry, "0.1.0+g1234abc");
  metrics.cycles_total.increment({"complete"});
  metrics.cycle_duration_seconds.set(12.5);
  metrics.last_cycle_timestamp_seconds.set(1763720102.25);
  metrics.last_complete_cycle_timestamp_seconds.set(1763720102.25);
  metrics.source_up.set({"111111111111", "guardduty", "us-east-1"}, 1);
  metrics.source_up.set({"111111111111", "detective", "eu-west-1"}, 0);
  metrics.source_last_success_timestamp_seconds.set({"111111111111", "guardduty", "us-east-1"}, 1763720100);
  metrics.requests_total.increment({"guardduty", "ListMembers", "200"}, 4);
  metrics.requests_total.increment({"detective", "GetMembers", "AccessDeniedException"});
  metrics.request_duration_seconds.observe({"guardduty", "ListMembers"}, 0.042);
  metrics.request_duration_seconds.observe({"guardduty", "ListMembers"}, 75);
  metrics.retries_total.increment({"guardduty", "throttling"}, 2);
  metrics.members.set({"guardduty", "us-east-1", "ENABLED"}, 120);
  metrics.members.set({"guardduty", "us-east-1", "NOT_MEMBER"}, 5);
  metrics.accounts.set({"covered"}, 100);
  metrics.snapshot_write_timestamp_seconds.set(1763720102.5);
  metrics.snapshot_bytes.set(48213);
  return registry.render();
}

}  // namespace

TEST_CASE("every metric of the contract is declared with HELP and TYPE") {
  Registry registry;
  declare_memberwatch_metrics(registry, "1.2.3");
  std::string text = registry.render();
  CHECK(text.find("memberwatch_build_info{version=\"1.2.3\"} 1\n") != std::string::npos);
  CHECK(text.find("memberwatch_cycles_total{result=\"complete\"} 0\n") != std::string::npos);
  CHECK(text.find("memberwatch_cycles_total{result=\"partial\"} 0\n") != std::string::npos);
  CHECK(text.find("memberwatch_cycles_total{result=\"failed\"} 0\n") != std::string::npos);
  CHECK(text.find("memberwatch_accounts{coverage=\"gaps\"} 0\n") != std::string::npos);
  const std::pair<const char*, const char*> declared[] = {
      {"memberwatch_build_info", "gauge"},
      {"memberwatch_cycles_total", "counter"},
      {"memberwatch_cycle_duration_seconds", "gauge"},
      {"memberwatch_last_cycle_timestamp_seconds", "gauge"},
      {"memberwatch_last_complete_cycle_timestamp_seconds", "gauge"},
      {"memberwatch_source_up", "gauge"},
      {"memberwatch_source_last_success_timestamp_seconds", "gauge"},
      {"memberwatch_requests_total", "counter"},
      {"memberwatch_request_duration_seconds", "histogram"},
      {"memberwatch_retries_total", "counter"},
      {"memberwatch_members", "gauge"},
      {"memberwatch_accounts", "gauge"},
      {"memberwatch_snapshot_write_timestamp_seconds", "gauge"},
      {"memberwatch_snapshot_bytes", "gauge"},
  };
  std::string filled = filled_exposition();
  for (const auto& [name_binding, type] : declared) {
    const auto& name = name_binding;  // CAPTURE captures it: clang 14 captures no binding
    CAPTURE(name);
    CHECK(filled.find(std::string("# HELP ") + name + " ") != std::string::npos);
    CHECK(filled.find(std::string("# TYPE ") + name + " " + type + "\n") != std::string::npos);
  }
}

TEST_CASE("the values set through MemberwatchMetrics appear in the exposition") {
  std::string text = filled_exposition();
  CHECK(text.find("memberwatch_source_up{administrator_id=\"111111111111\",service=\"detective\","
                  "region=\"eu-west-1\"} 0\n") != std::string::npos);
  CHECK(
      text.find("memberwatch_request_duration_seconds_bucket{service=\"guardduty\",operation=\"ListMembers\","
                "le=\"0.05\"} 1\n") != std::string::npos);
  CHECK(
      text.find("memberwatch_request_duration_seconds_bucket{service=\"guardduty\",operation=\"ListMembers\","
                "le=\"60\"} 1\n") != std::string::npos);
  CHECK(
      text.find("memberwatch_request_duration_seconds_bucket{service=\"guardduty\",operation=\"ListMembers\","
                "le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(text.find("memberwatch_last_cycle_timestamp_seconds 1763720102.25\n") != std::string::npos);
}

TEST_CASE("promtool check metrics accepts the full exposition") {
  auto result = promtool_check(filled_exposition());
  INFO("promtool said: " << result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.empty());
}

TEST_CASE("promtool check metrics accepts the exposition right after start") {
  Registry registry;
  declare_memberwatch_metrics(registry, "1.2.3");
  auto result = promtool_check(registry.render());
  INFO("promtool said: " << result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("the promtool check does reject a bad exposition") {
  Registry registry;
  registry.add_counter("memberwatch_requests", "A counter without the _total suffix.");
  auto result = promtool_check(registry.render());
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("_total") != std::string::npos);
}
