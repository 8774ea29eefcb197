// SIGKILL at random moments: the real memberwatchd, daemon mode, cycles
// back to back (SIGUSR1 every few milliseconds) so kills land in polling,
// in the snapshot write and in the changes append alike. Between runs one
// membership flips status, so every restart has one change to log.
//
// After each kill: the snapshot parses, is byte-identical to its own
// re-serialization (a complete write, never a torn one), is no older than
// the one before, and holds exactly the memberships of the world; every
// line of the changes log but a torn last one parses. At the end: nothing
// was logged that did not happen (no spurious changes), and a daemon left
// running repairs the torn line and logs nothing new for a stable world.

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "reliability_support.hpp"
#include "server.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"

#ifndef MW_CRASH_KILLS
#define MW_CRASH_KILLS 25
#endif

namespace mw::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The membership that flips between runs.
constexpr std::string_view kFlipAccount = "300000000009";

fake_aws::World flipped_world(bool enabled) {
  auto world = fake_aws::parse_world(small_world());
  for (auto& member :
       world.administrators[0].regions.at("us-east-1").at(fake_aws::Service::securityhub).members)
    if (member.account_id == kFlipAccount) member.status = enabled ? "Enabled" : "Invited";
  return world;
}

struct ChangesLog {
  std::vector<core::MembershipChange> changes;
  bool torn_tail = false;
};

// REQUIREs that every complete line parses.
ChangesLog read_changes(const fs::path& path) {
  ChangesLog log;
  const auto text = read_file(path);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    if (end == std::string::npos) {
      log.torn_tail = true;  // a crash inside the append: allowed once, at the end
      break;
    }
    const auto line = std::string_view(text).substr(at, end - at);
    auto parsed = store::parse_change_line(line);
    REQUIRE_MESSAGE(parsed.value.has_value(),
                    "changes log line does not parse: " << line << ": " << parsed.error);
    log.changes.push_back(std::move(*parsed.value));
    at = end + 1;
  }
  return log;
}

std::set<MembershipKey> keys_of(const core::Snapshot& snapshot) {
  std::set<MembershipKey> keys;
  for (const auto& m : snapshot.memberships) keys.insert(key_of(m));
  return keys;
}

// Every change must be a first appearance (from null, once per key) or a
// flip of kFlipAccount's Security Hub status; flips at most one per run.
void check_no_spurious_changes(const ChangesLog& log, std::size_t runs) {
  std::set<MembershipKey> appeared;
  std::size_t flips = 0;
  for (const auto& change : log.changes) {
    const MembershipKey key{change.account_id, change.service, change.region, change.administrator_id};
    CAPTURE(change.account_id);
    REQUIRE(change.to.has_value());
    if (!change.from) {
      CHECK_MESSAGE(appeared.insert(key).second, "the same membership appeared twice");
      continue;
    }
    CHECK(change.account_id == kFlipAccount);
    CHECK(change.service == core::Service::securityhub);
    CHECK(*change.from != *change.to);
    ++flips;
  }
  CHECK(flips <= runs);
}

}  // namespace

TEST_CASE("crash consistency: SIGKILL at random moments") {
  test::TempFolder dir("crash");
  fake_aws::Server server(flipped_world(false));
  server.start();
  const auto state = dir.path() / "state";
  const auto config_path = dir.path() / "memberwatch.yaml";
  write_file(config_path, small_config(state, "health:\n  listen: \"\"\n"));
  const auto snapshot_path = state / "snapshot.json";
  const auto changes_path = state / "changes.jsonl";
  const auto env = fake_aws_environment(server.endpoint_url());
  auto start = [&] {
    return std::make_unique<DaemonProcess>(DaemonProcess::Options{{"--config", config_path.string()}, env});
  };

  // A first run, to learn how long start-up plus one cycle takes.
  std::set<MembershipKey> expected_keys;
  std::chrono::milliseconds first_cycle{};
  {
    const auto started = std::chrono::steady_clock::now();
    auto daemon = start();
    REQUIRE_MESSAGE(daemon->wait_for_log("cycle finished", 1, 60s), daemon->log());
    first_cycle =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    daemon->kill_and_reap();
    expected_keys = keys_of(load_snapshot_file(snapshot_path));
  }

  std::mt19937 random(20261121);
  std::uniform_int_distribution<int> delay_ms(0, static_cast<int>(first_cycle.count() * 3));
  std::string last_generated_at;
  bool flip = false;
  int kills_with_torn_tail = 0;
  for (int run = 1; run <= MW_CRASH_KILLS; ++run) {
    CAPTURE(run);
    flip = !flip;
    server.emulator().set_world(flipped_world(flip));
    server.emulator().clear_request_log();
    auto daemon = start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(random));
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(3ms);
      daemon->signal(SIGUSR1);  // cycles back to back, so kills often land in a write
    }
    daemon->kill_and_reap();

    const auto text = read_file(snapshot_path);
    auto parsed = store::parse_snapshot(text);
    REQUIRE_MESSAGE(parsed.value.has_value(), "snapshot after kill does not parse: " << parsed.error);
    CHECK_MESSAGE(store::serialize(*parsed.value) == text, "the snapshot on disk is not a complete write");
    CHECK(parsed.value->generated_at >= last_generated_at);
    last_generated_at = parsed.value->generated_at;
    CHECK(keys_of(*parsed.value) == expected_keys);
    const auto log = read_changes(changes_path);
    if (log.torn_tail) ++kills_with_torn_tail;
  }

  // A daemon that is not killed: it repairs a torn tail, logs the last flip
  // at most once, then nothing more while the world stays as it is.
  auto daemon = start();
  REQUIRE(daemon->wait_for_log("cycle finished", 1, 60s));
  daemon->signal(SIGUSR1);
  REQUIRE(daemon->wait_for_log("cycle finished", 2, 60s));
  const auto settled = read_changes(changes_path);
  daemon->signal(SIGUSR1);
  REQUIRE(daemon->wait_for_log("cycle finished", 3, 60s));
  daemon->signal(SIGTERM);
  REQUIRE(daemon->wait(30s).has_value());
  const auto final_log = read_changes(changes_path);
  CHECK_FALSE(final_log.torn_tail);
  CHECK(final_log.changes.size() == settled.changes.size());
  check_no_spurious_changes(final_log, static_cast<std::size_t>(MW_CRASH_KILLS) + 1);
  const auto snapshot = load_snapshot_file(snapshot_path);
  for (const auto& m : snapshot.memberships) {
    if (m.account_id == kFlipAccount && m.source->service == core::Service::securityhub &&
        m.source->region == "us-east-1")
      CHECK(m.status == (flip ? core::MemberStatus::ENABLED : core::MemberStatus::INVITED));
  }
  // Temporary files of killed writes are cleaned up at start.
  for (const auto& entry : fs::directory_iterator(state)) {
    const auto name = entry.path().filename().string();
    CHECK_MESSAGE((name == "snapshot.json" || name == "changes.jsonl"), "left behind: " << name);
  }
  MESSAGE("kills=" << MW_CRASH_KILLS << " first_cycle_ms=" << first_cycle.count()
                   << " kills_with_torn_changes_tail=" << kills_with_torn_tail);
}

}  // namespace mw::reliability
