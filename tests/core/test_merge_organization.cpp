// The merge's issue-18 part: each source's organization configuration and
// its findings, delegated administrators, and GuardDuty feature gaps.

#include <doctest/doctest.h>

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

const SourceSummary& source_of(const Snapshot& snapshot, const std::string& admin, Service service,
                               const std::string& region) {
  for (const auto& source : snapshot.sources)
    if (source.key == SourceKey{admin, service, region}) return source;
  FAIL("no such source");
  throw std::logic_error("unreachable");
}

Membership with_features(Membership record, const std::string& features) {
  record.detail = R"({"detector_id":"d","features":)" + features + "}";
  return record;
}

}  // namespace

TEST_CASE(
    "an answering source's organization and call errors are kept, AUTO_ENABLE_OFF when auto_enable is NONE") {
  const MergeOptions options{{configured(kAdminA, Service::guardduty, kUsEast),
                              configured(kAdminA, Service::securityhub, kUsEast),
                              configured(kAdminA, Service::detective, kUsEast)}};
  auto guardduty = answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1));
  guardduty.organization = SourceOrganization{"NONE", R"({"auto_enable_organization_members":"NONE"})"};
  guardduty.call_errors = {{"GetMemberDetectors", std::nullopt, {"BadRequestException", "nope", 400}}};
  auto securityhub = answered(kAdminA, Service::securityhub, kUsEast, {}, minute(1));
  securityhub.organization = SourceOrganization{"CENTRAL", R"({"auto_enable":false})"};
  auto detective = answered(kAdminA, Service::detective, kUsEast, {}, minute(1));  // not the administrator

  const auto snapshot = merge(std::nullopt, cycle(0, {guardduty, securityhub, detective}), options);
  const auto& gd = source_of(snapshot, kAdminA, Service::guardduty, kUsEast);
  CHECK(gd.organization == guardduty.organization);
  CHECK(gd.findings == std::vector<std::string>{"AUTO_ENABLE_OFF"});
  CHECK(gd.call_errors == guardduty.call_errors);
  CHECK(gd.state == SourceState::ok);  // a call error never fails the source
  const auto& sh = source_of(snapshot, kAdminA, Service::securityhub, kUsEast);
  CHECK(sh.organization->auto_enable == "CENTRAL");
  CHECK(sh.findings.empty());
  const auto& dt = source_of(snapshot, kAdminA, Service::detective, kUsEast);
  CHECK_FALSE(dt.organization);
  CHECK(dt.findings.empty());
  CHECK(snapshot.cycle.complete);
}

TEST_CASE("a failed source keeps its previous organization, a fresh answer without one clears it") {
  const MergeOptions options{{configured(kAdminA, Service::guardduty, kUsEast)}};
  auto first = answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1));
  first.organization = SourceOrganization{"NONE", "{}"};
  const auto before = merge(std::nullopt, cycle(0, {first}), options);
  const auto failing =
      merge(before, cycle(15, {failed(kAdminA, Service::guardduty, kUsEast, minute(16))}), options);
  const auto& stale = source_of(failing, kAdminA, Service::guardduty, kUsEast);
  CHECK(stale.state == SourceState::stale);
  CHECK(stale.organization == first.organization);
  CHECK(stale.findings == std::vector<std::string>{"AUTO_ENABLE_OFF"});
  const auto cleared =
      merge(failing, cycle(30, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(31))}), options);
  CHECK_FALSE(source_of(cleared, kAdminA, Service::guardduty, kUsEast).organization);
  CHECK(source_of(cleared, kAdminA, Service::guardduty, kUsEast).findings.empty());
}

TEST_CASE(
    "NOT_DELEGATED_ADMINISTRATOR where Organizations' list of the service is known and does not name the "
    "administrator") {
  const MergeOptions options{
      {configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminA, Service::securityhub, kUsEast),
       configured(kAdminB, Service::guardduty, kEuWest), configured(kAdminA, Service::detective, kUsEast)}};
  auto results = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1)),
                           answered(kAdminA, Service::securityhub, kUsEast, {}, minute(1)),
                           failed(kAdminB, Service::guardduty, kEuWest, minute(1)),
                           answered(kAdminA, Service::detective, kUsEast, {}, minute(1))});
  results.delegated_administrators = {{Service::guardduty, {kAdminA}}, {Service::securityhub, {kAdminB}}};
  const auto snapshot = merge(std::nullopt, results, options);
  CHECK(source_of(snapshot, kAdminA, Service::guardduty, kUsEast).findings.empty());
  CHECK(source_of(snapshot, kAdminA, Service::securityhub, kUsEast).findings ==
        std::vector<std::string>{"NOT_DELEGATED_ADMINISTRATOR"});
  CHECK(source_of(snapshot, kAdminB, Service::guardduty, kEuWest).findings ==
        std::vector<std::string>{"NOT_DELEGATED_ADMINISTRATOR"});
  CHECK(source_of(snapshot, kAdminA, Service::detective, kUsEast).findings.empty());  // unknown: no finding
}

TEST_CASE(
    "a failed ListDelegatedAdministrators is reported in the organization block and the cycle is not "
    "complete") {
  const MergeOptions options{{configured(kAdminA, Service::guardduty, kUsEast)}};
  auto results = cycle(0, {answered(kAdminA, Service::guardduty, kUsEast, {}, minute(1))});
  results.organization_accounts = std::vector<OrganizationAccount>{};
  results.organization_attempted_at = minute(0);
  results.delegation_error = SourceError{"AccessDeniedException", "no", 400};
  const auto snapshot = merge(std::nullopt, results, options);
  REQUIRE(snapshot.organization);
  CHECK(snapshot.organization->delegation_error == results.delegation_error);
  CHECK_FALSE(snapshot.cycle.complete);
}

TEST_CASE(
    "GuardDuty feature gaps: ENABLED members without a required feature ENABLED, "
    "GUARDDUTY_FEATURE_DISABLED") {
  MergeOptions options{
      {configured(kAdminA, Service::guardduty, kUsEast), configured(kAdminA, Service::guardduty, kEuWest)}};
  options.required_guardduty_features = {"RUNTIME_MONITORING", "S3_DATA_EVENTS"};
  const auto gd = [](const std::string& account, const std::string& region, MemberStatus status) {
    return record(account, Service::guardduty, region, kAdminA, status);
  };
  const auto snapshot = merge(
      std::nullopt,
      cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                         {with_features(gd(kAcct1, kUsEast, MemberStatus::ENABLED),
                                        R"({"RUNTIME_MONITORING":"DISABLED","S3_DATA_EVENTS":"ENABLED"})"),
                          with_features(gd(kAcct2, kUsEast, MemberStatus::ENABLED),
                                        R"({"RUNTIME_MONITORING":"ENABLED","S3_DATA_EVENTS":"ENABLED"})"),
                          gd(kAcct3, kUsEast, MemberStatus::ENABLED)},  // features unknown
                         minute(1)),
                answered(kAdminA, Service::guardduty, kEuWest,
                         {with_features(gd(kAcct1, kEuWest, MemberStatus::ENABLED), R"({})"),
                          with_features(gd(kAcct2, kEuWest, MemberStatus::DISABLED), R"({})")},
                         minute(1))}),
      options);
  const auto* first = find_account(snapshot, kAcct1);
  CHECK(first->feature_gaps ==
        std::vector<FeatureGap>{{Service::guardduty, kEuWest, "RUNTIME_MONITORING", "ABSENT"},
                                {Service::guardduty, kEuWest, "S3_DATA_EVENTS", "ABSENT"},
                                {Service::guardduty, kUsEast, "RUNTIME_MONITORING", "DISABLED"}});
  CHECK(first->findings == std::vector<std::string>{"GUARDDUTY_FEATURE_DISABLED"});
  CHECK(first->covered);                                        // a feature gap is not a coverage gap
  CHECK(find_account(snapshot, kAcct2)->feature_gaps.empty());  // DISABLED membership: no features to check
  CHECK(find_account(snapshot, kAcct2)->findings.empty());
  CHECK(find_account(snapshot, kAcct3)->feature_gaps.empty());
  CHECK(find_account(snapshot, kAcct3)->findings.empty());

  options.required_guardduty_features.clear();
  const auto unconfigured =
      merge(std::nullopt,
            cycle(0, {answered(kAdminA, Service::guardduty, kUsEast,
                               {with_features(gd(kAcct1, kUsEast, MemberStatus::ENABLED),
                                              R"({"RUNTIME_MONITORING":"DISABLED"})")},
                               minute(1))}),
            options);
  CHECK(find_account(unconfigured, kAcct1)->feature_gaps.empty());
}

TEST_CASE(
    "the previous snapshot tells the next cycle the delegated administrators and the discovered names") {
  Snapshot previous;
  previous.administrators = {
      {kAdminA,
       "tooling",
       "configured",
       std::vector<std::string>{"guardduty", "securityhub"},
       {},
       RegionsFrom::configured,
       {}},
      {kAdminB,
       "found",
       "organization",
       std::vector<std::string>{"guardduty"},
       {},
       RegionsFrom::configured,
       {}},
      {"555555555555", "unknown", "configured", std::nullopt, {}, RegionsFrom::configured, {}},
  };
  const auto known = last_known(previous);
  CHECK(known.delegated_administrators.at(Service::guardduty) == std::vector<std::string>{kAdminA, kAdminB});
  CHECK(known.delegated_administrators.at(Service::securityhub) == std::vector<std::string>{kAdminA});
  CHECK_FALSE(known.delegated_administrators.count(Service::detective));
  CHECK(known.discovered_administrator_names == std::map<std::string, std::string>{{kAdminB, "found"}});
}
