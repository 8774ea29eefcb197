#include <doctest/doctest.h>

#include "credentials/credentials_error.hpp"
#include "credentials/plan.hpp"

using namespace mw::credentials;
using mw::aws::env_from_map;
using Env = std::map<std::string, std::string, std::less<>>;

namespace {

ProfileLoader profiles_from(std::string credentials, std::string config = "") {
  return [credentials, config] {
    const auto c = parse_ini(credentials, "credentials");
    const auto f = parse_ini(config, "config");
    auto set = merge_profiles(&c, &f);
    set.files = {"credentials", "config"};
    return set;
  };
}

ProfileLoader no_profiles() {
  return [] { return ProfileSet{}; };
}

ChainDecision decide(const Env& env, const ProfileLoader& loader, std::string_view profile = "") {
  return decide_chain(env_from_map(env), profile, loader);
}

CredentialPlan plan_of(const Env& env, const ProfileLoader& loader, std::string_view profile = "") {
  auto decision = decide(env, loader, profile);
  REQUIRE(decision.plan.has_value());
  return std::move(*decision.plan);
}

std::string failure(const Env& env, const ProfileLoader& loader, std::string_view profile = "") {
  try {
    decide(env, loader, profile);
  } catch (const CredentialsError& error) {
    return error.what();
  }
  FAIL("the decision did not fail");
  return {};
}

bool contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE(text);
  return false;
}

const Env kEnvKeys{{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}};
const Env kWebIdentity{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"},
                       {"AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/web"}};
const Env kContainer{{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}};
const std::string kDefaultKeys = "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=filesecret\n";

Env merged(std::initializer_list<Env> parts) {
  Env out;
  for (const auto& part : parts) out.insert(part.begin(), part.end());
  return out;
}

const std::string& base_key(const CredentialPlan& plan) {
  return std::get<StaticKeys>(plan.base).access_key_id;
}

}  // namespace

TEST_CASE("chain precedence: environment > web identity > shared files > container > instance metadata") {
  const auto everything = merged({kEnvKeys, kWebIdentity, kContainer});
  CHECK(base_key(plan_of(everything, profiles_from(kDefaultKeys))) == "AKIDENV");

  auto without_env = merged({kWebIdentity, kContainer});
  auto plan = plan_of(without_env, profiles_from(kDefaultKeys));
  REQUIRE(std::holds_alternative<WebIdentitySpec>(plan.base));
  CHECK(std::get<WebIdentitySpec>(plan.base).role_arn == "arn:aws:iam::111111111111:role/web");
  CHECK(std::get<WebIdentitySpec>(plan.base).session_name == "memberwatch");

  auto decision = decide(kContainer, profiles_from(kDefaultKeys));
  CHECK(base_key(*decision.plan) == "AKIDFILE");
  CHECK(decision.skipped.size() == 2);

  plan = plan_of(kContainer, no_profiles());
  REQUIRE(std::holds_alternative<ContainerSpec>(plan.base));
  CHECK(std::get<ContainerSpec>(plan.base).endpoint.host == "169.254.170.2");
  CHECK(std::get<ContainerSpec>(plan.base).path == "/v2/credentials/abc");

  decision = decide({}, no_profiles());
  REQUIRE(decision.plan.has_value());
  REQUIRE(std::holds_alternative<ImdsSpec>(decision.plan->base));
  CHECK(std::get<ImdsSpec>(decision.plan->base).endpoint.host == "169.254.169.254");
  CHECK(decision.skipped.size() == 4);
}

TEST_CASE("when nothing applies the decision lists every provider and why not") {
  const auto decision = decide({{"AWS_EC2_METADATA_DISABLED", "TRUE"}}, no_profiles());
  CHECK_FALSE(decision.plan.has_value());
  const auto text = describe_no_credentials(decision.skipped);
  CHECK(contains(text, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"));
  CHECK(contains(text, "web-identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set"));
  CHECK(contains(text, "shared-files: no profile default (no shared credentials or config file exists)"));
  CHECK(contains(text, "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and"));
  CHECK(contains(text, "instance-metadata: AWS_EC2_METADATA_DISABLED is true"));
}

TEST_CASE("environment: session token, empty values count as unset, partial keys are an error") {
  auto plan = plan_of(merged({kEnvKeys, {{"AWS_SESSION_TOKEN", "envtoken"}}}), no_profiles());
  CHECK(std::get<StaticKeys>(plan.base).session_token.reveal() == "envtoken");
  CHECK(std::get<StaticKeys>(plan.base).secret_access_key.reveal() == "envsecret");
  plan = plan_of({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}, profiles_from(kDefaultKeys));
  CHECK(base_key(plan) == "AKIDFILE");
  CHECK(contains(failure({{"AWS_ACCESS_KEY_ID", "AKID"}}, no_profiles()),
                 "credentials (environment): AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  CHECK(
      contains(failure({{"AWS_SECRET_ACCESS_KEY", "s"}}, no_profiles()), "AWS_SECRET_ACCESS_KEY is set but"));
}

TEST_CASE("the profile: aws.profile beats AWS_PROFILE beats default, and aws.profile skips the environment") {
  const std::string files = kDefaultKeys +
                            "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=d\n"
                            "[ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=o\n";
  CHECK(base_key(plan_of({{"AWS_PROFILE", "dev"}}, profiles_from(files))) == "AKIDDEV");
  CHECK(base_key(plan_of({{"AWS_PROFILE", "dev"}}, profiles_from(files), "ops")) == "AKIDOPS");
  // AWS_PROFILE with environment keys: the keys win, as in the CLI.
  CHECK(base_key(plan_of(merged({kEnvKeys, {{"AWS_PROFILE", "dev"}}}), profiles_from(files))) == "AKIDENV");
  // An explicit profile (aws.profile, like --profile) ignores environment keys.
  const auto decision = decide(kEnvKeys, profiles_from(files), "ops");
  CHECK(base_key(*decision.plan) == "AKIDOPS");
  CHECK(contains(decision.skipped.at(0), "environment: not used because aws.profile is set"));
  CHECK(plan_of({}, profiles_from(files), "ops").description == "profile ops");
}

TEST_CASE("the profile: an explicit missing profile is an error, a missing or empty default is skipped") {
  CHECK(contains(failure({{"AWS_PROFILE", "nope"}}, profiles_from(kDefaultKeys)),
                 "profile nope not found (in credentials, config)"));
  CHECK(contains(failure({}, no_profiles(), "nope"), "profile nope not found (no shared credentials"));
  auto decision = decide(kContainer, profiles_from("", "[default]\nregion = us-east-1\n"));
  CHECK(std::holds_alternative<ContainerSpec>(decision.plan->base));
  CHECK(contains(decision.skipped.at(2), "shared-files: profile default has no credentials"));
  CHECK(contains(failure({}, profiles_from("", "[profile x]\nregion = us-east-1\n"), "x"),
                 "profile x has no credentials"));
}

TEST_CASE("the shared files are read only when the chain gets to them") {
  bool loaded = false;
  ProfileLoader broken = [&loaded]() -> ProfileSet {
    loaded = true;
    parse_ini("garbage\n", "config");
    return {};
  };
  CHECK(base_key(plan_of(kEnvKeys, broken)) == "AKIDENV");
  CHECK_FALSE(loaded);
  CHECK(contains(failure({}, broken), "config:1: expected"));
  CHECK(loaded);
}

TEST_CASE("profiles: static keys, partial keys, session token") {
  auto plan = plan_of({}, profiles_from("[default]\naws_access_key_id=A\naws_secret_access_key=S\n"
                                        "aws_session_token=T\n"));
  CHECK(std::get<StaticKeys>(plan.base).session_token.reveal() == "T");
  CHECK(std::get<StaticKeys>(plan.base).origin == "profile default");
  CHECK(plan.roles.empty());
  CHECK(contains(failure({}, profiles_from("[default]\naws_access_key_id=A\n")),
                 "profile default has aws_access_key_id but no aws_secret_access_key"));
}

TEST_CASE("profiles: a role_arn + source_profile chain is followed to its keys, roles in order") {
  const std::string credentials = "[base]\naws_access_key_id=AKIDBASE\naws_secret_access_key=b\n";
  const std::string config =
      "[profile top]\nrole_arn=arn:aws:iam::111111111111:role/top\nsource_profile=middle\n"
      "external_id=ext-1\nrole_session_name=ops\nduration_seconds=1800\n"
      "[profile middle]\nrole_arn=arn:aws:iam::222222222222:role/middle\nsource_profile=base\n";
  const auto plan = plan_of({}, profiles_from(credentials, config), "top");
  CHECK(base_key(plan) == "AKIDBASE");
  REQUIRE(plan.roles.size() == 2);
  CHECK(plan.roles[0].role_arn == "arn:aws:iam::222222222222:role/middle");
  CHECK(plan.roles[0].session_name == "memberwatch");
  CHECK(plan.roles[0].duration_seconds == 3600);
  CHECK(plan.roles[1].role_arn == "arn:aws:iam::111111111111:role/top");
  CHECK(plan.roles[1].external_id == "ext-1");
  CHECK(plan.roles[1].session_name == "ops");
  CHECK(plan.roles[1].duration_seconds == 1800);
  CHECK(plan.description == "profile top (source_profile chain base -> middle -> top)");
}

TEST_CASE("profiles: a source profile with keys gives them even when it has a role, itself included") {
  auto plan = plan_of({},
                      profiles_from("[a]\nrole_arn=arn:aws:iam::111111111111:role/a\nsource_profile=b\n"
                                    "[b]\nrole_arn=arn:aws:iam::111111111111:role/b\nsource_profile=a\n"
                                    "aws_access_key_id=AKIDB\naws_secret_access_key=s\n"),
                      "a");
  CHECK(base_key(plan) == "AKIDB");
  CHECK(plan.roles.size() == 1);
  plan = plan_of({},
                 profiles_from("[self]\nrole_arn=arn:aws:iam::111111111111:role/s\nsource_profile=self\n"
                               "aws_access_key_id=AKIDSELF\naws_secret_access_key=s\n"),
                 "self");
  CHECK(base_key(plan) == "AKIDSELF");
  CHECK(plan.roles.size() == 1);
  CHECK(contains(failure({}, profiles_from("[self]\nrole_arn=r\nsource_profile=self\n"), "self"),
                 "source_profile is itself but it has no static keys"));
}

TEST_CASE("profiles: a source_profile cycle is an error showing the cycle") {
  const std::string config =
      "[profile a]\nrole_arn=arn:aws:iam::111111111111:role/a\nsource_profile=b\n"
      "[profile b]\nrole_arn=arn:aws:iam::111111111111:role/b\nsource_profile=c\n"
      "[profile c]\nrole_arn=arn:aws:iam::111111111111:role/c\nsource_profile=a\n";
  CHECK(contains(failure({}, profiles_from("", config), "a"), "source_profile cycle: a -> b -> c -> a"));
  CHECK(contains(failure({}, profiles_from("", config), "b"), "source_profile cycle: b -> c -> a -> b"));
}

TEST_CASE("profiles: broken role settings are errors naming the profile") {
  auto fails = [](const std::string& profile_text, std::string_view expected) {
    CHECK(contains(failure({}, profiles_from("[p]\n" + profile_text), "p"), expected));
  };
  fails("role_arn=r\n",
        "profile p: role_arn needs source_profile, credential_source or web_identity_token_file");
  fails("role_arn=r\nsource_profile=missing\n", "profile p: source_profile missing does not exist");
  fails("role_arn=r\nsource_profile=x\ncredential_source=Environment\n", "cannot both be set");
  fails("role_arn=r\ncredential_source=Magic\n", "credential_source \"Magic\" is not one of");
  fails("role_arn=r\ncredential_source=Environment\n",
        "credential_source Environment has no credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are "
        "not set");
  fails("role_arn=r\ncredential_source=EcsContainer\n", "credential_source EcsContainer has no credentials");
  fails("role_arn=r\nsource_profile=p\naws_access_key_id=A\naws_secret_access_key=S\nduration_seconds=60\n",
        "duration_seconds must be a number of seconds from 900 to 43200");
  fails("web_identity_token_file=/t\n", "web_identity_token_file needs role_arn");
}

TEST_CASE("profiles: credential_source and web_identity_token_file") {
  const std::string config =
      "[profile e]\nrole_arn=arn:aws:iam::111111111111:role/e\ncredential_source=Environment\n"
      "[profile i]\nrole_arn=arn:aws:iam::111111111111:role/i\n"
      "credential_source=Ec2InstanceMetadata\n"
      "[profile c]\nrole_arn=arn:aws:iam::111111111111:role/c\ncredential_source=EcsContainer\n"
      "[profile w]\nrole_arn=arn:aws:iam::111111111111:role/w\n"
      "web_identity_token_file=/var/token\nrole_session_name=websession\n";
  auto plan = plan_of(kEnvKeys, profiles_from("", config), "e");
  CHECK(base_key(plan) == "AKIDENV");
  CHECK(plan.roles.at(0).role_arn == "arn:aws:iam::111111111111:role/e");
  plan = plan_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338"}}, profiles_from("", config),
                 "i");
  CHECK(std::get<ImdsSpec>(plan.base).endpoint.port == 1338);
  CHECK(plan.roles.size() == 1);
  plan = plan_of(kContainer, profiles_from("", config), "c");
  CHECK(std::holds_alternative<ContainerSpec>(plan.base));
  plan = plan_of({}, profiles_from("", config), "w");
  const auto& web = std::get<WebIdentitySpec>(plan.base);
  CHECK(web.role_arn == "arn:aws:iam::111111111111:role/w");
  CHECK(web.token_file == "/var/token");
  CHECK(web.session_name == "websession");
  CHECK(plan.roles.empty());
  CHECK(contains(
      failure({{"AWS_EC2_METADATA_DISABLED", "true"}}, profiles_from("", config), "i"),
      "credential_source Ec2InstanceMetadata has no credentials: AWS_EC2_METADATA_DISABLED is true"));
}

TEST_CASE("web identity from the environment: role required, session name") {
  CHECK(contains(failure({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}}, no_profiles()),
                 "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"));
  // AWS_ROLE_ARN alone means nothing.
  CHECK(std::holds_alternative<ImdsSpec>(plan_of({{"AWS_ROLE_ARN", "r"}}, no_profiles()).base));
  const auto plan = plan_of(merged({kWebIdentity, {{"AWS_ROLE_SESSION_NAME", "pod-1"}}}), no_profiles());
  CHECK(std::get<WebIdentitySpec>(plan.base).session_name == "pod-1");
  CHECK(std::get<WebIdentitySpec>(plan.base).token_file == "/var/run/token");
}

TEST_CASE("container: relative URI wins, full URI only for allowed hosts or https, tokens") {
  auto spec = [](const Env& env) { return std::get<ContainerSpec>(plan_of(env, no_profiles()).base); };
  auto full = [&](const std::string& url) { return spec({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}); };
  CHECK(spec(merged({kContainer, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x"}}})).path ==
        "/v2/credentials/abc");
  auto c = full("http://127.0.0.1:8080/creds");
  CHECK(c.endpoint.port == 8080);
  CHECK(c.path == "/creds");
  CHECK(full("http://127.1.2.3/creds").endpoint.host == "127.1.2.3");
  CHECK(full("http://169.254.170.2/x").endpoint.host == "169.254.170.2");
  CHECK(full("http://169.254.170.23/v1/credentials").endpoint.host == "169.254.170.23");
  CHECK(full("http://localhost:1/x").endpoint.host == "localhost");
  CHECK(full("http://[::1]:1/x").endpoint.host == "::1");
  CHECK(full("https://creds.example.com/x").endpoint.scheme == "https");
  CHECK(contains(failure({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds"}}, no_profiles()),
                 "http:// is allowed only for loopback, 169.254.170.2, 169.254.170.23"));
  CHECK(
      contains(failure({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.evil.com/creds"}}, no_profiles()),
               "http:// is allowed only"));
  CHECK(contains(failure({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/x"}}, no_profiles()),
                 "is not an http:// or https:// URL"));
  CHECK(contains(failure({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "creds"}}, no_profiles()),
                 "must start with /"));

  auto with_token = spec(merged({kContainer, {{"AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"}}}));
  CHECK(with_token.authorization_token.reveal() == "tok");
  auto with_file = spec(merged({kContainer,
                                {{"AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"},
                                 {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"}}}));
  CHECK(with_file.authorization_token_file == "/var/run/token");
  CHECK(with_file.authorization_token.empty());
  CHECK(contains(
      failure(merged({kContainer, {{"AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Evil: 1"}}}), no_profiles()),
      "contains a line break"));
}

TEST_CASE("instance metadata: endpoint override, IPv6 mode, disabled, bad endpoint") {
  auto imds = [](const Env& env) { return std::get<ImdsSpec>(plan_of(env, no_profiles()).base); };
  CHECK(imds({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234/"}}).endpoint.port == 1234);
  CHECK(imds({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}).endpoint.host == "fd00:ec2::254");
  CHECK(imds({{"AWS_EC2_METADATA_DISABLED", "false"}}).endpoint.host == "169.254.169.254");
  CHECK_FALSE(decide({{"AWS_EC2_METADATA_DISABLED", "true"}}, no_profiles()).plan.has_value());
  CHECK(contains(failure({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"}}, no_profiles()),
                 "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http:// or https:// URL"));
}
