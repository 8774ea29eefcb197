#include "credentials/plan.hpp"

#include <algorithm>
#include <charconv>

#include "common/strings.hpp"
#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace {

constexpr std::string_view kDefaultSessionName = "memberwatch";

std::optional<std::string> variable(const aws::EnvLookup& env, std::string_view name) {
  auto value = env(name);
  if (!value || trim(*value).empty()) return std::nullopt;
  return std::string(trim(*value));
}

bool is_allowed_container_host(const std::string& host) {
  if (host == "localhost" || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23" ||
      host == "::1") {
    return true;
  }
  return host.rfind("127.", 0) == 0 &&
         std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

std::string chain_text(const std::vector<std::string>& names) {
  return join(names, " -> ");
}

[[noreturn]] void profile_error(const std::string& message) {
  throw CredentialsError("shared-files", code::kInvalidConfig, message);
}

std::optional<StaticKeys> profile_keys(const Profile& profile) {
  const auto id = profile.get("aws_access_key_id");
  const auto* secret = profile.secret("aws_secret_access_key");
  if (!id && secret == nullptr) return std::nullopt;
  if (!id || secret == nullptr) {
    profile_error("profile " + profile.name + " has " +
                  (id ? "aws_access_key_id but no aws_secret_access_key"
                      : "aws_secret_access_key but no aws_access_key_id"));
  }
  StaticKeys keys{*id, *secret, {}, "profile " + profile.name};
  if (const auto* token = profile.secret("aws_session_token")) {
    keys.session_token = *token;
  } else if (const auto* legacy = profile.secret("aws_security_token")) {
    keys.session_token = *legacy;
  }
  return keys;
}

int duration_of(const Profile& profile) {
  const auto text = profile.get("duration_seconds");
  if (!text) return 3600;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || value < 900 || value > 43200) {
    profile_error("profile " + profile.name +
                  ": duration_seconds must be a number of seconds from 900 to 43200");
  }
  return value;
}

RoleSpec role_of(const Profile& profile) {
  return {*profile.get("role_arn"), profile.get("external_id").value_or(""),
          profile.get("role_session_name").value_or(std::string(kDefaultSessionName)), duration_of(profile),
          profile.name};
}

BaseSpec credential_source_base(const Profile& profile, const aws::EnvLookup& env) {
  const auto source = *profile.get("credential_source");
  std::string skipped;
  std::optional<CredentialPlan> plan;
  if (source == "Environment") {
    plan = environment_plan(env, skipped);
  } else if (source == "Ec2InstanceMetadata") {
    plan = imds_plan(env, skipped);
  } else if (source == "EcsContainer") {
    plan = container_plan(env, skipped);
  } else {
    profile_error("profile " + profile.name + ": credential_source \"" + source +
                  "\" is not one of Environment, Ec2InstanceMetadata, EcsContainer");
  }
  if (!plan)
    profile_error("profile " + profile.name + ": credential_source " + source +
                  " has no credentials: " + skipped);
  return std::move(plan->base);
}

class ProfileResolver {
 public:
  ProfileResolver(const ProfileSet& profiles, const aws::EnvLookup& env) : profiles_(profiles), env_(env) {}

  CredentialPlan resolve(const Profile& profile) {
    visited_.push_back(profile.name);
    if (profile.has("role_arn")) return resolve_role(profile);
    if (auto keys = profile_keys(profile)) return {std::move(*keys), {}, ""};
    if (profile.has("web_identity_token_file")) {
      profile_error("profile " + profile.name + ": web_identity_token_file needs role_arn");
    }
    profile_error("profile " + profile.name +
                  " has no credentials (aws_access_key_id and aws_secret_access_key, " + "or role_arn)");
  }

  const std::vector<std::string>& visited() const { return visited_; }

 private:
  CredentialPlan resolve_role(const Profile& profile) {
    const bool has_source_profile = profile.has("source_profile");
    const bool has_credential_source = profile.has("credential_source");
    if (has_source_profile && has_credential_source) {
      profile_error("profile " + profile.name + ": source_profile and credential_source cannot both be set");
    }
    if (has_source_profile) return from_source_profile(profile);
    if (has_credential_source) return {credential_source_base(profile, env_), {role_of(profile)}, ""};
    if (auto token_file = profile.get("web_identity_token_file")) {
      const auto role = role_of(profile);
      return {
          WebIdentitySpec{role.role_arn, *token_file, role.session_name, "profile " + profile.name}, {}, ""};
    }
    profile_error("profile " + profile.name +
                  ": role_arn needs source_profile, credential_source or web_identity_token_file");
  }

  CredentialPlan from_source_profile(const Profile& profile) {
    const auto source_name = *profile.get("source_profile");
    if (source_name == profile.name) {
      auto keys = profile_keys(profile);
      if (!keys)
        profile_error("profile " + profile.name + ": source_profile is itself but it has no static keys");
      return {std::move(*keys), {role_of(profile)}, ""};
    }
    if (std::find(visited_.begin(), visited_.end(), source_name) != visited_.end()) {
      auto path = visited_;
      path.push_back(source_name);
      profile_error("source_profile cycle: " + chain_text(path));
    }
    const auto* source = profiles_.find(source_name);
    if (source == nullptr) {
      profile_error("profile " + profile.name + ": source_profile " + source_name + " does not exist");
    }
    // A source profile with static keys gives them, even when it also has
    // a role_arn (as the CLI does).
    CredentialPlan plan;
    if (auto keys = profile_keys(*source)) {
      visited_.push_back(source->name);
      plan = {std::move(*keys), {}, ""};
    } else {
      plan = resolve(*source);
    }
    plan.roles.push_back(role_of(profile));
    return plan;
  }

  const ProfileSet& profiles_;
  const aws::EnvLookup& env_;
  std::vector<std::string> visited_;
};

std::string files_text(const ProfileSet& profiles) {
  return profiles.files.empty() ? "no shared credentials or config file exists"
                                : "in " + join(profiles.files, ", ");
}

}  // namespace

std::string_view base_kind(const BaseSpec& base) {
  struct Visitor {
    std::string_view operator()(const StaticKeys&) const { return "static-keys"; }
    std::string_view operator()(const WebIdentitySpec&) const { return "web-identity"; }
    std::string_view operator()(const ContainerSpec&) const { return "container"; }
    std::string_view operator()(const ImdsSpec&) const { return "instance-metadata"; }
  };
  return std::visit(Visitor{}, base);
}

std::optional<CredentialPlan> environment_plan(const aws::EnvLookup& env, std::string& skipped) {
  const auto id = variable(env, "AWS_ACCESS_KEY_ID");
  const auto secret = variable(env, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    skipped = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set";
    return std::nullopt;
  }
  if (!id || !secret) {
    throw CredentialsError("environment", code::kInvalidConfig,
                           id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                              : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  }
  StaticKeys keys{*id, aws::SecretString(*secret), {}, "environment"};
  if (auto token = variable(env, "AWS_SESSION_TOKEN")) {
    keys.session_token = aws::SecretString(*token);
  } else if (auto legacy = variable(env, "AWS_SECURITY_TOKEN")) {
    keys.session_token = aws::SecretString(*legacy);
  }
  return CredentialPlan{std::move(keys), {}, "environment (AWS_ACCESS_KEY_ID)"};
}

std::optional<CredentialPlan> web_identity_plan(const aws::EnvLookup& env, std::string& skipped) {
  const auto token_file = variable(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  if (!token_file) {
    skipped = "AWS_WEB_IDENTITY_TOKEN_FILE is not set";
    return std::nullopt;
  }
  const auto role_arn = variable(env, "AWS_ROLE_ARN");
  if (!role_arn) {
    throw CredentialsError("web-identity", code::kInvalidConfig,
                           "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
  }
  WebIdentitySpec spec{*role_arn, *token_file,
                       variable(env, "AWS_ROLE_SESSION_NAME").value_or(std::string(kDefaultSessionName)),
                       "environment"};
  return CredentialPlan{
      std::move(spec), {}, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, role " + *role_arn + ")"};
}

std::optional<CredentialPlan> container_plan(const aws::EnvLookup& env, std::string& skipped) {
  const auto relative = variable(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const auto full = variable(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative && !full) {
    skipped = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set";
    return std::nullopt;
  }
  auto fail = [](const std::string& message) -> void {
    throw CredentialsError("container", code::kInvalidConfig, message);
  };
  ContainerSpec spec;
  if (relative) {
    if (relative->front() != '/') fail("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with /");
    spec.endpoint = aws::Endpoint{"http", "169.254.170.2", 80, ""};
    spec.path = *relative;
  } else {
    auto parsed = aws::parse_endpoint_url(*full);
    if (!parsed) fail("AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http:// or https:// URL without a query");
    if (parsed->scheme != "https" && !is_allowed_container_host(parsed->host)) {
      fail(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI: http:// is allowed only for loopback, 169.254.170.2, "
          "169.254.170.23 or fd00:ec2::23 (host " +
          parsed->host + "); use https://");
    }
    spec.path = parsed->base_path.empty() ? "/" : parsed->base_path;
    parsed->base_path.clear();
    spec.endpoint = *parsed;
  }
  if (auto file = variable(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    spec.authorization_token_file = *file;
  } else if (auto token = variable(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    if (token->find_first_of("\r\n") != std::string::npos) {
      fail("AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break");
    }
    spec.authorization_token = aws::SecretString(*token);
  }
  const auto where =
      relative ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  return CredentialPlan{std::move(spec), {}, std::string("container (") + where + ")"};
}

std::optional<CredentialPlan> imds_plan(const aws::EnvLookup& env, std::string& skipped) {
  if (to_lower(variable(env, "AWS_EC2_METADATA_DISABLED").value_or("")) == "true") {
    skipped = "AWS_EC2_METADATA_DISABLED is true";
    return std::nullopt;
  }
  ImdsSpec spec;
  if (auto url = variable(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    auto parsed = aws::parse_endpoint_url(*url);
    if (!parsed || !parsed->base_path.empty()) {
      throw CredentialsError(
          "instance-metadata", code::kInvalidConfig,
          "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http:// or https:// URL without a path");
    }
    spec.endpoint = *parsed;
  } else if (to_lower(variable(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("")) == "ipv6") {
    spec.endpoint = aws::Endpoint{"http", "fd00:ec2::254", 80, ""};
  }
  return CredentialPlan{std::move(spec), {}, "instance metadata (IMDSv2)"};
}

ProfileChoice choose_profile(std::string_view configured_profile, const aws::EnvLookup& env) {
  if (!trim(configured_profile).empty()) return {std::string(trim(configured_profile)), true};
  if (auto name = variable(env, "AWS_PROFILE")) return {*name, true};
  return {"default", false};
}

std::optional<CredentialPlan> profile_plan(const ProfileSet& profiles, const ProfileChoice& choice,
                                           const aws::EnvLookup& env, std::string& skipped) {
  const auto* profile = profiles.find(choice.name);
  if (profile == nullptr) {
    if (choice.explicit_choice)
      profile_error("profile " + choice.name + " not found (" + files_text(profiles) + ")");
    skipped = "no profile default (" + files_text(profiles) + ")";
    return std::nullopt;
  }
  const bool has_credentials = profile->has("role_arn") || profile->has("aws_access_key_id") ||
                               profile->has("aws_secret_access_key") ||
                               profile->has("web_identity_token_file");
  if (!has_credentials && !choice.explicit_choice) {
    skipped = "profile default has no credentials";
    return std::nullopt;
  }
  ProfileResolver resolver(profiles, env);
  auto plan = resolver.resolve(*profile);
  plan.description = "profile " + choice.name;
  if (resolver.visited().size() > 1) {
    auto path = resolver.visited();
    std::reverse(path.begin(), path.end());
    plan.description += " (source_profile chain " + chain_text(path) + ")";
  }
  return plan;
}

ChainDecision decide_chain(const aws::EnvLookup& env, std::string_view configured_profile,
                           const ProfileLoader& load_profiles) {
  ChainDecision decision;
  auto step = [&](std::string_view name, auto&& provider) -> bool {
    std::string skipped;
    decision.plan = provider(skipped);
    if (!decision.plan) decision.skipped.push_back(std::string(name) + ": " + skipped);
    return decision.plan.has_value();
  };
  const auto choice = choose_profile(configured_profile, env);
  const bool configured = !trim(configured_profile).empty();
  if (configured) {
    decision.skipped.push_back("environment: not used because aws.profile is set");
  } else if (step("environment", [&](std::string& s) { return environment_plan(env, s); })) {
    return decision;
  }
  if (step("web-identity", [&](std::string& s) { return web_identity_plan(env, s); })) return decision;
  if (step("shared-files", [&](std::string& s) { return profile_plan(load_profiles(), choice, env, s); })) {
    return decision;
  }
  if (step("container", [&](std::string& s) { return container_plan(env, s); })) return decision;
  step("instance-metadata", [&](std::string& s) { return imds_plan(env, s); });
  return decision;
}

std::string describe_no_credentials(const std::vector<std::string>& skipped) {
  return "no credentials found; tried " + join(skipped, "; ");
}

}  // namespace mw::credentials
