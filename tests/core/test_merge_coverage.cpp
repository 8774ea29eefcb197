// The coverage rules of CONTRACT.md that keep false alarms out: the
// administrator's own account, inactive Organizations accounts, regions not
// enabled in the administrator's account, and a failing ListAccounts.

#include <doctest/doctest.h>

#include "core/changes.hpp"
#include "core/merge.hpp"
#include "merge_fixtures.hpp"

using namespace mw::core;
using namespace mw::core::testing;

namespace {

const std::string kUsEast = "us-east-1";
const std::string kEuWest = "eu-west-1";
const std::string kMember = "222222222222";
const std::string kOther = "333333333333";

OrganizationAccount org_account(const std::string& id, const std::string& name,
                                std::optional<std::string> state = "ACTIVE") {
  return {id, name, std::move(state)};
}

ConfiguredSource disabled(const std::string& admin, Service service, const std::string& region) {
  auto source = configured(admin, service, region);
  source.region_disabled = true;
  return source;
}

int records_of(const Snapshot& snapshot, const std::string& account) {
  int count = 0;
  for (const auto& m : snapshot.memberships) count += m.account_id == account ? 1 : 0;
  return count;
}

}  // namespace

TEST_CASE("the administrator's own account is ADMINISTRATOR and covered in each of its answering sources") {
  auto results =
      cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                         {record(kMember, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED),
                          record(kAdminA, Service::guardduty, kUsEast, kAdminA, MemberStatus::NOT_MEMBER,
                                 "Account 111111111111 is not a member")},
                         minute(1)),
                answered(kAdminA, Service::securityhub, kUsEast, {}, minute(1))});
  const auto snapshot = merge(std::nullopt, results,
                              {{configured(kAdminA, Service::guardduty, kUsEast),
                                configured(kAdminA, Service::securityhub, kUsEast)}});
  const auto* guardduty = find_record(snapshot, kAdminA, Service::guardduty, kUsEast, kAdminA);
  REQUIRE(guardduty != nullptr);
  CHECK(guardduty->status == MemberStatus::ADMINISTRATOR);
  CHECK(guardduty->raw_status == "ADMINISTRATOR");
  CHECK(guardduty->detail == R"({"detector_id":"guardduty-us-east-1"})");
  CHECK_FALSE(guardduty->stale);
  // Security Hub returned nothing for it (it was in no universe): its record is there all the same.
  const auto* securityhub = find_record(snapshot, kAdminA, Service::securityhub, kUsEast, kAdminA);
  REQUIRE(securityhub != nullptr);
  CHECK(securityhub->status == MemberStatus::ADMINISTRATOR);
  CHECK(securityhub->detail == "{}");
  CHECK(records_of(snapshot, kAdminA) == 2);  // the NOT_MEMBER GetMembers gave is replaced
  const auto* account = find_account(snapshot, kAdminA);
  REQUIRE(account != nullptr);
  CHECK(account->gaps.empty());
  CHECK(account->unknown.empty());
  CHECK(account->covered);
  CHECK(snapshot.totals.by_service_status.at("guardduty").at("ADMINISTRATOR") == 1);
  const auto* gd_source = find_source(snapshot, kAdminA, Service::guardduty, kUsEast);
  REQUIRE(gd_source != nullptr);
  CHECK(gd_source->members == 2);
  CHECK(gd_source->not_members == 0);
}

TEST_CASE(
    "another administrator's NOT_MEMBER for an administrator stays, a failed source's record goes stale") {
  const auto first = merge(
      std::nullopt,
      cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1)),
                answered(kAdminB, Service::guardduty, kUsEast,
                         {record(kAdminA, Service::guardduty, kUsEast, kAdminB, MemberStatus::NOT_MEMBER)},
                         minute(1))}),
      {{configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminB, Service::guardduty, kUsEast)}});
  const auto* theirs = find_record(first, kAdminA, Service::guardduty, kUsEast, kAdminB);
  REQUIRE(theirs != nullptr);
  CHECK(theirs->status == MemberStatus::NOT_MEMBER);
  const auto* own_b = find_record(first, kAdminB, Service::guardduty, kUsEast, kAdminB);
  REQUIRE(own_b != nullptr);
  CHECK(own_b->status == MemberStatus::ADMINISTRATOR);
  CHECK(find_account(first, kAdminA)->covered);  // its own source covers it
  CHECK(find_account(first, kAdminA)->gaps.empty());

  // Its own source fails: the ADMINISTRATOR record is kept stale, the pair unknown, never a gap.
  const auto second = merge(
      first,
      cycle(10, {failed(kAdminA, Service::guardduty, kUsEast, minute(11)),
                 answered(kAdminB, Service::guardduty, kUsEast,
                          {record(kAdminA, Service::guardduty, kUsEast, kAdminB, MemberStatus::NOT_MEMBER)},
                          minute(11))}),
      {{configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminB, Service::guardduty, kUsEast)}});
  const auto* kept = find_record(second, kAdminA, Service::guardduty, kUsEast, kAdminA);
  REQUIRE(kept != nullptr);
  CHECK(kept->status == MemberStatus::ADMINISTRATOR);
  CHECK(kept->stale);
  const auto* account = find_account(second, kAdminA);
  CHECK(account->gaps.empty());
  REQUIRE(account->unknown.size() == 1);
}

TEST_CASE("inactive Organizations accounts are never gaps or unknown, counted apart, memberships kept") {
  auto results =
      cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                         {record(kMember, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED),
                          record(kOther, Service::guardduty, kUsEast, kAdminA, MemberStatus::REMOVED)},
                         minute(1)),
                failed(kAdminA, Service::detective, kUsEast, minute(1))});
  const std::vector<std::string> states = {"SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"};
  std::vector<OrganizationAccount> accounts = {org_account(kAdminA, "admin"), org_account(kMember, "member"),
                                               org_account(kOther, "closed", "CLOSED")};
  for (std::size_t i = 0; i < states.size(); ++i) {
    accounts.push_back(org_account("44444444444" + std::to_string(i), "lifecycle", states[i]));
  }
  accounts.push_back(org_account("555555555555", "unknown state", "SOMETHING_NEW"));
  accounts.push_back(org_account("666666666666", "no state", std::nullopt));
  results.organization_accounts = accounts;
  results.organization_attempted_at = minute(0);
  const auto snapshot = merge(
      std::nullopt, results,
      {{configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminA, Service::detective, kUsEast)}});

  for (std::size_t i = 0; i < states.size(); ++i) {
    const auto* account = find_account(snapshot, "44444444444" + std::to_string(i));
    REQUIRE(account != nullptr);
    CHECK_MESSAGE(account->inactive, states[i]);
    CHECK_FALSE(account->covered);
    CHECK(account->gaps.empty());
    CHECK(account->unknown.empty());
    CHECK(account->organization_status == states[i]);
  }
  const auto* closed = find_account(snapshot, kOther);
  CHECK(closed->inactive);
  CHECK(closed->gaps.empty());
  CHECK(closed->findings.empty());
  const auto* removed = find_record(snapshot, kOther, Service::guardduty, kUsEast, kAdminA);
  REQUIRE(removed != nullptr);  // listed as AWS reports it
  CHECK(removed->status == MemberStatus::REMOVED);
  // An unknown or absent state is not inactive: those accounts can be gaps.
  CHECK_FALSE(find_account(snapshot, "555555555555")->inactive);
  CHECK_FALSE(find_account(snapshot, "555555555555")->gaps.empty());
  CHECK_FALSE(find_account(snapshot, "666666666666")->inactive);
  CHECK_FALSE(find_account(snapshot, "666666666666")->organization_status.has_value());
  CHECK_FALSE(find_account(snapshot, kMember)->inactive);
  CHECK(snapshot.totals.inactive == 5);
  CHECK(snapshot.totals.accounts == 9);
  REQUIRE(snapshot.organization.has_value());
  CHECK(snapshot.organization->state == SourceState::ok);
  CHECK(snapshot.organization->accounts == 9);
  CHECK(snapshot.organization->last_success_at == std::optional<std::string>("2026-11-21T10:00:00Z"));
}

TEST_CASE("region_disabled sources: no records, no gap, no unknown, not a failure") {
  const auto first =
      merge(std::nullopt,
            cycle(0, {answered(kAdminA, Service::guardduty, kEuWest,
                               {record(kMember, Service::guardduty, kEuWest, kAdminA, MemberStatus::ENABLED)},
                               minute(1))}),
            {{configured(kAdminA, Service::guardduty, kEuWest)}});
  CHECK(first.accounts.size() == 2);

  auto results = cycle(
      10,
      {answered(kAdminA, Service::guardduty, kUsEast,
                {record(kMember, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)}, minute(11))});
  const auto snapshot = merge(
      first, results,
      {{configured(kAdminA, Service::guardduty, kUsEast), disabled(kAdminA, Service::guardduty, kEuWest),
        disabled(kAdminB, Service::securityhub, kEuWest)}});
  const auto* source = find_source(snapshot, kAdminA, Service::guardduty, kEuWest);
  REQUIRE(source != nullptr);
  CHECK(source->state == SourceState::region_disabled);
  CHECK_FALSE(source->error.has_value());
  CHECK(source->members == 0);
  CHECK(find_record(snapshot, kMember, Service::guardduty, kEuWest, kAdminA) == nullptr);
  CHECK(snapshot.cycle.complete);
  const auto* member = find_account(snapshot, kMember);
  CHECK(member->covered);  // eu-west-1 is not a polled pair
  CHECK(member->gaps.empty());
  CHECK(member->unknown.empty());
  // A source of another administrator, not enabled there either, and nothing else in the pair.
  CHECK(find_source(snapshot, kAdminB, Service::securityhub, kEuWest)->state == SourceState::region_disabled);

  // Its records vanish in the changes log: the region is gone, not failing.
  const auto changes = diff_changes(first, snapshot, snapshot.generated_at);
  bool vanished = false;
  for (const auto& change : changes) {
    if (change.region == kEuWest && change.account_id == kMember && !change.to) vanished = true;
  }
  CHECK(vanished);
}

TEST_CASE(
    "a failed ListAccounts loses nothing: the last good list, stale, then ok again, no account change") {
  const auto sources = std::vector<ConfiguredSource>{configured(kAdminA, Service::guardduty, kUsEast)};
  const auto gd = [&](int at) {
    return answered(kAdminA, Service::guardduty, kUsEast,
                    {record(kMember, Service::guardduty, kUsEast, kAdminA, MemberStatus::NOT_MEMBER)},
                    minute(at));
  };
  auto answer = cycle(0, {gd(1)});
  answer.organization_accounts = {
      {org_account(kMember, "member"), org_account(kOther, "closing", "PENDING_CLOSURE")}};
  answer.organization_attempted_at = minute(0);
  const auto first = merge(std::nullopt, answer, {sources});

  auto failing = cycle(10, {gd(11)});
  failing.organization_error = SourceError{"AccessDeniedException", "denied", 400};
  failing.organization_attempted_at = minute(10);
  const auto second = merge(first, failing, {sources});
  REQUIRE(second.organization.has_value());
  CHECK(second.organization->state == SourceState::stale);
  CHECK(second.organization->accounts == 2);
  CHECK(second.organization->last_success_at == first.organization->last_success_at);
  CHECK(second.organization->last_attempt_at == std::optional<std::string>("2026-11-21T10:10:00Z"));
  REQUIRE(second.organization->error.has_value());
  CHECK(second.organization->error->code == "AccessDeniedException");
  CHECK_FALSE(second.cycle.complete);
  CHECK(find_account(second, kOther)->organization_status == "PENDING_CLOSURE");
  CHECK(find_account(second, kOther)->inactive);
  CHECK(find_account(second, kMember)->name == "member");
  CHECK(account_changes(first, second, second.generated_at).empty());

  const auto third = merge(second, answer, {sources});
  CHECK(third.organization->state == SourceState::ok);
  CHECK(account_changes(second, third, third.generated_at).empty());

  // With no list ever known: error, not stale.
  const auto alone = merge(std::nullopt, failing, {sources});
  CHECK(alone.organization->state == SourceState::error);
  CHECK(alone.organization->accounts == 0);
  // What the next cycle is told: the last good list, and nothing from an error.
  const auto known = last_known(second);
  REQUIRE(known.organization_accounts.has_value());
  CHECK(known.organization_accounts->size() == 2);
  CHECK_FALSE(last_known(alone).organization_accounts.has_value());
}

TEST_CASE("an account's lifecycle change is an account change, none when Organizations was off") {
  const auto sources = std::vector<ConfiguredSource>{configured(kAdminA, Service::guardduty, kUsEast)};
  auto before = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1))});
  before.organization_accounts = {{org_account(kMember, "m"), org_account(kOther, "o")}};
  auto after = cycle(10, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(11))});
  after.organization_accounts = {{org_account(kMember, "m", "SUSPENDED")}};
  const auto first = merge(std::nullopt, before, {sources});
  const auto second = merge(first, after, {sources});
  const auto changes = account_changes(first, second, "2026-11-21T10:10:12Z");
  REQUIRE(changes.size() == 2);
  CHECK(changes[0] == AccountChange{"2026-11-21T10:10:12Z", kMember, "ACTIVE", "SUSPENDED"});
  CHECK(changes[1] == AccountChange{"2026-11-21T10:10:12Z", kOther, "ACTIVE", std::nullopt});
  CHECK(account_changes(std::nullopt, second, "x").empty());
  const auto without = merge(
      std::nullopt, cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1))}), {sources});
  CHECK(account_changes(without, second, "x").empty());
}

TEST_CASE("administrators are listed sorted, one left without regions makes the cycle incomplete") {
  auto results = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1))});
  AdministratorSummary b{kAdminB,
                         "b",
                         "configured",
                         std::nullopt,
                         {},
                         RegionsFrom::discovered,
                         SourceError{"AccessDeniedException", "no ListRegions", 403}};
  AdministratorSummary a{kAdminA,     "a", "configured", std::nullopt, {kUsEast}, RegionsFrom::configured,
                         std::nullopt};
  results.administrators = {b, a};
  const auto snapshot = merge(std::nullopt, results, {{configured(kAdminA, Service::guardduty, kUsEast)}});
  REQUIRE(snapshot.administrators.size() == 2);
  CHECK(snapshot.administrators[0].account_id == kAdminA);
  CHECK(snapshot.administrators[1].regions_from == RegionsFrom::discovered);
  CHECK_FALSE(snapshot.cycle.complete);

  // With regions (the last discovered), an administrator's error leaves the cycle complete.
  results.administrators[0].regions = {kUsEast};
  results.administrators[0].regions_from = RegionsFrom::last_discovered;
  const auto with_regions =
      merge(std::nullopt, results, {{configured(kAdminA, Service::guardduty, kUsEast)}});
  CHECK(with_regions.cycle.complete);
  const auto known = last_known(with_regions);
  REQUIRE(known.discovered_regions.count(kAdminB) == 1);
  CHECK(known.discovered_regions.at(kAdminB) == std::vector<std::string>{kUsEast});
  CHECK(known.discovered_regions.count(kAdminA) == 0);  // configured, not discovered
}
