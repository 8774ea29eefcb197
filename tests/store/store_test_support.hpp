#pragma once

// Shared by the store's tests: a rich snapshot, field-by-field equality, and
// temporary directories removed afterwards.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <tuple>

#include "core/json_text.hpp"
#include "core/model.hpp"
#include "core/timestamps.hpp"
#include "support/test_files.hpp"

namespace mw::store::testing {

inline core::Membership membership(std::string account, core::Service service, std::string region,
                                   core::MemberStatus status, std::string raw_status) {
  core::Membership record;
  record.account_id = std::move(account);
  record.source =
      std::make_shared<const core::SourceKey>(core::SourceKey{"111111111111", service, std::move(region)});
  record.status = status;
  record.raw_status = std::move(raw_status);
  return record;
}

// Every kind of value the schema has: nulls and values for each optional
// field, errors with and without an HTTP status, nested detail of every JSON
// kind, Unicode, quotes, control characters and trailing spaces.
inline core::Snapshot rich_snapshot() {
  using core::MemberStatus;
  using core::Service;
  core::Snapshot snapshot;
  snapshot.generated_at = "2026-11-21T10:15:14Z";
  snapshot.cycle = {"2026-11-21T10:15:02Z", "2026-11-21T10:15:14Z", 12.345, false, 410, 3, 2};

  core::SourceSummary ok;
  ok.key = {"111111111111", Service::guardduty, "eu-west-1"};
  ok.administrator_name = "security-tooling \"prod\"";
  ok.resource = "12abc34d567e8fa901bc2d34e56789f0";
  ok.last_attempt_at = "2026-11-21T10:15:03Z";
  ok.last_success_at = "2026-11-21T10:15:03Z";
  ok.members = 120;
  ok.not_members = 5;
  ok.organization = core::SourceOrganization{
      "PARTIAL",
      R"({"auto_enable_organization_members":"ALL","features":[{"auto_enable":"NONE","name":"RUNTIME_MONITORING"}]})"};
  ok.findings = {"NOT_DELEGATED_ADMINISTRATOR"};
  ok.call_errors = {
      {"GetMemberDetectors", "222222222222", {"UnprocessedAccount", "not associated", 0}},
      {"DescribeOrganizationConfiguration", std::nullopt, {"ThrottlingException", "Rate exceeded", 429}}};
  core::SourceSummary stale = ok;
  stale.organization = core::SourceOrganization{"NONE", R"({"auto_enable":false})"};
  stale.findings = {"AUTO_ENABLE_OFF"};
  stale.call_errors = {};
  stale.key.service = Service::detective;
  stale.state = core::SourceState::stale;
  stale.resource = "arn:aws:detective:eu-west-1:111111111111:graph:027c7c4610ea4aacaf0b883093cab899";
  stale.last_success_at = "2026-11-21T09:15:03.120Z";
  stale.error = core::SourceError{"AccessDeniedException", "User: arn:aws:sts::1:x is not authorized", 403};
  core::SourceSummary failed = ok;
  failed.key.service = Service::securityhub;
  failed.state = core::SourceState::error;
  failed.resource.reset();
  failed.last_success_at.reset();
  failed.error = core::SourceError{"RequestTimeout", "no answer within 30s", 0};
  failed.members = 0;
  failed.not_members = 0;
  failed.organization.reset();
  failed.findings = {};
  failed.call_errors = {};
  core::SourceSummary disabled = ok;
  disabled.key.region = "ap-east-1";
  disabled.state = core::SourceState::region_disabled;
  disabled.resource.reset();
  disabled.last_success_at.reset();
  disabled.members = 0;
  disabled.not_members = 0;
  snapshot.sources = {ok, stale, failed, disabled};
  snapshot.organization = core::OrganizationSummary{
      core::SourceState::stale,
      "2026-11-21T10:15:02Z",
      "2026-11-21T09:15:02Z",
      core::SourceError{"TooManyRequestsException", "slow down", 400},
      2,
      core::SourceError{"AccessDeniedException", "no ListDelegatedAdministrators", 400}};
  snapshot.administrators = {
      {"111111111111",
       "security-tooling \"prod\"",
       "configured",
       std::nullopt,
       {"eu-west-1"},
       core::RegionsFrom::configured,
       std::nullopt},
      {"555555555555",
       "all-regions",
       "organization",
       std::vector<std::string>{"guardduty", "detective"},
       {"eu-west-1", "us-east-1"},
       core::RegionsFrom::last_discovered,
       core::SourceError{"AccessDeniedException", "not authorized to perform account:ListRegions", 403}},
  };

  auto enabled =
      membership("222222222222", Service::guardduty, "eu-west-1", MemberStatus::ENABLED, "Enabled");
  enabled.email = "zoë.o'brien+\"sec\"@exämple.com  ";
  enabled.invited_at = *core::parse_iso8601_time("2026-01-02T03:04:05.678Z");
  enabled.updated_at = *core::parse_iso8601_time("2026-01-03T03:04:05Z");
  enabled.detail = mw::core::to_sorted_compact_json(boost::json::object{
      {"detector_id", "12abc34d567e8fa901bc2d34e56789f0"},
      {"administrator_id", "111111111111"},
      {"master_id", "111111111111"},
  });
  auto detective = membership("222222222222", Service::detective, "eu-west-1", MemberStatus::DISABLED,
                              "ACCEPTED_BUT_DISABLED");
  detective.stale = true;
  detective.email = "日本語@例え.jp";
  detective.detail = mw::core::to_sorted_compact_json(boost::json::object{
      {"volume_usage_in_bytes", 1234567890123},
      {"percent_of_graph_utilization", 12.5},
      {"invitation_type", "INVITATION"},
      {"disabled_reason", "VOLUME_TOO_HIGH"},
      {"datasource_package_ingest_states", {{"DETECTIVE_CORE", "STARTED"}, {"EKS_AUDIT", "STOPPED"}}},
      {"large_unsigned", 18446744073709551615ull},
      {"negative", -7},
      {"whole_double", 3.0},
      {"flags", {true, false, nullptr}},
      {"control\tkey\n", "line1\nline2\x01"},
  });
  auto unknown =
      membership("333333333333", Service::securityhub, "eu-west-1", MemberStatus::UNKNOWN, "Paused");
  auto not_member = membership("444444444444", Service::guardduty, "eu-west-1", MemberStatus::NOT_MEMBER,
                               "The request is rejected");
  snapshot.memberships = {enabled, detective, unknown, not_member};

  core::AccountSummary covered;
  covered.account_id = "222222222222";
  covered.name = "Prod – Ünïcode";
  covered.organization_status = "ACTIVE";
  covered.covered = false;
  covered.gaps = {{Service::detective, "eu-west-1", MemberStatus::DISABLED}};
  covered.unknown = {{Service::securityhub, "eu-west-1"}};
  covered.findings = {"GUARDDUTY_FEATURE_DISABLED", "GUARDDUTY_WITHOUT_DETECTIVE"};
  covered.feature_gaps = {{Service::guardduty, "eu-west-1", "RUNTIME_MONITORING", "DISABLED"},
                          {Service::guardduty, "eu-west-1", "S3_DATA_EVENTS", "ABSENT"}};
  core::AccountSummary bare;
  bare.account_id = "444444444444";
  bare.covered = true;
  core::AccountSummary closed;
  closed.account_id = "666666666666";
  closed.organization_status = "CLOSED";
  closed.inactive = true;
  snapshot.accounts = {covered, bare, closed};

  snapshot.totals.accounts = 3;
  snapshot.totals.covered = 1;
  snapshot.totals.inactive = 1;
  snapshot.totals.by_service_status = {{"guardduty", {{"ENABLED", 1}, {"NOT_MEMBER", 1}}},
                                       {"detective", {{"DISABLED", 1}}},
                                       {"securityhub", {{"UNKNOWN", 1}}}};
  return snapshot;
}

inline void check_equal(const core::SourceSummary& a, const core::SourceSummary& b) {
  CHECK(a.key == b.key);
  CHECK(a.administrator_name == b.administrator_name);
  CHECK(a.state == b.state);
  CHECK(a.resource == b.resource);
  CHECK(a.last_attempt_at == b.last_attempt_at);
  CHECK(a.last_success_at == b.last_success_at);
  CHECK(a.error == b.error);
  CHECK(a.organization == b.organization);
  CHECK(a.findings == b.findings);
  CHECK(a.call_errors == b.call_errors);
  CHECK(a.members == b.members);
  CHECK(a.not_members == b.not_members);
}

inline void check_equal(const core::Membership& a, const core::Membership& b) {
  CHECK(std::tie(a.account_id, a.source->service, a.source->region, a.source->administrator_id, a.status,
                 a.raw_status) == std::tie(b.account_id, b.source->service, b.source->region,
                                           b.source->administrator_id, b.status, b.raw_status));
  CHECK(a.email == b.email);
  CHECK(a.invited_at == b.invited_at);
  CHECK(a.updated_at == b.updated_at);
  CHECK(a.stale == b.stale);
  CHECK(a.detail == b.detail);
}

inline void check_equal(const core::AccountSummary& a, const core::AccountSummary& b) {
  CHECK(a.account_id == b.account_id);
  CHECK(a.name == b.name);
  CHECK(a.organization_status == b.organization_status);
  CHECK(a.inactive == b.inactive);
  CHECK(a.covered == b.covered);
  REQUIRE(a.gaps.size() == b.gaps.size());
  for (std::size_t i = 0; i < a.gaps.size(); ++i) {
    CHECK(std::tie(a.gaps[i].service, a.gaps[i].region, a.gaps[i].status) ==
          std::tie(b.gaps[i].service, b.gaps[i].region, b.gaps[i].status));
  }
  REQUIRE(a.unknown.size() == b.unknown.size());
  for (std::size_t i = 0; i < a.unknown.size(); ++i) {
    CHECK(std::tie(a.unknown[i].service, a.unknown[i].region) ==
          std::tie(b.unknown[i].service, b.unknown[i].region));
  }
  CHECK(a.findings == b.findings);
  CHECK(a.feature_gaps == b.feature_gaps);
}

inline void check_equal(const core::Snapshot& a, const core::Snapshot& b) {
  CHECK(a.generated_at == b.generated_at);
  CHECK(a.cycle.started_at == b.cycle.started_at);
  CHECK(a.cycle.finished_at == b.cycle.finished_at);
  CHECK(a.cycle.duration_seconds == b.cycle.duration_seconds);
  CHECK(a.cycle.complete == b.cycle.complete);
  CHECK(std::tie(a.cycle.requests, a.cycle.retries, a.cycle.throttled) ==
        std::tie(b.cycle.requests, b.cycle.retries, b.cycle.throttled));
  REQUIRE(a.sources.size() == b.sources.size());
  for (std::size_t i = 0; i < a.sources.size(); ++i) check_equal(a.sources[i], b.sources[i]);
  REQUIRE(a.memberships.size() == b.memberships.size());
  for (std::size_t i = 0; i < a.memberships.size(); ++i) check_equal(a.memberships[i], b.memberships[i]);
  REQUIRE(a.accounts.size() == b.accounts.size());
  for (std::size_t i = 0; i < a.accounts.size(); ++i) check_equal(a.accounts[i], b.accounts[i]);
  CHECK(a.totals.accounts == b.totals.accounts);
  CHECK(a.totals.covered == b.totals.covered);
  CHECK(a.totals.inactive == b.totals.inactive);
  REQUIRE(a.organization.has_value() == b.organization.has_value());
  if (a.organization) {
    CHECK(a.organization->state == b.organization->state);
    CHECK(a.organization->last_attempt_at == b.organization->last_attempt_at);
    CHECK(a.organization->last_success_at == b.organization->last_success_at);
    CHECK(a.organization->error == b.organization->error);
    CHECK(a.organization->accounts == b.organization->accounts);
    CHECK(a.organization->delegation_error == b.organization->delegation_error);
  }
  REQUIRE(a.administrators.size() == b.administrators.size());
  for (std::size_t i = 0; i < a.administrators.size(); ++i) {
    const auto& x = a.administrators[i];
    const auto& y = b.administrators[i];
    CHECK(std::tie(x.account_id, x.name, x.origin, x.delegated_for, x.regions, x.regions_from, x.error) ==
          std::tie(y.account_id, y.name, y.origin, y.delegated_for, y.regions, y.regions_from, y.error));
  }
  CHECK(a.totals.by_service_status == b.totals.by_service_status);
}

}  // namespace mw::store::testing
