#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "core/json_text.hpp"
#include "ctl/commands.hpp"
#include "ctl/output.hpp"

using namespace mw::ctl;
using mw::core::MemberStatus;
using mw::core::Service;
using mw::core::TimePoint;
namespace json = boost::json;

namespace {

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));  // 2027-01-15T08:00:00Z

mw::core::AccountSummary account_with_gaps() {
  mw::core::AccountSummary account;
  account.account_id = "222222222222";
  account.name = "workload";
  account.gaps = {{Service::guardduty, "us-east-1", MemberStatus::NOT_MEMBER},
                  {Service::detective, "us-east-1", MemberStatus::INVITED},
                  {Service::guardduty, "eu-west-1", MemberStatus::DISABLED}};
  return account;
}

mw::core::Membership record(std::string account, Service service, std::string region, std::string admin,
                            MemberStatus status, bool stale = false) {
  mw::core::Membership m;
  m.source = std::make_shared<const mw::core::SourceKey>(
      mw::core::SourceKey{std::move(admin), service, std::move(region)});
  m.account_id = std::move(account);
  m.status = status;
  m.raw_status = std::string(mw::core::to_string(status));
  m.stale = stale;
  return m;
}

std::string compact(const std::vector<json::object>& rows) {
  json::array array;
  for (const auto& row : rows) array.push_back(row);
  return mw::core::to_sorted_compact_json(array);
}

}  // namespace

TEST_CASE("memberwatchctl gaps: every filter narrows the account's gaps") {
  const auto account = account_with_gaps();
  CHECK(gap_rows(account, {}).size() == 3);
  Filters filters;
  filters.service = Service::guardduty;
  CHECK(gap_rows(account, filters).size() == 2);
  filters.region = "eu-west-1";
  const auto rows = gap_rows(account, filters);
  REQUIRE(rows.size() == 1);
  CHECK(
      compact(rows) ==
      R"([{"account_id":"222222222222","account_name":"workload","feature":null,"kind":"coverage","region":"eu-west-1","service":"guardduty","status":"DISABLED"}])");
  filters = {};
  filters.status = MemberStatus::INVITED;
  CHECK(gap_rows(account, filters).size() == 1);
  filters = {};
  filters.account_id = "333333333333";
  CHECK(gap_rows(account, filters).empty());
}

TEST_CASE(
    "memberwatchctl gaps: feature gaps are rows of their own, after the coverage gaps, filtered alike") {
  auto account = account_with_gaps();
  account.feature_gaps = {{Service::guardduty, "us-east-1", "RUNTIME_MONITORING", "DISABLED"},
                          {Service::guardduty, "eu-west-1", "S3_DATA_EVENTS", "ABSENT"}};
  auto rows = gap_rows(account, {});
  REQUIRE(rows.size() == 5);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(rows[i].at("kind") == "coverage");
    CHECK(rows[i].at("feature").is_null());
  }
  CHECK(
      mw::core::to_sorted_compact_json(rows[3]) ==
      R"({"account_id":"222222222222","account_name":"workload","feature":"RUNTIME_MONITORING","kind":"feature","region":"us-east-1","service":"guardduty","status":"DISABLED"})");
  CHECK(rows[4].at("feature") == "S3_DATA_EVENTS");
  CHECK(rows[4].at("status") == "ABSENT");

  Filters filters;
  filters.region = "us-east-1";
  rows = gap_rows(account, filters);
  REQUIRE(rows.size() == 3);  // guardduty and detective coverage, the runtime monitoring plan
  CHECK(rows[2].at("feature") == "RUNTIME_MONITORING");
  filters = {};
  filters.service = Service::detective;
  rows = gap_rows(account, filters);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("kind") == "coverage");

  // A status keeps the plans whose status has its name: DISABLED both kinds,
  // NOT_MEMBER no plan.
  filters = {};
  filters.status = MemberStatus::DISABLED;
  rows = gap_rows(account, filters);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("kind") == "coverage");
  CHECK(rows[0].at("region") == "eu-west-1");
  CHECK(rows[1].at("kind") == "feature");
  CHECK(rows[1].at("feature") == "RUNTIME_MONITORING");
  filters.status = MemberStatus::NOT_MEMBER;
  rows = gap_rows(account, filters);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("kind") == "coverage");
  account.feature_gaps[0].status = "Disabled";  // as --status matches: case and underscores do not matter
  filters.status = MemberStatus::DISABLED;
  CHECK(gap_rows(account, filters).size() == 2);

  filters = {};
  filters.account_id = "333333333333";
  CHECK(gap_rows(account, filters).empty());
  account.gaps.clear();  // an account covered everywhere, but without a required plan
  CHECK(gap_rows(account, {}).size() == 2);
}

TEST_CASE("memberwatchctl gaps: an administrator polls its sources' pairs, not the region_disabled ones") {
  std::vector<mw::core::SourceSummary> sources(3);
  sources[0].key = {"111111111111", Service::guardduty, "us-east-1"};
  sources[1].key = {"111111111111", Service::guardduty, "eu-south-1"};
  sources[1].state = mw::core::SourceState::region_disabled;
  sources[2].key = {"444444444444", Service::detective, "us-east-1"};
  sources[0].state = mw::core::SourceState::stale;
  const auto pairs = polled_by(sources, "111111111111");
  CHECK(pairs == PolledPairs{{Service::guardduty, "us-east-1"}});
  CHECK(polled_by(sources, "999999999999").empty());
}

TEST_CASE("memberwatchctl changes: lines of both kinds as rows, filtered, bad lines named") {
  const std::string membership =
      R"({"at":"2026-11-21T10:15:02Z","kind":"membership","account_id":"222222222222","service":"guardduty","region":"us-east-1","administrator_id":"111111111111","from":"INVITED","to":"ENABLED"})";
  const std::string account =
      R"({"at":"2026-11-22T10:15:02Z","kind":"account","account_id":"333333333333","from":"ACTIVE","to":"SUSPENDED"})";
  auto line = change_row(membership, {}, std::nullopt);
  REQUIRE(line.row);
  CHECK(
      mw::core::to_sorted_compact_json(*line.row) ==
      R"({"account_id":"222222222222","administrator_id":"111111111111","at":"2026-11-21T10:15:02Z","from":"INVITED","kind":"membership","region":"us-east-1","service":"guardduty","to":"ENABLED"})");
  line = change_row(account, {}, std::nullopt);
  REQUIRE(line.row);
  CHECK(line.row->at("kind") == "account");
  CHECK(line.row->at("to") == "SUSPENDED");
  CHECK(line.row->at("service").is_null());

  Filters service;
  service.service = Service::guardduty;
  CHECK(change_row(membership, service, std::nullopt).row);
  CHECK_FALSE(change_row(account, service, std::nullopt).row);  // an account line has no service
  service.service = Service::detective;
  CHECK_FALSE(change_row(membership, service, std::nullopt).row);

  Filters by_account;
  by_account.account_id = "333333333333";
  CHECK_FALSE(change_row(membership, by_account, std::nullopt).row);
  CHECK(change_row(account, by_account, std::nullopt).row);

  const auto between = TimePoint(std::chrono::seconds(1'795'300'000));  // 2026-11-21T22:26:40Z
  CHECK_FALSE(change_row(membership, {}, between).row);
  CHECK(change_row(account, {}, between).row);
  CHECK(change_row(membership, {}, TimePoint(std::chrono::seconds(1'795'256'102))).row);  // at == since: kept

  const auto bad = change_row("{\"at\":", {}, std::nullopt);
  CHECK_FALSE(bad.row);
  CHECK(bad.error.starts_with("not a changes line: "));
  CHECK_FALSE(change_row("garbage", {}, std::nullopt).error.empty());
}

TEST_CASE("memberwatchctl diff: appeared, vanished, status changes and stale flips, in membership order") {
  const std::vector<mw::core::Membership> before = {
      record("200000000001", Service::guardduty, "us-east-1", "111111111111", MemberStatus::ENABLED),
      record("200000000002", Service::guardduty, "us-east-1", "111111111111", MemberStatus::INVITED),
      record("200000000003", Service::detective, "us-east-1", "111111111111", MemberStatus::ENABLED),
      record("200000000004", Service::securityhub, "us-east-1", "111111111111", MemberStatus::ENABLED),
  };
  const std::vector<mw::core::Membership> after = {
      record("200000000004", Service::securityhub, "us-east-1", "111111111111", MemberStatus::ENABLED, true),
      record("200000000002", Service::guardduty, "us-east-1", "111111111111", MemberStatus::ENABLED),
      record("200000000001", Service::guardduty, "us-east-1", "111111111111", MemberStatus::ENABLED),
      record("200000000005", Service::guardduty, "us-east-1", "111111111111", MemberStatus::NOT_MEMBER),
  };
  const auto rows = diff_rows(before, after);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].at("account_id") == "200000000002");
  CHECK(rows[0].at("change") == "status");
  CHECK(rows[0].at("from") == "INVITED");
  CHECK(rows[0].at("to") == "ENABLED");
  CHECK(rows[1].at("account_id") == "200000000003");
  CHECK(rows[1].at("change") == "vanished");
  CHECK(rows[1].at("to").is_null());
  CHECK(rows[2].at("account_id") == "200000000004");
  CHECK(rows[2].at("change") == "stale");
  CHECK(rows[2].at("stale_before") == false);
  CHECK(rows[2].at("stale_after") == true);
  CHECK(rows[3].at("account_id") == "200000000005");
  CHECK(rows[3].at("change") == "appeared");
  CHECK(rows[3].at("from").is_null());
  CHECK(diff_rows(before, before).empty());
}

TEST_CASE("memberwatchctl check: OK, WARNING on gaps, CRITICAL when old or failing, UNKNOWN without a time") {
  CheckFacts facts;
  facts.generated_at = kNow - std::chrono::minutes(3);
  facts.accounts = 12;
  facts.covered = 10;
  facts.inactive = 2;
  auto verdict = check_verdict(facts, std::chrono::minutes(45), kNow);
  CHECK(verdict.exit_code == kCheckOk);
  CHECK(
      verdict.line ==
      "MEMBERWATCH OK - every active account covered; 12 accounts, 10 covered, 2 inactive, snapshot 3m0s old"
      " | accounts=12 covered=10 gaps=0 unknown=0 inactive=2 failing_sources=0 age=180s;;2700");

  facts.with_gaps = 1;
  verdict = check_verdict(facts, std::chrono::minutes(45), kNow);
  CHECK(verdict.exit_code == kCheckWarning);
  CHECK(verdict.line.starts_with("MEMBERWATCH WARNING - 1 account(s) with gaps; "));

  facts.failing_sources = {"111111111111/guardduty/us-east-1 (stale, AccessDeniedException)"};
  verdict = check_verdict(facts, std::chrono::minutes(45), kNow);
  CHECK(verdict.exit_code == kCheckCritical);
  CHECK(
      verdict.line.starts_with("MEMBERWATCH CRITICAL - 1 source(s) failing: 111111111111/guardduty/us-east-1 "
                               "(stale, AccessDeniedException)"));

  facts.failing_sources.clear();
  facts.generated_at = kNow - std::chrono::hours(2);
  verdict = check_verdict(facts, std::chrono::minutes(45), kNow);
  CHECK(verdict.exit_code == kCheckCritical);
  CHECK(verdict.line.starts_with("MEMBERWATCH CRITICAL - snapshot is 2h0m old (more than 45m0s)"));

  facts.generated_at.reset();
  CHECK(check_verdict(facts, std::chrono::minutes(45), kNow).exit_code == kCheckUnknown);
}

TEST_CASE("memberwatchctl output: CSV fields quoted as RFC 4180 asks, cells and tables aligned") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(cell_text(json::value(nullptr)).empty());
  CHECK(cell_text(json::value(true)) == "true");
  CHECK(cell_text(json::value(42)) == "42");
  CHECK(cell_text(json::parse(R"({"b":1,"a":[2]})")) == R"({"b":1,"a":[2]})");

  const std::vector<json::object> rows = {
      json::object{{"account_id", "222222222222"}, {"status", "NOT_MEMBER"}},
      json::object{{"account_id", "3"}, {"status", nullptr}}};
  CHECK(table_text({"account_id", "status"}, rows, false) ==
        "ACCOUNT ID    STATUS\n"
        "222222222222  NOT_MEMBER\n"
        "3             -\n");
  CHECK(table_text({"account_id", "status"}, rows, true) ==
        "ACCOUNT ID    STATUS\n"
        "222222222222  \033[31mNOT_MEMBER\033[0m\n"
        "3             -\n");
  CHECK(human_age(std::chrono::seconds(42)) == "42s");
  CHECK(human_age(std::chrono::seconds(725)) == "12m5s");
  CHECK(human_age(std::chrono::seconds(3 * 3600 + 12 * 60)) == "3h12m");
  CHECK(human_age(std::chrono::seconds(2 * 86400 + 3 * 3600)) == "2d3h");
  CHECK(human_age(std::chrono::seconds(-5)) == "0s");
}
