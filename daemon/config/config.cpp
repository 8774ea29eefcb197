#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "common/file_trust.hpp"
#include "common/strings.hpp"
#include "services/guardduty.hpp"

namespace mw::config {
namespace {

const std::vector<std::string> kEndpointServices = {"securityhub", "guardduty", "detective",     "inspector2",
                                                    "macie2",      "sts",       "organizations", "account"};
const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// Plain (unquoted) scalars carry the non-specific tag "?"; quoted ones "!".
bool is_plain_scalar(const YAML::Node& node) {
  return node.Tag() == "?";
}

std::string key_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string resolve_path(const std::string& config_file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  const auto folder = std::filesystem::path(config_file).parent_path();
  if (folder.empty()) return path;
  return (folder / path).lexically_normal().string();
}

bool matches(const std::string& text, const std::regex& pattern) {
  return std::regex_match(text, pattern);
}

// Collects every error with its position; one instance per parse.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  ParseResult parse(std::string_view text);

 private:
  void error(const YAML::Node& at, const std::string& path, std::string message) {
    const auto mark = at.Mark();
    const bool has_position = mark.line >= 0 && !mark.is_null();
    errors_.push_back({file_, has_position ? mark.line + 1 : 0, has_position ? mark.column + 1 : 0, path,
                       std::move(message)});
  }

  // Calls `handle` for each known key; reports unknown and duplicate keys.
  bool for_each_key(
      const YAML::Node& node, const std::string& path, const std::vector<std::string>& known,
      const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& handle);
  bool expect_map(const YAML::Node& node, const std::string& path);

  std::optional<std::string> string_value(const YAML::Node& node, const std::string& path);
  std::optional<std::string> account_id(const YAML::Node& node, const std::string& path);
  std::optional<long long> integer(const YAML::Node& node, const std::string& path, long long min,
                                   long long max);
  std::optional<double> number(const YAML::Node& node, const std::string& path, double min, double max);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  std::optional<std::chrono::seconds> duration(const YAML::Node& node, const std::string& path);
  std::optional<std::vector<std::string>> string_list(
      const YAML::Node& node, const std::string& path, bool allow_empty,
      const std::function<std::optional<std::string>(const YAML::Node&, const std::string&)>& element);
  std::optional<std::string> region(const YAML::Node& node, const std::string& path);
  // A list of regions, or `all` (every region enabled in the account).
  void regions(const YAML::Node& node, const std::string& path, std::vector<std::string>& regions,
               bool& regions_all);
  std::optional<std::string> service(const YAML::Node& node, const std::string& path);
  // A list of service names, each parsed into the enum once, here.
  std::optional<std::vector<core::Service>> service_list(const YAML::Node& node, const std::string& path);
  std::optional<std::string> role_arn(const YAML::Node& node, const std::string& path);
  std::optional<std::string> external_id(const YAML::Node& node, const std::string& path);
  std::optional<std::string> session_name(const YAML::Node& node, const std::string& path);
  std::optional<std::string> listen(const YAML::Node& node, const std::string& path);
  std::optional<std::string> url(const YAML::Node& node, const std::string& path);

  void parse_root(const YAML::Node& root, Config& config);
  void parse_snapshot(const YAML::Node& node, Config::Snapshot& snapshot);
  void parse_health(const YAML::Node& node, Config::Health& health);
  void parse_aws(const YAML::Node& node, Config::Aws& aws);
  void parse_accounts(const YAML::Node& node, Config::Accounts& accounts);
  void parse_organizations(const YAML::Node& node, Config::Accounts::Organizations& organizations);
  void parse_discover_administrators(const YAML::Node& node, const std::string& path,
                                     Config::Accounts::Organizations::DiscoverAdministrators& discover);
  void parse_guardduty(const YAML::Node& node, Config::GuardDuty& guardduty);
  void parse_inspector2(const YAML::Node& node, Config::Inspector2& inspector2);
  void parse_administrators(const YAML::Node& node, Config& config);
  std::optional<Administrator> parse_administrator(const YAML::Node& node, const std::string& path,
                                                   const Config::Aws& defaults);
  void parse_region_map(const YAML::Node& node, const std::string& path, const Administrator& admin,
                        const std::regex& value_pattern, const std::string& value_rule,
                        std::map<std::string, std::string>& out);
  void check_role_account(const YAML::Node& node, const std::string& path, const std::string& role_arn,
                          const std::string& account_id);

  // Records a path the configuration names at `at`, resolved.
  std::string named_path(const YAML::Node& at, const std::string& key_path, const std::string& path,
                         bool directory) {
    const auto resolved = resolve_path(file_, path);
    const auto mark = at.Mark();
    const bool has_position = mark.line >= 0 && !mark.is_null();
    named_paths_.push_back({key_path, resolved, directory, has_position ? mark.line + 1 : 0,
                            has_position ? mark.column + 1 : 0});
    return resolved;
  }

  std::string file_;
  std::vector<ConfigError> errors_;
  std::vector<NamedPath> named_paths_;
};

bool Parser::expect_map(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) return true;
  error(node, path, node.IsNull() ? "has no value; expected a mapping" : "expected a mapping");
  return false;
}

bool Parser::for_each_key(
    const YAML::Node& node, const std::string& path, const std::vector<std::string>& known,
    const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& handle) {
  if (!expect_map(node, path)) return false;
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator's pair is a temporary proxy.
    const YAML::Node key_node = it->first;
    const YAML::Node value_node = it->second;
    if (!key_node.IsScalar()) {
      error(key_node, path, "keys must be plain names");
      continue;
    }
    const std::string key = key_node.Scalar();
    const std::string full = key_path(path, key);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string message = "unknown key";
      if (const auto guess = closest_match(key, known); !guess.empty()) {
        message += " (did you mean '" + guess + "'?)";
      }
      error(key_node, full, message);
      continue;
    }
    if (!seen.insert(key).second) {
      error(key_node, full, "duplicate key");
      continue;
    }
    handle(key, key_node, value_node);
  }
  return true;
}

std::optional<std::string> Parser::string_value(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) return node.Scalar();
  error(node, path, node.IsNull() ? "has no value; expected a string" : "expected a string");
  return std::nullopt;
}

std::optional<std::string> Parser::account_id(const YAML::Node& node, const std::string& path) {
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  if (is_plain_scalar(node) && is_digits(*text)) {
    error(node, path,
          "account ID must be quoted: write \"" + *text +
              "\" (YAML reads unquoted digits as a number and may change them)");
    return std::nullopt;
  }
  if (!is_account_id(*text)) {
    error(node, path, "'" + *text + "' is not an account ID (exactly 12 digits)");
    return std::nullopt;
  }
  return text;
}

std::optional<long long> Parser::integer(const YAML::Node& node, const std::string& path, long long min,
                                         long long max) {
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    error(node, path, "'" + *text + "' is not a whole number");
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(node, path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Parser::number(const YAML::Node& node, const std::string& path, double min,
                                     double max) {
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || !(value >= min && value <= max)) {
    std::ostringstream message;
    message << "'" << *text << "' must be a number from " << min << " to " << max;
    error(node, path, message.str());
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Parser::boolean(const YAML::Node& node, const std::string& path) {
  // Not string_value: "expected a string" would mislead for a boolean.
  if (!node.IsScalar()) {
    error(node, path, node.IsNull() ? "has no value; expected true or false" : "expected true or false");
    return std::nullopt;
  }
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  const auto lowered = to_lower(*text);
  if (lowered == "true") return true;
  if (lowered == "false") return false;
  error(node, path, "'" + *text + "' is not a boolean (true or false)");
  return std::nullopt;
}

std::optional<std::chrono::seconds> Parser::duration(const YAML::Node& node, const std::string& path) {
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  auto parsed = parse_duration(*text);
  if (!parsed) error(node, path, "'" + *text + "' is not a duration (30s, 15m, 1h or whole seconds)");
  return parsed;
}

std::optional<std::vector<std::string>> Parser::string_list(
    const YAML::Node& node, const std::string& path, bool allow_empty,
    const std::function<std::optional<std::string>(const YAML::Node&, const std::string&)>& element) {
  if (!node.IsSequence()) {
    error(node, path, "expected a list");
    return std::nullopt;
  }
  if (node.size() == 0 && !allow_empty) {
    error(node, path, "must not be empty");
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto item_path = index_path(path, i);
    auto value = element(node[i], item_path);
    if (!value) {
      ok = false;
      continue;
    }
    if (std::find(values.begin(), values.end(), *value) != values.end()) {
      error(node[i], item_path, "duplicate '" + *value + "'");
      ok = false;
      continue;
    }
    values.push_back(*value);
  }
  if (!ok) return std::nullopt;
  return values;
}

std::optional<std::string> Parser::region(const YAML::Node& node, const std::string& path) {
  auto text = string_value(node, path);
  if (text && !is_region(*text)) {
    error(node, path, "'" + *text + "' is not an AWS region name (like us-east-1)");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> Parser::service(const YAML::Node& node, const std::string& path) {
  auto text = string_value(node, path);
  if (!text) return std::nullopt;
  if (core::parse_service(*text)) return text;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < core::kServiceCount; ++i)
    names.emplace_back(core::to_string(static_cast<core::Service>(i)));
  std::string message =
      "unknown service '" + *text + "' (securityhub, guardduty, detective, inspector2 or macie2)";
  if (const auto guess = closest_match(*text, names); !guess.empty()) {
    message += "; did you mean '" + guess + "'?";
  }
  error(node, path, message);
  return std::nullopt;
}

std::optional<std::vector<core::Service>> Parser::service_list(const YAML::Node& node,
                                                               const std::string& path) {
  const auto names = string_list(node, path, false, [&](auto& n, auto& p) { return service(n, p); });
  if (!names) return std::nullopt;
  std::vector<core::Service> services;
  for (const auto& name : *names)
    if (const auto parsed = core::parse_service(name)) services.push_back(*parsed);
  return services;
}

std::optional<std::string> Parser::role_arn(const YAML::Node& node, const std::string& path) {
  static const std::regex pattern(
      R"(arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64})");
  auto text = string_value(node, path);
  if (!text || text->empty()) return text;
  if (!matches(*text, pattern)) {
    error(node, path, "'" + *text + "' is not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)");
    return std::nullopt;
  }
  return text;
}

// The STS patterns for ExternalId and RoleSessionName (../shared/aws-api/sts.json).
std::optional<std::string> Parser::external_id(const YAML::Node& node, const std::string& path) {
  static const std::regex pattern(R"([\w+=,.@:/-]{2,1224})");
  auto text = string_value(node, path);
  if (!text || text->empty()) return text;
  if (!matches(*text, pattern)) {
    error(node, path, "must be 2 to 1224 characters of letters, digits and +=,.@:/-");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> Parser::session_name(const YAML::Node& node, const std::string& path) {
  static const std::regex pattern(R"([\w+=,.@-]{2,64})");
  auto text = string_value(node, path);
  if (text && !matches(*text, pattern)) {
    error(node, path, "must be 2 to 64 characters of letters, digits and +=,.@-");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> Parser::listen(const YAML::Node& node, const std::string& path) {
  auto text = string_value(node, path);
  if (!text || text->empty()) return text;
  if (!parse_listen_address(*text)) {
    error(node, path, "'" + *text + "' is not host:port (IPv6 in brackets: [::1]:9746)");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> Parser::url(const YAML::Node& node, const std::string& path) {
  static const std::regex pattern(
      R"(https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?)");
  auto text = string_value(node, path);
  if (text && !matches(*text, pattern)) {
    error(node, path, "'" + *text + "' is not an http:// or https:// URL");
    return std::nullopt;
  }
  return text;
}

ParseResult Parser::parse(std::string_view text) {
  Config config;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) {
      errors_.push_back({file_, 0, 0, "administrators", "required: the file is empty"});
    } else {
      parse_root(root, config);
    }
  } catch (const YAML::Exception& e) {
    errors_.push_back({file_, e.mark.line + 1, e.mark.column + 1, "", "malformed YAML: " + e.msg});
  }
  if (!errors_.empty()) return {std::nullopt, errors_, {}};
  const bool state_dir_named =
      std::any_of(named_paths_.begin(), named_paths_.end(),
                  [](const NamedPath& named) { return named.key_path == "state_dir"; });
  if (!state_dir_named) named_paths_.push_back({"state_dir", config.state_dir, true, 0, 0});
  return {std::move(config), {}, named_paths_};
}

void Parser::parse_root(const YAML::Node& root, Config& config) {
  static const std::vector<std::string> known = {
      "interval", "jitter", "cycle_timeout", "concurrency", "state_dir",  "log_level",     "snapshot",
      "health",   "aws",    "accounts",      "guardduty",   "inspector2", "administrators"};
  std::optional<YAML::Node> administrators;
  const bool is_map =
      for_each_key(root, "", known, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
        if (key == "interval") {
          if (auto d = duration(value, key)) {
            if (*d < std::chrono::seconds(30)) error(value, key, "must be at least 30s");
            config.interval = *d;
          }
        } else if (key == "jitter") {
          if (auto d = duration(value, key)) config.jitter = *d;
        } else if (key == "cycle_timeout") {
          if (auto d = duration(value, key)) {
            if (d->count() == 0) error(value, key, "must be longer than 0s");
            config.cycle_timeout = *d;
          }
        } else if (key == "concurrency") {
          if (auto n = integer(value, key, 1, 1024)) config.concurrency = static_cast<int>(*n);
        } else if (key == "state_dir") {
          if (auto s = string_value(value, key)) {
            if (s->empty()) error(value, key, "must not be empty");
            config.state_dir = named_path(value, key, *s, true);
          }
        } else if (key == "log_level") {
          if (auto s = string_value(value, key)) {
            if (std::find(kLogLevels.begin(), kLogLevels.end(), *s) == kLogLevels.end()) {
              error(value, key,
                    "'" + *s + "' is not a log level (trace, debug, info, warn, error, critical, off)");
            }
            config.log_level = *s;
          }
        } else if (key == "snapshot") {
          parse_snapshot(value, config.snapshot);
        } else if (key == "health") {
          parse_health(value, config.health);
        } else if (key == "aws") {
          parse_aws(value, config.aws);
        } else if (key == "accounts") {
          parse_accounts(value, config.accounts);
        } else if (key == "guardduty") {
          parse_guardduty(value, config.guardduty);
        } else if (key == "inspector2") {
          parse_inspector2(value, config.inspector2);
        } else if (key == "administrators") {
          administrators = value;
        }
      });
  if (!is_map) return;
  // Administrators inherit aws.regions / aws.services, so they come last.
  // Without any, discovery must name them.
  const bool discovering = !config.accounts.organizations.discover_administrators.role_name.empty();
  if (!administrators) {
    if (!discovering) {
      errors_.push_back({file_, 0, 0, "administrators",
                         "required: at least one administrator (or "
                         "accounts.organizations.discover_administrators.role_name)"});
    }
  } else if (!(discovering && administrators->IsSequence() && administrators->size() == 0)) {
    parse_administrators(*administrators, config);
  }
}

void Parser::parse_inspector2(const YAML::Node& node, Config::Inspector2& inspector2) {
  for_each_key(node, "inspector2", {"account_status"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 if (auto on = boolean(value, key_path("inspector2", key))) inspector2.account_status = *on;
               });
}

void Parser::parse_guardduty(const YAML::Node& node, Config::GuardDuty& guardduty) {
  for_each_key(node, "guardduty", {"required_features"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 const auto path = key_path("guardduty", key);
                 const auto feature = [&](const YAML::Node& n,
                                          const std::string& p) -> std::optional<std::string> {
                   auto name = string_value(n, p);
                   if (!name) return std::nullopt;
                   const auto& known = services::guardduty::kFeatureNames;
                   if (std::find(std::begin(known), std::end(known), *name) == std::end(known)) {
                     std::string names;
                     for (const auto known_name : known)
                       names += (names.empty() ? "" : ", ") + std::string(known_name);
                     error(n, p, "'" + *name + "' is not a GuardDuty feature (" + names + ")");
                     return std::nullopt;
                   }
                   return name;
                 };
                 if (auto v = string_list(value, path, true, feature)) guardduty.required_features = *v;
               });
}

void Parser::parse_snapshot(const YAML::Node& node, Config::Snapshot& snapshot) {
  for_each_key(node, "snapshot", {"path", "changes"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 const auto path = key_path("snapshot", key);
                 auto text = string_value(value, path);
                 if (!text) return;
                 if (key == "path") {
                   if (text->empty()) error(value, path, "must not be empty");
                   snapshot.path = *text;
                 } else {
                   snapshot.changes = *text;
                 }
               });
}

void Parser::parse_health(const YAML::Node& node, Config::Health& health) {
  for_each_key(node, "health", {"listen", "lifecycle", "max_gap_series", "web_config_file"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 const auto path = key_path("health", key);
                 if (key == "listen") {
                   if (auto text = listen(value, path)) health.listen = *text;
                 } else if (key == "web_config_file") {
                   // Read by the health layer (health/web_config.hpp); trusted
                   // as the configuration itself (named_paths).
                   if (auto text = string_value(value, path); text && !text->empty())
                     health.web_config_file = named_path(value, path, *text, false);
                 } else if (key == "max_gap_series") {
                   if (auto n = integer(value, path, 0, 10'000'000))
                     health.max_gap_series = static_cast<std::size_t>(*n);
                 } else {
                   if (auto on = boolean(value, path)) health.lifecycle = *on;
                 }
               });
}

void Parser::regions(const YAML::Node& node, const std::string& path, std::vector<std::string>& regions,
                     bool& regions_all) {
  if (node.IsScalar() && node.Scalar() == "all") {
    regions.clear();
    regions_all = true;
    return;
  }
  if (auto v = string_list(node, path, false, [&](auto& n, auto& p) { return region(n, p); })) {
    regions = *v;
    regions_all = false;
  }
}

void Parser::parse_aws(const YAML::Node& node, Config::Aws& aws) {
  static const std::vector<std::string> known = {"regions",   "services",     "sts_region",
                                                 "fips",      "max_attempts", "requests_per_second",
                                                 "ca_bundle", "profile",      "endpoints"};
  for_each_key(node, "aws", known, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
    const auto path = key_path("aws", key);
    if (key == "regions") {
      regions(value, path, aws.regions, aws.regions_all);
    } else if (key == "services") {
      if (auto v = service_list(value, path)) aws.services = *v;
    } else if (key == "sts_region") {
      if (auto v = region(value, path)) aws.sts_region = *v;
    } else if (key == "fips") {
      if (auto v = boolean(value, path)) aws.fips = *v;
    } else if (key == "max_attempts") {
      if (auto v = integer(value, path, 1, 20)) aws.max_attempts = static_cast<int>(*v);
    } else if (key == "requests_per_second") {
      if (auto v = number(value, path, 0.1, 10000)) aws.requests_per_second = *v;
    } else if (key == "ca_bundle") {
      if (auto v = string_value(value, path); v && !v->empty())
        aws.ca_bundle = named_path(value, path, *v, false);
    } else if (key == "profile") {
      if (auto v = string_value(value, path)) aws.profile = *v;
    } else if (key == "endpoints") {
      for_each_key(value, path, kEndpointServices,
                   [&](const std::string& service_name, const YAML::Node&, const YAML::Node& url_node) {
                     if (auto v = url(url_node, key_path(path, service_name)))
                       aws.endpoints[service_name] = *v;
                   });
    }
  });
}

void Parser::parse_accounts(const YAML::Node& node, Config::Accounts& accounts) {
  for_each_key(
      node, "accounts", {"ids", "file", "organizations"},
      [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
        const auto path = key_path("accounts", key);
        if (key == "ids") {
          if (auto v = string_list(value, path, true, [&](auto& n, auto& p) { return account_id(n, p); }))
            accounts.ids = *v;
        } else if (key == "file") {
          if (auto v = string_value(value, path); v && !v->empty())
            accounts.file = named_path(value, path, *v, false);
        } else {
          parse_organizations(value, accounts.organizations);
        }
      });
}

void Parser::parse_organizations(const YAML::Node& node, Config::Accounts::Organizations& organizations) {
  const std::string path = "accounts.organizations";
  std::optional<YAML::Node> external_id_node;
  std::optional<YAML::Node> discover_node;
  for_each_key(node, path, {"role_arn", "external_id", "discover_administrators"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 if (key == "role_arn") {
                   if (auto v = role_arn(value, key_path(path, key))) organizations.role_arn = *v;
                 } else if (key == "discover_administrators") {
                   discover_node = value;
                   parse_discover_administrators(value, key_path(path, key),
                                                 organizations.discover_administrators);
                 } else {
                   external_id_node = value;
                   if (auto v = external_id(value, key_path(path, key))) organizations.external_id = *v;
                 }
               });
  if (external_id_node && organizations.role_arn.empty() && !organizations.external_id.empty()) {
    error(*external_id_node, key_path(path, "external_id"), "is set but role_arn is not");
  }
  if (discover_node && organizations.role_arn.empty() &&
      !organizations.discover_administrators.role_name.empty()) {
    error(*discover_node, key_path(path, "discover_administrators"),
          "needs accounts.organizations.role_arn: Organizations names the delegated administrators");
  }
}

void Parser::parse_discover_administrators(
    const YAML::Node& node, const std::string& path,
    Config::Accounts::Organizations::DiscoverAdministrators& discover) {
  // An IAM role name, with its path if any ("memberwatch-read", "security/memberwatch-read").
  static const std::regex role_name_pattern(R"([\w+=,.@-]+(/[\w+=,.@-]+)*)");
  for_each_key(node, path, {"role_name", "external_id"},
               [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                 const auto full = key_path(path, key);
                 if (key == "role_name") {
                   auto name = string_value(value, full);
                   if (!name) return;
                   if (!name->empty() && (name->size() > 512 || !matches(*name, role_name_pattern))) {
                     error(value, full, "'" + *name + "' is not an IAM role name");
                     return;
                   }
                   discover.role_name = *name;
                 } else {
                   if (auto v = external_id(value, full)) discover.external_id = *v;
                 }
               });
}

void Parser::parse_administrators(const YAML::Node& node, Config& config) {
  if (!node.IsSequence() || node.size() == 0) {
    error(node, "administrators", "expected a non-empty list of administrators");
    return;
  }
  std::map<std::string, int> first_line_of_account;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto path = index_path("administrators", i);
    auto admin = parse_administrator(node[i], path, config.aws);
    if (!admin) continue;
    const int line = node[i].Mark().line + 1;
    const auto [it, inserted] = first_line_of_account.emplace(admin->account_id, line);
    if (!inserted) {
      error(node[i]["account_id"], key_path(path, "account_id"),
            "duplicate administrator: account " + admin->account_id + " is already configured at line " +
                std::to_string(it->second));
      continue;
    }
    config.administrators.push_back(std::move(*admin));
  }
}

std::optional<Administrator> Parser::parse_administrator(const YAML::Node& node, const std::string& path,
                                                         const Config::Aws& defaults) {
  static const std::vector<std::string> known = {"name",
                                                 "account_id",
                                                 "role_arn",
                                                 "external_id",
                                                 "session_name",
                                                 "regions",
                                                 "services",
                                                 "guardduty_detector_ids",
                                                 "detective_graph_arns"};
  const auto errors_before = errors_.size();
  Administrator admin;
  admin.regions = defaults.regions;
  admin.regions_all = defaults.regions_all;
  admin.services = defaults.services;
  std::optional<YAML::Node> detectors, graphs, role_node;
  bool has_name = false, has_account = false;
  const bool is_map = for_each_key(node, path, known,
                                   [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
                                     const auto full = key_path(path, key);
                                     if (key == "name") {
                                       if (auto v = string_value(value, full)) {
                                         if (v->empty()) error(value, full, "must not be empty");
                                         admin.name = *v;
                                         has_name = true;
                                       }
                                     } else if (key == "account_id") {
                                       has_account = true;
                                       if (auto v = account_id(value, full)) admin.account_id = *v;
                                     } else if (key == "role_arn") {
                                       role_node = value;
                                       if (auto v = role_arn(value, full)) admin.role_arn = *v;
                                     } else if (key == "external_id") {
                                       if (auto v = external_id(value, full)) admin.external_id = *v;
                                     } else if (key == "session_name") {
                                       if (auto v = session_name(value, full)) admin.session_name = *v;
                                     } else if (key == "regions") {
                                       regions(value, full, admin.regions, admin.regions_all);
                                     } else if (key == "services") {
                                       if (auto v = service_list(value, full)) admin.services = *v;
                                     } else if (key == "guardduty_detector_ids") {
                                       detectors = value;
                                     } else if (key == "detective_graph_arns") {
                                       graphs = value;
                                     }
                                   });
  if (!is_map) return std::nullopt;
  if (!has_name) error(node, key_path(path, "name"), "required");
  if (!has_account) error(node, key_path(path, "account_id"), "required");
  if (role_node && !admin.role_arn.empty() && !admin.account_id.empty()) {
    check_role_account(*role_node, key_path(path, "role_arn"), admin.role_arn, admin.account_id);
  }
  static const std::regex detector_pattern(R"([A-Za-z0-9]{1,300})");
  static const std::regex graph_pattern(
      R"(arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[abcdef\d]{32}?)");
  if (detectors) {
    parse_region_map(*detectors, key_path(path, "guardduty_detector_ids"), admin, detector_pattern,
                     "a detector ID (letters and digits)", admin.guardduty_detector_ids);
  }
  if (graphs) {
    parse_region_map(*graphs, key_path(path, "detective_graph_arns"), admin, graph_pattern,
                     "a Detective graph ARN (arn:aws:detective:REGION:ACCOUNT:graph:ID)",
                     admin.detective_graph_arns);
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return admin;
}

void Parser::check_role_account(const YAML::Node& node, const std::string& path, const std::string& role_arn,
                                const std::string& account_id) {
  const auto parts = split(role_arn, ':');
  if (parts.size() > 4 && parts[4] != account_id) {
    error(node, path,
          "role is in account " + std::string(parts[4]) + " but the administrator's account_id is " +
              account_id);
  }
}

void Parser::parse_region_map(const YAML::Node& node, const std::string& path, const Administrator& admin,
                              const std::regex& value_pattern, const std::string& value_rule,
                              std::map<std::string, std::string>& out) {
  if (!expect_map(node, path)) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node region_node = it->first;
    const YAML::Node value_node = it->second;
    const auto region_name = region_node.Scalar();
    const auto full = key_path(path, region_name);
    if (!is_region(region_name)) {
      error(region_node, full, "'" + region_name + "' is not an AWS region name");
      continue;
    }
    if (!admin.regions_all &&
        std::find(admin.regions.begin(), admin.regions.end(), region_name) == admin.regions.end()) {
      error(region_node, full, "region " + region_name + " is not among this administrator's regions");
      continue;
    }
    auto value = string_value(value_node, full);
    if (!value) continue;
    if (!matches(*value, value_pattern)) {
      error(value_node, full, "'" + *value + "' is not " + value_rule);
      continue;
    }
    if (out.count(region_name) != 0) {
      error(region_node, full, "duplicate region");
      continue;
    }
    out[region_name] = *value;
  }
}

}  // namespace

std::size_t Config::source_count() const {
  std::size_t count = 0;
  for (const auto& admin : administrators) count += admin.regions.size() * admin.services.size();
  return count;
}

ParseResult parse_config(std::string_view text, const std::string& file_name) {
  return Parser(file_name).parse(text);
}

ParseResult load_config_file(const std::string& file_name) {
  // As sshd does: a file anyone else may edit could point the daemon, root
  // perhaps, anywhere.
  if (auto reason = untrusted_file_reason(file_name, ::geteuid()); !reason.empty()) {
    return {std::nullopt, {{file_name, 0, 0, "", "refused: " + reason}}, {}};
  }
  std::ifstream in(file_name, std::ios::binary);
  if (!in) {
    return {std::nullopt,
            {{file_name, 0, 0, "", std::string("cannot read the file: ") + std::strerror(errno)}},
            {}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto result = parse_config(text.str(), file_name);
  if (!result.config) return result;
  // What the configuration names must be as trustworthy as the file itself.
  const uid_t uid = ::geteuid();
  for (const auto& named : result.named_paths) {
    const auto reason = named.directory ? untrusted_directory_reason(named.path, uid)
                                        : untrusted_file_reason(named.path, uid);
    if (!reason.empty())
      result.errors.push_back({file_name, named.line, named.column, named.key_path, "refused: " + reason});
  }
  if (!result.errors.empty()) result.config.reset();
  return result;
}

std::string summarize(const Config& config) {
  std::set<core::Service> services;
  std::set<std::string> regions;
  for (const auto& admin : config.administrators) {
    services.insert(admin.services.begin(), admin.services.end());
    regions.insert(admin.regions.begin(), admin.regions.end());
  }
  std::string summary = "administrators=" + std::to_string(config.administrators.size()) +
                        " sources=" + std::to_string(config.source_count()) +
                        " services=" + std::to_string(services.size()) +
                        " regions=" + std::to_string(regions.size());
  // Their sources are known only once ListRegions answers.
  std::string regions_all;
  for (const auto& admin : config.administrators) {
    if (!admin.regions_all) continue;
    if (!regions_all.empty()) regions_all += ',';
    regions_all += admin.account_id;
  }
  if (!regions_all.empty()) summary += " regions_all=" + regions_all;
  return summary;
}

bool is_region(std::string_view text) {
  return is_region_name(text);
}

std::string partition_of_region(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long multiplier = 1;
  switch (text.back()) {
    case 's':
      multiplier = 1;
      text.remove_suffix(1);
      break;
    case 'm':
      multiplier = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      multiplier = 3600;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  if (!is_digits(text) || text.size() > 9) return std::nullopt;
  long long value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return std::chrono::seconds(value * multiplier);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (address.host.find(':') == std::string::npos) return std::nullopt;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
  }
  static const std::regex host_pattern(R"([A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)");
  if (address.host.empty() || !std::regex_match(address.host, host_pattern)) return std::nullopt;
  if (!is_digits(port_text) || port_text.size() > 5) return std::nullopt;
  unsigned value = 0;
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (value > 65535) return std::nullopt;
  address.port = static_cast<unsigned short>(value);
  return address;
}

}  // namespace mw::config
