// Secret hygiene end to end: whole cycles at trace level against an
// in-process fake-aws, with a known long-term secret key, a known session
// (secret key and token), a known web identity token and a rejected one.
// None of them, no fake-aws session secret or token, and no SigV4
// signature may appear in the logs, the snapshot, the changes log, the
// metrics exposition or the cycle's messages. Also: the state files' modes.

#include <sys/stat.h>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <cctype>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cycle_support.hpp"
#include "security_support.hpp"
#include "server.hpp"
#include "support/test_files.hpp"
#include "world.hpp"

namespace fs = std::filesystem;
using namespace mw;

namespace {

constexpr std::string_view kBaseKeyId = "AKIAMWSECRETS0000001";
constexpr std::string_view kBaseSecret = "Kn0wnBase/Secret+Key=ForTheSecretsTest001";
constexpr std::string_view kWebIdentityToken =
    "eyJhbGciOiJSUzI1NiJ9.known-web-identity-token-4711.c2lnbmF0dXJl";
constexpr std::string_view kRejectedWebIdentityToken =
    "eyJhbGciOiJSUzI1NiJ9.rejected-web-identity-token.c2ln";
// Every session token fake-aws issues (AssumeRole, web identity) starts so.
constexpr std::string_view kFakeAwsTokenPrefix = "IQoJb3JpZ2luX2VjE";

std::string world_yaml() {
  return R"(credentials:
  - {access_key_id: )" +
         std::string(kBaseKeyId) + ", secret_access_key: \"" + std::string(kBaseSecret) +
         R"(", account_id: "999999999999"}
roles:
  - arn: arn:aws:iam::111111111111:role/memberwatch-read
  - arn: arn:aws:iam::999999999999:role/web-identity
  - arn: arn:aws:iam::333333333333:role/memberwatch-read
    denied: true
web_identity_tokens:
  - {token: ")" +
         std::string(kWebIdentityToken) +
         R"(", role_arn: "arn:aws:iam::999999999999:role/web-identity"}
opt_in_regions: [ap-east-1]
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "400000000001", email: "one@example.com", status: Enabled}
            - {account_id: "400000000002", email: "two@example.com", status: Invited}
        guardduty:
          detector_id: 4444444444444444444444444444aaaa
          members:
            - {account_id: "400000000001", email: "one@example.com", status: Enabled}
      ap-east-1:
        securityhub:
          members:
            - {account_id: "400000000003", email: "three@example.com", status: Enabled}
  - account_id: "999999999999"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "400000000004", email: "four@example.com", status: Enabled}
throttling:
  securityhub: {rate: 0}
  guardduty: {rate: 0}
  sts: {rate: 0}
)";
}

std::string config_yaml(const fs::path& state_dir) {
  return R"(interval: 30s
jitter: 0s
cycle_timeout: 60s
log_level: trace
state_dir: )" +
         state_dir.string() +
         R"(
aws:
  regions: [us-east-1, ap-east-1]
  services: [securityhub, guardduty]
  max_attempts: 2
administrators:
  - name: tooling
    account_id: "111111111111"
    role_arn: arn:aws:iam::111111111111:role/memberwatch-read
  - name: denied
    account_id: "333333333333"
    role_arn: arn:aws:iam::333333333333:role/memberwatch-read
    regions: [us-east-1]
  - name: direct
    account_id: "999999999999"
    regions: [us-east-1]
    services: [securityhub]
)";
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

// Runs of exactly `length` characters of `is_member`, bounded by others.
std::vector<std::string> runs_of(std::string_view text, std::size_t length, bool (*is_member)(char)) {
  std::vector<std::string> found;
  for (std::size_t i = 0; i < text.size();) {
    if (!is_member(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_member(text[end])) ++end;
    if (end - i == length) found.emplace_back(text.substr(i, length));
    i = end;
  }
  return found;
}

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// A fake-aws session secret: 40 random base64 characters, upper and lower
// case and digits mixed (hex digests and words are not).
bool looks_like_session_secret(std::string_view run) {
  bool upper = false, lower = false, digit = false;
  for (char c : run) {
    upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  return upper && lower && digit;
}

// Why `text` (named `where`) leaks a secret; empty when it does not.
std::vector<std::string> leaks(std::string_view where, std::string_view text,
                               const std::vector<std::string>& secrets) {
  std::vector<std::string> found;
  const auto report = [&](std::string_view what) {
    found.push_back(std::string(where) + ": " + std::string(what));
  };
  for (const auto& secret : secrets) {
    if (text.find(secret) != std::string_view::npos) report("holds the secret " + secret);
  }
  if (text.find(kFakeAwsTokenPrefix) != std::string_view::npos) report("holds a fake-aws session token");
  if (text.find("Signature=") != std::string_view::npos) report("holds \"Signature=\"");
  for (const auto& run : runs_of(text, 64, is_lower_hex))
    report("holds a 64-digit hex value (a signature?) " + run);
  for (const auto& run : runs_of(text, 40, is_base64_char)) {
    if (looks_like_session_secret(run)) report("holds a 40-character secret-like value " + run);
  }
  return found;
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &info) == 0, "cannot stat " << path);
  return info.st_mode & 07777;
}

// Sets the process umask for a scope: 0 proves the modes are set on
// purpose, not inherited from a friendly umask.
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskScope() { ::umask(previous_); }

 private:
  mode_t previous_;
};

// Sends spdlog's default logger to `stream` at trace level for a scope.
class LogCapture {
 public:
  explicit LogCapture(std::ostringstream& stream) : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);
    auto logger = std::make_shared<spdlog::logger>("security-test", sink);
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE(
    "no secret, session token, web identity token or signature leaks from whole cycles at trace level") {
  test::TempFolder dir("secrets");
  fake_aws::Server server(fake_aws::parse_world(world_yaml()));
  server.start();
  const auto session = server.emulator().issue_session(
      "999999999999", "arn:aws:iam::999999999999:user/memberwatch", std::chrono::hours(1));
  const fs::path token_file = dir.path() / "web-identity-token";
  const fs::path rejected_token_file = dir.path() / "rejected-web-identity-token";
  security::write_file(token_file, kWebIdentityToken);
  security::write_file(rejected_token_file, kRejectedWebIdentityToken);
  const std::vector<std::string> secrets{std::string(kBaseSecret), session.secret_access_key,
                                         session.session_token, std::string(kWebIdentityToken),
                                         std::string(kRejectedWebIdentityToken)};

  std::ostringstream log_stream;
  security::CycleHarness harness(security::parse_test_config(config_yaml(dir.path() / "state"), dir.path()));
  std::vector<security::CycleResult> results;
  {
    LogCapture capture(log_stream);
    UmaskScope umask(0);
    const auto endpoint = server.endpoint_url();
    const std::vector<std::map<std::string, std::string, std::less<>>> credentials{
        {{"AWS_ACCESS_KEY_ID", std::string(kBaseKeyId)}, {"AWS_SECRET_ACCESS_KEY", std::string(kBaseSecret)}},
        {{"AWS_ACCESS_KEY_ID", session.access_key_id},
         {"AWS_SECRET_ACCESS_KEY", session.secret_access_key},
         {"AWS_SESSION_TOKEN", session.session_token}},
        {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
         {"AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/web-identity"},
         {"AWS_ROLE_SESSION_NAME", "memberwatch"}},
        {{"AWS_WEB_IDENTITY_TOKEN_FILE", rejected_token_file.string()},
         {"AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/web-identity"}},
    };
    for (const auto& variables : credentials) {
      results.push_back(harness.cycle(security::fake_aws_environment(endpoint, variables)));
    }
  }
  server.stop();

  // The cycles did what the test relies on: signed requests with every
  // kind of credentials, sessions from AssumeRole and web identity, and
  // failures whose messages end up in the snapshot and the logs.
  const auto requests = server.request_log();
  const auto count = [&](std::string_view operation, std::string_view code) {
    return std::count_if(requests.begin(), requests.end(), [&](const fake_aws::RequestLogEntry& entry) {
      return entry.operation == operation && entry.error_code == code;
    });
  };
  CHECK(count("AssumeRole", "") >= 3);
  CHECK(count("AssumeRoleWithWebIdentity", "") >= 1);
  CHECK(count("AssumeRoleWithWebIdentity", "InvalidIdentityToken") >= 1);
  CHECK(count("AssumeRole", "AccessDenied") >= 1);
  CHECK(count("ListMembers", "") >= 3);
  for (const auto& result : results) CHECK(result.outcome.written);

  const fs::path state_dir = harness.config().state_dir;
  std::string snapshot;
  std::vector<std::string> messages;
  for (const auto& result : results) {
    snapshot += result.snapshot;
    messages.push_back(result.outcome.summary);
  }
  const auto changes = security::read_file(harness.changes_path());
  const auto log = log_stream.str();
  const auto metrics = harness.metrics();
  CHECK(snapshot.find("400000000001") != std::string::npos);
  CHECK(snapshot.find("AccessDenied") != std::string::npos);
  CHECK(changes.find("400000000001") != std::string::npos);
  CHECK(log.find("[debug]") != std::string::npos);
  CHECK(log.find("InvalidIdentityToken") != std::string::npos);
  CHECK(metrics.find("memberwatch_") != std::string::npos);

  std::vector<std::string> found;
  for (const auto& [where, text] : std::vector<std::pair<std::string, std::string>>{
           {"log", log}, {"snapshot", snapshot}, {"changes log", changes}, {"metrics", metrics}}) {
    for (auto& leak : leaks(where, text, secrets)) found.push_back(std::move(leak));
  }
  for (const auto& message : messages) {
    for (auto& leak : leaks("cycle message", message, secrets)) found.push_back(std::move(leak));
  }
  for (const auto& leak : found) FAIL_CHECK(leak);
  CHECK(found.empty());

  // Written under umask 0: the modes are the daemon's own choice.
  CHECK(mode_of(state_dir) == 0750);
  CHECK(mode_of(harness.snapshot_path()) == 0640);
  CHECK(mode_of(harness.changes_path()) == 0640);
}

TEST_CASE("the leak scan finds what it looks for") {
  const std::vector<std::string> secrets{"s3cr3t"};
  CHECK(leaks("x", "key=s3cr3t", secrets).size() == 1);
  CHECK(leaks("x", "token=IQoJb3JpZ2luX2VjEabc", {}).size() == 1);
  CHECK(leaks("x", "Credential=AKID/20150830/us-east-1/iam/aws4_request, Signature=abc", {}).size() == 1);
  CHECK(leaks("x", "sig 5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7 end", {}).size() ==
        1);
  CHECK(leaks("x", "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", {}).size() == 1);
  CHECK(leaks("x", "account 111111111111 etag 2cf24dba5fb0a30e26e83b2ac5b9e29e ok", secrets).empty());
}
