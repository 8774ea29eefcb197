#include <doctest/doctest.h>

#include "core/changes.hpp"
#include "merge_fixtures.hpp"

using namespace mw::core;
using namespace mw::core::testing;

namespace {

const std::string kAcct1 = "222222222222";
const std::string kAcct2 = "333333333333";
const std::string kAcct3 = "444444444444";
const std::string kRegion = "us-east-1";

std::string text(const MembershipChange& change) {
  const auto status = [](const std::optional<MemberStatus>& s) {
    return s ? std::string(to_string(*s)) : std::string("null");
  };
  return change.at + " " + change.account_id + " " + std::string(to_string(change.service)) + " " +
         change.region + " " + change.administrator_id + " " + status(change.from) + "->" + status(change.to);
}

std::vector<std::string> texts(const std::vector<MembershipChange>& changes) {
  std::vector<std::string> out;
  for (const auto& change : changes) out.push_back(text(change));
  return out;
}

SourceSummary summary(SourceState state) {
  SourceSummary source;
  source.key = {kAdminA, Service::guardduty, kRegion};
  source.state = state;
  return source;
}

Membership gd(const std::string& account, MemberStatus status) {
  return record(account, Service::guardduty, kRegion, kAdminA, status);
}

}  // namespace

TEST_CASE("changes across three cycles: appeared, changed, vanished, and nothing spurious") {
  const MergeOptions options{
      {configured(kAdminA, Service::guardduty, kRegion), configured(kAdminA, Service::securityhub, kRegion)}};
  const auto first = merge(
      std::nullopt,
      cycle(0, {answered(kAdminA, Service::guardduty, kRegion,
                         {gd(kAcct1, MemberStatus::INVITED), gd(kAcct2, MemberStatus::ENABLED)}, minute(1)),
                answered(kAdminA, Service::securityhub, kRegion,
                         {record(kAcct1, Service::securityhub, kRegion, kAdminA, MemberStatus::ENABLED)},
                         minute(1))}),
      options);
  CHECK(texts(diff_changes(std::nullopt, first, "T1")) ==
        std::vector<std::string>{"T1 111111111111 guardduty us-east-1 111111111111 null->ADMINISTRATOR",
                                 "T1 111111111111 securityhub us-east-1 111111111111 null->ADMINISTRATOR",
                                 "T1 222222222222 guardduty us-east-1 111111111111 null->INVITED",
                                 "T1 222222222222 securityhub us-east-1 111111111111 null->ENABLED",
                                 "T1 333333333333 guardduty us-east-1 111111111111 null->ENABLED"});

  // Cycle 2: kAcct1 accepted, kAcct2 removed from the list, kAcct3 new,
  // Security Hub fails (its record is carried stale: no change).
  const auto second = merge(
      first,
      cycle(15, {answered(kAdminA, Service::guardduty, kRegion,
                          {gd(kAcct1, MemberStatus::ENABLED), gd(kAcct3, MemberStatus::CREATED)}, minute(16)),
                 failed(kAdminA, Service::securityhub, kRegion, minute(16))}),
      options);
  CHECK(texts(diff_changes(first, second, "T2")) ==
        std::vector<std::string>{"T2 222222222222 guardduty us-east-1 111111111111 INVITED->ENABLED",
                                 "T2 333333333333 guardduty us-east-1 111111111111 ENABLED->null",
                                 "T2 444444444444 guardduty us-east-1 111111111111 null->CREATED"});

  // Cycle 3: the same answers again and Security Hub back with the same status: no changes.
  const auto third = merge(
      second,
      cycle(30, {answered(kAdminA, Service::guardduty, kRegion,
                          {gd(kAcct1, MemberStatus::ENABLED), gd(kAcct3, MemberStatus::CREATED)}, minute(31)),
                 answered(kAdminA, Service::securityhub, kRegion,
                          {record(kAcct1, Service::securityhub, kRegion, kAdminA, MemberStatus::ENABLED)},
                          minute(31))}),
      options);
  CHECK(diff_changes(second, third, "T3").empty());

  // A snapshot compared with itself (a restart reading it back) has no changes.
  CHECK(diff_changes(third, third, "T4").empty());
}

TEST_CASE("a stale record is never a change, a failing source's records never vanish") {
  Snapshot previous;
  previous.sources.push_back(summary(SourceState::ok));
  previous.memberships = {gd(kAcct1, MemberStatus::ENABLED)};

  Snapshot next;
  next.sources.push_back(summary(SourceState::error));
  auto stale_new = gd(kAcct2, MemberStatus::ENABLED);
  stale_new.stale = true;
  next.memberships = {stale_new};  // appears stale (read back after a restart): not new
  CHECK(diff_changes(previous, next, "T").empty());

  next.sources[0].state = SourceState::ok;
  next.memberships.clear();
  const auto vanished = diff_changes(previous, next, "T");
  REQUIRE(vanished.size() == 1);
  CHECK_FALSE(vanished[0].to.has_value());
  CHECK(vanished[0].from == MemberStatus::ENABLED);
}

TEST_CASE("a stale record replaced by a fresh one with another status is a change") {
  Snapshot previous;
  auto carried = gd(kAcct1, MemberStatus::ENABLED);
  carried.stale = true;
  previous.memberships = {carried};
  Snapshot next;
  next.memberships = {gd(kAcct1, MemberStatus::REMOVED)};
  const auto changes = diff_changes(previous, next, "T");
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].from == MemberStatus::ENABLED);
  CHECK(changes[0].to == MemberStatus::REMOVED);
  CHECK(changes[0].at == "T");
}

TEST_CASE("a snapshot read from disk out of order or with a repeated record diffs like its sorted form") {
  Snapshot previous;
  previous.sources.push_back(summary(SourceState::ok));
  previous.memberships = {gd(kAcct3, MemberStatus::ENABLED), gd(kAcct1, MemberStatus::INVITED),
                          gd(kAcct2, MemberStatus::ENABLED), gd(kAcct1, MemberStatus::ENABLED)};
  Snapshot next;
  next.sources.push_back(summary(SourceState::ok));
  next.memberships = {gd(kAcct1, MemberStatus::ENABLED), gd(kAcct3, MemberStatus::ENABLED)};
  // kAcct1's first record (INVITED) is the one that counts, as when it was
  // read; kAcct2 vanished; kAcct3 did not change.
  CHECK(texts(diff_changes(previous, next, "T")) ==
        std::vector<std::string>{"T 222222222222 guardduty us-east-1 111111111111 INVITED->ENABLED",
                                 "T 333333333333 guardduty us-east-1 111111111111 ENABLED->null"});
}

TEST_CASE("for_each_change visits the records themselves, without copying them") {
  Snapshot next;
  next.memberships = {gd(kAcct1, MemberStatus::ENABLED), gd(kAcct2, MemberStatus::INVITED)};
  std::vector<const Membership*> visited;
  for_each_change(std::nullopt, next, [&](const Membership& record, auto from, auto to) {
    CHECK_FALSE(from.has_value());
    CHECK(to == record.status);
    visited.push_back(&record);
  });
  CHECK(visited == std::vector<const Membership*>{&next.memberships[0], &next.memberships[1]});
}

TEST_CASE("auto_enable_changes: a source's mode that changed, appeared or went, in source order") {
  const auto source = [](Service service, std::optional<std::string> mode) {
    SourceSummary summary;
    summary.key = {kAdminA, service, "us-east-1"};
    if (mode) summary.organization = SourceOrganization{*mode, "{}"};
    return summary;
  };
  Snapshot previous;
  previous.sources = {source(Service::detective, "NEW"), source(Service::guardduty, "ALL"),
                      source(Service::securityhub, std::nullopt)};
  Snapshot next;
  next.sources = {source(Service::detective, "NEW"), source(Service::guardduty, "NONE"),
                  source(Service::securityhub, "CENTRAL")};
  next.sources.push_back(source(Service::guardduty, "ALL"));
  next.sources.back().key.region = "eu-west-1";  // new: no change
  const auto changes = auto_enable_changes(previous, next);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0] == AutoEnableChange{{kAdminA, Service::guardduty, "us-east-1"}, "ALL", "NONE"});
  CHECK(changes[1] ==
        AutoEnableChange{{kAdminA, Service::securityhub, "us-east-1"}, std::nullopt, "CENTRAL"});
  CHECK(auto_enable_changes(next, next).empty());
}
