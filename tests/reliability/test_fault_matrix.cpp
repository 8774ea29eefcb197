// The fault matrix: every fault fake-aws can inject, at 20 % of requests,
// alone and all together, over MW_FAULT_CYCLES cycles run back to back after
// one faultless cycle. Every cycle must finish, write a snapshot that parses
// and keep every membership the faultless cycle reported (stale where its
// source failed); the changes log must not move.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "reliability_support.hpp"
#include "server.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"

#ifndef MW_FAULT_CYCLES
#define MW_FAULT_CYCLES 10
#endif

namespace mw::reliability {
namespace {

using std::chrono::milliseconds;

struct Scenario {
  std::string faults_yaml;                 // the world's faults: list
  std::vector<std::string> logged_faults;  // fault names the request log must show
  milliseconds request_timeout{2000};
  bool expect_timeouts = false;  // the latency spikes: RequestTimeout retries must happen
  bool expect_retries = true;    // a trickled body arrives whole: nothing to retry
};

app::RuntimeHooks quick_clients(milliseconds request_timeout) {
  app::RuntimeHooks hooks;
  hooks.tune_clients = [request_timeout](aws::HttpClientOptions& http, aws::AwsClientOptions& client) {
    http.request_timeout = request_timeout;
    http.connect_timeout = milliseconds(1000);
    // Backoff as the SDKs do it, scaled down so 50 cycles stay short.
    client.retry.base_delay = milliseconds(5);
    client.retry.max_backoff = milliseconds(40);
  };
  return hooks;
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void run_matrix_row(const Scenario& scenario) {
  test::TempFolder dir("faults");
  fake_aws::Server server(fake_aws::parse_world(small_world()));
  server.start();
  const auto config = make_config(small_config(dir.path() / "state"), dir.path());
  CycleDriver driver(config, aws::env_from_map(fake_aws_environment(server.endpoint_url())),
                     quick_clients(scenario.request_timeout));
  const auto snapshot_path = dir.path() / "state" / "snapshot.json";
  const auto changes_path = dir.path() / "state" / "changes.jsonl";

  const auto clean = driver.cycle();
  REQUIRE(clean.written);
  REQUIRE(clean.complete);
  const auto reference = load_snapshot_file(snapshot_path);
  REQUIRE(reference.memberships.size() > 40);
  const auto changes_after_clean = line_count(read_file(changes_path));
  REQUIRE(changes_after_clean == reference.memberships.size());

  server.emulator().set_world(fake_aws::parse_world(small_world(scenario.faults_yaml)));
  server.emulator().clear_request_log();
  std::uint64_t retries = 0;
  int cycles_with_failed_sources = 0;
  for (int cycle = 1; cycle <= MW_FAULT_CYCLES; ++cycle) {
    CAPTURE(cycle);
    const auto outcome = driver.cycle();
    REQUIRE(outcome.written);
    const auto snapshot = load_snapshot_file(snapshot_path);
    REQUIRE(snapshot.generated_at >= reference.generated_at);
    retries += snapshot.cycle.retries;
    const auto problems = membership_problems(reference, snapshot);
    for (const auto& problem : problems) INFO(problem);
    REQUIRE_MESSAGE(problems.empty(), problems.size()
                                          << " memberships lost or wrong, first: " << problems.front());
    bool failed = false;
    for (const auto& source : snapshot.sources) {
      if (source.state == core::SourceState::ok) continue;
      failed = true;
      CHECK(source.state == core::SourceState::stale);
      REQUIRE(source.error.has_value());
      CHECK_FALSE(source.error->code.empty());
      CHECK_FALSE(source.error->message.empty());
      CHECK(source.last_success_at.has_value());
    }
    if (failed) ++cycles_with_failed_sources;
    CHECK(outcome.complete == !failed);
  }
  // Faults never change a status: no line may have joined the changes log.
  CHECK(line_count(read_file(changes_path)) == changes_after_clean);
  CHECK((retries > 0) == scenario.expect_retries);
  const auto log = server.request_log();
  for (const auto& name : scenario.logged_faults) {
    CAPTURE(name);
    CHECK(std::any_of(log.begin(), log.end(), [&](const auto& entry) { return entry.fault == name; }));
  }
  if (scenario.expect_timeouts) {
    std::uint64_t timeouts = 0;
    for (const auto& [key, count] : driver.runtime().client().stats().retries())
      if (key.second == "timeout") timeouts += count;
    CHECK(timeouts > 0);
  }
  MESSAGE("cycles=" << MW_FAULT_CYCLES << " requests=" << log.size() << " retries=" << retries
                    << " cycles_with_failed_sources=" << cycles_with_failed_sources);
}

// Latency spikes: uniform in [0, 125) ms against a 100 ms request timeout,
// so 20 % of requests time out.
constexpr milliseconds kSpikeTimeout{100};

}  // namespace

TEST_CASE("fault matrix: 5xx at 20%") {
  run_matrix_row({"  - {error_rate: 0.2}\n", {"error"}});
}

TEST_CASE("fault matrix: connection reset at 20%") {
  run_matrix_row({"  - {reset_rate: 0.2}\n", {"reset"}});
}

TEST_CASE("fault matrix: truncated body at 20%") {
  run_matrix_row({"  - {truncate_rate: 0.2}\n", {"truncate"}});
}

TEST_CASE("fault matrix: malformed JSON at 20%") {
  run_matrix_row({"  - {malformed_rate: 0.2}\n", {"malformed"}, milliseconds(2000), false, false});
}

TEST_CASE("fault matrix: trickling body at 20%") {
  // Ten pieces 30 ms apart: slow, but inside the request timeout.
  run_matrix_row(
      {"  - {trickle_rate: 0.2, trickle_ms: 30}\n", {"trickle"}, milliseconds(2000), false, false});
}

TEST_CASE("fault matrix: throttling at 20%") {
  run_matrix_row({"  - {throttle_rate: 0.2}\n", {"throttle"}});
}

TEST_CASE("fault matrix: latency spikes past the request timeout at 20%") {
  run_matrix_row({"  - {jitter_ms: 125}\n", {}, kSpikeTimeout, true});
}

TEST_CASE("fault matrix: every fault together") {
  run_matrix_row(
      {"  - {error_rate: 0.2, reset_rate: 0.2, truncate_rate: 0.2, malformed_rate: 0.2, trickle_rate: 0.2,"
       " trickle_ms: 5, throttle_rate: 0.2, jitter_ms: 125}\n",
       {"error", "reset", "truncate", "malformed", "trickle", "throttle"},
       kSpikeTimeout,
       true});
}

}  // namespace mw::reliability
