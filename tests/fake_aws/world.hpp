#pragma once

// The world fake-aws serves: identities, administrators and their member
// accounts per (region, service), Organizations accounts, the regions of
// Account ListRegions and faults. Plain values, read from and written to
// YAML; no I/O beyond the file helpers.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mw::fake_aws {

enum class Service { securityhub, guardduty, detective, inspector2, macie2, sts, organizations, account };

std::string_view to_string(Service service);
std::optional<Service> parse_service(std::string_view name);

// Long-term or temporary credentials the world knows from the start.
struct BaseCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::string account_id;
  std::string arn;                        // default arn:aws:iam::ACCOUNT:user/fake-aws
  std::optional<std::string> expires_at;  // ISO 8601; in the past: ExpiredToken
};

struct Role {
  std::string arn;          // arn:aws:iam::ACCOUNT:role/NAME
  std::string external_id;  // required by the trust policy when not empty
  bool denied = false;      // every AssumeRole is AccessDenied
  std::string account_id() const;
  std::string name() const;
};

struct WebIdentityToken {
  std::string token;
  std::string role_arn;
  std::string subject = "system:serviceaccount:memberwatch:memberwatch";
  std::string audience = "sts.amazonaws.com";
  std::string provider = "oidc.eks.us-east-1.amazonaws.com/id/FAKEAWS";
};

// The EC2 instance profile (IMDSv2) and the container credentials endpoint
// hand out credentials of this role's account.
struct InstanceProfile {
  std::string role_name = "fake-aws-instance";
  std::string account_id;
};

struct ContainerCredentials {
  std::string path = "/ecs/credentials";
  std::string authorization_token;  // empty: no token required
  std::string role_arn;
};

struct DatasourceUsage {
  std::int64_t volume_usage_bytes = 0;
  std::string updated_at;
};

struct Member {
  std::string account_id;
  std::string email;   // Inspector members have none
  std::string status;  // raw, exactly as the service returns it (unknown values allowed)
  std::optional<std::string> administrator_id;  // default: the administrator owning the source
  std::optional<std::string> invited_at;        // ISO 8601 exactly as served
  std::optional<std::string> updated_at;
  // Detective only.
  std::optional<std::string> disabled_reason;
  std::optional<std::string> invitation_type;
  std::optional<std::int64_t> volume_usage_bytes;
  std::optional<std::string> volume_usage_updated_at;
  std::optional<double> percent_of_graph_utilization;
  std::optional<std::string> percent_of_graph_utilization_updated_at;
  std::map<std::string, DatasourceUsage> volume_usage_by_datasource_package;
  std::map<std::string, std::string> datasource_package_ingest_states;
  // GuardDuty only: protection plan -> status (ENABLED, DISABLED; served as
  // given), what GetMemberDetectors reports as the member's features.
  std::map<std::string, std::string> features;
  // Inspector only: scan type (ec2, ecr, lambda, lambda_code,
  // code_repository) -> Status (ENABLED, DISABLED, ...; served as given),
  // what BatchGetAccountStatus reports. Unset: ec2 and ecr ENABLED, the
  // others DISABLED (inspector_resource_status).
  std::map<std::string, std::string> resources;
};

// Inspector's scan types: the world's names and the wire's, in the model's order.
struct InspectorResource {
  std::string_view world_name;
  std::string_view wire_name;
};
inline constexpr InspectorResource kInspectorResources[] = {{"ec2", "ec2"},
                                                            {"ecr", "ecr"},
                                                            {"lambda", "lambda"},
                                                            {"lambda_code", "lambdaCode"},
                                                            {"code_repository", "codeRepository"}};
bool is_inspector_resource(std::string_view world_name);
// A member's status for one scan type: as the world gives it, else the default.
std::string inspector_resource_status(const Member& member, std::string_view world_name);

// One protection plan of GuardDuty's DescribeOrganizationConfiguration.
struct OrganizationFeature {
  std::string name;                        // OrgFeature: RUNTIME_MONITORING, S3_DATA_EVENTS, ...
  std::optional<std::string> auto_enable;  // OrgFeatureStatus NEW, ALL, NONE; served as given
  std::map<std::string, std::string> additional_configuration;  // name -> autoEnable
};

// What DescribeOrganizationConfiguration answers for one source. Fields
// unset are left out of the answer; each service serves only its own.
struct OrganizationConfiguration {
  std::optional<bool> auto_enable;                              // all but Inspector
  std::optional<std::string> auto_enable_organization_members;  // GuardDuty
  std::optional<std::string> auto_enable_standards;             // Security Hub
  std::optional<std::string> configuration_type;                // Security Hub
  std::optional<std::string> configuration_status;              // Security Hub
  std::optional<std::string> status_message;                    // Security Hub
  // GuardDuty always serves it (the model requires it): false when unset.
  std::optional<bool> member_account_limit_reached;
  std::vector<OrganizationFeature> features;  // GuardDuty
  // Inspector's autoEnable per scan type. The model requires ec2 and ecr:
  // served false when unset.
  std::optional<bool> ec2;
  std::optional<bool> ecr;
  std::optional<bool> lambda;
  std::optional<bool> lambda_code;
  std::optional<bool> code_repository;
  std::optional<bool> max_account_limit_reached;  // Inspector and Macie
  // Served as the whole 200 body instead, for malformed-response tests.
  std::optional<std::string> raw;
};

// One service enabled in one region of one administrator.
struct Source {
  // GuardDuty detector id or Detective graph ARN; "" for Security Hub,
  // Inspector and Macie, which are enabled in a region or not.
  std::string resource;
  std::string created_at;  // Detective graph creation time
  std::vector<Member> members;
  std::map<std::string, std::string> unprocessed;  // account -> reason, overrides the default reason
  // nullopt: the caller is not the organization's administrator here.
  std::optional<OrganizationConfiguration> organization;
  // GuardDuty only: accounts GetMemberDetectors reports unprocessed, with the reason.
  std::map<std::string, std::string> member_detectors_unprocessed;
  // Inspector only: accounts BatchGetAccountStatus puts into failedAccounts
  // (errorCode ACCESS_DENIED), with the errorMessage.
  std::map<std::string, std::string> account_status_failed;
};

struct Administrator {
  std::string account_id;
  // region -> service -> source; a service missing from a region is not enabled there.
  std::map<std::string, std::map<Service, Source>> regions;

  const Source* source(std::string_view region, Service service) const;
};

struct OrganizationAccount {
  std::string id;
  std::string name;
  std::string email;
  // Account.State (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE,
  // CLOSED; unknown values are served as given); nullopt: no State member.
  std::optional<std::string> state = "ACTIVE";
  // Account.Status, retired by Organizations on 2026-09-09: served only
  // when a world gives it.
  std::optional<std::string> status;
  std::string joined_method = "CREATED";
  std::string joined_timestamp = "2020-01-01T00:00:00Z";
};

struct DelegatedAdministrator {
  std::string account_id;
  std::vector<std::string> service_principals;  // securityhub.amazonaws.com, guardduty.amazonaws.com, ...
  std::string delegation_enabled_date = "2020-06-01T00:00:00Z";  // ISO 8601
};

struct Organization {
  std::string id = "o-fakeaws0000";
  std::string management_account_id;
  std::vector<DelegatedAdministrator> delegated_administrators;
  std::vector<OrganizationAccount> accounts;

  // A delegated administrator of any service.
  bool is_delegated_administrator(std::string_view account_id) const;
};

// A fault applies to requests matching every field that is set.
struct Fault {
  std::optional<Service> service;
  std::string operation;   // "" matches every operation
  std::string region;      // "" matches every region
  std::string account_id;  // caller account; "" matches every caller
  double latency_ms = 0;
  double jitter_ms = 0;
  double error_rate = 0;      // HTTP 5xx with the service's internal error
  double reset_rate = 0;      // TCP reset instead of a response
  double truncate_rate = 0;   // Content-Length promises more than is sent
  double malformed_rate = 0;  // 200 with a body that does not parse
  double trickle_rate = 0;    // the body dribbles out in small pieces
  double trickle_ms = 50;     // pause between trickled pieces
  double throttle_rate = 0;   // the service's throttling error, as if over quota
  // Only the first `count` matching requests get the fault (later ones fall
  // through to the next matching fault); 0: every matching request. Makes
  // "the first attempt fails, the retry succeeds" deterministic.
  int count = 0;
};

// What Account ListRegions reports for one account.
struct AccountRegions {
  bool denied = false;  // every ListRegions this account makes is AccessDenied
  // region -> RegionOptStatus (ENABLED, ENABLING, DISABLING, DISABLED,
  // ENABLED_BY_DEFAULT); nullopt: the default list (default_account_regions).
  std::optional<std::map<std::string, std::string>> regions;
};

struct Throttle {
  double rate = 0;  // tokens per second; 0 turns throttling off
  double burst = 0;
};

struct World {
  std::vector<BaseCredentials> credentials;
  std::vector<Role> roles;
  std::vector<WebIdentityToken> web_identity_tokens;
  std::optional<InstanceProfile> instance_profile;
  std::optional<ContainerCredentials> container_credentials;
  std::vector<std::string> opt_in_regions;  // temporary credentials are rejected there
  std::vector<Administrator> administrators;
  std::optional<Organization> organization;
  std::map<std::string, AccountRegions> account_regions;  // account id -> its ListRegions answer
  std::vector<Fault> faults;
  std::map<Service, Throttle> throttles;  // the published quotas unless overridden

  const Administrator* administrator(std::string_view account_id) const;
  const Role* role(std::string_view arn) const;
  bool is_opt_in_region(std::string_view region) const;
  // The regions ListRegions reports for the account, sorted by name: its
  // account_regions entry, or the default list.
  std::map<std::string, std::string> regions_of(std::string_view account_id) const;
  // An account without an account_regions entry: the 17 regions AWS enables
  // by default as ENABLED_BY_DEFAULT, and each opt_in_regions as DISABLED.
  std::map<std::string, std::string> default_account_regions() const;
};

// The published request quotas (Security Hub: 10 requests/s, burst 30).
// Account Management publishes none: 10 requests/s, burst 10. Inspector and
// Macie publish none for their member APIs: 10 requests/s, burst 30.
std::map<Service, Throttle> default_throttles();

class WorldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws WorldError naming the line and key path of anything wrong.
World parse_world(std::string_view yaml_text);
World load_world(const std::string& path);
std::string world_to_yaml(const World& world);

// Checks references between parts (roles of unknown accounts, duplicate
// administrators, malformed detector ids and graph ARNs). Throws WorldError.
void validate_world(const World& world);

// Parameters of --generate.
struct GenerateParams {
  int administrators = 2;
  int regions = 3;
  int accounts = 1000;
  double securityhub_share = 0.95;
  double guardduty_share = 0.9;
  double detective_share = 0.8;
  // 0: the service is not enabled anywhere (no source at all), so that
  // worlds generated without these keys stay as they were.
  double inspector2_share = 0;
  double macie2_share = 0;
  std::uint64_t seed = 1;
};

// "administrators=3,regions=4,accounts=5000,securityhub=0.9,guardduty=0.9,detective=0.8,
// inspector2=0.5,macie2=0.5,seed=7"
GenerateParams parse_generate_params(std::string_view spec);
World generate_world(const GenerateParams& params);

// Credentials a generated world always has, for benchmarks to sign with.
inline constexpr std::string_view kGeneratedAccessKeyId = "AKIAFAKEAWSGENERATED";
inline constexpr std::string_view kGeneratedSecretAccessKey = "fake-aws/generated/secret/key/0000000000";
inline constexpr std::string_view kGeneratedBaseAccount = "999999999999";
inline constexpr std::string_view kGeneratedRoleName = "memberwatch-read";

bool is_account_id(std::string_view text);
bool is_detector_id(std::string_view text);
bool is_graph_arn(std::string_view text);
bool is_region_name(std::string_view text);        // us-east-1, us-gov-west-1, ...
bool is_region_opt_status(std::string_view text);  // the account model's RegionOptStatus enum

}  // namespace mw::fake_aws
