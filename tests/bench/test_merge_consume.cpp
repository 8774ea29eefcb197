// merge()'s rvalue overload, added so a cycle's records exist once instead
// of twice: it must give exactly the snapshot the copying overload gives.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "core/json_text.hpp"
#include "core/merge.hpp"
#include "store/snapshot_json.hpp"

using namespace mw::core;

namespace {

Membership record(const std::string& account, MemberStatus status, const std::string& raw) {
  Membership m;
  m.account_id = account;
  m.source = std::make_shared<const SourceKey>(SourceKey{"", Service::guardduty, ""});
  m.status = status;
  m.raw_status = raw;
  m.email = "aws+" + account + "@example.com";
  m.detail = mw::core::to_sorted_compact_json(
      boost::json::object{{"detector_id", "0123456789abcdef0123456789abcdef"}});
  return m;
}

CycleResults results_with_duplicates() {
  CycleResults results;
  results.started_at = results.finished_at = TimePoint{} + std::chrono::hours(500000);
  SourceResult source{{"111111111111", Service::guardduty, "us-east-1"},
                      "admin",
                      results.started_at,
                      "det",
                      std::nullopt,
                      {}};
  // An account both unprocessed and a member (a page boundary moved): the member wins.
  source.memberships.push_back(record("222222222222", MemberStatus::NOT_MEMBER, "not a member"));
  source.memberships.push_back(record("222222222222", MemberStatus::ENABLED, "Enabled"));
  source.memberships.push_back(record("333333333333", MemberStatus::INVITED, "Invited"));
  source.memberships.push_back(record("333333333333", MemberStatus::INVITED, "Invited"));
  source.memberships.push_back(record("444444444444", MemberStatus::NOT_MEMBER, "not a member"));
  results.sources.push_back(source);
  results.expected_accounts = {"555555555555"};
  return results;
}

}  // namespace

TEST_CASE("merging moved results gives the snapshot merging copied results gives") {
  const MergeOptions options{{{{"111111111111", Service::guardduty, "us-east-1"}, "admin"},
                              {{"111111111111", Service::detective, "us-east-1"}, "admin"}}};
  const auto results = results_with_duplicates();
  const auto copied = merge(std::nullopt, results, options);
  auto handed_over = results_with_duplicates();
  const auto moved = merge(std::nullopt, std::move(handed_over), options);
  CHECK(mw::store::serialize(moved) == mw::store::serialize(copied));
  REQUIRE(moved.memberships.size() == 4);  // and the administrator's own record in its answering source
  CHECK(moved.memberships[0].status == MemberStatus::ADMINISTRATOR);
  CHECK(moved.memberships[1].account_id == "222222222222");
  CHECK(moved.memberships[1].status == MemberStatus::ENABLED);
  CHECK(boost::json::parse(moved.memberships[1].detail).at("detector_id").as_string() ==
        "0123456789abcdef0123456789abcdef");
  CHECK(moved.accounts.size() == 5);
}
