// What survives between cycles and restarts: stale carry-over of a source
// that starts failing, the changes log, a corrupt snapshot, and the accounts
// file re-read each cycle.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"

using namespace mw;
using namespace mw::integration;
using core::MemberStatus;
using core::Service;

namespace {

// Two administrators in us-east-1: 111111111111 with Security Hub and
// GuardDuty members, 222222222222 with GuardDuty members. `denied_222`
// makes 222222222222's role refuse AssumeRole.
std::string two_admin_world(bool denied_222) {
  return std::string(R"(credentials:
  - {access_key_id: AKIAMWDEMO0000000001, secret_access_key: memberwatch-demo-secret-access-key-00001,
     account_id: "999999999999"}
roles:
  - arn: arn:aws:iam::111111111111:role/memberwatch-read
  - arn: arn:aws:iam::222222222222:role/memberwatch-read
    denied: )") +
         (denied_222 ? "true" : "false") + R"(
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "300000000001", email: a@example.com, status: Enabled, updated_at: "2024-01-02T03:04:05Z"}
            - {account_id: "300000000002", email: b@example.com, status: Enabled}
        guardduty:
          detector_id: 11111111111111111111111111111101
          members:
            - {account_id: "300000000001", email: a@example.com, status: Enabled}
  - account_id: "222222222222"
    regions:
      us-east-1:
        guardduty:
          detector_id: 22222222222222222222222222222201
          members:
            - {account_id: "300000000002", email: b@example.com, status: Enabled, updated_at: "2024-05-06T07:08:09.123Z"}
            - {account_id: "300000000003", email: c@example.com, status: Invited}
)";
}

const char* kTwoAdminConfig = R"(
state_dir: state
aws: {regions: [us-east-1], services: [guardduty], max_attempts: 2}
administrators:
  - name: main
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/memberwatch-read
    services: [securityhub, guardduty]
  - name: legacy
    account_id: "222222222222"
    role_arn: arn:aws:iam::222222222222:role/memberwatch-read
)";

}  // namespace

TEST_CASE("after a restart, a source that now fails keeps its last records, marked stale") {
  mw::test::TempFolder dir;
  FakeAws aws(two_admin_world(false));
  const auto config = make_config(kTwoAdminConfig, dir.path());
  core::Snapshot first;
  {
    Daemon daemon(config, aws.endpoint_url());
    const auto outcome = daemon.cycle();
    REQUIRE(outcome.written);
    REQUIRE(outcome.complete);
    first = daemon.snapshot();
  }
  const auto* first_legacy = find_source(first, "222222222222", Service::guardduty, "us-east-1");
  REQUIRE(first_legacy != nullptr);
  REQUIRE(first_legacy->state == core::SourceState::ok);
  REQUIRE(first_legacy->members == 3);  // 300000000002 ENABLED, 300000000003 INVITED, itself
  const auto changes_after_first = read_file(std::filesystem::path(config.state_dir) / "changes.jsonl");

  // Restart: 222222222222's role no longer trusts memberwatch.
  aws.set_world(two_admin_world(true));
  Daemon restarted(config, aws.endpoint_url());
  const auto outcome = restarted.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);
  const auto& snapshot = restarted.snapshot();
  const auto* legacy = find_source(snapshot, "222222222222", Service::guardduty, "us-east-1");
  REQUIRE(legacy != nullptr);
  CHECK(legacy->state == core::SourceState::stale);
  REQUIRE(legacy->error.has_value());
  CHECK(legacy->error->code == "AccessDenied");
  CHECK(legacy->last_success_at == first_legacy->last_success_at);
  CHECK(legacy->resource == first_legacy->resource);

  // Its records: the same as before, stale, nothing turned into NOT_MEMBER.
  for (const char* account : {"300000000002", "300000000003"}) {
    CAPTURE(account);
    const auto* before = find_membership(first, account, Service::guardduty, "us-east-1", "222222222222");
    const auto* now = find_membership(snapshot, account, Service::guardduty, "us-east-1", "222222222222");
    REQUIRE(before != nullptr);
    REQUIRE(now != nullptr);
    CHECK(now->stale);
    CHECK_FALSE(before->stale);
    CHECK(now->status == before->status);
    CHECK(now->raw_status == before->raw_status);
    CHECK(now->email == before->email);
    CHECK(now->updated_at == before->updated_at);
    CHECK(now->detail == before->detail);
  }
  // Its ENABLED stale record makes the pair unknown, not a gap.
  const auto* b = find_account(snapshot, "300000000002");
  REQUIRE(b != nullptr);
  // GuardDuty: 111111111111 answers NOT_MEMBER, 222222222222's stale record says ENABLED.
  CHECK(b->gaps.empty());
  REQUIRE(b->unknown.size() == 1);
  CHECK(b->unknown[0].service == Service::guardduty);
  // The other administrator answered as before.
  const auto* main = find_source(snapshot, "111111111111", Service::guardduty, "us-east-1");
  REQUIRE(main != nullptr);
  CHECK(main->state == core::SourceState::ok);
  // A stale carry-over is no change.
  CHECK(read_file(std::filesystem::path(config.state_dir) / "changes.jsonl") == changes_after_first);
  // On disk too.
  const auto text = snapshot_text(config);
  CHECK(text.find("\"state\": \"stale\"") != std::string::npos);
  CHECK(text.find("\"stale\": true") != std::string::npos);
}

namespace {

// One administrator, Security Hub us-east-1, members given as "ACCOUNT: Status" YAML list items.
std::string hub_world(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string world = std::string(kHubWorldHead);
  for (const auto& [account, status] : members) {
    world +=
        "            - {account_id: \"" + account + "\", email: x@example.com, status: " + status + "}\n";
  }
  return world;
}

const char* kHubConfig = R"(
state_dir: state
aws: {regions: [us-east-1], services: [securityhub]}
accounts: {ids: ["300000000003"]}
administrators:
  - {name: main, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)";

std::vector<core::MembershipChange> read_changes(const config::Config& config) {
  std::vector<core::MembershipChange> changes;
  std::ifstream in(std::filesystem::path(config.state_dir) / "changes.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto parsed = store::parse_change_line(line);
    REQUIRE_MESSAGE(parsed, parsed.error, " in ", line);
    changes.push_back(*parsed.value);
  }
  return changes;
}

struct Expected {
  std::string account;
  std::optional<MemberStatus> from;
  std::optional<MemberStatus> to;
};

void check_changes(const std::vector<core::MembershipChange>& all, std::size_t first,
                   const std::vector<Expected>& expected, const std::string& at) {
  REQUIRE(all.size() == first + expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& change = all[first + i];
    CAPTURE(change.account_id);
    CHECK(change.account_id == expected[i].account);
    CHECK(change.from == expected[i].from);
    CHECK(change.to == expected[i].to);
    CHECK(change.at == at);
    CHECK(change.service == Service::securityhub);
    CHECK(change.region == "us-east-1");
    CHECK(change.administrator_id == "111111111111");
  }
}

}  // namespace

TEST_CASE("changes.jsonl across three cycles records each transition once, and a restart adds none") {
  mw::test::TempFolder dir;
  const std::string a = "300000000001", b = "300000000002", c = "300000000003", d = "300000000004";
  FakeAws aws(hub_world({{a, "Enabled"}, {b, "Invited"}, {c, "Enabled"}}));
  const auto config = make_config(kHubConfig, dir.path());
  {
    Daemon daemon(config, aws.endpoint_url());
    REQUIRE(daemon.cycle().written);
    // The first snapshot: every record appears.
    check_changes(read_changes(config), 0,
                  {{"111111111111", std::nullopt, MemberStatus::ADMINISTRATOR},
                   {a, std::nullopt, MemberStatus::ENABLED},
                   {b, std::nullopt, MemberStatus::INVITED},
                   {c, std::nullopt, MemberStatus::ENABLED}},
                  daemon.snapshot().generated_at);

    // b accepts; c leaves Security Hub but is still expected: NOT_MEMBER.
    aws.set_world(hub_world({{a, "Enabled"}, {b, "Enabled"}}));
    REQUIRE(daemon.cycle().written);
    check_changes(read_changes(config), 4,
                  {{b, MemberStatus::INVITED, MemberStatus::ENABLED},
                   {c, MemberStatus::ENABLED, MemberStatus::NOT_MEMBER}},
                  daemon.snapshot().generated_at);

    // a leaves and is not expected: gone; d is new.
    aws.set_world(hub_world({{b, "Enabled"}, {d, "Created"}}));
    REQUIRE(daemon.cycle().written);
    check_changes(read_changes(config), 6,
                  {{a, MemberStatus::ENABLED, std::nullopt}, {d, std::nullopt, MemberStatus::CREATED}},
                  daemon.snapshot().generated_at);
    // An unchanged cycle adds nothing.
    REQUIRE(daemon.cycle().written);
    CHECK(read_changes(config).size() == 8);
  }
  // A restart over the same state: nothing spurious, real changes still seen.
  Daemon restarted(config, aws.endpoint_url());
  REQUIRE(restarted.cycle().written);
  CHECK(read_changes(config).size() == 8);
  aws.set_world(hub_world({{b, "Resigned"}, {d, "Created"}}));
  REQUIRE(restarted.cycle().written);
  check_changes(read_changes(config), 8, {{b, MemberStatus::ENABLED, MemberStatus::RESIGNED}},
                restarted.snapshot().generated_at);
}

TEST_CASE("between cycles the state is the snapshot on disk: the next cycle diffs against the file") {
  mw::test::TempFolder dir;
  const std::string a = "300000000001", b = "300000000002";
  FakeAws aws(hub_world({{a, "Enabled"}, {b, "Invited"}}));
  const auto config = make_config(kHubConfig, dir.path());
  const auto snapshot_file = std::filesystem::path(config.state_dir) / "snapshot.json";
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto first_snapshot = read_file(snapshot_file);
  const std::size_t first = read_changes(config).size();  // every record appeared
  REQUIRE(first >= 3);

  // b accepts: written with its change.
  aws.set_world(hub_world({{a, "Enabled"}, {b, "Enabled"}}));
  REQUIRE(daemon.cycle().written);
  REQUIRE(read_changes(config).size() == first + 1);

  // The first snapshot put back on disk (a restore from backup): the daemon
  // holds nothing of its own, so the next cycle sees b's change again.
  write_file(snapshot_file, first_snapshot);
  REQUIRE(daemon.cycle().written);
  const auto changes = read_changes(config);
  REQUIRE(changes.size() == first + 2);
  CHECK(changes.back().account_id == b);
  CHECK(changes.back().from == MemberStatus::INVITED);
  CHECK(changes.back().to == MemberStatus::ENABLED);

  // No snapshot on disk: every record is new again.
  std::filesystem::remove(snapshot_file);
  REQUIRE(daemon.cycle().written);
  CHECK(read_changes(config).size() == first + 2 + first);
}

TEST_CASE("a first cycle of thousands of members logs every one of them as appeared, in order") {
  mw::test::TempFolder dir;
  std::vector<std::pair<std::string, std::string>> members;
  for (int i = 0; i < 5000; ++i) members.emplace_back(std::to_string(300000000000 + i), "Enabled");
  FakeAws aws(hub_world(members) + "throttling: {securityhub: {rate: 0}}\n");
  const auto config = make_config(R"(
state_dir: state
aws: {regions: [us-east-1], services: [securityhub], requests_per_second: 1000}
administrators:
  - {name: main, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)",
                                  dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  // More changes than the runner appends at once (4096): none lost, none doubled.
  const auto changes = read_changes(config);
  REQUIRE(changes.size() == members.size() + 1);  // and the administrator's own account, first
  CHECK(changes[0].account_id == "111111111111");
  CHECK(changes[0].to == MemberStatus::ADMINISTRATOR);
  for (std::size_t i = 1; i < changes.size(); ++i) {
    REQUIRE(changes[i].account_id == members[i - 1].first);
    REQUIRE_FALSE(changes[i].from.has_value());
    REQUIRE(changes[i].to == MemberStatus::ENABLED);
  }
}

TEST_CASE("a corrupt snapshot on start is moved aside and the daemon starts fresh") {
  mw::test::TempFolder dir;
  FakeAws aws(hub_world({{"300000000001", "Enabled"}}));
  const auto config = make_config(kHubConfig, dir.path());
  std::filesystem::create_directories(config.state_dir);
  const std::string garbage = "{\"schema\": \"memberwatch.snapshot/v1\", \"generated_at\": tru";
  write_file(std::filesystem::path(config.state_dir) / "snapshot.json", garbage);

  LogCapture log;
  Daemon daemon(config, aws.endpoint_url());
  CHECK_FALSE(daemon.runtime().runner().store().load_previous().has_value());
  std::vector<std::filesystem::path> moved;
  for (const auto& entry : std::filesystem::directory_iterator(config.state_dir)) {
    if (entry.path().filename().string().rfind("snapshot.json.corrupt-", 0) == 0)
      moved.push_back(entry.path());
  }
  REQUIRE(moved.size() == 1);
  CHECK(read_file(moved[0]) == garbage);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(config.state_dir) / "snapshot.json"));
  const auto logged = log.text();
  CHECK(logged.find("[error]") != std::string::npos);
  CHECK(logged.find(moved[0].filename().string()) != std::string::npos);

  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);
  const auto reread = store::parse_snapshot(snapshot_text(config));
  REQUIRE_MESSAGE(reread, reread.error);
  // Fresh: every record is new in the changes log.
  const auto changes = read_changes(config);
  REQUIRE(changes.size() == 3);  // 111111111111 ADMINISTRATOR, 300000000001 ENABLED, 300000000003 NOT_MEMBER
  for (const auto& change : changes) CHECK_FALSE(change.from.has_value());
}

TEST_CASE("an accounts file with bad lines: good IDs join the universe, bad lines are logged and skipped") {
  mw::test::TempFolder dir;
  FakeAws aws(two_admin_world(false));
  const auto accounts_file = dir.path() / "accounts.txt";
  write_file(accounts_file,
             "# expected accounts\n"        // 1
             "500000000001\n"               // 2
             "  500000000002   # padded\n"  // 3
             "12345\n"                      // 4: too short
             "\n"                           // 5
             "5000000000031\n"              // 6: too long
             "500000000004 500000000005\n"  // 7: two on a line
             "50000000000x\n"               // 8
             "300000000001\n"               // 9: also a member
             "500000000001\n");             // 10: duplicate
  auto text = std::string(kTwoAdminConfig) + "accounts:\n  file: " + accounts_file.string() + "\n";
  const auto config = make_config(text, dir.path());

  LogCapture log;
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);
  const auto& snapshot = daemon.snapshot();

  for (const char* good : {"500000000001", "500000000002"}) {
    CAPTURE(good);
    const auto* account = find_account(snapshot, good);
    REQUIRE(account != nullptr);
    CHECK_FALSE(account->covered);
    CHECK(account->gaps.size() == 2);  // Security Hub and GuardDuty in us-east-1
    for (const auto& gap : account->gaps) CHECK(gap.status == MemberStatus::NOT_MEMBER);
    // In every source of every administrator's universe.
    for (const auto& source : snapshot.sources) {
      const auto* m =
          find_membership(snapshot, good, source.key.service, source.key.region, source.key.administrator_id);
      REQUIRE(m != nullptr);
      CHECK(m->status == MemberStatus::NOT_MEMBER);
    }
  }
  for (const char* bad :
       {"12345", "5000000000031", "500000000003", "500000000004", "500000000005", "50000000000x"}) {
    CAPTURE(bad);
    CHECK(find_account(snapshot, bad) == nullptr);
    CHECK(snapshot_text(config).find(bad) == std::string::npos);
  }
  const auto logged = log.text();
  for (int line : {4, 6, 7, 8}) {
    CAPTURE(line);
    CHECK(logged.find("accounts file line skipped file=" + accounts_file.string() +
                      " line=" + std::to_string(line) + " ") != std::string::npos);
  }
  for (int line : {1, 2, 3, 5, 9, 10}) {
    CAPTURE(line);
    CHECK(logged.find(" line=" + std::to_string(line) + " ") == std::string::npos);
  }

  // Re-read every cycle: a line fixed in the file counts at the next cycle.
  write_file(accounts_file, "500000000001\n500000000003\n");
  REQUIRE(daemon.cycle().written);
  CHECK(find_account(daemon.snapshot(), "500000000003") != nullptr);
  CHECK(find_account(daemon.snapshot(), "500000000002") == nullptr);
}
