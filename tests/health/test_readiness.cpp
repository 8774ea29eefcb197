#include <doctest/doctest.h>

#include "health/readiness.hpp"

using namespace mw::health;
using namespace std::chrono_literals;

namespace {

const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'763'720'102)};

ReadinessInputs inputs(bool snapshot, std::optional<std::chrono::seconds> finished_ago) {
  ReadinessInputs result;
  result.snapshot_exists = snapshot;
  if (finished_ago) result.last_cycle_finished_at = kNow - *finished_ago;
  result.interval = 15min;
  result.now = kNow;
  return result;
}

}  // namespace

TEST_CASE("not ready without a snapshot, whatever the cycles") {
  auto readiness = evaluate_readiness(inputs(false, 10s));
  CHECK_FALSE(readiness.ready);
  CHECK(readiness.reason == "no snapshot has been written yet");
}

TEST_CASE("not ready before a cycle has finished") {
  auto readiness = evaluate_readiness(inputs(true, std::nullopt));
  CHECK_FALSE(readiness.ready);
  CHECK(readiness.reason == "no cycle has finished yet");
}

TEST_CASE("ready while the last finished cycle is younger than 3 x interval") {
  CHECK(evaluate_readiness(inputs(true, 0s)).ready);
  CHECK(evaluate_readiness(inputs(true, 44min + 59s)).ready);
  CHECK(evaluate_readiness(inputs(true, 44min + 59s)).reason.empty());
}

TEST_CASE("not ready once the last finished cycle is 3 x interval old or older") {
  auto at_limit = evaluate_readiness(inputs(true, 45min));
  CHECK_FALSE(at_limit.ready);
  CHECK(at_limit.reason == "the last cycle finished 2700s ago, not less than 3 x interval (2700s)");
  CHECK_FALSE(evaluate_readiness(inputs(true, 3h)).ready);
}

TEST_CASE("a finish time in the future (clock set back) counts as fresh") {
  CHECK(evaluate_readiness(inputs(true, -10min)).ready);
}

TEST_CASE("readiness JSON carries the status and, when not ready, the reason") {
  CHECK(readiness_json({true, ""}) == R"({"status":"ready"})");
  CHECK(readiness_json({false, "no \"cycle\" yet"}) ==
        R"({"status":"not ready","reason":"no \"cycle\" yet"})");
}

TEST_CASE("not ready while the last cycle's state could not be written, with the reason") {
  auto failing = inputs(true, 10s);
  failing.state_write_error = "changes: write /var/lib/memberwatch/changes.jsonl: No space left on device";
  const auto readiness = evaluate_readiness(failing);
  CHECK_FALSE(readiness.ready);
  CHECK(readiness.reason ==
        "the last cycle's state could not be written: changes: write /var/lib/memberwatch/changes.jsonl: No "
        "space left on device");
  CHECK(readiness_json(readiness).find("No space left on device") != std::string::npos);
  failing.state_write_error.clear();
  CHECK(evaluate_readiness(failing).ready);
}
