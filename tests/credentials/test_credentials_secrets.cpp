#include <doctest/doctest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "credentials/administrator_credentials.hpp"
#include "credentials/credentials_error.hpp"
#include "credentials/default_chain.hpp"
#include "credentials_fixtures.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw;
using namespace mw::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kEnvKey = "AKIDENVSECRETTEST";
constexpr const char* kEnvSecret = "env-secret-key-Zx9QwErTy/uIoP";
constexpr const char* kEnvToken = "env-session-token-LmNoPqRsTuVwXyZ";
constexpr const char* kFileSecret = "file-secret-key-AbCdEfGhIjKl";
constexpr const char* kBrokenLineSecret = "broken-line-secret-MnOpQrStUv";
constexpr const char* kWebToken = "eyJ-web-identity-token-QwErTyUiOp";
constexpr const char* kRejectedWebToken = "eyJ-rejected-web-token-AsDfGhJkL";
constexpr const char* kContainerToken = "container-authorization-ZxCvBnMqWe";

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Routes spdlog's default logger, at trace level, into a string.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("no secret appears in the log (trace level) or in any error of the whole chain") {
  CapturedLog log;
  std::ostringstream errors;
  auto record = [&errors](const std::string& text) { errors << text << "\n"; };

  FakeClock clock;
  TestSts sts(clock);
  TestImds imds(clock);
  TestContainerEndpoint container(clock, "/creds", kContainerToken);
  mw::test::TempFolder dir;
  sts.add_identity(kEnvKey, kEnvSecret, "111111111111", kEnvToken);
  sts.add_identity("AKIDFILE", kFileSecret, "111111111111");
  sts.add_web_identity_token(kWebToken);
  const Env base{{"AWS_ENDPOINT_URL_STS", sts.url()},
                 {"AWS_EC2_METADATA_DISABLED", "true"},
                 {"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "credentials").string()},
                 {"AWS_CONFIG_FILE", (dir.path() / "config").string()}};
  const credentials::AdministratorTarget role{"prod", "111111111111", "arn:aws:iam::111111111111:role/r",
                                              "ext", "memberwatch"};
  const credentials::AdministratorTarget base_admin{"base", "111111111111", "", "", "memberwatch"};
  const credentials::AdministratorTarget wrong_account{"wrong", "999999999999", "", "", "memberwatch"};

  {  // environment keys with a session token, AssumeRole, GetCallerIdentity, failures
    auto env = base;
    env["AWS_ACCESS_KEY_ID"] = kEnvKey;
    env["AWS_SECRET_ACCESS_KEY"] = kEnvSecret;
    env["AWS_SESSION_TOKEN"] = kEnvToken;
    ClientSide side(clock, env);
    auto chain = std::make_shared<credentials::DefaultChain>(side.context(), "");
    credentials::AdministratorCredentials admins(side.context(), chain);
    CHECK(side.run(admins.get(role)).source == "assume-role");
    CHECK(side.run(admins.get(base_admin)).access_key_id == kEnvKey);
    record(side.failure(admins.get(wrong_account)));
    sts.fail("AssumeRole", 403, "AccessDenied", "not authorized");
    record(side.failure(admins.get(credentials::AdministratorTarget{
        "denied", "111111111111", "arn:aws:iam::111111111111:role/d", "", "m"})));
    clock.advance(3400s);  // into the refresh window: a background refresh
    side.run(admins.get(role));
    side.run(admins.get(role));
  }
  {  // web identity, good and rejected tokens
    write(dir.path() / "token", kWebToken);
    auto env = base;
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = (dir.path() / "token").string();
    env["AWS_ROLE_ARN"] = "arn:aws:iam::111111111111:role/web";
    ClientSide side(clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).source == "web-identity");
    write(dir.path() / "token", kRejectedWebToken);
    ClientSide other(clock, env);
    credentials::DefaultChain rejected(other.context(), "");
    record(other.failure(rejected.get()));
  }
  {  // container endpoint with a token, and with a wrong one
    auto env = base;
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url();
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
    ClientSide side(clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).source == "container");
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = std::string(kContainerToken) + "-wrong";
    ClientSide other(clock, env);
    credentials::DefaultChain wrong(other.context(), "");
    record(other.failure(wrong.get()));
  }
  {  // instance metadata
    auto env = base;
    env.erase("AWS_EC2_METADATA_DISABLED");
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
    ClientSide side(clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).source == "instance-metadata");
  }
  {  // shared files: keys, then a malformed line holding a secret
    write(dir.path() / "credentials",
          std::string("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = ") + kFileSecret +
              "\n");
    ClientSide side(clock, base);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).access_key_id == "AKIDFILE");
    write(dir.path() / "credentials",
          std::string("[default]\naws_secret_access_key ") + kBrokenLineSecret + "\n");
    credentials::DefaultChain broken(side.context(), "");
    record(side.failure(broken.get()));
  }

  const std::string output = log.text() + errors.str();
  // The test saw real traffic and real failures.
  CHECK(output.find("aws request service=sts operation=AssumeRole") != std::string::npos);
  CHECK(output.find("credentials provider chosen") != std::string::npos);
  CHECK(output.find("AccessDenied") != std::string::npos);
  CHECK(output.find("InvalidIdentityToken") != std::string::npos);
  CHECK(output.find("belong to account 111111111111") != std::string::npos);
  CHECK(output.find("credentials:2:") != std::string::npos);

  std::vector<std::string> secrets{kEnvSecret, kEnvToken,         kFileSecret,    kBrokenLineSecret,
                                   kWebToken,  kRejectedWebToken, kContainerToken};
  for (const auto& list : {sts.issued_secrets(), imds.issued_secrets(), container.issued_secrets()}) {
    CHECK_FALSE(list.empty());
    secrets.insert(secrets.end(), list.begin(), list.end());
  }
  CHECK(secrets.size() == 18);  // 7 given, 3 STS issues, 1 IMDS token + 1 issue, 1 container issue
  for (const auto& secret : secrets) {
    INFO("secret: ", secret);
    CHECK(output.find(secret) == std::string::npos);
  }
}
