// The demo world end to end: the reviewed golden snapshot, UNKNOWN raw
// statuses, Unicode and quotes in emails, and a denied role plus an opt-in
// region that reject memberwatch.

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <regex>

#include "core/json_text.hpp"
#include "harness.hpp"
#include "store/snapshot_json.hpp"
#include "support/test_files.hpp"

using namespace mw;
using namespace mw::integration;
namespace json = boost::json;
using core::Service;

namespace {

const char* kNormalizedTime = "<cycle time>";

std::string demo_config_text() {
  return read_file(source_path("config/demo/memberwatch.yaml"));
}

bool is_rfc3339(const json::value& value) {
  static const std::regex pattern(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z)");
  return value.is_string() && std::regex_match(std::string(value.as_string()), pattern);
}

// Replaces a time of this cycle by a placeholder, after checking it is one:
// RFC 3339 and within the cycle.
void normalize_time(json::object& object, std::string_view key, const std::string& started,
                    const std::string& finished) {
  auto& value = object.at(key);
  if (value.is_null()) return;
  REQUIRE_MESSAGE(is_rfc3339(value), key, " = ", json::serialize(value));
  const std::string time(value.as_string());
  CHECK_MESSAGE(time >= started.substr(0, 19), key, " ", time, " before the cycle started ", started);
  CHECK_MESSAGE(time <= finished, key, " ", time, " after the cycle finished ", finished);
  value = kNormalizedTime;
}

// The snapshot with the times of this cycle replaced; everything else as written.
json::value normalize(json::object snapshot) {
  auto& cycle = snapshot.at("cycle").as_object();
  REQUIRE(is_rfc3339(cycle.at("started_at")));
  REQUIRE(is_rfc3339(cycle.at("finished_at")));
  const std::string started(cycle.at("started_at").as_string());
  const std::string finished(cycle.at("finished_at").as_string());
  CHECK(snapshot.at("generated_at") == cycle.at("finished_at"));
  REQUIRE(cycle.at("duration_seconds").is_double());
  CHECK(cycle.at("duration_seconds").as_double() >= 0);
  CHECK(cycle.at("duration_seconds").as_double() < 60);
  normalize_time(snapshot, "generated_at", started, finished);
  normalize_time(cycle, "started_at", started, finished);
  normalize_time(cycle, "finished_at", started, finished);
  cycle.at("duration_seconds") = 0.0;
  for (auto& source : snapshot.at("sources").as_array()) {
    normalize_time(source.as_object(), "last_attempt_at", started, finished);
    normalize_time(source.as_object(), "last_success_at", started, finished);
  }
  if (auto& organization = snapshot.at("organization"); organization.is_object()) {
    normalize_time(organization.as_object(), "last_attempt_at", started, finished);
    normalize_time(organization.as_object(), "last_success_at", started, finished);
  }
  return snapshot;
}

std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (line_a != line_b || more_a != more_b) {
      return "line " + std::to_string(line) + ":\n  golden: " + (more_a ? line_a : "<end>") +
             "\n  actual: " + (more_b ? line_b : "<end>");
    }
  }
}

}  // namespace

TEST_CASE("the demo world's snapshot equals the reviewed golden file") {
  mw::test::TempFolder dir;
  FakeAws aws(fake_aws::load_world(source_path("config/demo/world.yaml").string()));
  const auto config = make_config(demo_config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);  // audit-archive's role is denied on purpose

  const auto raw = snapshot_text(config);
  // Written sorted and pretty already: re-serializing changes nothing.
  CHECK(raw == core::to_sorted_pretty_json(json::parse(raw)));
  const auto actual = core::to_sorted_pretty_json(normalize(json::parse(raw).as_object()));

  const auto golden_path = source_path("tests/integration/golden/demo_snapshot.json");
  if (std::getenv("MW_UPDATE_GOLDEN") != nullptr) {
    write_file(golden_path, actual);
    MESSAGE("golden file rewritten: ", golden_path.string(), " (review it before committing)");
  }
  const auto golden = read_file(golden_path);
  if (actual != golden) {
    const auto actual_path = std::filesystem::path(MW_BINARY_DIR) / "demo_snapshot.actual.json";
    write_file(actual_path, actual);
    FAIL_CHECK("snapshot differs from ", golden_path.string(), " at ", first_difference(golden, actual),
               "\nwhole normalized snapshot: ", actual_path.string());
  }
}

TEST_CASE("statuses no service documents are UNKNOWN with the raw status kept") {
  mw::test::TempFolder dir;
  FakeAws aws(fake_aws::load_world(source_path("config/demo/world.yaml").string()));
  const auto config = make_config(demo_config_text(), dir.path());
  Daemon daemon(config, aws.endpoint_url());
  REQUIRE(daemon.cycle().written);
  const auto& snapshot = daemon.snapshot();

  for (const char* region : {"us-east-1", "eu-west-1"}) {
    CAPTURE(region);
    const auto* hub = find_membership(snapshot, "200000000047", Service::securityhub, region, "111111111111");
    REQUIRE(hub != nullptr);
    CHECK(hub->status == core::MemberStatus::UNKNOWN);
    CHECK(hub->raw_status == "PendingVerification");
    const auto* gd = find_membership(snapshot, "200000000049", Service::guardduty, region, "111111111111");
    REQUIRE(gd != nullptr);
    CHECK(gd->status == core::MemberStatus::UNKNOWN);
    CHECK(gd->raw_status == "Monitored");
  }
  // Documented statuses in other spellings normalize, keeping their raw form.
  const auto* disabled =
      find_membership(snapshot, "200000000044", Service::detective, "us-east-1", "111111111111");
  REQUIRE(disabled != nullptr);
  CHECK(disabled->status == core::MemberStatus::DISABLED);
  CHECK(disabled->raw_status == "ACCEPTED_BUT_DISABLED");

  // As written to disk, and read back by a restarted daemon.
  const auto text = snapshot_text(config);
  CHECK(text.find("\"raw_status\": \"PendingVerification\"") != std::string::npos);
  CHECK(text.find("\"raw_status\": \"Monitored\"") != std::string::npos);
  const auto reread = store::parse_snapshot(text);
  REQUIRE_MESSAGE(reread, reread.error);
  const auto* back =
      find_membership(*reread.value, "200000000049", Service::guardduty, "eu-west-1", "111111111111");
  REQUIRE(back != nullptr);
  CHECK(back->status == core::MemberStatus::UNKNOWN);
  CHECK(back->raw_status == "Monitored");
  // An UNKNOWN status is not ENABLED: the pair is a gap showing UNKNOWN.
  const auto* account = find_account(snapshot, "200000000049");
  REQUIRE(account != nullptr);
  bool gap_seen = false;
  for (const auto& gap : account->gaps) {
    if (gap.service == Service::guardduty && gap.region == "us-east-1") {
      gap_seen = true;
      CHECK(gap.status == core::MemberStatus::UNKNOWN);
    }
  }
  CHECK(gap_seen);
}

namespace {

struct EmailCase {
  std::string account;
  std::string email;         // as the service returns it
  std::string json_literal;  // as the snapshot must hold it
};

const std::vector<EmailCase> kEmails = {
    {"400000000001", "zoë.müller@example.com", "\"zoë.müller@example.com\""},
    {"400000000002", "日本語@example.jp", "\"日本語@example.jp\""},
    {"400000000003", "o'brien \"ops\"@example.com", R"("o'brien \"ops\"@example.com")"},
    {"400000000004", "back\\slash@example.com", R"("back\\slash@example.com")"},
    {"400000000005", "rocket\xF0\x9F\x9A\x80@example.com", "\"rocket\xF0\x9F\x9A\x80@example.com\""},
    {"400000000006", "trailing.space@example.com  ", "\"trailing.space@example.com  \""},
    {"400000000007", "tab\there@example.com", R"("tab\there@example.com")"},
};

// The email as a YAML double-quoted scalar.
std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("Unicode, quotes and escapes in emails round-trip to the snapshot bytes and back") {
  std::string members;
  for (const auto& e : kEmails) {
    members += "            - {account_id: \"" + e.account + "\", email: " + yaml_quoted(e.email) +
               ", status: Enabled}\n";
  }
  const std::string world = std::string(kHubWorldHead) + members;
  mw::test::TempFolder dir;
  FakeAws aws(world);
  const auto config = make_config(R"(
state_dir: state
aws: {regions: [us-east-1], services: [securityhub]}
administrators:
  - {name: "tööling \"main\"", account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)",
                                  dir.path());
  {
    Daemon daemon(config, aws.endpoint_url());
    const auto outcome = daemon.cycle();
    REQUIRE(outcome.written);
    CHECK(outcome.complete);
  }
  const auto text = snapshot_text(config);
  for (const auto& e : kEmails) {
    CAPTURE(e.account);
    CHECK_MESSAGE(text.find("\"email\": " + e.json_literal) != std::string::npos, "missing ", e.json_literal);
  }
  CHECK(text.find(R"("administrator_name": "tööling \"main\"")") != std::string::npos);

  // A restarted daemon reads the same strings back and sees no change.
  Daemon restarted(config, aws.endpoint_url());
  const auto& before = restarted.snapshot();
  for (const auto& e : kEmails) {
    const auto* m = find_membership(before, e.account, Service::securityhub, "us-east-1", "111111111111");
    REQUIRE(m != nullptr);
    CHECK(m->email == e.email);
  }
  const auto changes_before = read_file(std::filesystem::path(config.state_dir) / "changes.jsonl");
  REQUIRE(restarted.cycle().written);
  CHECK(read_file(std::filesystem::path(config.state_dir) / "changes.jsonl") == changes_before);
  for (const auto& e : kEmails) {
    const auto* m =
        find_membership(restarted.snapshot(), e.account, Service::securityhub, "us-east-1", "111111111111");
    REQUIRE(m != nullptr);
    CHECK(m->email == e.email);
  }
}

TEST_CASE("a denied role and an opt-in region: their sources error, their pairs are unknown, no NOT_MEMBER") {
  mw::test::TempFolder dir;
  FakeAws aws(fake_aws::load_world(source_path("config/demo/world.yaml").string()));
  auto text = demo_config_text();
  const std::string legacy_regions = "    regions: [us-east-1]\n    services: [securityhub, guardduty]";
  REQUIRE(text.find(legacy_regions) != std::string::npos);
  text = replace_all(text, legacy_regions,
                     "    regions: [us-east-1, ap-east-1]\n    services: [securityhub, guardduty]");
  const auto config = make_config(text, dir.path());
  Daemon daemon(config, aws.endpoint_url());
  const auto outcome = daemon.cycle();
  REQUIRE(outcome.written);
  CHECK_FALSE(outcome.complete);
  const auto& snapshot = daemon.snapshot();
  CHECK_FALSE(snapshot.cycle.complete);

  for (auto service : {Service::securityhub, Service::guardduty}) {
    CAPTURE(core::to_string(service));
    const auto* opt_in = find_source(snapshot, "222222222222", service, "ap-east-1");
    REQUIRE(opt_in != nullptr);
    CHECK(opt_in->state == core::SourceState::error);
    REQUIRE(opt_in->error.has_value());
    CHECK(opt_in->error->code == "UnrecognizedClientException");
    CHECK(opt_in->error->http_status == 403);
    CHECK_FALSE(opt_in->last_success_at.has_value());
    CHECK(opt_in->members == 0);
    CHECK(opt_in->not_members == 0);
    // The same administrator's us-east-1 answers.
    const auto* home = find_source(snapshot, "222222222222", service, "us-east-1");
    REQUIRE(home != nullptr);
    CHECK(home->state == core::SourceState::ok);
  }
  const auto* denied = find_source(snapshot, "333333333333", Service::securityhub, "us-east-1");
  REQUIRE(denied != nullptr);
  CHECK(denied->state == core::SourceState::error);
  REQUIRE(denied->error.has_value());
  CHECK(denied->error->code == "AccessDenied");

  for (const auto& m : snapshot.memberships) {
    CAPTURE(m.account_id);
    CHECK(m.source->region != "ap-east-1");
    CHECK(m.source->administrator_id != "333333333333");
  }
  REQUIRE(snapshot.accounts.size() > 60);
  for (const auto& account : snapshot.accounts) {
    CAPTURE(account.account_id);
    if (account.inactive) {  // closed or closing: never unknown, never a gap
      CHECK(account.unknown.empty());
      CHECK(account.gaps.empty());
      CHECK_FALSE(account.covered);
      continue;
    }
    bool securityhub_unknown = false, guardduty_unknown = false;
    for (const auto& pair : account.unknown) {
      if (pair.region != "ap-east-1") continue;
      securityhub_unknown |= pair.service == Service::securityhub;
      guardduty_unknown |= pair.service == Service::guardduty;
    }
    CHECK(securityhub_unknown);
    CHECK(guardduty_unknown);
    for (const auto& gap : account.gaps) CHECK(gap.region != "ap-east-1");
    CHECK_FALSE(account.covered);  // a pair nobody could answer is not covered
  }
  // Security Hub us-east-1 is answered by 111111111111 even though
  // 333333333333 is denied there: accounts missing from it are gaps.
  const auto* missing = find_account(snapshot, "200000000048");
  REQUIRE(missing != nullptr);
  bool hub_gap = false;
  for (const auto& gap : missing->gaps) {
    hub_gap |= gap.service == Service::securityhub && gap.region == "us-east-1" &&
               gap.status == core::MemberStatus::NOT_MEMBER;
  }
  CHECK(hub_gap);
}
