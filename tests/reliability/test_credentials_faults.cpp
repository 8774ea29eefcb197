// Credentials trouble: AssumeRole failing now and then, credentials that
// expire in the middle of a cycle, and an instance metadata service that
// does not answer. Each time the sources concerned report a clear error
// (code and message), keep their last records (stale), the others carry
// on, and the next cycle recovers.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>

#include "reliability_support.hpp"
#include "server.hpp"
#include "support/test_files.hpp"

namespace mw::reliability {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

app::RuntimeHooks quick_retries() {
  app::RuntimeHooks hooks;
  hooks.tune_clients = [](aws::HttpClientOptions& http, aws::AwsClientOptions& client) {
    http.request_timeout = 2s;
    client.retry.base_delay = 5ms;
    client.retry.max_backoff = 40ms;
  };
  return hooks;
}

std::vector<const core::SourceSummary*> sources_of(const core::Snapshot& snapshot,
                                                   std::string_view administrator) {
  std::vector<const core::SourceSummary*> found;
  for (const auto& source : snapshot.sources)
    if (source.key.administrator_id == administrator) found.push_back(&source);
  return found;
}

// Every source of `administrator` failed with an error naming `code_part`.
void check_failed(const core::Snapshot& snapshot, std::string_view administrator, std::string_view code_part,
                  core::SourceState state) {
  const auto sources = sources_of(snapshot, administrator);
  REQUIRE_FALSE(sources.empty());
  for (const auto* source : sources) {
    CAPTURE(source->key.region);
    CAPTURE(core::to_string(source->key.service));
    CHECK(source->state == state);
    REQUIRE(source->error.has_value());
    CHECK_MESSAGE(source->error->code.find(code_part) != std::string::npos, "code " << source->error->code);
    CHECK(source->error->message.size() > 10);
  }
}

void check_all_ok(const core::Snapshot& snapshot) {
  for (const auto& source : snapshot.sources) {
    CAPTURE(source.key.administrator_id);
    CHECK(source.state == core::SourceState::ok);
    CHECK_FALSE(source.error.has_value());
  }
}

fake_aws::World world_with_denied_role(bool denied) {
  auto world = fake_aws::parse_world(small_world());
  for (auto& role : world.roles)
    if (role.account_id() == kAdministrator) role.denied = denied;
  return world;
}

fake_aws::World world_with_failing_sts() {
  auto world = fake_aws::parse_world(small_world());
  fake_aws::Fault fault;
  fault.service = fake_aws::Service::sts;
  fault.operation = "AssumeRole";
  fault.error_rate = 1;
  world.faults.push_back(fault);
  return world;
}

}  // namespace

TEST_CASE("credentials: AssumeRole failing intermittently") {
  test::TempFolder dir("assume-role");
  fake_aws::Server server(world_with_denied_role(true));
  server.start();
  const auto config = make_config(small_config(dir.path() / "state"), dir.path());
  const auto env = aws::env_from_map(fake_aws_environment(server.endpoint_url()));
  const auto snapshot_path = dir.path() / "state" / "snapshot.json";

  SUBCASE("in one daemon: failures are not cached, the next cycle assumes the role") {
    CycleDriver driver(config, env, quick_retries());
    CHECK(driver.cycle().written);
    auto snapshot = load_snapshot_file(snapshot_path);
    check_failed(snapshot, kAdministrator, "AccessDenied", core::SourceState::error);
    for (const auto* source : sources_of(snapshot, kSecondAdministrator))
      CHECK(source->state == core::SourceState::ok);

    server.emulator().set_world(world_with_failing_sts());  // 5xx on every attempt
    CHECK(driver.cycle().written);
    check_failed(load_snapshot_file(snapshot_path), kAdministrator, "", core::SourceState::error);

    server.emulator().set_world(world_with_denied_role(false));
    const auto recovered = driver.cycle();
    CHECK(recovered.complete);
    check_all_ok(load_snapshot_file(snapshot_path));
  }

  SUBCASE("across restarts: each run that cannot assume the role keeps the last records") {
    server.emulator().set_world(world_with_denied_role(false));
    const auto reference = [&] {
      CycleDriver driver(config, env, quick_retries());
      REQUIRE(driver.cycle().complete);
      return load_snapshot_file(snapshot_path);
    }();
    std::mt19937 random(7);
    int failures = 0;
    for (int run = 0; run < 12; ++run) {
      CAPTURE(run);
      const int mode = static_cast<int>(random() % 3);  // 0: fine, 1: denied, 2: STS 5xx
      server.emulator().set_world(mode == 0   ? world_with_denied_role(false)
                                  : mode == 1 ? world_with_denied_role(true)
                                              : world_with_failing_sts());
      CycleDriver driver(config, env, quick_retries());
      const auto outcome = driver.cycle();
      CHECK(outcome.written);
      const auto snapshot = load_snapshot_file(snapshot_path);
      const auto problems = membership_problems(reference, snapshot);
      CHECK_MESSAGE(problems.empty(), problems.front());
      if (mode == 0) {
        CHECK(outcome.complete);
        check_all_ok(snapshot);
        continue;
      }
      ++failures;
      // Both administrators assume a role: STS trouble hits both, a denial only the denied one.
      check_failed(snapshot, kAdministrator, mode == 1 ? "AccessDenied" : "", core::SourceState::stale);
      if (mode == 1)
        for (const auto* source : sources_of(snapshot, kSecondAdministrator))
          CHECK(source->state == core::SourceState::ok);
    }
    CHECK(failures > 0);
  }
}

TEST_CASE("credentials: expiring in the middle of a cycle") {
  test::TempFolder dir("expiry");
  // fake-aws's clock jumps 65 minutes ahead (past the 1-hour session) after
  // the first few requests of the armed cycle: from then on it answers
  // ExpiredToken to the session memberwatchd holds.
  auto offset = std::make_shared<std::atomic<long long>>(0);
  auto armed_after = std::make_shared<std::atomic<int>>(-1);
  fake_aws::ServerOptions options;
  options.emulator.clock = [offset, armed_after] {
    if (armed_after->load() > 0 && --*armed_after == 0) offset->store(65 * 60);
    return fake_aws::Clock::now() + std::chrono::seconds(offset->load());
  };
  fake_aws::Server server(fake_aws::parse_world(small_world()), options);
  server.start();
  const auto config = make_config(small_config(dir.path() / "state"), dir.path());
  CycleDriver driver(config, aws::env_from_map(fake_aws_environment(server.endpoint_url())), quick_retries());
  const auto snapshot_path = dir.path() / "state" / "snapshot.json";

  REQUIRE(driver.cycle().complete);
  const auto reference = load_snapshot_file(snapshot_path);

  armed_after->store(4);
  const auto expired = driver.cycle();
  CHECK(expired.written);
  CHECK_FALSE(expired.complete);
  auto snapshot = load_snapshot_file(snapshot_path);
  int expired_sources = 0;
  for (const auto& source : snapshot.sources) {
    if (source.state == core::SourceState::ok) continue;
    CHECK(source.state == core::SourceState::stale);
    REQUIRE(source.error.has_value());
    CHECK_MESSAGE(source.error->code.find("Expired") != std::string::npos, "code " << source.error->code);
    CHECK(source.error->message.find("expired") != std::string::npos);
    ++expired_sources;
  }
  CHECK(expired_sources > 0);
  CHECK(membership_problems(reference, snapshot).empty());

  const auto recovered = driver.cycle();
  CHECK(recovered.complete);
  check_all_ok(load_snapshot_file(snapshot_path));
  CHECK(membership_problems(reference, load_snapshot_file(snapshot_path)).empty());
}

TEST_CASE("credentials: instance metadata unreachable, then back") {
  test::TempFolder dir("imds");
  // A listener that accepts (the kernel does) and never answers: the worst
  // kind of unreachable, each request runs into its timeout.
  const int blackhole = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(blackhole >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(blackhole, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(blackhole, 64) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(blackhole, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const auto port = ntohs(address.sin_port);
  const auto url = "http://127.0.0.1:" + std::to_string(port);

  auto env = fake_aws_environment(url);
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = url;
  const auto config = make_config(small_config(dir.path() / "state"), dir.path());
  CycleDriver driver(config, aws::env_from_map(env), quick_retries());
  const auto snapshot_path = dir.path() / "state" / "snapshot.json";

  const auto started = std::chrono::steady_clock::now();
  const auto unreachable = driver.cycle();
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < 30s);
  CHECK(unreachable.written);
  CHECK_FALSE(unreachable.complete);
  const auto snapshot = load_snapshot_file(snapshot_path);
  for (const auto& source : snapshot.sources) {
    CAPTURE(source.key.administrator_id);
    CHECK(source.state == core::SourceState::error);
    REQUIRE(source.error.has_value());
    CHECK(source.error->code == "NoCredentialProviders");
    CHECK(source.error->message.find("instance-metadata") != std::string::npos);
  }
  ::close(blackhole);

  // The instance metadata service (fake-aws serves it too) comes up on that port.
  auto world = fake_aws::parse_world(small_world());
  world.instance_profile = fake_aws::InstanceProfile{"memberwatch-ec2", "999999999999"};
  fake_aws::ServerOptions options;
  options.port = port;
  fake_aws::Server server(world, options);
  server.start();
  const auto recovered = driver.cycle();
  CHECK(recovered.complete);
  check_all_ok(load_snapshot_file(snapshot_path));
}

}  // namespace mw::reliability
