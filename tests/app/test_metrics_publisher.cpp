#include <doctest/doctest.h>

#include <string>

#include "app/metrics_publisher.hpp"
#include "health/metrics.hpp"

namespace {

using namespace mw;

core::AccountSummary account(std::string id, std::vector<core::CoverageGap> gaps, bool inactive = false) {
  core::AccountSummary summary;
  summary.account_id = std::move(id);
  summary.gaps = std::move(gaps);
  summary.inactive = inactive;
  summary.covered = summary.gaps.empty() && !inactive;
  return summary;
}

core::Snapshot snapshot_with_gaps() {
  core::Snapshot snapshot;
  snapshot.accounts.push_back(account("111111111111", {}));
  snapshot.accounts.push_back(
      account("222222222222", {{core::Service::guardduty, "us-east-1", core::MemberStatus::NOT_MEMBER},
                               {core::Service::securityhub, "eu-west-1", core::MemberStatus::INVITED}}));
  snapshot.accounts.push_back(
      account("333333333333", {{core::Service::detective, "us-east-1", core::MemberStatus::RESIGNED}}));
  return snapshot;
}

std::string published(const core::Snapshot& snapshot, std::size_t max_gap_series) {
  health::Registry registry;
  app::MetricsPublisher publisher(health::declare_memberwatch_metrics(registry, "test"));
  app::CycleOutcome outcome;
  outcome.written = true;
  outcome.complete = true;
  outcome.snapshot = snapshot;
  publisher.publish_cycle(outcome, max_gap_series);
  return registry.render();
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("gap_series lists each gap of an active account in account order, at most max_series") {
  const auto all = app::gap_series(snapshot_with_gaps(), 10);
  REQUIRE(all.series.size() == 3);
  CHECK(all.total == 3);
  CHECK(all.series[0].first == health::LabelValues{"222222222222", "guardduty", "us-east-1", "NOT_MEMBER"});
  CHECK(all.series[1].first == health::LabelValues{"222222222222", "securityhub", "eu-west-1", "INVITED"});
  CHECK(all.series[2].first == health::LabelValues{"333333333333", "detective", "us-east-1", "RESIGNED"});
  CHECK(all.series[2].second == 1.0);

  const auto two = app::gap_series(snapshot_with_gaps(), 2);
  CHECK(two.series.size() == 2);
  CHECK(two.total == 3);
  CHECK(app::gap_series(snapshot_with_gaps(), 0).series.empty());

  auto with_inactive = snapshot_with_gaps();
  with_inactive.accounts[2].inactive = true;  // closed: never a gap, whatever the record says
  CHECK(app::gap_series(with_inactive, 10).total == 2);
}

TEST_CASE("publish_cycle exposes memberwatch_gap, memberwatch_gaps and the truncation flag") {
  const auto text = published(snapshot_with_gaps(), 10000);
  CHECK(has_line(
      text,
      R"(memberwatch_gap{account_id="222222222222",service="guardduty",region="us-east-1",status="NOT_MEMBER"} 1)"));
  CHECK(has_line(
      text,
      R"(memberwatch_gap{account_id="333333333333",service="detective",region="us-east-1",status="RESIGNED"} 1)"));
  CHECK(has_line(text, "memberwatch_gaps 3"));
  CHECK(has_line(text, "memberwatch_gap_series_truncated 0"));

  const auto truncated = published(snapshot_with_gaps(), 1);
  CHECK(has_line(
      truncated,
      R"(memberwatch_gap{account_id="222222222222",service="guardduty",region="us-east-1",status="NOT_MEMBER"} 1)"));
  CHECK(truncated.find("account_id=\"333333333333\"") == std::string::npos);
  CHECK(has_line(truncated, "memberwatch_gaps 3"));
  CHECK(has_line(truncated, "memberwatch_gap_series_truncated 1"));
}

TEST_CASE("a gap closed by the next cycle leaves no memberwatch_gap series behind") {
  health::Registry registry;
  app::MetricsPublisher publisher(health::declare_memberwatch_metrics(registry, "test"));
  app::CycleOutcome outcome;
  outcome.written = true;
  outcome.snapshot = snapshot_with_gaps();
  publisher.publish_cycle(outcome, 100);
  auto closed = snapshot_with_gaps();
  closed.accounts[2].gaps.clear();
  outcome.snapshot = closed;
  publisher.publish_cycle(outcome, 100);
  const auto text = registry.render();
  CHECK(text.find("account_id=\"333333333333\"") == std::string::npos);
  CHECK(has_line(text, "memberwatch_gaps 2"));
}

TEST_CASE(
    "memberwatch_source_auto_enable: one series per source with an organization configuration, its mode") {
  health::Registry registry;
  app::MetricsPublisher publisher(health::declare_memberwatch_metrics(registry, "test"));
  core::Snapshot snapshot;
  core::SourceSummary guardduty;
  guardduty.key = {"111111111111", core::Service::guardduty, "us-east-1"};
  guardduty.organization = core::SourceOrganization{"NONE", "{}"};
  core::SourceSummary securityhub;
  securityhub.key = {"111111111111", core::Service::securityhub, "eu-west-1"};
  securityhub.organization = core::SourceOrganization{"CENTRAL", "{}"};
  core::SourceSummary detective;  // not the organization's administrator there
  detective.key = {"111111111111", core::Service::detective, "us-east-1"};
  snapshot.sources = {guardduty, securityhub, detective};
  app::CycleOutcome outcome;
  outcome.written = true;
  outcome.snapshot = snapshot;
  publisher.publish_cycle(outcome, 100);
  auto text = registry.render();
  CHECK(has_line(
      text,
      R"(memberwatch_source_auto_enable{administrator_id="111111111111",service="guardduty",region="us-east-1",mode="NONE"} 1)"));
  CHECK(has_line(
      text,
      R"(memberwatch_source_auto_enable{administrator_id="111111111111",service="securityhub",region="eu-west-1",mode="CENTRAL"} 1)"));
  CHECK(text.find(R"(memberwatch_source_auto_enable{administrator_id="111111111111",service="detective")") ==
        std::string::npos);

  // The mode changes: the old series goes.
  snapshot.sources[0].organization->auto_enable = "ALL";
  outcome.snapshot = snapshot;
  publisher.publish_cycle(outcome, 100);
  text = registry.render();
  CHECK(text.find(R"(mode="NONE")") == std::string::npos);
  CHECK(has_line(
      text,
      R"(memberwatch_source_auto_enable{administrator_id="111111111111",service="guardduty",region="us-east-1",mode="ALL"} 1)"));
}
