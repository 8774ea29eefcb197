#include <doctest/doctest.h>

#include "ctl/options.hpp"

using namespace mw::ctl;
using mw::core::TimePoint;

namespace {

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));  // 2027-01-15T08:00:00Z

OptionsResult parse(std::vector<std::string> args) {
  return parse_options(args, kNow);
}

}  // namespace

TEST_CASE("memberwatchctl options: global options before or after the command, one origin, one format") {
  auto parsed =
      parse({"--snapshot", "/tmp/s.json", "--json", "gaps", "--service", "GuardDuty", "--region=eu-west-1"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->command == Command::gaps);
  CHECK(parsed.options->format == Format::json);
  CHECK(parsed.options->origin.snapshot_path == "/tmp/s.json");
  CHECK(parsed.options->filters.service == mw::core::Service::guardduty);
  CHECK(parsed.options->filters.region == "eu-west-1");

  parsed = parse({"gaps", "--csv", "--url", "http://127.0.0.1:9746"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->format == Format::csv);
  CHECK(parsed.options->origin.url == "http://127.0.0.1:9746");
  CHECK(parsed.options->origin.config_path == kDefaultConfigPath);

  CHECK(parse({"--snapshot", "a", "--url", "http://x", "status"}).error ==
        "give one of --config, --snapshot and --url");
  CHECK(parse({"--json", "--csv", "status"}).error == "give one of --json and --csv");
  CHECK(parse({"--config", "a", "--snapshot", "b", "status"}).error ==
        "give one of --config, --snapshot and --url");
}

TEST_CASE("memberwatchctl options: commands, their operands and their own options") {
  auto parsed = parse({"account", "222222222222"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->account_id == "222222222222");
  CHECK(parse({"account", "2222"}).error == "'2222' is not an account ID (12 digits)");
  CHECK(parse({"account"}).error == "missing account ID (account ID)");

  parsed = parse({"diff", "old.json", "new.json"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->old_snapshot == "old.json");
  CHECK(parsed.options->new_snapshot == "new.json");
  CHECK(parse({"diff", "old.json"}).error == "missing snapshot files (diff OLD NEW)");

  parsed = parse({"export", "sources"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->export_what == ExportWhat::sources);
  CHECK(parse({"export", "everything"}).error ==
        "cannot export 'everything' (memberships, accounts or sources)");

  parsed = parse({"check", "--max-age", "2h"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->max_age == std::chrono::hours(2));
  CHECK(parse({"check", "--max-age", "0s"}).error == "--max-age: '0s' is not a duration (90s, 45m, 2h)");

  parsed = parse(
      {"gaps", "--status", "not-member", "--administrator", "111111111111", "--account", "222222222222"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->filters.status == mw::core::MemberStatus::NOT_MEMBER);
  CHECK(parsed.options->filters.administrator_id == "111111111111");
  CHECK(parsed.options->filters.account_id == "222222222222");

  CHECK(parse({"status", "extra"}).error == "unexpected argument 'extra'");
  CHECK(parse({"status", "--service", "guardduty"}).error == "--service is not an option of status");
  CHECK(parse({"gaps", "--since", "1h"}).error == "--since is not an option of gaps");
  CHECK(parse({"gaps", "--service", "inspector"}).error ==
        "--service: 'inspector' is not a service (securityhub, guardduty, detective, inspector2, macie2)");
  CHECK(parse({"gaps", "--region", "Mars"}).error == "--region: 'Mars' is not an AWS region name");
  CHECK(parse({"gaps", "--status", "GONE"}).error ==
        "--status: 'GONE' is not a status (NOT_MEMBER, INVITED, DISABLED, ...)");
  CHECK(parse({"gaps", "--region"}).error == "--region needs a value");
  CHECK(parse({"gasp"}).error == "unknown command 'gasp' (did you mean gaps?)");
  CHECK(parse({}).error.starts_with("a command is needed"));
  CHECK(parse({"--frobnicate", "status"}).error == "unknown option '--frobnicate'");
  CHECK(parse({"-x", "status"}).error == "unknown option '-x'");
  CHECK(parse({"--json=yes", "status"}).error == "--json takes no value");
}

TEST_CASE("memberwatchctl options: --help and --version need no command") {
  auto parsed = parse({"--help"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->show_help);
  parsed = parse({"--version"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->show_version);
}

TEST_CASE("memberwatchctl options: --since is a duration back from now or an RFC 3339 time") {
  CHECK(parse_since("90s", kNow) == kNow - std::chrono::seconds(90));
  CHECK(parse_since("15m", kNow) == kNow - std::chrono::minutes(15));
  CHECK(parse_since("24h", kNow) == kNow - std::chrono::hours(24));
  CHECK(parse_since("7d", kNow) == kNow - std::chrono::hours(24 * 7));
  CHECK(parse_since("2026-11-21T10:15:02Z", kNow) == TimePoint(std::chrono::seconds(1'795'256'102)));
  CHECK(parse_since("2026-11-21T12:15:02+02:00", kNow) == TimePoint(std::chrono::seconds(1'795'256'102)));
  CHECK_FALSE(parse_since("", kNow));
  CHECK_FALSE(parse_since("d", kNow));
  CHECK_FALSE(parse_since("yesterday", kNow));
  CHECK_FALSE(parse_since("99999999d", kNow));
  CHECK_FALSE(parse_since("2026-02-30T00:00:00Z", kNow));
  // Beyond what the clock holds: refused, not overflowed.
  CHECK(parse_since("36600d", kNow) == kNow - std::chrono::hours(24 * 36600));
  CHECK_FALSE(parse_since("999999d", kNow));
  CHECK_FALSE(parse_since("999999999h", kNow));
  CHECK_FALSE(parse_since("999999999m", kNow));
  CHECK_FALSE(parse_since("9999-12-31T23:59:59Z", kNow));
  CHECK_FALSE(parse_since("0001-01-01T00:00:00Z", kNow));
  CHECK(parse_since("2200-01-01T00:00:00Z", kNow));

  auto parsed = parse({"changes", "--since", "7d", "--account", "222222222222", "--service", "detective"});
  REQUIRE(parsed.options);
  CHECK(parsed.options->since == kNow - std::chrono::hours(24 * 7));
  CHECK(parse({"changes", "--since", "last week"}).error ==
        "--since: 'last week' is neither a duration (90s, 15m, 24h, 7d) nor an RFC 3339 time");
}

TEST_CASE("memberwatchctl options: the health endpoint's credentials and TLS files") {
  auto parsed = parse({"--url", "https://127.0.0.1:9746", "--user", "prometheus", "--password-file=/run/pw",
                       "--ca-file", "/etc/ca.pem", "status", "--cert-file", "c.pem", "--key-file", "k.pem"});
  REQUIRE(parsed.options);
  const auto& access = parsed.options->origin.access;
  CHECK(access.user == "prometheus");
  CHECK(access.password_file == "/run/pw");
  CHECK(access.ca_file == "/etc/ca.pem");
  CHECK(access.cert_file == "c.pem");
  CHECK(access.key_file == "k.pem");
  CHECK(parse({"--config", "m.yaml", "--user", "prometheus", "refresh"}).options);
  CHECK(parse({"--snapshot", "s.json", "--user", "prometheus", "status"}).error ==
        "--user is for the daemon's endpoint (--url, or the one --config names), not --snapshot");
  CHECK(parse({"--url", "https://h", "--cert-file", "c.pem", "status"}).error ==
        "--cert-file and --key-file go together (the client certificate and its key)");
  CHECK(parse({"--url", "https://h", "--user", "a:b", "status"}).error ==
        "--user: a user name cannot hold ':' (basic auth)");
  CHECK(parse({"--url", "https://h", "--password-file=", "status"}).error == "--password-file needs a value");
}
