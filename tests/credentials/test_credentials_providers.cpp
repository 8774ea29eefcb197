#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <fstream>

#include "credentials/administrator_credentials.hpp"
#include "credentials/credentials_error.hpp"
#include "credentials/default_chain.hpp"
#include "credentials_fixtures.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw;
using namespace mw::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr const char* kBaseKey = "AKIDBASEEXAMPLE";
constexpr const char* kBaseSecret = "base-secret-wJalrXUtnFEMI/K7MDENG";
constexpr const char* kRole = "arn:aws:iam::111111111111:role/memberwatch-read";

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Everything a test needs: clock, test STS, a temp folder, and an environment
// that never reaches a real metadata service or the user's ~/.aws.
struct World {
  FakeClock clock;
  TestSts sts{clock};
  mw::test::TempFolder dir;
  Env env;

  World() {
    sts.add_identity(kBaseKey, kBaseSecret, "111111111111");
    env = {{"AWS_ENDPOINT_URL_STS", sts.url()},
           {"AWS_EC2_METADATA_DISABLED", "true"},
           {"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "credentials").string()},
           {"AWS_CONFIG_FILE", (dir.path() / "config").string()}};
  }
  Env with_keys() const {
    auto out = env;
    out["AWS_ACCESS_KEY_ID"] = kBaseKey;
    out["AWS_SECRET_ACCESS_KEY"] = kBaseSecret;
    return out;
  }
};

struct Admins {
  ClientSide side;
  std::shared_ptr<credentials::DefaultChain> chain;
  credentials::AdministratorCredentials admins;

  Admins(World& world, Env env, std::string profile = "")
      : side(world.clock, std::move(env)),
        chain(std::make_shared<credentials::DefaultChain>(side.context(), std::move(profile))),
        admins(side.context(), chain) {}

  aws::Credentials get(credentials::AdministratorTarget target) {
    return side.run(admins.get(std::move(target)));
  }
};

credentials::AdministratorTarget role_target(std::string external_id = "", std::string name = "prod") {
  return {std::move(name), "111111111111", kRole, std::move(external_id), "memberwatch"};
}

bool contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE(text);
  return false;
}

}  // namespace

TEST_CASE("AssumeRole per administrator: signed with the base credentials, the configured parameters") {
  World world;
  Admins a(world, world.with_keys());
  auto target = role_target("ext-42");
  target.session_name = "audit";
  const auto credentials = a.get(target);
  CHECK(credentials.access_key_id == world.sts.last_issued_key());
  CHECK(credentials.source == "assume-role");
  CHECK(credentials.expiration.has_value());
  const auto calls = world.sts.calls("AssumeRole");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].signer == kBaseKey);
  CHECK(calls[0].param("RoleArn") == kRole);
  CHECK(calls[0].param("RoleSessionName") == "audit");
  CHECK(calls[0].param("ExternalId") == "ext-42");
  CHECK(calls[0].param("DurationSeconds") == "3600");
  CHECK(calls[0].param("Version") == "2011-06-15");

  a.get(role_target());  // another external id: another cache entry, no ExternalId parameter
  REQUIRE(world.sts.count("AssumeRole") == 2);
  CHECK(world.sts.calls("AssumeRole")[1].param("ExternalId") == "<unset>");
}

TEST_CASE("AssumeRole: cached per (role, external id), shared between administrators") {
  World world;
  Admins a(world, world.with_keys());
  const auto first = a.get(role_target("x", "one"));
  const auto second = a.get(role_target("x", "two"));
  CHECK(first.access_key_id == second.access_key_id);
  CHECK(world.sts.count("AssumeRole") == 1);
  a.get(role_target("y", "three"));
  CHECK(world.sts.count("AssumeRole") == 2);
}

TEST_CASE("AssumeRole: 100 concurrent users of one administrator wait on a single refresh") {
  World world;
  world.sts.set_delay(200ms);
  Admins a(world, world.with_keys());
  std::vector<std::string> keys;
  int failures = 0;
  for (int i = 0; i < 100; ++i) {
    asio::co_spawn(a.side.io(), a.admins.get(role_target()),
                   [&](std::exception_ptr error, aws::Credentials credentials) {
                     if (error) {
                       ++failures;
                     } else {
                       keys.push_back(credentials.access_key_id);
                     }
                   });
  }
  a.side.io().restart();
  a.side.io().run();
  CHECK(failures == 0);
  REQUIRE(keys.size() == 100);
  CHECK(world.sts.count("AssumeRole") == 1);
  CHECK(std::all_of(keys.begin(), keys.end(), [&](const auto& key) { return key == keys.front(); }));
}

TEST_CASE("AssumeRole: a short-lived credential is refreshed in the background, an expired one never used") {
  World world;
  world.sts.set_lifetime(400s);
  Admins a(world, world.with_keys());
  const auto first = a.get(role_target()).access_key_id;
  CHECK(a.get(role_target()).access_key_id == first);
  CHECK(world.sts.count("AssumeRole") == 1);

  world.clock.advance(120s);                           // 280 s left: inside the 5 minute window, still usable
  CHECK(a.get(role_target()).access_key_id == first);  // handed out while the refresh runs
  CHECK(world.sts.count("AssumeRole") == 2);
  const auto second = a.get(role_target()).access_key_id;
  CHECK(second != first);
  CHECK(second == world.sts.last_issued_key());

  world.clock.advance(400s);  // the second one has expired: callers wait for a new one
  const auto third = a.get(role_target());
  CHECK(third.access_key_id != second);
  CHECK(world.sts.count("AssumeRole") == 3);
  CHECK(*third.expiration > world.clock.now());
}

TEST_CASE("AssumeRole failure: the STS code and message, only that administrator, retried next time") {
  World world;
  Admins a(world, world.with_keys());
  world.sts.fail("AssumeRole", 403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole");
  aws::AwsErrorInfo info;
  const auto text = a.side.failure(a.admins.get(role_target("denied")), &info);
  CHECK(info.code == "AccessDenied");
  CHECK(info.service == "sts");
  CHECK(info.operation == "AssumeRole");
  CHECK(contains(info.message, "User is not authorized to perform: sts:AssumeRole"));
  CHECK(contains(info.message, kRole));
  CHECK(contains(text, "AccessDenied"));
  CHECK_NOTHROW(a.get(role_target("other")));   // another administrator goes on
  CHECK_NOTHROW(a.get(role_target("denied")));  // and the failed one is retried
  CHECK(world.sts.count("AssumeRole") == 3);
}

TEST_CASE("AssumeRole: throttling is retried by the AWS client, past the attempts it is the error") {
  World world;
  Admins a(world, world.with_keys());
  world.sts.fail("AssumeRole", 400, "Throttling", "Rate exceeded", 1);
  CHECK_NOTHROW(a.get(role_target()));
  CHECK(world.sts.count("AssumeRole") == 2);
  world.sts.fail("AssumeRole", 400, "Throttling", "Rate exceeded", 5);
  aws::AwsErrorInfo info;
  a.side.failure(a.admins.get(role_target("other")), &info);
  CHECK(info.code == "Throttling");
}

TEST_CASE("without role_arn: the base credentials, checked once with GetCallerIdentity") {
  World world;
  Admins a(world, world.with_keys());
  credentials::AdministratorTarget target{"base-admin", "111111111111", "", "", "memberwatch"};
  CHECK(a.get(target).access_key_id == kBaseKey);
  CHECK(a.get(target).access_key_id == kBaseKey);
  CHECK(world.sts.count("GetCallerIdentity") == 1);
  CHECK(world.sts.calls("GetCallerIdentity")[0].signer == kBaseKey);
  CHECK(world.sts.count("AssumeRole") == 0);

  aws::AwsErrorInfo info;
  const auto text = a.side.failure(
      a.admins.get(credentials::AdministratorTarget{"wrong", "222222222222", "", "", "memberwatch"}), &info);
  CHECK(info.code == credentials::code::kAccountMismatch);
  CHECK(contains(text, "belong to account 111111111111 but administrator wrong has account_id 222222222222"));
}

TEST_CASE("no credentials at all: the error lists every provider tried") {
  World world;
  Admins a(world, world.env);
  aws::AwsErrorInfo info;
  const auto text = a.side.failure(a.admins.get(role_target()), &info);
  CHECK(info.code == credentials::code::kNoCredentials);
  CHECK(contains(text, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
  CHECK(contains(text, "instance-metadata: AWS_EC2_METADATA_DISABLED is true"));
  CHECK(world.sts.count("") == 0);
}

TEST_CASE("web identity: unsigned AssumeRoleWithWebIdentity, token file re-read at every refresh") {
  World world;
  const auto token_file = world.dir.path() / "token";
  write(token_file, "eyJ-first-token\n");
  world.sts.add_web_identity_token("eyJ-first-token");
  world.sts.add_web_identity_token("eyJ-second-token");
  world.sts.set_lifetime(900s);
  auto env = world.env;
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = token_file.string();
  env["AWS_ROLE_ARN"] = "arn:aws:iam::111111111111:role/web";
  env["AWS_ROLE_SESSION_NAME"] = "pod-7";
  ClientSide side(world.clock, env);
  auto chain = std::make_shared<credentials::DefaultChain>(side.context(), "");
  const auto first = side.run(chain->get());
  CHECK(first.source == "web-identity");
  CHECK(chain->selected().find("web identity") != std::string::npos);
  auto calls = world.sts.calls("AssumeRoleWithWebIdentity");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].signer.empty());
  CHECK(calls[0].param("WebIdentityToken") == "eyJ-first-token");
  CHECK(calls[0].param("RoleSessionName") == "pod-7");
  CHECK(calls[0].param("RoleArn") == "arn:aws:iam::111111111111:role/web");

  write(token_file, "eyJ-second-token");
  world.clock.advance(900s);
  const auto second = side.run(chain->get());
  CHECK(second.access_key_id != first.access_key_id);
  calls = world.sts.calls("AssumeRoleWithWebIdentity");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].param("WebIdentityToken") == "eyJ-second-token");

  // The web identity credentials serve as base for AssumeRole.
  credentials::AdministratorCredentials admins(side.context(), chain);
  side.run(admins.get(role_target()));
  CHECK(world.sts.calls("AssumeRole").at(0).signer == second.access_key_id);
}

TEST_CASE("web identity failures: unreadable or empty token file, rejected token") {
  World world;
  auto env = world.env;
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = (world.dir.path() / "missing").string();
  env["AWS_ROLE_ARN"] = "arn:aws:iam::111111111111:role/web";
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(info.code == credentials::code::kProviderError);
    CHECK(contains(text, "credentials (web-identity): web identity token file"));
    CHECK(contains(text, "missing cannot be read"));
  }
  write(world.dir.path() / "empty", "  \n");
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = (world.dir.path() / "empty").string();
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(contains(side.failure(chain.get()), "empty is empty"));
  }
  write(world.dir.path() / "bad", "not-a-valid-token");
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = (world.dir.path() / "bad").string();
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    aws::AwsErrorInfo info;
    side.failure(chain.get(), &info);
    CHECK(info.code == "InvalidIdentityToken");
    CHECK(info.operation == "AssumeRoleWithWebIdentity");
    CHECK(world.sts.count("AssumeRoleWithWebIdentity") == 1);  // a 400 is not retried
  }
}

TEST_CASE("instance metadata: IMDSv2 token, role, credentials, one fetch for 100 concurrent users") {
  World world;
  TestImds imds(world.clock);
  auto env = world.env;
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  ClientSide side(world.clock, env);
  credentials::DefaultChain chain(side.context(), "");
  std::vector<aws::Credentials> results;
  for (int i = 0; i < 100; ++i) {
    asio::co_spawn(side.io(), chain.get(), [&](std::exception_ptr error, aws::Credentials credentials) {
      CHECK_FALSE(error);
      if (!error) results.push_back(std::move(credentials));
    });
  }
  side.io().restart();
  side.io().run();
  REQUIRE(results.size() == 100);
  CHECK(results[0].access_key_id.rfind("ASIAIMDS", 0) == 0);
  CHECK(results[0].source == "instance-metadata");
  CHECK(results[0].session_token.reveal().rfind("imds-session-", 0) == 0);
  CHECK(imds.token_requests() == 1);
  CHECK(imds.credential_requests() == 1);
  CHECK(imds.rejected() == 0);
  CHECK(chain.selected() == "instance metadata (IMDSv2)");
}

TEST_CASE("instance metadata failures: no role, token refused, unreachable, disabled") {
  World world;
  TestImds imds(world.clock);
  auto env = world.env;
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  {
    imds.set_role("");
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(info.code == credentials::code::kNoCredentials);
    CHECK(contains(text, "environment: AWS_ACCESS_KEY_ID"));
    CHECK(contains(text, "instance-metadata: no IAM role is attached to this instance"));
  }
  {
    imds.set_role("memberwatch-instance");
    imds.set_token_status(403);
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(info.code == credentials::code::kProviderError);
    CHECK(contains(text, "/latest/api/token answered HTTP 403"));
  }
  {
    std::string closed_url;
    {
      TestHttpServer closed([](const ReceivedRequest&) { return ScriptedReply{}; });
      closed_url = closed.url();
    }
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closed_url;
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    const auto started = std::chrono::steady_clock::now();
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(info.code == credentials::code::kNoCredentials);
    CHECK(contains(text, "instance-metadata: " + closed_url + "/latest/api/token did not answer"));
  }
}

TEST_CASE("container credentials: full URI on loopback with the authorization token, or its file") {
  World world;
  TestContainerEndpoint endpoint(world.clock, "/v1/credentials", "Bearer container-auth-token");
  auto env = world.env;
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoint.url();
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer container-auth-token";
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    const auto credentials = side.run(chain.get());
    CHECK(credentials.access_key_id == "ASIACONTAINER1");
    CHECK(credentials.source == "container");
    CHECK(endpoint.authorizations().back() == "Bearer container-auth-token");
  }
  write(world.dir.path() / "auth", "Bearer container-auth-token\n");
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer stale";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = (world.dir.path() / "auth").string();
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).access_key_id == "ASIACONTAINER2");
  }
  write(world.dir.path() / "auth", "Bearer wrong");
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(info.code == credentials::code::kProviderError);
    CHECK(
        contains(text, "/v1/credentials answered HTTP 403: AccessDenied: Authorization token is not valid"));
  }
  env.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  env.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoint.url() + "/nope";
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(contains(side.failure(chain.get()), "answered HTTP 404: NotFound: no such path"));
  }
}

TEST_CASE("shared files: a source_profile chain assumes each role with the previous step's credentials") {
  World world;
  write(world.dir.path() / "credentials", std::string("[base]\naws_access_key_id = ") + kBaseKey +
                                              "\naws_secret_access_key = " + kBaseSecret + "\n");
  write(world.dir.path() / "config",
        "[profile middle]\nrole_arn = arn:aws:iam::222222222222:role/middle\nsource_profile = base\n"
        "[profile top]\nrole_arn = arn:aws:iam::333333333333:role/top\nsource_profile = middle\n"
        "external_id = top-ext\n");
  ClientSide side(world.clock, world.env);
  credentials::DefaultChain chain(side.context(), "top");
  const auto credentials = side.run(chain.get());
  const auto calls = world.sts.calls("AssumeRole");
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].param("RoleArn") == "arn:aws:iam::222222222222:role/middle");
  CHECK(calls[0].signer == kBaseKey);
  CHECK(calls[1].param("RoleArn") == "arn:aws:iam::333333333333:role/top");
  CHECK(calls[1].param("ExternalId") == "top-ext");
  CHECK(calls[1].signer.rfind("ASIATESTISSUED", 0) == 0);
  CHECK(calls[1].signer != credentials.access_key_id);
  CHECK(credentials.access_key_id == world.sts.last_issued_key());
  CHECK(chain.selected() == "profile top (source_profile chain base -> middle -> top)");
}

TEST_CASE("shared files: credential_source Environment, and a malformed file fails until it is fixed") {
  World world;
  write(world.dir.path() / "config",
        "[profile env-role]\nrole_arn = arn:aws:iam::111111111111:role/env\ncredential_source = Environment\n"
        "[default]\n\nnot a setting\n");
  auto env = world.with_keys();
  env["AWS_PROFILE"] = "env-role";
  {
    // AWS_PROFILE with environment keys: the keys themselves win.
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "");
    CHECK(side.run(chain.get()).access_key_id == kBaseKey);
  }
  {
    ClientSide side(world.clock, env);
    credentials::DefaultChain chain(side.context(), "env-role");  // aws.profile: the role, from env keys
    aws::AwsErrorInfo info;
    const auto text = side.failure(chain.get(), &info);
    CHECK(info.code == credentials::code::kInvalidConfig);
    CHECK(contains(text, "config:6: expected \"key = value\""));
    write(world.dir.path() / "config",
          "[profile env-role]\nrole_arn = arn:aws:iam::111111111111:role/env\ncredential_source = "
          "Environment\n");
    const auto credentials = side.run(chain.get());
    CHECK(credentials.source == "assume-role");
    CHECK(world.sts.calls("AssumeRole").at(0).signer == kBaseKey);
  }
}
