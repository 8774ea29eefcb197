#pragma once

// Which credentials the default chain uses, decided as a pure function of
// the environment (a lookup, never the process environment itself) and the
// shared files: the AWS SDKs' order, environment > web identity > shared
// files (profiles, source_profile chains, credential_source) > container >
// EC2 instance metadata. The result is a plan (values only); providers.hpp
// turns it into providers that do the I/O.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/aws_credentials.hpp"
#include "aws/endpoints.hpp"
#include "aws/http_types.hpp"
#include "credentials/shared_files.hpp"

namespace mw::credentials {

// Long-term or session keys given as values (environment, a profile).
struct StaticKeys {
  std::string access_key_id;
  aws::SecretString secret_access_key;
  aws::SecretString session_token;
  std::string origin;  // "environment", "profile dev", for messages
};

// STS AssumeRoleWithWebIdentity with a token read from a file at every refresh.
struct WebIdentitySpec {
  std::string role_arn;
  std::string token_file;
  std::string session_name;
  std::string origin;
};

// The ECS/EKS container credentials endpoint.
struct ContainerSpec {
  aws::Endpoint endpoint;                // already checked against the allowed hosts
  std::string path;                      // request target, "/" at least
  std::string authorization_token_file;  // read at every fetch; wins over authorization_token
  aws::SecretString authorization_token;
};

// EC2 instance metadata, IMDSv2.
struct ImdsSpec {
  aws::Endpoint endpoint{"http", "169.254.169.254", 80, ""};
};

using BaseSpec = std::variant<StaticKeys, WebIdentitySpec, ContainerSpec, ImdsSpec>;

// One sts:AssumeRole step of a profile chain.
struct RoleSpec {
  std::string role_arn;
  std::string external_id;
  std::string session_name;
  int duration_seconds = 3600;
  std::string profile;  // the profile it comes from
};

struct CredentialPlan {
  BaseSpec base;
  std::vector<RoleSpec> roles;  // assumed in order, each with the credentials of the previous step
  std::string description;      // "environment", "profile dev (role chain dev -> base)", ...
};

// The name of a base provider kind, for messages and Credentials::source.
std::string_view base_kind(const BaseSpec& base);

// Each step of the chain returns one of: a plan (it applies), nothing (it
// does not apply; `skipped` says why) or throws CredentialsError (it
// applies but is broken: partial keys, a bad profile, a source_profile
// cycle, a forbidden container URL, ...).
std::optional<CredentialPlan> environment_plan(const aws::EnvLookup& env, std::string& skipped);
std::optional<CredentialPlan> web_identity_plan(const aws::EnvLookup& env, std::string& skipped);
std::optional<CredentialPlan> container_plan(const aws::EnvLookup& env, std::string& skipped);
std::optional<CredentialPlan> imds_plan(const aws::EnvLookup& env, std::string& skipped);

// The profile named by aws.profile, else AWS_PROFILE, else "default"; and
// whether it was named explicitly (an explicit profile that does not exist
// is an error, a missing default profile is not).
struct ProfileChoice {
  std::string name;
  bool explicit_choice = false;
};
ProfileChoice choose_profile(std::string_view configured_profile, const aws::EnvLookup& env);

// Resolves a profile: static keys; role_arn with source_profile (followed
// to its end, cycles reported with the path), credential_source
// (Environment, Ec2InstanceMetadata, EcsContainer) or web_identity_token_file;
// external_id, role_session_name, duration_seconds.
std::optional<CredentialPlan> profile_plan(const ProfileSet& profiles, const ProfileChoice& choice,
                                           const aws::EnvLookup& env, std::string& skipped);

// The whole decision. `load_profiles` is called only when the chain gets to
// the shared files (so a malformed file does not matter when the
// environment has keys); it may throw CredentialsError.
struct ChainDecision {
  std::optional<CredentialPlan> plan;  // nullopt: no provider applies
  std::vector<std::string> skipped;    // "provider: why not", for each provider before the chosen one
};
using ProfileLoader = std::function<ProfileSet()>;
ChainDecision decide_chain(const aws::EnvLookup& env, std::string_view configured_profile,
                           const ProfileLoader& load_profiles);

// "none of the credential providers applies: environment: ...; web-identity: ...; ..."
std::string describe_no_credentials(const std::vector<std::string>& skipped);

}  // namespace mw::credentials
