#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_error.hpp"
#include "core/model.hpp"

namespace mw::config {

// The configuration of CONTRACT.md with every default filled in. Relative
// paths (state_dir, accounts.file, aws.ca_bundle, health.web_config_file) are resolved against the
// folder of the configuration file.
struct Administrator {
  std::string name;
  std::string account_id;
  std::string role_arn;  // "" = use the base credentials
  std::string external_id;
  std::string session_name = "memberwatch";
  std::vector<std::string> regions;  // aws.regions unless overridden
  bool regions_all = false;          // `regions: all`: every region enabled in its account (regions is empty)
  std::vector<core::Service> services;                        // aws.services unless overridden
  std::map<std::string, std::string> guardduty_detector_ids;  // region -> detector id
  std::map<std::string, std::string> detective_graph_arns;    // region -> graph ARN
};

struct Config {
  std::chrono::seconds interval{15 * 60};
  std::chrono::seconds jitter{30};
  std::chrono::seconds cycle_timeout{10 * 60};
  int concurrency = 32;
  std::string state_dir = "/var/lib/memberwatch";
  std::string log_level = "info";

  struct Snapshot {
    std::string path = "snapshot.json";
    std::string changes = "changes.jsonl";
  } snapshot;

  struct Health {
    std::string listen = "127.0.0.1:9746";
    bool lifecycle = false;  // POST /-/refresh and /-/reload are served (else 403)
    // TLS, basic auth and headers in the exporter-toolkit web config format
    // (health/web_config.hpp); "" = plain HTTP, no authentication. Resolved
    // against the configuration's folder.
    std::string web_config_file;
    // memberwatch_gap series at most; the gaps beyond are counted in
    // memberwatch_gap_series_truncated, not listed (bounded cardinality).
    std::size_t max_gap_series = 10'000;
  } health;

  struct Aws {
    std::vector<std::string> regions{"us-east-1"};
    bool regions_all = false;  // `regions: all`
    std::vector<core::Service> services{core::Service::securityhub, core::Service::guardduty,
                                        core::Service::detective};
    std::string sts_region = "us-east-1";
    bool fips = false;
    int max_attempts = 5;
    double requests_per_second = 10;
    std::string ca_bundle;
    std::string profile;
    std::map<std::string, std::string> endpoints;  // service -> URL
  } aws;

  struct Accounts {
    std::vector<std::string> ids;
    std::string file;
    struct Organizations {
      std::string role_arn;
      std::string external_id;
      // Each cycle, the delegated administrators Organizations names for the
      // configured services are polled too, through
      // arn:PARTITION:iam::ID:role/ROLE_NAME; "" = off.
      struct DiscoverAdministrators {
        std::string role_name;
        std::string external_id;
      } discover_administrators;
    } organizations;
  } accounts;

  struct GuardDuty {
    // Feature names (services/guardduty.hpp kFeatureNames) an ENABLED
    // member must run: GUARDDUTY_FEATURE_DISABLED otherwise.
    std::vector<std::string> required_features;
  } guardduty;

  struct Inspector2 {
    // Each ENABLED member's scan coverage (BatchGetAccountStatus, 100
    // accounts a call) into its detail.resources; off: it costs calls.
    bool account_status = false;
  } inspector2;

  std::vector<Administrator> administrators;

  std::size_t source_count() const;  // (administrator, service, region) triples
};

using ConfigError = FileError;  // common/file_error.hpp

// A file or folder the configuration names, and where it names it.
struct NamedPath {
  std::string key_path;  // "state_dir", "accounts.file", "aws.ca_bundle"
  std::string path;      // resolved against the configuration's folder
  bool directory = false;
  int line = 0;  // as ConfigError
  int column = 0;
};

struct ParseResult {
  std::optional<Config> config;  // set exactly when errors is empty
  std::vector<ConfigError> errors;
  std::vector<NamedPath> named_paths;  // with `config`; state_dir always (its default too)
};

// Parses and validates configuration text. Pure: `file_name` is used for
// error messages and to resolve relative paths, never opened.
ParseResult parse_config(std::string_view text, const std::string& file_name);

// Reads the file, then parse_config. An unreadable file is one error; so is
// one that other users than root and the daemon's own can write (as sshd's
// StrictModes), and every file or folder it names (named_paths: state_dir,
// accounts.file, aws.ca_bundle) that they could change or replace
// (common/file_trust.hpp), at the position that names it.
ParseResult load_config_file(const std::string& file_name);

// "administrators=2 sources=12 services=3 regions=3", then
// " regions_all=ID,ID" naming the administrators with `regions: all`
// (their sources are not counted: ListRegions tells them each cycle).
std::string summarize(const Config& config);

// Shared validators, also used for the accounts file and by other layers.
bool is_region(std::string_view text);
std::string partition_of_region(std::string_view region);  // aws, aws-cn, aws-us-gov

// Parses "30s", "15m", "1h" or integer seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

struct ListenAddress {
  std::string host;  // without brackets
  unsigned short port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace mw::config
