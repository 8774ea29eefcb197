#include <doctest/doctest.h>

#include <algorithm>

#include "core/merge.hpp"
#include "merge_fixtures.hpp"

using namespace mw::core;
using namespace mw::core::testing;

namespace {

const std::string kAcct1 = "222222222222";
const std::string kAcct2 = "333333333333";
const std::string kAcct3 = "444444444444";
const std::string kUsEast = "us-east-1";
const std::string kEuWest = "eu-west-1";

MergeOptions options_of(std::vector<ConfiguredSource> sources) {
  return MergeOptions{std::move(sources)};
}

// Admin A polls GuardDuty and Detective in us-east-1.
MergeOptions guardduty_and_detective() {
  return options_of(
      {configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminA, Service::detective, kUsEast)});
}

}  // namespace

TEST_CASE("an answering cycle: sources ok, sorted memberships, coverage, totals, cycle summary") {
  auto results = cycle(
      0, {
             answered(kAdminA, Service::guardduty, kUsEast,
                      {record(kAcct2, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED, "Enabled"),
                       record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED, "Enabled"),
                       record(kAcct3, Service::guardduty, kUsEast, kAdminA, MemberStatus::NOT_MEMBER,
                              "The request is rejected because the input detectorId is not owned by the "
                              "current account.")},
                      minute(1)),
             answered(kAdminA, Service::detective, kUsEast,
                      {record(kAcct1, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED),
                       record(kAcct2, Service::detective, kUsEast, kAdminA, MemberStatus::INVITED)},
                      minute(2)),
         });
  results.expected_accounts = {"555555555555"};
  const auto snapshot = merge(std::nullopt, results, guardduty_and_detective());

  CHECK(snapshot.generated_at == "2026-11-21T10:00:12Z");
  CHECK(snapshot.cycle.started_at == "2026-11-21T10:00:00Z");
  CHECK(snapshot.cycle.finished_at == "2026-11-21T10:00:12Z");
  CHECK(snapshot.cycle.duration_seconds == doctest::Approx(12.0));
  CHECK(snapshot.cycle.complete);
  CHECK(snapshot.cycle.requests == 10);
  CHECK(snapshot.cycle.retries == 1);
  CHECK(snapshot.cycle.throttled == 2);

  REQUIRE(snapshot.sources.size() == 2);
  CHECK(snapshot.sources[0].key.service == Service::detective);  // sorted by service name
  const auto* gd = find_source(snapshot, kAdminA, Service::guardduty, kUsEast);
  REQUIRE(gd);
  CHECK(gd->state == SourceState::ok);
  CHECK(gd->administrator_name == "name-" + kAdminA);
  CHECK(gd->resource == "guardduty-us-east-1");
  CHECK(gd->last_attempt_at == "2026-11-21T10:01:00Z");
  CHECK(gd->last_success_at == "2026-11-21T10:01:00Z");
  CHECK_FALSE(gd->error.has_value());
  CHECK(gd->members == 3);  // two members and the administrator's own account
  CHECK(gd->not_members == 1);

  REQUIRE(snapshot.memberships.size() == 7);
  CHECK(std::is_sorted(snapshot.memberships.begin(), snapshot.memberships.end(), membership_order));
  CHECK(snapshot.memberships[0].account_id == kAdminA);
  CHECK(snapshot.memberships[0].status == MemberStatus::ADMINISTRATOR);
  CHECK(snapshot.memberships[2].account_id == kAcct1);
  CHECK(snapshot.memberships[2].source->service == Service::detective);
  CHECK(std::none_of(snapshot.memberships.begin(), snapshot.memberships.end(),
                     [](const Membership& m) { return m.stale; }));

  REQUIRE(snapshot.accounts.size() == 5);
  CHECK(find_account(snapshot, kAdminA)->covered);
  const auto* acct1 = find_account(snapshot, kAcct1);
  REQUIRE(acct1);
  CHECK(acct1->covered);
  CHECK(acct1->gaps.empty());
  CHECK(acct1->unknown.empty());
  CHECK(acct1->findings.empty());

  const auto* acct2 = find_account(snapshot, kAcct2);
  REQUIRE(acct2);
  CHECK_FALSE(acct2->covered);
  REQUIRE(acct2->gaps.size() == 1);
  CHECK(acct2->gaps[0].service == Service::detective);
  CHECK(acct2->gaps[0].status == MemberStatus::INVITED);
  CHECK(acct2->findings == std::vector<std::string>{"GUARDDUTY_WITHOUT_DETECTIVE"});

  const auto* acct3 = find_account(snapshot, kAcct3);  // unprocessed in GuardDuty, not returned by Detective
  REQUIRE(acct3);
  REQUIRE(acct3->gaps.size() == 2);
  CHECK(acct3->gaps[0].service == Service::detective);
  CHECK(acct3->gaps[0].status == MemberStatus::NOT_MEMBER);
  CHECK(acct3->gaps[1].service == Service::guardduty);
  CHECK(acct3->gaps[1].status == MemberStatus::NOT_MEMBER);
  CHECK(acct3->findings.empty());

  const auto* expected = find_account(snapshot, "555555555555");  // only expected, returned by nobody
  REQUIRE(expected);
  CHECK(expected->gaps.size() == 2);
  CHECK_FALSE(expected->name.has_value());

  CHECK(snapshot.totals.accounts == 5);
  CHECK(snapshot.totals.covered == 2);
  CHECK(snapshot.totals.inactive == 0);
  CHECK(snapshot.totals.by_service_status.at("guardduty").at("ENABLED") == 2);
  CHECK(snapshot.totals.by_service_status.at("guardduty").at("NOT_MEMBER") == 1);
  CHECK(snapshot.totals.by_service_status.at("detective").at("INVITED") == 1);
  CHECK(snapshot.totals.by_service_status.size() == 2);  // no zero counts
  CHECK(snapshot.totals.by_service_status.at("guardduty").at("ADMINISTRATOR") == 1);
  CHECK(snapshot.totals.by_service_status.at("guardduty").size() == 3);
  CHECK(snapshot.totals.by_service_status.at("detective").at("ENABLED") == 1);
  CHECK(snapshot.totals.by_service_status.at("detective").size() == 3);
}

TEST_CASE("a failed source keeps its last good records stale across cycles, never NOT_MEMBER") {
  const auto options = guardduty_and_detective();
  const auto first =
      merge(std::nullopt,
            cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                               {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)},
                               minute(1)),
                      answered(kAdminA, Service::detective, kUsEast,
                               {record(kAcct1, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED)},
                               minute(1))}),
            options);
  REQUIRE(find_account(first, kAcct1)->covered);

  const auto second =
      merge(first,
            cycle(15, {failed(kAdminA, Service::guardduty, kUsEast, minute(16)),
                       answered(kAdminA, Service::detective, kUsEast,
                                {record(kAcct1, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED)},
                                minute(16))}),
            options);
  const auto* gd = find_source(second, kAdminA, Service::guardduty, kUsEast);
  REQUIRE(gd);
  CHECK(gd->state == SourceState::stale);
  CHECK(gd->last_attempt_at == "2026-11-21T10:16:00Z");
  CHECK(gd->last_success_at == "2026-11-21T10:01:00Z");
  REQUIRE(gd->error.has_value());
  CHECK(*gd->error == SourceError{"AccessDeniedException", "denied", 403});
  CHECK(gd->resource == "guardduty-us-east-1");  // carried from the previous snapshot
  CHECK(gd->members == 2);                       // the member and the administrator's own record, both stale
  const auto* carried = find_record(second, kAcct1, Service::guardduty, kUsEast, kAdminA);
  REQUIRE(carried);
  CHECK(carried->stale);
  CHECK(carried->status == MemberStatus::ENABLED);
  CHECK_FALSE(find_record(second, kAcct1, Service::detective, kUsEast, kAdminA)->stale);
  CHECK_FALSE(second.cycle.complete);

  const auto* acct = find_account(second, kAcct1);
  CHECK_FALSE(acct->covered);
  CHECK(acct->gaps.empty());
  REQUIRE(acct->unknown.size() == 1);
  CHECK(acct->unknown[0].service == Service::guardduty);

  // Failing again: still stale, still the first cycle's success time.
  const auto third =
      merge(second,
            cycle(30, {failed(kAdminA, Service::guardduty, kUsEast, minute(31), "RequestTimeout", 0),
                       answered(kAdminA, Service::detective, kUsEast, {}, minute(31))}),
            options);
  const auto* gd3 = find_source(third, kAdminA, Service::guardduty, kUsEast);
  CHECK(gd3->state == SourceState::stale);
  CHECK(gd3->last_success_at == "2026-11-21T10:01:00Z");
  CHECK(gd3->error->http_status == 0);
  REQUIRE(find_record(third, kAcct1, Service::guardduty, kUsEast, kAdminA));
  CHECK(find_record(third, kAcct1, Service::guardduty, kUsEast, kAdminA)->stale);
  // Detective answered without the account: a real gap now, and the stale
  // GuardDuty ENABLED does not make a GUARDDUTY_WITHOUT_DETECTIVE finding.
  const auto* acct3 = find_account(third, kAcct1);
  REQUIRE(acct3->gaps.size() == 1);
  CHECK(acct3->gaps[0].service == Service::detective);
  CHECK(acct3->findings.empty());

  // Answering again replaces the stale records.
  const auto fourth = merge(
      third,
      cycle(45, {answered(kAdminA, Service::guardduty, kUsEast,
                          {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::RESIGNED)},
                          minute(46)),
                 answered(kAdminA, Service::detective, kUsEast, {}, minute(46))}),
      options);
  const auto* fresh = find_record(fourth, kAcct1, Service::guardduty, kUsEast, kAdminA);
  REQUIRE(fresh);
  CHECK_FALSE(fresh->stale);
  CHECK(fresh->status == MemberStatus::RESIGNED);
  CHECK(find_source(fourth, kAdminA, Service::guardduty, kUsEast)->state == SourceState::ok);
  CHECK(fourth.cycle.complete);
}

TEST_CASE("a source failing without earlier data is in error and its pairs are unknown") {
  const auto snapshot =
      merge(std::nullopt,
            cycle(0, {failed(kAdminA, Service::guardduty, kUsEast, minute(1)),
                      answered(kAdminA, Service::detective, kUsEast,
                               {record(kAcct1, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED)},
                               minute(1))}),
            guardduty_and_detective());
  const auto* gd = find_source(snapshot, kAdminA, Service::guardduty, kUsEast);
  CHECK(gd->state == SourceState::error);
  CHECK_FALSE(gd->last_success_at.has_value());
  CHECK(gd->last_attempt_at == "2026-11-21T10:01:00Z");
  CHECK_FALSE(gd->resource.has_value());
  CHECK(gd->members == 0);
  CHECK(std::none_of(snapshot.memberships.begin(), snapshot.memberships.end(),
                     [](const Membership& m) { return m.source->service == Service::guardduty; }));
  const auto* acct = find_account(snapshot, kAcct1);
  CHECK_FALSE(acct->covered);
  CHECK(acct->gaps.empty());
  REQUIRE(acct->unknown.size() == 1);
  CHECK(acct->unknown[0].service == Service::guardduty);
  CHECK(acct->unknown[0].region == kUsEast);
  CHECK_FALSE(snapshot.cycle.complete);
}

TEST_CASE("configured sources without a result fail as cancelled or missing") {
  auto results = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1))});
  results.cancelled = true;
  auto snapshot = merge(std::nullopt, results, guardduty_and_detective());
  const auto* det = find_source(snapshot, kAdminA, Service::detective, kUsEast);
  REQUIRE(det);
  CHECK(det->state == SourceState::error);
  CHECK(det->error->code == kCancelledErrorCode);
  CHECK(det->last_attempt_at == "2026-11-21T10:00:00Z");
  CHECK_FALSE(snapshot.cycle.complete);

  results.cancelled = false;
  snapshot = merge(std::nullopt, results, guardduty_and_detective());
  CHECK(find_source(snapshot, kAdminA, Service::detective, kUsEast)->error->code == kNoResultErrorCode);
  CHECK_FALSE(snapshot.cycle.complete);

  // A cancelled cycle where every source answered is still not complete.
  auto all = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1)),
                       answered(kAdminA, Service::detective, kUsEast, {}, minute(1))});
  all.cancelled = true;
  CHECK_FALSE(merge(std::nullopt, all, guardduty_and_detective()).cycle.complete);
}

TEST_CASE("sources no longer configured disappear, results of unconfigured sources are ignored") {
  const auto first =
      merge(std::nullopt,
            cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                               {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)},
                               minute(1)),
                      answered(kAdminA, Service::detective, kUsEast,
                               {record(kAcct1, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED)},
                               minute(1))}),
            guardduty_and_detective());
  const auto second =
      merge(first,
            cycle(15, {answered(kAdminA, Service::guardduty, kUsEast,
                                {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)},
                                minute(16)),
                       answered(kAdminA, Service::detective, kUsEast,
                                {record(kAcct2, Service::detective, kUsEast, kAdminA, MemberStatus::ENABLED)},
                                minute(16))}),
            options_of({configured(kAdminA, Service::guardduty, kUsEast)}));
  REQUIRE(second.sources.size() == 1);
  CHECK(second.sources[0].key.service == Service::guardduty);
  CHECK(std::none_of(second.memberships.begin(), second.memberships.end(),
                     [](const Membership& m) { return m.source->service == Service::detective; }));
  // kAcct2 came only from the ignored result; the administrator's own
  // account is covered in its answering source.
  REQUIRE(second.accounts.size() == 2);
  CHECK(second.accounts[0].account_id == kAdminA);
  CHECK(second.accounts[0].covered);
  CHECK(second.accounts[1].account_id == kAcct1);
  CHECK(second.accounts[1].covered);
  CHECK(second.cycle.complete);
}

TEST_CASE("coverage across administrators: any fresh ENABLED covers, stale ENABLED is unknown") {
  const auto options = options_of({configured(kAdminA, Service::securityhub, kUsEast),
                                   configured(kAdminB, Service::securityhub, kUsEast)});
  SUBCASE("one administrator ENABLED, the other INVITED: covered") {
    const auto snapshot = merge(
        std::nullopt,
        cycle(0, {answered(kAdminA, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminA, MemberStatus::INVITED)},
                           minute(1)),
                  answered(kAdminB, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminB, MemberStatus::ENABLED)},
                           minute(1))}),
        options);
    CHECK(find_account(snapshot, kAcct1)->covered);
    CHECK(find_account(snapshot, kAcct1)->gaps.empty());
  }
  SUBCASE("one answering INVITED and one failed without data: a gap with the answered status") {
    const auto snapshot = merge(
        std::nullopt,
        cycle(0, {answered(kAdminA, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminA, MemberStatus::INVITED)},
                           minute(1)),
                  failed(kAdminB, Service::securityhub, kUsEast, minute(1))}),
        options);
    const auto* acct = find_account(snapshot, kAcct1);
    REQUIRE(acct->gaps.size() == 1);
    CHECK(acct->gaps[0].status == MemberStatus::INVITED);
    CHECK(acct->unknown.empty());
  }
  SUBCASE("two answering with different non-enabled statuses: the first in status order") {
    const auto snapshot = merge(
        std::nullopt,
        cycle(0, {answered(kAdminA, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminA, MemberStatus::REMOVED)},
                           minute(1)),
                  answered(kAdminB, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminB, MemberStatus::CREATED)},
                           minute(1))}),
        options);
    CHECK(find_account(snapshot, kAcct1)->gaps.at(0).status == MemberStatus::CREATED);
  }
  SUBCASE("an UNKNOWN status beats an absence in the gap") {
    const auto snapshot = merge(std::nullopt,
                                cycle(0, {answered(kAdminA, Service::securityhub, kUsEast,
                                                   {record(kAcct1, Service::securityhub, kUsEast, kAdminA,
                                                           MemberStatus::UNKNOWN, "Monitored")},
                                                   minute(1)),
                                          answered(kAdminB, Service::securityhub, kUsEast, {}, minute(1))}),
                                options);
    CHECK(find_account(snapshot, kAcct1)->gaps.at(0).status == MemberStatus::UNKNOWN);
  }
  SUBCASE("answering NOT_MEMBER beside a stale ENABLED: unknown, not a gap") {
    const auto first = merge(
        std::nullopt,
        cycle(0, {answered(kAdminA, Service::securityhub, kUsEast, {}, minute(1)),
                  answered(kAdminB, Service::securityhub, kUsEast,
                           {record(kAcct1, Service::securityhub, kUsEast, kAdminB, MemberStatus::ENABLED)},
                           minute(1))}),
        options);
    const auto second = merge(first,
                              cycle(15, {answered(kAdminA, Service::securityhub, kUsEast, {}, minute(16)),
                                         failed(kAdminB, Service::securityhub, kUsEast, minute(16))}),
                              options);
    const auto* acct = find_account(second, kAcct1);
    CHECK_FALSE(acct->covered);
    CHECK(acct->gaps.empty());
    CHECK(acct->unknown.size() == 1);
  }
}

TEST_CASE(
    "organization accounts: names, statuses, universe, suspended never a gap, failure keeps the last list") {
  const auto options = options_of({configured(kAdminA, Service::guardduty, kUsEast)});
  auto results = cycle(
      0,
      {answered(kAdminA, Service::guardduty, kUsEast,
                {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)}, minute(1))});
  results.organization_accounts =
      std::vector<OrganizationAccount>{{kAcct1, "prod", "ACTIVE"},
                                       {kAcct2, "old", "SUSPENDED"},
                                       {kAcct3, "closing", "PENDING_CLOSURE"},
                                       {"666666666666", "dev \"quoted\" é", "ACTIVE"}};
  const auto first = merge(std::nullopt, results, options);
  REQUIRE(first.accounts.size() == 5);  // and the administrator's own account
  CHECK(find_account(first, kAcct1)->name == "prod");
  CHECK(find_account(first, kAcct1)->organization_status == "ACTIVE");
  for (const auto& never_gap : {kAcct2, kAcct3}) {
    const auto* acct = find_account(first, never_gap);
    CHECK(acct->gaps.empty());
    CHECK_FALSE(acct->covered);
  }
  const auto* dev = find_account(first, "666666666666");
  CHECK(dev->name == "dev \"quoted\" é");
  REQUIRE(dev->gaps.size() == 1);
  CHECK(dev->gaps[0].status == MemberStatus::NOT_MEMBER);
  CHECK(first.cycle.complete);

  auto failing = cycle(
      15,
      {answered(kAdminA, Service::guardduty, kUsEast,
                {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)}, minute(16))});
  failing.organization_error = SourceError{"AccessDeniedException", "no", 403};
  const auto second = merge(first, failing, options);
  CHECK(second.accounts.size() == 5);
  CHECK(find_account(second, kAcct2)->organization_status == "SUSPENDED");
  CHECK(find_account(second, kAcct2)->gaps.empty());
  CHECK(find_account(second, kAcct1)->name == "prod");
  CHECK_FALSE(second.cycle.complete);

  // Organizations no longer configured: no names, and its accounts leave the universe.
  const auto third =
      merge(second,
            cycle(30, {answered(kAdminA, Service::guardduty, kUsEast,
                                {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)},
                                minute(31))}),
            options);
  REQUIRE(third.accounts.size() == 2);
  CHECK(third.accounts[1].account_id == kAcct1);
  CHECK_FALSE(third.accounts[1].name.has_value());
  CHECK_FALSE(third.accounts[1].organization_status.has_value());
}

TEST_CASE("GUARDDUTY_WITHOUT_DETECTIVE only where Detective is polled and answered") {
  const auto gd_enabled = [](const std::string& region) {
    return answered(kAdminA, Service::guardduty, region,
                    {record(kAcct1, Service::guardduty, region, kAdminA, MemberStatus::ENABLED)}, minute(1));
  };
  SUBCASE("Detective answered without the account") {
    const auto snapshot =
        merge(std::nullopt,
              cycle(0, {gd_enabled(kUsEast), answered(kAdminA, Service::detective, kUsEast, {}, minute(1))}),
              guardduty_and_detective());
    CHECK(find_account(snapshot, kAcct1)->findings ==
          std::vector<std::string>{"GUARDDUTY_WITHOUT_DETECTIVE"});
  }
  SUBCASE("Detective not polled in that region") {
    const auto snapshot =
        merge(std::nullopt,
              cycle(0, {gd_enabled(kEuWest), answered(kAdminA, Service::detective, kUsEast, {}, minute(1))}),
              options_of({configured(kAdminA, Service::guardduty, kEuWest),
                          configured(kAdminA, Service::detective, kUsEast)}));
    CHECK(find_account(snapshot, kAcct1)->findings.empty());
  }
  SUBCASE("Detective failed") {
    const auto snapshot =
        merge(std::nullopt,
              cycle(0, {gd_enabled(kUsEast), failed(kAdminA, Service::detective, kUsEast, minute(1))}),
              guardduty_and_detective());
    CHECK(find_account(snapshot, kAcct1)->findings.empty());
  }
  SUBCASE("Detective ENABLED under another administrator") {
    const auto snapshot = merge(
        std::nullopt,
        cycle(0, {gd_enabled(kUsEast), answered(kAdminA, Service::detective, kUsEast, {}, minute(1)),
                  answered(kAdminB, Service::detective, kUsEast,
                           {record(kAcct1, Service::detective, kUsEast, kAdminB, MemberStatus::ENABLED)},
                           minute(1))}),
        options_of({configured(kAdminA, Service::guardduty, kUsEast),
                    configured(kAdminA, Service::detective, kUsEast),
                    configured(kAdminB, Service::detective, kUsEast)}));
    CHECK(find_account(snapshot, kAcct1)->findings == std::vector<std::string>{"ADMINISTRATOR_MISMATCH"});
  }
}

TEST_CASE("ADMINISTRATOR_MISMATCH: ENABLED memberships in one region under different administrators") {
  const auto options = options_of({configured(kAdminA, Service::guardduty, kUsEast),
                                   configured(kAdminB, Service::securityhub, kUsEast),
                                   configured(kAdminB, Service::securityhub, kEuWest)});
  const auto snapshot = merge(
      std::nullopt,
      cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                         {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED),
                          record(kAcct2, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED),
                          record(kAcct3, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED)},
                         minute(1)),
                answered(kAdminB, Service::securityhub, kUsEast,
                         {record(kAcct1, Service::securityhub, kUsEast, kAdminB, MemberStatus::ENABLED),
                          record(kAcct3, Service::securityhub, kUsEast, kAdminB, MemberStatus::INVITED)},
                         minute(1)),
                answered(kAdminB, Service::securityhub, kEuWest,
                         {record(kAcct2, Service::securityhub, kEuWest, kAdminB, MemberStatus::ENABLED)},
                         minute(1))}),
      options);
  CHECK(find_account(snapshot, kAcct1)->findings == std::vector<std::string>{"ADMINISTRATOR_MISMATCH"});
  CHECK(find_account(snapshot, kAcct2)->findings.empty());  // different regions
  CHECK(find_account(snapshot, kAcct3)->findings.empty());  // INVITED does not count
}

TEST_CASE("records of a source are deduplicated and take the source's key") {
  auto stray = record(kAcct1, Service::detective, "mars-1", kAdminB, MemberStatus::ENABLED);
  const auto snapshot = merge(
      std::nullopt,
      cycle(0,
            {answered(kAdminA, Service::guardduty, kUsEast,
                      {record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::NOT_MEMBER, "gone"),
                       stray, record(kAcct1, Service::guardduty, kUsEast, kAdminA, MemberStatus::INVITED)},
                      minute(1))}),
      options_of({configured(kAdminA, Service::guardduty, kUsEast)}));
  REQUIRE(snapshot.memberships.size() == 2);  // and the administrator's own record, first
  const auto& only = snapshot.memberships[1];
  CHECK(*only.source == SourceKey{kAdminA, Service::guardduty, kUsEast});
  CHECK(only.status == MemberStatus::ENABLED);  // the first real status wins over the unprocessed entry
  CHECK(snapshot.sources[0].members == 2);
}

// Thousands of records: the deduplication's table grows past its first size.
TEST_CASE("thousands of accounts each given twice come out once each, the real status first") {
  std::vector<Membership> given;
  constexpr int kAccounts = 3000;
  for (int i = 0; i < kAccounts; ++i) {
    const std::string account = std::to_string(100000000000LL + i);
    given.push_back(record(account, Service::guardduty, kUsEast, kAdminA, MemberStatus::NOT_MEMBER, "gone"));
    given.push_back(record(account, Service::guardduty, kUsEast, kAdminA,
                           i % 2 ? MemberStatus::ENABLED : MemberStatus::INVITED));
  }
  const auto snapshot =
      merge(std::nullopt, cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, given, minute(1))}),
            options_of({configured(kAdminA, Service::guardduty, kUsEast)}));
  REQUIRE(snapshot.memberships.size() == kAccounts + 1);  // and the administrator's own record, last
  CHECK(snapshot.memberships.back().account_id == kAdminA);
  for (int i = 0; i < kAccounts; ++i) {
    const auto& membership = snapshot.memberships[static_cast<std::size_t>(i)];
    CHECK(membership.account_id == std::to_string(100000000000LL + i));
    CHECK(membership.status == (i % 2 ? MemberStatus::ENABLED : MemberStatus::INVITED));
  }
}

TEST_CASE("nothing polled: no account is covered") {
  auto results = cycle(0, {});
  results.expected_accounts = {kAcct1};
  const auto snapshot = merge(std::nullopt, results, options_of({}));
  REQUIRE(snapshot.accounts.size() == 1);
  CHECK_FALSE(snapshot.accounts[0].covered);
  CHECK(snapshot.cycle.complete);
}

TEST_CASE("the merge is deterministic: same input, any input order, same snapshot") {
  const auto records_a = std::vector<Membership>{
      record(kAcct3, Service::securityhub, kUsEast, kAdminA, MemberStatus::ENABLED),
      record(kAcct1, Service::securityhub, kUsEast, kAdminA, MemberStatus::INVITED),
      record(kAcct2, Service::securityhub, kUsEast, kAdminA, MemberStatus::NOT_MEMBER, "not a member")};
  auto records_b = records_a;
  std::reverse(records_b.begin(), records_b.end());
  const auto sources = std::vector<ConfiguredSource>{configured(kAdminB, Service::securityhub, kEuWest),
                                                     configured(kAdminA, Service::securityhub, kUsEast),
                                                     configured(kAdminA, Service::detective, kUsEast)};
  auto reversed_sources = sources;
  std::reverse(reversed_sources.begin(), reversed_sources.end());

  auto results_a = cycle(0, {answered(kAdminA, Service::securityhub, kUsEast, records_a, minute(1)),
                             failed(kAdminB, Service::securityhub, kEuWest, minute(1)),
                             answered(kAdminA, Service::detective, kUsEast, {}, minute(1))});
  results_a.expected_accounts = {"777777777777", kAcct1};
  auto results_b = cycle(0, {answered(kAdminA, Service::detective, kUsEast, {}, minute(1)),
                             failed(kAdminB, Service::securityhub, kEuWest, minute(1)),
                             answered(kAdminA, Service::securityhub, kUsEast, records_b, minute(1))});
  results_b.expected_accounts = {kAcct1, "777777777777"};

  const auto once = merge(std::nullopt, results_a, options_of(sources));
  const auto twice = merge(std::nullopt, results_a, options_of(sources));
  const auto shuffled = merge(std::nullopt, results_b, options_of(reversed_sources));
  CHECK(describe(once) == describe(twice));
  CHECK(describe(once) == describe(shuffled));
  CHECK(std::is_sorted(
      once.sources.begin(), once.sources.end(),
      [](const SourceSummary& a, const SourceSummary& b) { return source_order(a.key, b.key); }));
  CHECK(std::is_sorted(
      once.accounts.begin(), once.accounts.end(),
      [](const AccountSummary& a, const AccountSummary& b) { return a.account_id < b.account_id; }));
  // And a second cycle over it is deterministic too.
  CHECK(describe(merge(once, results_a, options_of(sources))) ==
        describe(merge(shuffled, results_b, options_of(reversed_sources))));
}

TEST_CASE("records come out in membership order, many in reverse order or with IDs that are not 12 digits") {
  const MergeOptions options{{configured(kAdminA, Service::guardduty, kUsEast),
                              configured(kAdminA, Service::securityhub, kUsEast),
                              configured(kAdminB, Service::guardduty, kUsEast)}};
  std::vector<Membership> guardduty;
  std::vector<Membership> hub;
  std::vector<Membership> other;
  for (int i = 999; i >= 0; --i) {  // the sort's permutation walks long cycles
    const std::string account = std::to_string(200000000000 + i * 7919 % 1000);
    guardduty.push_back(record(account, Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED));
    if (i % 3 == 0)
      hub.push_back(record(account, Service::securityhub, kUsEast, kAdminA, MemberStatus::INVITED));
    if (i % 5 == 0)
      other.push_back(record(account, Service::guardduty, kUsEast, kAdminB, MemberStatus::ENABLED));
  }
  const auto numeric = merge(std::nullopt,
                             cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, guardduty, minute(1)),
                                       answered(kAdminA, Service::securityhub, kUsEast, hub, minute(1)),
                                       answered(kAdminB, Service::guardduty, kUsEast, other, minute(1))}),
                             options);
  REQUIRE(numeric.memberships.size() == 1000 + 334 + 200 + 3);  // and one ADMINISTRATOR record a source
  CHECK(std::is_sorted(numeric.memberships.begin(), numeric.memberships.end(), membership_order));
  CHECK(std::adjacent_find(numeric.memberships.begin(), numeric.memberships.end(),
                           [](const Membership& a, const Membership& b) {
                             return !membership_order(a, b) && !membership_order(b, a);
                           }) == numeric.memberships.end());

  // A snapshot written by hand may hold other IDs: they sort as text.
  guardduty.push_back(record("99", Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED));
  guardduty.push_back(record("1000000000000", Service::guardduty, kUsEast, kAdminA, MemberStatus::ENABLED));
  const auto text =
      merge(std::nullopt, cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, guardduty, minute(1))}),
            options);
  REQUIRE(text.memberships.size() == 1003);
  CHECK(std::is_sorted(text.memberships.begin(), text.memberships.end(), membership_order));
  CHECK(text.memberships.front().account_id == "1000000000000");
  CHECK(text.memberships.back().account_id == "99");
}

namespace {

// The previous snapshot with only the records previous_records_needed keeps,
// as the daemon reads it back from disk.
Snapshot with_needed_records(const Snapshot& previous, const CycleResults& results,
                             const MergeOptions& options) {
  const RecordFilter needed = previous_records_needed(results, options);
  Snapshot kept = previous;
  kept.memberships.clear();
  for (const auto& record : previous.memberships) {
    if (needed(record)) kept.memberships.push_back(record);
  }
  return kept;
}

}  // namespace

TEST_CASE("the previous records the merge needs give the same snapshot as the whole previous one") {
  // Admin A polls GuardDuty and Detective in two regions, admin B GuardDuty
  // in one; the accounts' statuses differ per source, so that NOT_MEMBER
  // records exist where another source lists an account.
  std::vector<ConfiguredSource> sources;
  for (const auto& region : {kUsEast, kEuWest}) {
    sources.push_back(configured(kAdminA, Service::guardduty, region));
    sources.push_back(configured(kAdminA, Service::detective, region));
  }
  sources.push_back(configured(kAdminB, Service::guardduty, kUsEast));
  const auto options = options_of(sources);
  const auto answer = [&](const ConfiguredSource& source, int at, MemberStatus acct2_status) {
    const auto& [admin, service, region] = source.key;
    std::vector<Membership> records{record(kAcct1, service, region, admin, MemberStatus::ENABLED),
                                    record(kAcct2, service, region, admin, acct2_status)};
    // kAcct3 is listed by admin A's GuardDuty in us-east-1 only; GetMembers
    // tells its other sources NOT_MEMBER, while that source answers.
    if (service == Service::guardduty && region == kUsEast && admin == kAdminA)
      records.push_back(record(kAcct3, service, region, admin, MemberStatus::RESIGNED));
    else if (admin == kAdminA && at == 1)
      records.push_back(record(kAcct3, service, region, admin, MemberStatus::NOT_MEMBER));
    return answered(admin, service, region, std::move(records), minute(at));
  };
  std::vector<SourceResult> first_results;
  for (const auto& source : sources) {
    const bool detective = source.key.service == Service::detective;
    first_results.push_back(answer(source, 1, detective ? MemberStatus::NOT_MEMBER : MemberStatus::INVITED));
  }
  auto first_cycle = cycle(0, first_results);
  first_cycle.organization_accounts = std::vector<OrganizationAccount>{{kAcct1, "prod", "ACTIVE"}};
  const Snapshot previous = merge(std::nullopt, first_cycle, options);

  struct Case {
    std::string name;
    CycleResults results;
    MergeOptions options;
    bool needs_records;
  };
  std::vector<Case> cases;
  {
    std::vector<SourceResult> all;
    for (const auto& source : sources) all.push_back(answer(source, 16, MemberStatus::ENABLED));
    cases.push_back({"every source answers", cycle(15, all), options, false});
  }
  {
    // Admin A's GuardDuty in us-east-1 fails: its records stay stale, and
    // admin A's other sources keep their NOT_MEMBER records of the
    // accounts only it listed (kAcct3).
    std::vector<SourceResult> some;
    for (const auto& source : sources) {
      if (source.key == SourceKey{kAdminA, Service::guardduty, kUsEast})
        some.push_back(failed(kAdminA, Service::guardduty, kUsEast, minute(16)));
      else
        some.push_back(answer(source, 16, MemberStatus::NOT_MEMBER));
    }
    cases.push_back({"a failing source with accounts only it listed", cycle(15, some), options, true});
  }
  {
    // Admin B's source has no result (the cycle was cancelled), admin A's
    // eu-west-1 Detective is disabled now, Organizations fails.
    std::vector<SourceResult> some;
    auto changed = sources;
    for (auto& source : changed) {
      if (source.key == SourceKey{kAdminA, Service::detective, kEuWest}) source.region_disabled = true;
      if (source.key.administrator_id == kAdminA && !source.region_disabled)
        some.push_back(answer(source, 16, MemberStatus::ENABLED));
    }
    auto results = cycle(15, some);
    results.cancelled = true;
    results.organization_error = SourceError{"AccessDeniedException", "no", 403};
    cases.push_back(
        {"no result, a disabled region, Organizations failing", results, options_of(changed), true});
  }
  {
    // Sources no longer configured (admin B's) and a new one.
    std::vector<ConfiguredSource> changed(sources.begin(), sources.begin() + 4);
    changed.push_back(configured(kAdminA, Service::securityhub, kUsEast));
    std::vector<SourceResult> all;
    for (const auto& source : changed) all.push_back(answer(source, 16, MemberStatus::ENABLED));
    cases.push_back({"sources removed and added", cycle(15, all), options_of(changed), false});
  }
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const Snapshot kept = with_needed_records(previous, c.results, c.options);
    CHECK(!kept.memberships.empty() == c.needs_records);
    CHECK(kept.memberships.size() < previous.memberships.size());
    CHECK(describe(merge(kept, c.results, c.options)) == describe(merge(previous, c.results, c.options)));
  }
}
