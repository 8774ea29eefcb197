// How the cycle talks to AWS, seen from fake-aws's request log: GetMembers
// batching, ListMembers pagination, retries of throttled and failed first
// attempts, and cycle_timeout.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "harness.hpp"
#include "support/test_files.hpp"

using namespace mw;
using namespace mw::integration;
using core::Service;

namespace {

const char* kConfig = R"(
state_dir: state
concurrency: 16
aws:
  regions: [us-east-1]
  services: [securityhub, guardduty, detective]
  requests_per_second: 100
  max_attempts: 3
accounts:
  ids: @IDS@
administrators:
  - name: security-tooling
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/memberwatch-read
)";

std::string config_text(const std::vector<std::string>& ids = {}) {
  std::string list = "[";
  for (const auto& id : ids) list += (list.size() > 1 ? ", \"" : "\"") + id + "\"";
  return replace_all(kConfig, "@IDS@", list + "]");
}

const Service kServices[] = {Service::securityhub, Service::guardduty, Service::detective};

std::vector<fake_aws::RequestLogEntry> requests_of(const std::vector<fake_aws::RequestLogEntry>& log,
                                                   std::string_view service, std::string_view operation) {
  std::vector<fake_aws::RequestLogEntry> out;
  for (const auto& entry : log) {
    if (entry.service == service && entry.operation == operation) out.push_back(entry);
  }
  return out;
}

}  // namespace

TEST_CASE("GetMembers: batches of at most 50, as few as possible, each account asked once") {
  mw::test::TempFolder dir;
  FakeAws aws(members_world(120));
  // Three expected accounts no service lists join the universe: 123 accounts.
  const std::vector<std::string> extra = {"500000000001", "500000000002", "500000000003"};
  const auto config = make_config(config_text(extra), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);

  const auto log = aws.requests();
  for (auto service : kServices) {
    const std::string name(core::to_string(service));
    CAPTURE(name);
    const auto batches = requests_of(log, name, "GetMembers");
    std::vector<int> sizes;
    for (const auto& batch : batches) {
      CHECK(batch.status == 200);
      REQUIRE(batch.batch_size.has_value());
      sizes.push_back(*batch.batch_size);
    }
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<int>{23, 50, 50});
    // Every account of the universe got a record: 120 members, 3 NOT_MEMBER,
    // and the administrator's own account.
    const auto* source = find_source(daemon.snapshot(), "111111111111", service, "us-east-1");
    REQUIRE(source != nullptr);
    CHECK(source->members == 121);
    CHECK(source->not_members == 3);
  }
  for (const auto& id : extra) {
    const auto* m = find_membership(daemon.snapshot(), id, Service::guardduty, "us-east-1", "111111111111");
    REQUIRE(m != nullptr);
    CHECK(m->status == core::MemberStatus::NOT_MEMBER);
    CHECK_FALSE(m->raw_status.empty());
  }
  CHECK(daemon.snapshot().totals.accounts == 124);  // and the administrator's own
  CHECK(daemon.snapshot().totals.covered == 121);
}

TEST_CASE("GetMembers: exactly 50 accounts are one batch, 51 are two") {
  for (int members : {50, 51}) {
    CAPTURE(members);
    mw::test::TempFolder dir;
    FakeAws aws(members_world(members));
    const auto config = make_config(config_text(), dir.path());
    Daemon daemon(config, aws.endpoint_url());
    REQUIRE(daemon.cycle().complete);
    for (auto service : kServices) {
      const auto batches = requests_of(aws.requests(), core::to_string(service), "GetMembers");
      CHECK(batches.size() == (members == 50 ? 1u : 2u));
    }
  }
}

TEST_CASE("ListMembers: every page is read and every member arrives") {
  mw::test::TempFolder dir;
  const int kMembers =
      230;  // more than one page in every service (GuardDuty and Security Hub 50, Detective 200)
  FakeAws aws(members_world(kMembers));
  const auto config = make_config(config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);

  const auto log = aws.requests();
  for (auto service : kServices) {
    const std::string name(core::to_string(service));
    CAPTURE(name);
    const auto pages = requests_of(log, name, "ListMembers");
    CHECK(pages.size() >= 2);
    for (const auto& page : pages) CHECK(page.status == 200);
    std::size_t enabled = 0;
    for (const auto& m : daemon.snapshot().memberships) {
      if (m.source->service != service || m.status == core::MemberStatus::ADMINISTRATOR) continue;
      CHECK(m.status == core::MemberStatus::ENABLED);
      CHECK_FALSE(m.stale);
      ++enabled;
    }
    CHECK(enabled == kMembers);
    // Asked in GetMembers, so listed first: the batches cover them all.
    int asked = 0;
    for (const auto& batch : requests_of(log, name, "GetMembers")) asked += batch.batch_size.value_or(0);
    CHECK(asked == kMembers);
  }
  for (int i = 1; i <= kMembers; ++i) {
    const auto* account = find_account(daemon.snapshot(), member_account(i));
    REQUIRE(account != nullptr);
    CHECK(account->covered);
  }
}

TEST_CASE("throttled, failed and reset first attempts are retried and the cycle completes") {
  mw::test::TempFolder dir;
  FakeAws aws(members_world(60, R"(faults:
  - {service: guardduty, operation: GetMembers, throttle_rate: 1, count: 1}
  - {service: securityhub, operation: ListMembers, error_rate: 1, count: 1}
  - {service: detective, operation: GetMembers, error_rate: 1, count: 1}
  - {service: detective, operation: ListGraphs, reset_rate: 1, count: 1}
)"));
  const auto config = make_config(config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK(outcome.complete);
  const auto& snapshot = daemon.snapshot();
  CHECK(snapshot.cycle.complete);
  for (const auto& source : snapshot.sources) {
    CAPTURE(core::to_string(source.key.service));
    CHECK(source.state == core::SourceState::ok);
    CHECK_FALSE(source.error.has_value());
    CHECK(source.members == 61);  // and the administrator's own account
  }
  std::map<std::string, int> faults;
  for (const auto& entry : aws.requests()) {
    if (!entry.fault.empty()) ++faults[entry.service + "." + entry.operation + ":" + entry.fault];
  }
  CHECK(faults == std::map<std::string, int>{{"guardduty.GetMembers:throttle", 1},
                                             {"securityhub.ListMembers:error", 1},
                                             {"detective.GetMembers:error", 1},
                                             {"detective.ListGraphs:reset", 1}});
  CHECK(snapshot.cycle.retries == 4);
  CHECK(snapshot.cycle.throttled == 1);
  // The requests the client counts are the attempts fake-aws saw.
  CHECK(snapshot.cycle.requests == aws.requests().size());
  CHECK(outcome.summary.find("retries=4") != std::string::npos);
}

TEST_CASE("retries exhausted: only that source fails, and it never reports NOT_MEMBER") {
  mw::test::TempFolder dir;
  FakeAws aws(members_world(10, R"(faults:
  - {service: guardduty, operation: GetMembers, error_rate: 1}
)"));
  const auto config = make_config(config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);
  const auto& snapshot = daemon.snapshot();
  const auto* guardduty = find_source(snapshot, "111111111111", Service::guardduty, "us-east-1");
  REQUIRE(guardduty != nullptr);
  CHECK(guardduty->state == core::SourceState::error);
  REQUIRE(guardduty->error.has_value());
  CHECK(guardduty->error->code == "InternalServerErrorException");
  CHECK(guardduty->error->http_status == 500);
  CHECK(requests_of(aws.requests(), "guardduty", "GetMembers").size() == 3);  // max_attempts
  for (const auto& m : snapshot.memberships) CHECK(m.source->service != Service::guardduty);
  for (const auto& account : snapshot.accounts) {
    CAPTURE(account.account_id);
    CHECK(account.gaps.empty());
    REQUIRE(account.unknown.size() == 1);
    CHECK(account.unknown[0].service == Service::guardduty);
  }
}

TEST_CASE("cycle_timeout cuts a slow cycle: unfinished sources are marked, the snapshot is written") {
  mw::test::TempFolder dir;
  FakeAws aws(members_world(5));
  auto text = replace_all(config_text(), "concurrency: 16", "concurrency: 16\ncycle_timeout: 1");
  const auto config = make_config(text, dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().complete);
  const auto* before = find_source(daemon.snapshot(), "111111111111", Service::detective, "us-east-1");
  REQUIRE(before != nullptr);
  const auto last_success = before->last_success_at;
  REQUIRE(last_success.has_value());

  // Detective's GetMembers now answers after 30 s, far beyond the 1 s
  // cycle_timeout. (Its listing still answers: a listing that hangs holds
  // up the GetMembers of every source of the administrator, whose universe
  // it is part of.)
  aws.set_world(
      members_world(5, "faults:\n  - {service: detective, operation: GetMembers, latency_ms: 30000}\n"));
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = daemon.cycle();
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < std::chrono::seconds(10));
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);
  const auto& snapshot = daemon.snapshot();
  CHECK_FALSE(snapshot.cycle.complete);
  const auto* detective = find_source(snapshot, "111111111111", Service::detective, "us-east-1");
  REQUIRE(detective != nullptr);
  CHECK(detective->state == core::SourceState::stale);
  REQUIRE(detective->error.has_value());
  CHECK(detective->error->code == "CycleCancelled");
  CHECK(detective->last_success_at == last_success);
  for (const auto& m : snapshot.memberships) {
    if (m.source->service == Service::detective) CHECK(m.stale);
  }
  // Security Hub and GuardDuty finished within the time.
  for (auto service : {Service::securityhub, Service::guardduty}) {
    const auto* source = find_source(snapshot, "111111111111", service, "us-east-1");
    REQUIRE(source != nullptr);
    CHECK(source->state == core::SourceState::ok);
  }
  CHECK(snapshot_text(config).find("\"CycleCancelled\"") != std::string::npos);

  // Without earlier data the cut source is an error.
  mw::test::TempFolder fresh_dir;
  const auto fresh_config = make_config(text, fresh_dir.path());
  Daemon fresh(fresh_config, aws.endpoint_url());
  const auto fresh_outcome = fresh.cycle();
  REQUIRE(fresh_outcome.written);
  const auto* cut = find_source(fresh.snapshot(), "111111111111", Service::detective, "us-east-1");
  REQUIRE(cut != nullptr);
  CHECK(cut->state == core::SourceState::error);
  REQUIRE(cut->error.has_value());
  CHECK(cut->error->code == "CycleCancelled");
  CHECK_FALSE(cut->last_success_at.has_value());
}
