#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <locale>
#include <random>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "store/snapshot_json.hpp"
#include "store_test_support.hpp"

namespace json = boost::json;
using namespace mw;
using mw::store::testing::check_equal;
using mw::store::testing::rich_snapshot;

namespace {

core::Snapshot small_snapshot() {
  core::Snapshot snapshot;
  snapshot.generated_at = "2026-11-21T10:15:14Z";
  snapshot.cycle = {"2026-11-21T10:15:02Z", "2026-11-21T10:15:14Z", 12.3, true, 410, 3, 2};
  core::SourceSummary source;
  source.key = {"111111111111", core::Service::guardduty, "us-east-1"};
  source.administrator_name = "security-tooling";
  source.resource = "12abc34d";
  source.last_attempt_at = "2026-11-21T10:15:03Z";
  source.members = 1;
  snapshot.sources = {source};
  auto record = store::testing::membership("222222222222", core::Service::guardduty, "us-east-1",
                                           core::MemberStatus::ENABLED, "Enabled");
  record.detail =
      core::to_sorted_compact_json(json::object{{"master_id", "111111111111"}, {"detector_id", "12abc34d"}});
  snapshot.memberships = {record};
  core::AccountSummary account;
  account.account_id = "222222222222";
  account.covered = true;
  snapshot.accounts = {account};
  snapshot.totals = {1, 1, 0, {{"guardduty", {{"ENABLED", 1}}}}};
  return snapshot;
}

// The serialized rich snapshot as a mutable JSON value, for breaking it.
json::object rich_as_json() {
  return json::parse(store::serialize(rich_snapshot())).as_object();
}

std::string parse_error_of(const json::value& value) {
  const auto parsed = store::parse_snapshot(json::serialize(value));
  REQUIRE_FALSE(parsed);
  return parsed.error;
}

}  // namespace

TEST_CASE("serialize writes the contract's layout: sorted keys, two-space indent, nulls, trailing newline") {
  const std::string expected = R"({
  "accounts": [
    {
      "account_id": "222222222222",
      "covered": true,
      "feature_gaps": [],
      "findings": [],
      "gaps": [],
      "inactive": false,
      "name": null,
      "organization_status": null,
      "unknown": []
    }
  ],
  "administrators": [],
  "cycle": {
    "complete": true,
    "duration_seconds": 12.3,
    "finished_at": "2026-11-21T10:15:14Z",
    "requests": 410,
    "retries": 3,
    "started_at": "2026-11-21T10:15:02Z",
    "throttled": 2
  },
  "generated_at": "2026-11-21T10:15:14Z",
  "memberships": [
    {
      "account_id": "222222222222",
      "administrator_id": "111111111111",
      "detail": {
        "detector_id": "12abc34d",
        "master_id": "111111111111"
      },
      "email": null,
      "invited_at": null,
      "raw_status": "Enabled",
      "region": "us-east-1",
      "service": "guardduty",
      "stale": false,
      "status": "ENABLED",
      "updated_at": null
    }
  ],
  "organization": null,
  "schema": "memberwatch.snapshot/v1",
  "sources": [
    {
      "administrator_id": "111111111111",
      "administrator_name": "security-tooling",
      "call_errors": [],
      "error": null,
      "findings": [],
      "last_attempt_at": "2026-11-21T10:15:03Z",
      "last_success_at": null,
      "members": 1,
      "not_members": 0,
      "organization": null,
      "region": "us-east-1",
      "resource": "12abc34d",
      "service": "guardduty",
      "state": "ok"
    }
  ],
  "totals": {
    "accounts": 1,
    "by_service_status": {
      "guardduty": {
        "ENABLED": 1
      }
    },
    "covered": 1,
    "inactive": 0
  }
}
)";
  CHECK(store::serialize(small_snapshot()) == expected);
}

TEST_CASE("source errors are objects with code, message and http_status (null without an HTTP answer)") {
  const json::object root = rich_as_json();
  const json::array& sources = root.at("sources").as_array();
  CHECK(sources.at(0).at("error").is_null());
  CHECK(
      json::serialize(sources.at(1).at("error")) ==
      R"({"code":"AccessDeniedException","http_status":403,"message":"User: arn:aws:sts::1:x is not authorized"})");
  CHECK(json::serialize(sources.at(2).at("error")) ==
        R"({"code":"RequestTimeout","http_status":null,"message":"no answer within 30s"})");
  CHECK(sources.at(2).at("resource").is_null());
  CHECK(sources.at(1).at("state") == "stale");
}

TEST_CASE("serialize is deterministic: same bytes for equal snapshots, whatever the detail's key order") {
  core::Snapshot a = rich_snapshot();
  core::Snapshot b = rich_snapshot();
  CHECK(store::serialize(a) == store::serialize(b));
  json::object reversed;
  const json::object detail = json::parse(a.memberships[1].detail).as_object();
  for (auto it = detail.end(); it != detail.begin();) {
    --it;
    reversed[it->key()] = it->value();
  }
  REQUIRE(reversed.begin()->key() != detail.begin()->key());
  b.memberships[1].detail = core::to_sorted_compact_json(reversed);
  CHECK(store::serialize(a) == store::serialize(b));
  reversed["percent_of_graph_utilization"] = 12.75;
  b.memberships[1].detail = core::to_sorted_compact_json(reversed);
  CHECK(store::serialize(a) != store::serialize(b));
}

TEST_CASE("a rich snapshot survives serialize and parse unchanged") {
  const core::Snapshot original = rich_snapshot();
  const std::string text = store::serialize(original);
  const auto parsed = store::parse_snapshot(text);
  REQUIRE_MESSAGE(parsed, parsed.error);
  check_equal(*parsed.value, original);
  CHECK(store::serialize(*parsed.value) == text);
}

TEST_CASE("a snapshot fed in pieces of any size reads as it does whole, errors included") {
  const std::string good = store::serialize(rich_snapshot());
  json::object broken_membership = rich_as_json();
  broken_membership["memberships"].as_array()[1].as_object()["status"] = "ENABLD";
  json::object broken_account = rich_as_json();
  broken_account["accounts"].as_array()[0].as_object()["findings"] = json::array{1};
  const std::vector<std::string> texts = {
      good,
      json::serialize(broken_membership),
      json::serialize(broken_account),
      good.substr(0, good.size() / 2),
      "{\n  \"schema\": \"memberwatch.snapshot/v1\",\n  \"cycle\": {,\n}",
      good + "}",
      " \n",
  };
  for (const auto& text : texts) {
    const auto whole = store::parse_snapshot(text);
    for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
      CAPTURE(size);
      store::SnapshotParser parser;
      for (std::size_t at = 0; at < text.size(); at += size)
        parser.write(std::string_view(text).substr(at, size));
      const auto pieces = parser.finish();
      REQUIRE(bool(pieces) == bool(whole));
      if (whole)
        check_equal(*pieces.value, *whole.value);
      else
        CHECK(pieces.error == whole.error);
    }
  }
  CHECK(store::parse_snapshot(texts[1]).error == R"(memberships[1].status: unknown status "ENABLD")");
  CHECK(store::parse_snapshot(texts[2]).error == "accounts[0].findings[0]: expected a string, got a number");
}

TEST_CASE("errors in the streamed arrays are reported in key order, after the schema's") {
  json::object root = rich_as_json();
  root["memberships"].as_array()[0].as_object()["service"] = "inspector";
  root["schema"] = "memberwatch.snapshot/v2";
  CHECK(parse_error_of(root) ==
        R"(schema: expected "memberwatch.snapshot/v1", got "memberwatch.snapshot/v2")");
  root["schema"] = "memberwatch.snapshot/v1";
  root["sources"] = 7;
  CHECK(parse_error_of(root) == "sources: expected an array, got a number");
  root.erase("sources");
  root = rich_as_json();
  root["memberships"] = json::object{};
  CHECK(parse_error_of(root) == "memberships: expected an array, got an object");
  root.erase("memberships");
  CHECK(parse_error_of(root) == "memberships: missing");
  root = rich_as_json();
  root["memberships"].as_array().push_back(3);
  CHECK(parse_error_of(root) == "memberships[" + std::to_string(rich_snapshot().memberships.size()) +
                                    "]: expected an object, got a number");
}

TEST_CASE("of a streamed array given twice, the later one counts, and an error in the earlier is gone") {
  const std::string good = store::serialize(small_snapshot());
  const std::size_t at = good.find("\"memberships\"");
  REQUIRE(at != std::string::npos);
  std::string twice = good;
  twice.insert(at, R"("memberships": [{"account_id": 7}],
  )");
  const auto parsed = store::parse_snapshot(twice);
  REQUIRE_MESSAGE(parsed, parsed.error);
  REQUIRE(parsed.value->memberships.size() == 1);
  CHECK(parsed.value->memberships[0].account_id == "222222222222");
}

TEST_CASE(
    "a snapshot's memberships may sit anywhere among its keys, and nested keys of the same name are data") {
  const core::Snapshot original = rich_snapshot();
  json::object root = rich_as_json();
  // Reordered: memberships first; a detail holding keys named like the streamed arrays.
  json::object reordered;
  reordered["memberships"] = root["memberships"];
  for (const auto& [key, value] : root)
    if (key != "memberships") reordered[key] = value;
  auto& first = reordered["memberships"].as_array()[0].as_object();
  first["detail"] =
      json::object{{"accounts", json::array{1, 2}}, {"memberships", json::array{json::object{}}}};
  const auto parsed = store::parse_snapshot(json::serialize(reordered));
  REQUIRE_MESSAGE(parsed, parsed.error);
  REQUIRE(parsed.value->memberships.size() == original.memberships.size());
  REQUIRE(parsed.value->accounts.size() == original.accounts.size());
  CHECK(parsed.value->memberships[0].detail == R"({"accounts":[1,2],"memberships":[{}]})");
  for (std::size_t i = 1; i < original.memberships.size(); ++i)
    CHECK(parsed.value->memberships[i].account_id == original.memberships[i].account_id);
}

TEST_CASE("UTF-8, quotes, control characters and trailing spaces are kept") {
  const std::string text = store::serialize(rich_snapshot());
  CHECK(text.find(R"("email": "zoë.o'brien+\"sec\"@exämple.com  ")") != std::string::npos);
  CHECK(text.find(R"("email": "日本語@例え.jp")") != std::string::npos);
  CHECK(text.find(R"("control\tkey\n": "line1\nline2\u0001")") != std::string::npos);
  CHECK(text.find(R"("name": "Prod – Ünïcode")") != std::string::npos);
  const auto parsed = store::parse_snapshot(text);
  REQUIRE(parsed);
  CHECK(parsed.value->memberships[0].email == "zoë.o'brien+\"sec\"@exämple.com  ");
  CHECK(parsed.value->memberships[1].email == "日本語@例え.jp");
}

TEST_CASE("invalid UTF-8 is written as U+FFFD so the file stays valid JSON") {
  core::Snapshot snapshot = small_snapshot();
  snapshot.memberships[0].email = std::string("bad\xC3(\xED\xA0\x80\xF8@x.com");
  const std::string text = store::serialize(snapshot);
  CHECK(text.find("\"email\": \"bad\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD@x.com\"") !=
        std::string::npos);
  const auto parsed = store::parse_snapshot(text);
  REQUIRE_MESSAGE(parsed, parsed.error);
  CHECK(core::quote_json_string("ok \xF0\x9F\x98\x80") == "\"ok \xF0\x9F\x98\x80\"");
  CHECK(core::quote_json_string("cut \xF0\x9F\x98") == "\"cut \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("duration_seconds is written to the millisecond, the same way in every locale") {
  struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
  };
  const std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  const auto duration_text = [](double seconds) {
    core::Snapshot snapshot = small_snapshot();
    snapshot.cycle.duration_seconds = seconds;
    const std::string text = store::serialize(snapshot);
    const auto start = text.find("\"duration_seconds\": ") + 20;
    return text.substr(start, text.find(',', start) - start);
  };
  CHECK(duration_text(12.3) == "12.3");
  CHECK(duration_text(1.23456) == "1.235");
  CHECK(duration_text(0.0004) == "0.0");
  CHECK(duration_text(0) == "0.0");
  CHECK(duration_text(0.001) == "0.001");
  CHECK(duration_text(1234567.5) == "1234567.5");
  CHECK(duration_text(100000) == "100000.0");
  std::locale::global(previous);
  core::Snapshot snapshot = small_snapshot();
  snapshot.cycle.duration_seconds = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(store::serialize(snapshot), std::invalid_argument);
}

TEST_CASE("detail numbers keep their kind: integers as integers, doubles as doubles") {
  CHECK(core::format_json_double(3.0) == "3.0");
  CHECK(core::format_json_double(12.5) == "12.5");
  CHECK(core::format_json_double(-0.25) == "-0.25");
  CHECK(core::format_json_double(1e-9) == "1e-09");
  CHECK(core::format_json_double(std::numeric_limits<double>::infinity()) == "null");
  const std::string text = store::serialize(rich_snapshot());
  CHECK(text.find("\"large_unsigned\": 18446744073709551615,") != std::string::npos);
  CHECK(text.find("\"negative\": -7,") != std::string::npos);
  CHECK(text.find("\"whole_double\": 3.0\n") != std::string::npos);
  CHECK(text.find("\"volume_usage_in_bytes\": 1234567890123,\n") != std::string::npos);
}

TEST_CASE("parse_snapshot names what is wrong and where") {
  SUBCASE("malformed JSON, with line and column") {
    const auto parsed =
        store::parse_snapshot("{\n  \"schema\": \"memberwatch.snapshot/v1\",\n  \"cycle\": {,\n}");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error.find("not valid JSON at line 3 column 13") == 0);
  }
  SUBCASE("empty text") {
    const auto parsed = store::parse_snapshot(" \n");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error == "empty: no JSON value");
  }
  SUBCASE("text after the value") {
    const auto parsed = store::parse_snapshot(store::serialize(small_snapshot()) + "}");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error.find("not valid JSON") == 0);
  }
  SUBCASE("not an object") {
    CHECK(parse_error_of(json::array{1, 2}) == "(top level): expected an object, got an array");
  }
  SUBCASE("another schema") {
    json::object root = rich_as_json();
    root["schema"] = "memberwatch.snapshot/v2";
    CHECK(parse_error_of(root) ==
          R"(schema: expected "memberwatch.snapshot/v1", got "memberwatch.snapshot/v2")");
  }
  SUBCASE("missing schema") {
    json::object root = rich_as_json();
    root.erase("schema");
    CHECK(parse_error_of(root) == "schema: missing");
  }
  SUBCASE("missing nested key") {
    json::object root = rich_as_json();
    root["memberships"].as_array()[2].as_object().erase("detail");
    CHECK(parse_error_of(root) == "memberships[2].detail: missing");
  }
  SUBCASE("wrong type") {
    json::object root = rich_as_json();
    root["sources"].as_array()[1].as_object()["members"] = "120";
    CHECK(parse_error_of(root) == "sources[1].members: expected a non-negative integer, got a string");
  }
  SUBCASE("negative count") {
    json::object root = rich_as_json();
    root["cycle"].as_object()["retries"] = -1;
    CHECK(parse_error_of(root) == "cycle.retries: expected a non-negative integer, got -1");
  }
  SUBCASE("fractional count") {
    json::object root = rich_as_json();
    root["totals"].as_object()["by_service_status"].as_object()["guardduty"].as_object()["ENABLED"] = 1.5;
    CHECK(parse_error_of(root) ==
          "totals.by_service_status.guardduty.ENABLED: expected a non-negative integer, got a number");
  }
  SUBCASE("unknown status") {
    json::object root = rich_as_json();
    root["memberships"].as_array()[0].as_object()["status"] = "ENABLD";
    CHECK(parse_error_of(root) == R"(memberships[0].status: unknown status "ENABLD")");
  }
  SUBCASE("a membership time that is not a date-time") {
    json::object root = rich_as_json();
    root["memberships"].as_array()[0].as_object()["updated_at"] = "yesterday";
    CHECK(parse_error_of(root) ==
          R"(memberships[0].updated_at: expected an RFC 3339 date-time, got "yesterday")");
  }
  SUBCASE("unknown service in a gap") {
    json::object root = rich_as_json();
    root["accounts"].as_array()[0].as_object()["gaps"].as_array()[0].as_object()["service"] = "inspector";
    CHECK(parse_error_of(root) == R"(accounts[0].gaps[0].service: unknown service "inspector")");
  }
  SUBCASE("unknown source state") {
    json::object root = rich_as_json();
    root["sources"].as_array()[0].as_object()["state"] = "OK";
    CHECK(parse_error_of(root) == R"(sources[0].state: unknown source state "OK")");
  }
  SUBCASE("a finding that is not a string") {
    json::object root = rich_as_json();
    root["accounts"].as_array()[0].as_object()["findings"].as_array()[0] = 7;
    CHECK(parse_error_of(root) == "accounts[0].findings[0]: expected a string, got a number");
  }
  SUBCASE("null where a value is required") {
    json::object root = rich_as_json();
    root["memberships"].as_array()[3].as_object()["stale"] = nullptr;
    CHECK(parse_error_of(root) == "memberships[3].stale: expected true or false, got null");
  }
  SUBCASE("an error without its code") {
    json::object root = rich_as_json();
    root["sources"].as_array()[1].as_object()["error"].as_object().erase("code");
    CHECK(parse_error_of(root) == "sources[1].error.code: missing");
  }
  SUBCASE("detail not an object") {
    json::object root = rich_as_json();
    root["memberships"].as_array()[1].as_object()["detail"] = json::array{};
    CHECK(parse_error_of(root) == "memberships[1].detail: expected an object, got an array");
  }
}

TEST_CASE("a snapshot written before organization, administrators and inactive existed still reads") {
  auto old = rich_as_json();
  old.erase("organization");
  old.erase("administrators");
  old["totals"].as_object().erase("inactive");
  for (auto& account : old["accounts"].as_array()) account.as_object().erase("inactive");
  const auto parsed = store::parse_snapshot(json::serialize(old));
  REQUIRE_MESSAGE(parsed, parsed.error);
  CHECK_FALSE(parsed.value->organization.has_value());
  CHECK(parsed.value->administrators.empty());
  CHECK(parsed.value->totals.inactive == 0);
  CHECK_FALSE(parsed.value->accounts.back().inactive);
}

TEST_CASE("the organization block and administrators are checked like the rest") {
  auto snapshot = rich_as_json();
  snapshot["organization"].as_object()["state"] = "fine";
  CHECK(parse_error_of(snapshot) == R"(organization.state: unknown source state "fine")");
  snapshot = rich_as_json();
  snapshot["administrators"].as_array()[1].as_object()["regions_from"] = "guessed";
  CHECK(parse_error_of(snapshot) == R"(administrators[1].regions_from: unknown regions_from "guessed")");
  snapshot = rich_as_json();
  snapshot["administrators"].as_array()[0].as_object()["regions"] = json::array{1};
  CHECK(parse_error_of(snapshot) == "administrators[0].regions[0]: expected a string, got a number");
}

TEST_CASE("parse_snapshot ignores keys it does not know and reads integral durations") {
  json::object root = rich_as_json();
  root["added_later"] = json::object{{"x", 1}};
  root["cycle"].as_object()["duration_seconds"] = 12;
  const auto parsed = store::parse_snapshot(json::serialize(root));
  REQUIRE_MESSAGE(parsed, parsed.error);
  CHECK(parsed.value->cycle.duration_seconds == 12.0);
}

TEST_CASE("every truncation and random corruption of a snapshot is an error, never a crash") {
  const std::string text = store::serialize(rich_snapshot());
  for (std::size_t length = 0; length + 1 < text.size(); ++length) {
    const auto parsed = store::parse_snapshot(std::string_view(text).substr(0, length));
    CHECK_FALSE(parsed);
    CHECK_FALSE(parsed.error.empty());
  }
  std::mt19937 random(20261121);
  std::uniform_int_distribution<std::size_t> position(0, text.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string corrupted = text;
    for (int flips = 0; flips < 3; ++flips) corrupted[position(random)] = static_cast<char>(byte(random));
    const auto parsed = store::parse_snapshot(corrupted);
    if (!parsed) CHECK_FALSE(parsed.error.empty());
  }
}

TEST_CASE("a change is one compact JSON line in the contract's key order") {
  core::MembershipChange change{"2026-11-21T10:15:14Z",
                                "222222222222",
                                core::Service::detective,
                                "eu-west-1",
                                "111111111111",
                                core::MemberStatus::INVITED,
                                core::MemberStatus::ENABLED};
  CHECK(
      store::serialize_change(change) ==
      R"({"at":"2026-11-21T10:15:14Z","kind":"membership","account_id":"222222222222","service":"detective",)"
      R"("region":"eu-west-1",)"
      R"("administrator_id":"111111111111","from":"INVITED","to":"ENABLED"})");
  change.from.reset();
  CHECK(store::serialize_change(change).find(R"("from":null,"to":"ENABLED"})") != std::string::npos);
  change.from = core::MemberStatus::NOT_MEMBER;
  change.to.reset();
  const std::string line = store::serialize_change(change);
  CHECK(line.find(R"("from":"NOT_MEMBER","to":null})") != std::string::npos);
  CHECK(line.find('\n') == std::string::npos);

  const auto parsed = store::parse_change_line(line);
  REQUIRE_MESSAGE(parsed, parsed.error);
  CHECK(parsed.value->at == change.at);
  CHECK(parsed.value->account_id == change.account_id);
  CHECK(parsed.value->service == change.service);
  CHECK(parsed.value->region == change.region);
  CHECK(parsed.value->administrator_id == change.administrator_id);
  CHECK(parsed.value->from == change.from);
  CHECK(parsed.value->to == change.to);
}

TEST_CASE("an account change is a line of kind account, lines say their kind") {
  core::AccountChange change{"2026-11-21T10:15:14Z", "222222222222", "ACTIVE", "SUSPENDED"};
  const std::string line = store::serialize_change(change);
  CHECK(line ==
        R"({"at":"2026-11-21T10:15:14Z","kind":"account","account_id":"222222222222","from":"ACTIVE",)"
        R"("to":"SUSPENDED"})");
  const auto parsed = store::parse_account_change_line(line);
  REQUIRE_MESSAGE(parsed, parsed.error);
  CHECK(*parsed.value == change);
  change.from.reset();
  change.to.reset();
  CHECK(store::parse_account_change_line(store::serialize_change(change)).value == change);
  CHECK(store::change_kind(line) == "account");
  CHECK(store::change_kind(store::serialize_change(core::MembershipChange{
            "t", "222222222222", core::Service::guardduty, "r", "1", std::nullopt, std::nullopt})) ==
        "membership");
  CHECK(store::change_kind(R"({"at":"x"})") == "membership");  // written before kinds existed
  CHECK(store::change_kind("garbage").empty());
  CHECK(store::parse_account_change_line(R"({"at":"x","kind":"membership"})").error ==
        R"(kind: expected "account")");
  // A membership parser does not take an account line.
  CHECK_FALSE(store::parse_change_line(line));
}

TEST_CASE("parse_change_line rejects broken lines with the key named") {
  CHECK(store::parse_change_line(R"({"at":"x"})").error == "account_id: missing");
  CHECK(store::parse_change_line(R"({"at":"x","account_id":"1","service":"guardduty","region":"r",)"
                                 R"("administrator_id":"2","from":"nope","to":null})")
            .error == R"(from: unknown status "nope")");
  CHECK(store::parse_change_line(R"({"at":"x","acc)").error.find("not valid JSON at line 1 column 15") == 0);
}

TEST_CASE("a parser reads only the memberships it is asked for, and none when asked for none") {
  const core::Snapshot rich = rich_snapshot();
  const std::string text = store::serialize(rich);
  const auto parse_with = [&](store::MembershipSelection selection, const std::string& input) {
    std::vector<core::Membership> seen;
    std::vector<core::AccountSummary> accounts;
    store::SnapshotParser parser(
        [&](core::Membership&& record) { seen.push_back(std::move(record)); },
        [&](core::AccountSummary&& account) { accounts.push_back(std::move(account)); },
        std::move(selection));
    for (std::size_t at = 0; at < input.size(); at += 5) parser.write(std::string_view(input).substr(at, 5));
    auto parsed = parser.finish();
    return std::make_tuple(std::move(parsed), seen, accounts);
  };

  auto [some, seen, accounts] =
      parse_with({false, [](std::string_view id) { return id == "222222222222"; }}, text);
  REQUIRE(some);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].account_id == "222222222222");
  CHECK(seen[1].account_id == "222222222222");
  CHECK(seen[1].detail == rich.memberships[1].detail);
  CHECK(accounts.size() == rich.accounts.size());

  auto [none, unseen, all_accounts] = parse_with({true, {}}, text);
  REQUIRE(none);
  CHECK(unseen.empty());
  CHECK(none.value->memberships.empty());
  CHECK(all_accounts.size() == rich.accounts.size());
  CHECK(none.value->sources.size() == rich.sources.size());

  // Skipped records are not checked, but the text still has to be JSON.
  json::object bad_record = rich_as_json();
  bad_record["memberships"].as_array()[2].as_object()["status"] = "ENABLD";
  CHECK(std::get<0>(parse_with({true, {}}, json::serialize(bad_record))));
  CHECK(std::get<0>(parse_with({false, [](std::string_view id) { return id == "222222222222"; }},
                               json::serialize(bad_record))));
  CHECK(std::get<0>(parse_with({false, {}}, json::serialize(bad_record))).error ==
        R"(memberships[2].status: unknown status "ENABLD")");
  // A file whose records do not start with account_id (not written by
  // memberwatchd) is filtered all the same, after each record is built.
  json::object reordered = rich_as_json();
  for (auto& element : reordered["memberships"].as_array()) {
    json::object& record = element.as_object();
    const json::value account_id = record["account_id"];
    record.erase("account_id");
    record["account_id"] = account_id;
  }
  auto [filtered, late, ignored] = parse_with(
      {false, [](std::string_view id) { return id == "333333333333"; }}, json::serialize(reordered));
  REQUIRE(filtered);
  REQUIRE(late.size() == 1);
  CHECK(late[0].account_id == "333333333333");
  CHECK(late[0].raw_status == "Paused");

  const auto truncated = std::get<0>(parse_with({true, {}}, text.substr(0, text.size() * 2 / 3)));
  CHECK_FALSE(truncated);
  CHECK(truncated.error.starts_with("not valid JSON at line "));
}
