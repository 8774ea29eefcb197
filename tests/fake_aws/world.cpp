#include "world.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <random>
#include <regex>
#include <set>
#include <sstream>

namespace mw::fake_aws {

namespace {

constexpr std::string_view kServiceNames[] = {"securityhub", "guardduty", "detective",     "inspector2",
                                              "macie2",      "sts",       "organizations", "account"};

// The regions AWS enables in every account (RegionOptStatus ENABLED_BY_DEFAULT).
constexpr std::string_view kDefaultRegions[] = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "ap-south-1",   "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1",
    "eu-west-1",      "eu-west-2",      "eu-west-3",      "eu-north-1",     "sa-east-1"};

// The account model's RegionOptStatus enum.
constexpr std::string_view kRegionOptStatuses[] = {"ENABLED", "ENABLING", "DISABLING", "DISABLED",
                                                   "ENABLED_BY_DEFAULT"};

// The times the emulator turns into epoch seconds: 2020-01-02T03:04:05[.678]Z.
bool is_iso8601(const std::string& text) {
  static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z)");
  return std::regex_match(text, pattern);
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& what) {
  const auto mark = node.Mark();
  throw WorldError("world:" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
                   path + ": " + what);
}

// Reads one mapping, rejecting keys the reader did not ask for.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {
    if (!node_.IsMap()) fail(node_, path_, "expected a mapping");
  }
  MapReader(const MapReader&) = delete;
  ~MapReader() noexcept(false) {
    if (std::uncaught_exceptions() > 0) return;
    for (const auto& entry : node_) {
      const auto key = entry.first.as<std::string>();
      if (!used_.count(key)) fail(entry.first, child(key), "unknown key");
    }
  }

  const std::string& path() const { return path_; }
  std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  YAML::Node get(const std::string& key) {
    used_.insert(key);
    return node_[key];
  }
  bool has(const std::string& key) const { return static_cast<bool>(node_[key]); }

  std::string string(const std::string& key, std::string fallback = "") {
    auto value = get(key);
    if (!value) return fallback;
    if (!value.IsScalar()) fail(value, child(key), "expected a string");
    return value.as<std::string>();
  }
  std::string required_string(const std::string& key) {
    if (!has(key)) fail(node_, child(key), "is required");
    return string(key);
  }
  std::optional<std::string> optional_string(const std::string& key) {
    if (!has(key)) return std::nullopt;
    return string(key);
  }
  // Absent: the fallback; null or "": nullopt.
  std::optional<std::string> nullable_string(const std::string& key, std::optional<std::string> fallback) {
    if (!has(key)) return fallback;
    if (get(key).IsNull()) return std::nullopt;
    auto text = string(key);
    if (text.empty()) return std::nullopt;
    return text;
  }
  std::string account(const std::string& key, bool required = true) {
    if (!required && !has(key)) return "";
    auto text = required_string(key);
    if (!is_account_id(text)) fail(get(key), child(key), "must be a 12-digit account id (quote it)");
    return text;
  }
  double number(const std::string& key, double fallback) {
    auto value = get(key);
    if (!value) return fallback;
    try {
      return value.as<double>();
    } catch (const YAML::Exception&) {
      fail(value, child(key), "expected a number");
    }
  }
  bool boolean(const std::string& key, bool fallback) {
    auto value = get(key);
    if (!value) return fallback;
    try {
      return value.as<bool>();
    } catch (const YAML::Exception&) {
      fail(value, child(key), "expected true or false");
    }
  }
  template <class Fn>
  void each(const std::string& key, Fn&& fn) {
    auto value = get(key);
    if (!value || value.IsNull()) return;
    if (!value.IsSequence()) fail(value, child(key), "expected a list");
    for (std::size_t i = 0; i < value.size(); ++i) fn(value[i], child(key) + "[" + std::to_string(i) + "]");
  }
  template <class Fn>
  void each_entry(const std::string& key, Fn&& fn) {
    auto value = get(key);
    if (!value || value.IsNull()) return;
    if (!value.IsMap()) fail(value, child(key), "expected a mapping");
    for (const auto& entry : value) {
      const auto name = entry.first.as<std::string>();
      fn(name, entry.second, child(key) + "." + name);
    }
  }

 private:
  YAML::Node node_;  // a handle: copies share the node
  std::string path_;
  std::set<std::string> used_;
};

Service service_key(const YAML::Node& node, const std::string& name, const std::string& path) {
  auto service = parse_service(name);
  if (!service)
    fail(node, path,
         "unknown service (securityhub, guardduty, detective, inspector2, macie2, sts, organizations, "
         "account)");
  return *service;
}

// A mapping of names to plain strings, such as protection plan -> status.
std::map<std::string, std::string> string_map(MapReader& r, const std::string& key, const std::string& what) {
  std::map<std::string, std::string> out;
  const auto value = r.get(key);
  if (!value || value.IsNull()) return out;
  if (!value.IsMap()) fail(value, r.child(key), "expected a mapping of " + what);
  for (const auto& entry : value) {
    const auto name = entry.first.as<std::string>();
    if (!entry.second.IsScalar()) fail(entry.second, r.child(key) + "." + name, "expected a string");
    out[name] = entry.second.as<std::string>();
  }
  return out;
}

bool is_one_of(Service service, std::initializer_list<Service> owners) {
  return std::find(owners.begin(), owners.end(), service) != owners.end();
}

// "only guardduty has it", "only securityhub and guardduty have it", ...
std::string only_message(std::initializer_list<Service> owners, std::string_view it = "it") {
  std::string names;
  std::size_t i = 0;
  for (const auto owner : owners) {
    if (i > 0) names += i + 1 == owners.size() ? " and " : ", ";
    names += to_string(owner);
    ++i;
  }
  return "only " + names + (owners.size() == 1 ? " has " : " have ") + std::string(it);
}

// A key only some services answer with is an error on another service's
// source, rather than silently never served.
void only_for(MapReader& r, const std::string& key, Service service, std::initializer_list<Service> owners) {
  if (!is_one_of(service, owners) && r.has(key)) fail(r.get(key), r.child(key), only_message(owners));
}

// The member fields only Detective serves.
constexpr const char* kDetectiveMemberKeys[] = {"disabled_reason",
                                                "invitation_type",
                                                "volume_usage_bytes",
                                                "volume_usage_updated_at",
                                                "percent_of_graph_utilization",
                                                "percent_of_graph_utilization_updated_at",
                                                "volume_usage_by_datasource_package",
                                                "datasource_package_ingest_states"};

// Inspector's updatedAt goes out as epoch seconds: it must be a time the
// emulator can convert.
constexpr const char* kIso8601Expected = "expected an ISO 8601 time like 2020-06-01T00:00:00Z";

Member parse_member(Service service, const YAML::Node& node, const std::string& path) {
  MapReader r(node, path);
  Member m;
  m.account_id = r.account("account_id");
  // Inspector's Member has neither email nor invitedAt.
  for (const char* key : {"email", "invited_at"})
    only_for(r, key, service,
             {Service::securityhub, Service::guardduty, Service::detective, Service::macie2});
  m.email = r.string("email");
  m.status = r.required_string("status");
  if (r.has("administrator_id")) m.administrator_id = r.account("administrator_id");
  m.invited_at = r.optional_string("invited_at");
  m.updated_at = r.optional_string("updated_at");
  if (service == Service::inspector2 && m.updated_at && !is_iso8601(*m.updated_at))
    fail(r.get("updated_at"), r.child("updated_at"), kIso8601Expected);
  // The three older services have always tolerated each other's member
  // fields; the new ones reject what they would never serve.
  if (service == Service::inspector2 || service == Service::macie2)
    for (const char* key : kDetectiveMemberKeys) only_for(r, key, service, {Service::detective});
  m.disabled_reason = r.optional_string("disabled_reason");
  m.invitation_type = r.optional_string("invitation_type");
  if (r.has("volume_usage_bytes"))
    m.volume_usage_bytes = static_cast<std::int64_t>(r.number("volume_usage_bytes", 0));
  m.volume_usage_updated_at = r.optional_string("volume_usage_updated_at");
  if (r.has("percent_of_graph_utilization"))
    m.percent_of_graph_utilization = r.number("percent_of_graph_utilization", 0);
  m.percent_of_graph_utilization_updated_at = r.optional_string("percent_of_graph_utilization_updated_at");
  r.each_entry("volume_usage_by_datasource_package",
               [&](const std::string& name, const YAML::Node& value, const std::string& child) {
                 MapReader u(value, child);
                 m.volume_usage_by_datasource_package[name] = {
                     static_cast<std::int64_t>(u.number("volume_usage_bytes", 0)), u.string("updated_at")};
               });
  r.each_entry("datasource_package_ingest_states",
               [&](const std::string& name, const YAML::Node& value, const std::string& child) {
                 if (!value.IsScalar()) fail(value, child, "expected a string");
                 m.datasource_package_ingest_states[name] = value.as<std::string>();
               });
  only_for(r, "features", service, {Service::guardduty});
  m.features = string_map(r, "features", "protection plan -> status");
  only_for(r, "resources", service, {Service::inspector2});
  if (const auto resources = r.get("resources"); resources && resources.IsMap())
    for (const auto& entry : resources) {
      const auto name = entry.first.as<std::string>();
      if (!is_inspector_resource(name))
        fail(entry.first, r.child("resources") + "." + name,
             "unknown scan type (ec2, ecr, lambda, lambda_code, code_repository)");
    }
  m.resources = string_map(r, "resources", "scan type -> status");
  return m;
}

OrganizationConfiguration parse_organization_configuration(Service service, const YAML::Node& node,
                                                           const std::string& path) {
  OrganizationConfiguration c;
  if (node.IsNull()) return c;
  MapReader r(node, path);
  for (const char* key :
       {"auto_enable_standards", "configuration_type", "configuration_status", "status_message"})
    only_for(r, key, service, {Service::securityhub});
  for (const char* key : {"auto_enable_organization_members", "features"})
    only_for(r, key, service, {Service::guardduty});
  only_for(r, "member_account_limit_reached", service, {Service::securityhub, Service::guardduty});
  // Inspector enables each scan type on its own: no single auto_enable.
  only_for(r, "auto_enable", service,
           {Service::securityhub, Service::guardduty, Service::detective, Service::macie2});
  for (const auto& resource : kInspectorResources)
    only_for(r, std::string(resource.world_name), service, {Service::inspector2});
  only_for(r, "max_account_limit_reached", service, {Service::inspector2, Service::macie2});
  const auto optional_boolean = [&](const std::string& key) -> std::optional<bool> {
    if (!r.has(key)) return std::nullopt;
    return r.boolean(key, false);
  };
  c.ec2 = optional_boolean("ec2");
  c.ecr = optional_boolean("ecr");
  c.lambda = optional_boolean("lambda");
  c.lambda_code = optional_boolean("lambda_code");
  c.code_repository = optional_boolean("code_repository");
  c.max_account_limit_reached = optional_boolean("max_account_limit_reached");
  if (r.has("auto_enable")) c.auto_enable = r.boolean("auto_enable", false);
  c.auto_enable_organization_members = r.optional_string("auto_enable_organization_members");
  c.auto_enable_standards = r.optional_string("auto_enable_standards");
  c.configuration_type = r.optional_string("configuration_type");
  c.configuration_status = r.optional_string("configuration_status");
  c.status_message = r.optional_string("status_message");
  if (r.has("member_account_limit_reached"))
    c.member_account_limit_reached = r.boolean("member_account_limit_reached", false);
  r.each("features", [&](const YAML::Node& n, const std::string& p) {
    MapReader f(n, p);
    OrganizationFeature feature;
    feature.name = f.required_string("name");
    feature.auto_enable = f.optional_string("auto_enable");
    feature.additional_configuration = string_map(f, "additional_configuration", "name -> auto_enable");
    c.features.push_back(std::move(feature));
  });
  c.raw = r.optional_string("raw");
  return c;
}

Source parse_source(Service service, const YAML::Node& node, const std::string& path) {
  Source s;
  if (node.IsNull()) return s;
  MapReader r(node, path);
  if (service == Service::guardduty) s.resource = r.required_string("detector_id");
  if (service == Service::detective) {
    s.resource = r.required_string("graph_arn");
    s.created_at = r.string("created_time", "2020-01-01T00:00:00.000Z");
  }
  r.each("members", [&](const YAML::Node& m, const std::string& p) {
    s.members.push_back(parse_member(service, m, p));
  });
  only_for(r, "unprocessed", service, {Service::securityhub, Service::guardduty, Service::detective});
  r.each_entry("unprocessed",
               [&](const std::string& account, const YAML::Node& reason, const std::string& p) {
                 if (!is_account_id(account)) fail(reason, p, "must be a 12-digit account id");
                 s.unprocessed[account] = reason.as<std::string>();
               });
  if (r.has("organization"))
    s.organization =
        parse_organization_configuration(service, r.get("organization"), r.child("organization"));
  only_for(r, "member_detectors_unprocessed", service, {Service::guardduty});
  r.each_entry("member_detectors_unprocessed",
               [&](const std::string& account, const YAML::Node& reason, const std::string& p) {
                 if (!is_account_id(account)) fail(reason, p, "must be a 12-digit account id (quote it)");
                 if (!reason.IsScalar()) fail(reason, p, "expected a string");
                 s.member_detectors_unprocessed[account] = reason.as<std::string>();
               });
  only_for(r, "account_status_failed", service, {Service::inspector2});
  r.each_entry("account_status_failed",
               [&](const std::string& account, const YAML::Node& reason, const std::string& p) {
                 if (!is_account_id(account)) fail(reason, p, "must be a 12-digit account id (quote it)");
                 if (!reason.IsScalar() || reason.as<std::string>().empty())
                   fail(reason, p, "expected a reason (the errorMessage, not empty)");
                 s.account_status_failed[account] = reason.as<std::string>();
               });
  return s;
}

Administrator parse_administrator(const YAML::Node& node, const std::string& path) {
  MapReader r(node, path);
  Administrator a;
  a.account_id = r.account("account_id");
  r.each_entry("regions", [&](const std::string& region, const YAML::Node& services, const std::string& p) {
    auto& slot = a.regions[region];
    if (services.IsNull()) return;
    if (!services.IsMap()) fail(services, p, "expected a mapping of service -> source");
    for (const auto& entry : services) {
      const auto name = entry.first.as<std::string>();
      const auto service = service_key(entry.first, name, p + "." + name);
      if (service == Service::sts || service == Service::organizations || service == Service::account)
        fail(entry.first, p + "." + name,
             "only securityhub, guardduty, detective, inspector2 and macie2 have members");
      slot[service] = parse_source(service, entry.second, p + "." + name);
    }
  });
  return a;
}

Fault parse_fault(const YAML::Node& node, const std::string& path) {
  MapReader r(node, path);
  Fault f;
  if (r.has("service")) {
    const auto name = r.string("service");
    f.service = service_key(node["service"], name, r.child("service"));
  }
  f.operation = r.string("operation");
  f.region = r.string("region");
  f.account_id = r.account("account_id", false);
  f.latency_ms = r.number("latency_ms", 0);
  f.jitter_ms = r.number("jitter_ms", 0);
  f.error_rate = r.number("error_rate", 0);
  f.reset_rate = r.number("reset_rate", 0);
  f.truncate_rate = r.number("truncate_rate", 0);
  f.malformed_rate = r.number("malformed_rate", 0);
  f.trickle_rate = r.number("trickle_rate", 0);
  f.trickle_ms = r.number("trickle_ms", 50);
  f.throttle_rate = r.number("throttle_rate", 0);
  const double count = r.number("count", 0);
  if (count < 0 || count != static_cast<double>(static_cast<int>(count)))
    fail(node, r.child("count"), "must be a whole number, 0 or more");
  f.count = static_cast<int>(count);
  for (double rate :
       {f.error_rate, f.reset_rate, f.truncate_rate, f.malformed_rate, f.trickle_rate, f.throttle_rate})
    if (rate < 0 || rate > 1) fail(node, path, "rates must be between 0 and 1");
  if (f.latency_ms < 0 || f.jitter_ms < 0 || f.trickle_ms < 0) fail(node, path, "times must not be negative");
  return f;
}

Organization parse_organization(const YAML::Node& node, const std::string& path) {
  MapReader r(node, path);
  Organization o;
  o.id = r.string("id", o.id);
  o.management_account_id = r.account("management_account_id");
  r.each("delegated_administrators", [&](const YAML::Node& n, const std::string& p) {
    // The old form was a bare account id: say what the entry looks like now.
    if (!n.IsMap()) fail(n, p, "expected a mapping {account_id, service_principals}");
    MapReader d(n, p);
    DelegatedAdministrator admin;
    admin.account_id = d.account("account_id");
    d.each("service_principals", [&](const YAML::Node& principal, const std::string& where) {
      if (!principal.IsScalar()) fail(principal, where, "expected a string");
      admin.service_principals.push_back(principal.as<std::string>());
    });
    admin.delegation_enabled_date = d.string("delegation_enabled_date", admin.delegation_enabled_date);
    if (!is_iso8601(admin.delegation_enabled_date))
      fail(d.get("delegation_enabled_date"), d.child("delegation_enabled_date"),
           "expected an ISO 8601 time like 2020-06-01T00:00:00Z");
    o.delegated_administrators.push_back(std::move(admin));
  });
  r.each("accounts", [&](const YAML::Node& n, const std::string& p) {
    MapReader a(n, p);
    OrganizationAccount acct;
    acct.id = a.account("id");
    acct.name = a.string("name", "account-" + acct.id);
    acct.email = a.string("email", "aws+" + acct.id + "@example.com");
    acct.state = a.nullable_string("state", acct.state);
    acct.status = a.nullable_string("status", std::nullopt);
    acct.joined_method = a.string("joined_method", acct.joined_method);
    acct.joined_timestamp = a.string("joined_timestamp", acct.joined_timestamp);
    o.accounts.push_back(std::move(acct));
  });
  return o;
}

AccountRegions parse_account_regions(const YAML::Node& node, const std::string& path) {
  AccountRegions a;
  if (node.IsNull()) return a;
  MapReader r(node, path);
  a.denied = r.boolean("denied", false);
  const auto regions = r.get("regions");
  if (!regions || regions.IsNull()) return a;
  const auto where = r.child("regions");
  if (!regions.IsMap()) fail(regions, where, "expected a mapping of region -> opt status");
  auto& out = a.regions.emplace();
  for (const auto& entry : regions) {
    const auto region = entry.first.as<std::string>();
    if (!is_region_name(region))
      fail(entry.first, where + "." + region, "not a region name (like us-east-1)");
    if (!entry.second.IsScalar() || !is_region_opt_status(entry.second.as<std::string>()))
      fail(entry.second, where + "." + region,
           "unknown opt status (ENABLED, ENABLING, DISABLING, DISABLED, ENABLED_BY_DEFAULT)");
    out[region] = entry.second.as<std::string>();
  }
  return a;
}

World parse_root(const YAML::Node& root) {
  World w;
  w.throttles = default_throttles();
  if (root.IsNull()) return w;
  MapReader r(root, "");
  r.each("credentials", [&](const YAML::Node& n, const std::string& p) {
    MapReader c(n, p);
    BaseCredentials cred;
    cred.access_key_id = c.required_string("access_key_id");
    cred.secret_access_key = c.required_string("secret_access_key");
    cred.session_token = c.string("session_token");
    cred.account_id = c.account("account_id");
    cred.arn = c.string("arn", "arn:aws:iam::" + cred.account_id + ":user/fake-aws");
    cred.expires_at = c.optional_string("expires_at");
    w.credentials.push_back(std::move(cred));
  });
  r.each("roles", [&](const YAML::Node& n, const std::string& p) {
    MapReader c(n, p);
    Role role;
    role.arn = c.required_string("arn");
    role.external_id = c.string("external_id");
    role.denied = c.boolean("denied", false);
    if (!is_account_id(role.account_id()) || role.name().empty())
      fail(n, c.child("arn"), "expected arn:aws:iam::ACCOUNT:role/NAME");
    w.roles.push_back(std::move(role));
  });
  r.each("web_identity_tokens", [&](const YAML::Node& n, const std::string& p) {
    MapReader c(n, p);
    WebIdentityToken t;
    t.token = c.required_string("token");
    t.role_arn = c.required_string("role_arn");
    t.subject = c.string("subject", t.subject);
    t.audience = c.string("audience", t.audience);
    t.provider = c.string("provider", t.provider);
    w.web_identity_tokens.push_back(std::move(t));
  });
  if (r.has("instance_metadata")) {
    MapReader c(r.get("instance_metadata"), "instance_metadata");
    InstanceProfile profile;
    profile.role_name = c.string("role_name", profile.role_name);
    profile.account_id = c.account("account_id");
    w.instance_profile = profile;
  }
  if (r.has("container_credentials")) {
    MapReader c(r.get("container_credentials"), "container_credentials");
    ContainerCredentials cc;
    cc.path = c.string("path", cc.path);
    cc.authorization_token = c.string("authorization_token");
    cc.role_arn = c.required_string("role_arn");
    if (cc.path.empty() || cc.path.front() != '/')
      fail(r.get("container_credentials"), c.child("path"), "must start with /");
    w.container_credentials = cc;
  }
  r.each("opt_in_regions",
         [&](const YAML::Node& n, const std::string&) { w.opt_in_regions.push_back(n.as<std::string>()); });
  r.each("administrators", [&](const YAML::Node& n, const std::string& p) {
    w.administrators.push_back(parse_administrator(n, p));
  });
  if (r.has("organization")) w.organization = parse_organization(r.get("organization"), "organization");
  if (const auto regions = r.get("account_regions"); regions && !regions.IsNull()) {
    if (!regions.IsMap()) fail(regions, "account_regions", "expected a mapping of account id -> regions");
    for (const auto& entry : regions) {
      const auto account = entry.first.as<std::string>();
      const auto path = "account_regions." + account;
      if (!is_account_id(account)) fail(entry.first, path, "must be a 12-digit account id (quote it)");
      w.account_regions[account] = parse_account_regions(entry.second, path);
    }
  }
  r.each("faults", [&](const YAML::Node& n, const std::string& p) { w.faults.push_back(parse_fault(n, p)); });
  r.each_entry("throttling", [&](const std::string& name, const YAML::Node& n, const std::string& p) {
    const auto service = service_key(n, name, p);
    MapReader t(n, p);
    Throttle throttle;
    throttle.rate = t.number("rate", 0);
    throttle.burst = t.number("burst", throttle.rate);
    if (throttle.rate < 0 || throttle.burst < 0) fail(n, p, "rate and burst must not be negative");
    w.throttles[service] = throttle;
  });
  return w;
}

// --- writing -----------------------------------------------------------

void emit_optional(YAML::Emitter& out, const char* key, const std::optional<std::string>& value) {
  if (value) out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << *value;
}

void emit_member(YAML::Emitter& out, const Member& m) {
  out << YAML::BeginMap;
  out << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << m.account_id;
  // Inspector members have no email key at all.
  if (!m.email.empty()) out << YAML::Key << "email" << YAML::Value << YAML::DoubleQuoted << m.email;
  out << YAML::Key << "status" << YAML::Value << YAML::DoubleQuoted << m.status;
  emit_optional(out, "administrator_id", m.administrator_id);
  emit_optional(out, "invited_at", m.invited_at);
  emit_optional(out, "updated_at", m.updated_at);
  emit_optional(out, "disabled_reason", m.disabled_reason);
  emit_optional(out, "invitation_type", m.invitation_type);
  if (m.volume_usage_bytes) out << YAML::Key << "volume_usage_bytes" << YAML::Value << *m.volume_usage_bytes;
  emit_optional(out, "volume_usage_updated_at", m.volume_usage_updated_at);
  if (m.percent_of_graph_utilization)
    out << YAML::Key << "percent_of_graph_utilization" << YAML::Value << *m.percent_of_graph_utilization;
  emit_optional(out, "percent_of_graph_utilization_updated_at", m.percent_of_graph_utilization_updated_at);
  if (!m.volume_usage_by_datasource_package.empty()) {
    out << YAML::Key << "volume_usage_by_datasource_package" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, usage] : m.volume_usage_by_datasource_package) {
      out << YAML::Key << name << YAML::Value << YAML::BeginMap;
      out << YAML::Key << "volume_usage_bytes" << YAML::Value << usage.volume_usage_bytes;
      out << YAML::Key << "updated_at" << YAML::Value << YAML::DoubleQuoted << usage.updated_at;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  if (!m.datasource_package_ingest_states.empty()) {
    out << YAML::Key << "datasource_package_ingest_states" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, state] : m.datasource_package_ingest_states)
      out << YAML::Key << name << YAML::Value << state;
    out << YAML::EndMap;
  }
  if (!m.features.empty()) {
    out << YAML::Key << "features" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [name, status] : m.features)
      out << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << status;
    out << YAML::EndMap;
  }
  if (!m.resources.empty()) {
    out << YAML::Key << "resources" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [name, status] : m.resources)
      out << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << status;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_organization_configuration(YAML::Emitter& out, const OrganizationConfiguration& c) {
  out << YAML::BeginMap;
  if (c.auto_enable) out << YAML::Key << "auto_enable" << YAML::Value << *c.auto_enable;
  emit_optional(out, "auto_enable_organization_members", c.auto_enable_organization_members);
  emit_optional(out, "auto_enable_standards", c.auto_enable_standards);
  emit_optional(out, "configuration_type", c.configuration_type);
  emit_optional(out, "configuration_status", c.configuration_status);
  emit_optional(out, "status_message", c.status_message);
  if (c.member_account_limit_reached)
    out << YAML::Key << "member_account_limit_reached" << YAML::Value << *c.member_account_limit_reached;
  const std::pair<const char*, const std::optional<bool>&> flags[] = {
      {"ec2", c.ec2},
      {"ecr", c.ecr},
      {"lambda", c.lambda},
      {"lambda_code", c.lambda_code},
      {"code_repository", c.code_repository},
      {"max_account_limit_reached", c.max_account_limit_reached}};
  for (const auto& [key, value] : flags)
    if (value) out << YAML::Key << key << YAML::Value << *value;
  if (!c.features.empty()) {
    out << YAML::Key << "features" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : c.features) {
      out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << f.name;
      emit_optional(out, "auto_enable", f.auto_enable);
      if (!f.additional_configuration.empty()) {
        out << YAML::Key << "additional_configuration" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& [name, auto_enable] : f.additional_configuration)
          out << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << auto_enable;
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  emit_optional(out, "raw", c.raw);
  out << YAML::EndMap;
}

void emit_source(YAML::Emitter& out, Service service, const Source& s) {
  out << YAML::BeginMap;
  if (service == Service::guardduty) out << YAML::Key << "detector_id" << YAML::Value << s.resource;
  if (service == Service::detective) {
    out << YAML::Key << "graph_arn" << YAML::Value << s.resource;
    out << YAML::Key << "created_time" << YAML::Value << YAML::DoubleQuoted << s.created_at;
  }
  out << YAML::Key << "members" << YAML::Value << YAML::BeginSeq;
  for (const auto& m : s.members) emit_member(out, m);
  out << YAML::EndSeq;
  if (!s.unprocessed.empty()) {
    out << YAML::Key << "unprocessed" << YAML::Value << YAML::BeginMap;
    for (const auto& [account, reason] : s.unprocessed)
      out << YAML::Key << YAML::DoubleQuoted << account << YAML::Value << YAML::DoubleQuoted << reason;
    out << YAML::EndMap;
  }
  if (s.organization) {
    out << YAML::Key << "organization" << YAML::Value;
    emit_organization_configuration(out, *s.organization);
  }
  if (!s.member_detectors_unprocessed.empty()) {
    out << YAML::Key << "member_detectors_unprocessed" << YAML::Value << YAML::BeginMap;
    for (const auto& [account, reason] : s.member_detectors_unprocessed)
      out << YAML::Key << YAML::DoubleQuoted << account << YAML::Value << YAML::DoubleQuoted << reason;
    out << YAML::EndMap;
  }
  if (!s.account_status_failed.empty()) {
    out << YAML::Key << "account_status_failed" << YAML::Value << YAML::BeginMap;
    for (const auto& [account, reason] : s.account_status_failed)
      out << YAML::Key << YAML::DoubleQuoted << account << YAML::Value << YAML::DoubleQuoted << reason;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_fault(YAML::Emitter& out, const Fault& f) {
  out << YAML::BeginMap;
  if (f.service) out << YAML::Key << "service" << YAML::Value << std::string(to_string(*f.service));
  if (!f.operation.empty()) out << YAML::Key << "operation" << YAML::Value << f.operation;
  if (!f.region.empty()) out << YAML::Key << "region" << YAML::Value << f.region;
  if (!f.account_id.empty())
    out << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << f.account_id;
  const std::pair<const char*, double> numbers[] = {
      {"latency_ms", f.latency_ms},       {"jitter_ms", f.jitter_ms},
      {"error_rate", f.error_rate},       {"reset_rate", f.reset_rate},
      {"truncate_rate", f.truncate_rate}, {"malformed_rate", f.malformed_rate},
      {"trickle_rate", f.trickle_rate},   {"trickle_ms", f.trickle_ms},
      {"throttle_rate", f.throttle_rate}};
  for (const auto& [key, value] : numbers) out << YAML::Key << key << YAML::Value << value;
  if (f.count > 0) out << YAML::Key << "count" << YAML::Value << f.count;
  out << YAML::EndMap;
}

void emit_identities(YAML::Emitter& out, const World& w) {
  out << YAML::Key << "credentials" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : w.credentials) {
    out << YAML::BeginMap << YAML::Key << "access_key_id" << YAML::Value << c.access_key_id;
    out << YAML::Key << "secret_access_key" << YAML::Value << YAML::DoubleQuoted << c.secret_access_key;
    if (!c.session_token.empty())
      out << YAML::Key << "session_token" << YAML::Value << YAML::DoubleQuoted << c.session_token;
    out << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << c.account_id;
    out << YAML::Key << "arn" << YAML::Value << c.arn;
    emit_optional(out, "expires_at", c.expires_at);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::Key << "roles" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : w.roles) {
    out << YAML::BeginMap << YAML::Key << "arn" << YAML::Value << r.arn;
    if (!r.external_id.empty())
      out << YAML::Key << "external_id" << YAML::Value << YAML::DoubleQuoted << r.external_id;
    if (r.denied) out << YAML::Key << "denied" << YAML::Value << true;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::Key << "web_identity_tokens" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : w.web_identity_tokens) {
    out << YAML::BeginMap << YAML::Key << "token" << YAML::Value << YAML::DoubleQuoted << t.token;
    out << YAML::Key << "role_arn" << YAML::Value << t.role_arn << YAML::Key << "subject" << YAML::Value
        << t.subject;
    out << YAML::Key << "audience" << YAML::Value << t.audience << YAML::Key << "provider" << YAML::Value
        << t.provider;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (w.instance_profile) {
    out << YAML::Key << "instance_metadata" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "role_name" << YAML::Value << w.instance_profile->role_name;
    out << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << w.instance_profile->account_id;
    out << YAML::EndMap;
  }
  if (w.container_credentials) {
    out << YAML::Key << "container_credentials" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "path" << YAML::Value << w.container_credentials->path;
    out << YAML::Key << "authorization_token" << YAML::Value << YAML::DoubleQuoted
        << w.container_credentials->authorization_token;
    out << YAML::Key << "role_arn" << YAML::Value << w.container_credentials->role_arn;
    out << YAML::EndMap;
  }
  out << YAML::Key << "opt_in_regions" << YAML::Value << YAML::Flow << w.opt_in_regions;
}

std::string random_hex(std::mt19937_64& rng, std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += kHex[rng() % 16];
  return out;
}

}  // namespace

std::string_view to_string(Service service) {
  return kServiceNames[static_cast<int>(service)];
}

std::optional<Service> parse_service(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kServiceNames); ++i)
    if (kServiceNames[i] == name) return static_cast<Service>(i);
  return std::nullopt;
}

std::string Role::account_id() const {
  // arn:aws:iam::ACCOUNT:role/NAME
  const auto parts_start = arn.find("::");
  if (arn.rfind("arn:", 0) != 0 || parts_start == std::string::npos) return "";
  const auto colon = arn.find(':', parts_start + 2);
  if (colon == std::string::npos) return "";
  return arn.substr(parts_start + 2, colon - parts_start - 2);
}

std::string Role::name() const {
  const auto marker = arn.find(":role/");
  if (marker == std::string::npos) return "";
  const auto name = arn.substr(marker + 6);
  const auto slash = name.rfind('/');  // role paths: role/path/NAME
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

const Source* Administrator::source(std::string_view region, Service service) const {
  const auto r = regions.find(std::string(region));
  if (r == regions.end()) return nullptr;
  const auto s = r->second.find(service);
  return s == r->second.end() ? nullptr : &s->second;
}

const Administrator* World::administrator(std::string_view account_id) const {
  for (const auto& a : administrators)
    if (a.account_id == account_id) return &a;
  return nullptr;
}

bool Organization::is_delegated_administrator(std::string_view account_id) const {
  return std::any_of(delegated_administrators.begin(), delegated_administrators.end(),
                     [&](const DelegatedAdministrator& d) { return d.account_id == account_id; });
}

const Role* World::role(std::string_view arn) const {
  for (const auto& r : roles)
    if (r.arn == arn) return &r;
  return nullptr;
}

bool World::is_opt_in_region(std::string_view region) const {
  return std::find(opt_in_regions.begin(), opt_in_regions.end(), region) != opt_in_regions.end();
}

std::map<std::string, std::string> World::default_account_regions() const {
  std::map<std::string, std::string> regions;
  for (const auto region : kDefaultRegions) regions[std::string(region)] = "ENABLED_BY_DEFAULT";
  for (const auto& region : opt_in_regions) regions[region] = "DISABLED";
  return regions;
}

std::map<std::string, std::string> World::regions_of(std::string_view account_id) const {
  const auto entry = account_regions.find(std::string(account_id));
  if (entry != account_regions.end() && entry->second.regions) return *entry->second.regions;
  return default_account_regions();
}

std::map<Service, Throttle> default_throttles() {
  // Security Hub publishes 10 requests/s with bursts of 30 for its member
  // APIs; the other services are given the same steady quota (Inspector and
  // Macie publish none for theirs). Account Management publishes no quota
  // for ListRegions: 10 requests/s, burst 10.
  return {{Service::securityhub, {10, 30}}, {Service::guardduty, {10, 30}},
          {Service::detective, {10, 30}},   {Service::inspector2, {10, 30}},
          {Service::macie2, {10, 30}},      {Service::organizations, {10, 20}},
          {Service::account, {10, 10}},     {Service::sts, {100, 200}}};
}

bool is_inspector_resource(std::string_view world_name) {
  return std::any_of(std::begin(kInspectorResources), std::end(kInspectorResources),
                     [&](const InspectorResource& r) { return r.world_name == world_name; });
}

std::string inspector_resource_status(const Member& member, std::string_view world_name) {
  if (const auto it = member.resources.find(std::string(world_name)); it != member.resources.end())
    return it->second;
  // Inspector's first scan types are on for a new member; the later ones
  // are opt-in.
  return world_name == "ec2" || world_name == "ecr" ? "ENABLED" : "DISABLED";
}

bool is_account_id(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_detector_id(std::string_view text) {
  static const std::regex pattern("[0-9a-z]{32}");
  return std::regex_match(text.begin(), text.end(), pattern);
}

bool is_graph_arn(std::string_view text) {
  // The model's pattern: arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[abcdef\d]{32}?
  static const std::regex pattern(R"(arn:aws[-\w]{0,10}:detective:[-\w]{2,20}:\d{12}:graph:[abcdef\d]{32})");
  return std::regex_match(text.begin(), text.end(), pattern);
}

bool is_region_name(std::string_view text) {
  static const std::regex pattern("[a-z]{2}(-[a-z]+)+-[0-9]+");
  return text.size() <= 50 && std::regex_match(text.begin(), text.end(), pattern);
}

bool is_region_opt_status(std::string_view text) {
  return std::find(std::begin(kRegionOptStatuses), std::end(kRegionOptStatuses), text) !=
         std::end(kRegionOptStatuses);
}

World parse_world(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    throw WorldError("world:" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": not valid YAML: " + e.msg);
  }
  try {
    auto world = parse_root(root);
    validate_world(world);
    return world;
  } catch (const YAML::Exception& e) {
    throw WorldError("world:" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": " + e.msg);
  }
}

World load_world(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WorldError(path + ": cannot open the world file");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_world(text.str());
  } catch (const WorldError& e) {
    std::string message = e.what();
    if (message.rfind("world:", 0) == 0) message = path + message.substr(5);
    throw WorldError(message);
  }
}

namespace {

// The parts of a source only one service answers with, for worlds built in
// code (the parser rejects them with a line).
void validate_member(const std::string& where, Service service, const Member& m) {
  const auto at = where + ": member " + m.account_id;
  if (service != Service::guardduty && !m.features.empty())
    throw WorldError(at + ": features: only guardduty has them");
  if (service != Service::inspector2 && !m.resources.empty())
    throw WorldError(at + ": resources: only inspector2 has them");
  if (service != Service::inspector2) return;
  if (!m.email.empty() || m.invited_at)
    throw WorldError(at + ": email and invited_at: inspector2 members have neither");
  if (m.updated_at && !is_iso8601(*m.updated_at)) throw WorldError(at + ": updated_at: " + kIso8601Expected);
  for (const auto& [name, status] : m.resources)
    if (!is_inspector_resource(name))
      throw WorldError(at + ": resources." + name +
                       ": unknown scan type (ec2, ecr, lambda, lambda_code, code_repository)");
}

void validate_source_extras(const std::string& where, Service service, const Source& source) {
  const bool guardduty = service == Service::guardduty;
  if (!guardduty && !source.member_detectors_unprocessed.empty())
    throw WorldError(where + ".member_detectors_unprocessed: only guardduty has it");
  for (const auto& [account, reason] : source.member_detectors_unprocessed)
    if (!is_account_id(account))
      throw WorldError(where + ".member_detectors_unprocessed." + account +
                       ": must be a 12-digit account id");
  // Only the services with GetMembers report unprocessed accounts.
  if (!is_one_of(service, {Service::securityhub, Service::guardduty, Service::detective}) &&
      !source.unprocessed.empty())
    throw WorldError(where + ".unprocessed: " +
                     only_message({Service::securityhub, Service::guardduty, Service::detective}));
  if (service != Service::inspector2 && !source.account_status_failed.empty())
    throw WorldError(where + ".account_status_failed: only inspector2 has it");
  for (const auto& [account, reason] : source.account_status_failed)
    if (!is_account_id(account) || reason.empty())
      throw WorldError(where + ".account_status_failed." + account +
                       ": must be a 12-digit account id with a reason");
  if (!source.organization) return;
  const auto& c = *source.organization;
  const auto at = where + ".organization";
  if (service != Service::securityhub &&
      (c.auto_enable_standards || c.configuration_type || c.configuration_status || c.status_message))
    throw WorldError(at +
                     ": auto_enable_standards, configuration_type, configuration_status and "
                     "status_message: only securityhub has them");
  if (!guardduty && (c.auto_enable_organization_members || !c.features.empty()))
    throw WorldError(at + ": auto_enable_organization_members and features: only guardduty has them");
  if (!is_one_of(service, {Service::securityhub, Service::guardduty}) && c.member_account_limit_reached)
    throw WorldError(at + ".member_account_limit_reached: only securityhub and guardduty have it");
  if (service == Service::inspector2 && c.auto_enable)
    throw WorldError(
        at + ".auto_enable: " +
        only_message({Service::securityhub, Service::guardduty, Service::detective, Service::macie2}));
  if (service != Service::inspector2 && (c.ec2 || c.ecr || c.lambda || c.lambda_code || c.code_repository))
    throw WorldError(at + ": ec2, ecr, lambda, lambda_code and code_repository: only inspector2 has them");
  if (!is_one_of(service, {Service::inspector2, Service::macie2}) && c.max_account_limit_reached)
    throw WorldError(at + ".max_account_limit_reached: only inspector2 and macie2 have it");
  for (const auto& f : c.features)
    if (f.name.empty()) throw WorldError(at + ".features: a feature without a name");
}

}  // namespace

void validate_world(const World& world) {
  std::set<std::string> keys;
  for (const auto& c : world.credentials)
    if (!keys.insert(c.access_key_id).second)
      throw WorldError("credentials: duplicate access key " + c.access_key_id);
  std::set<std::string> admins;
  for (const auto& a : world.administrators) {
    if (!admins.insert(a.account_id).second)
      throw WorldError("administrators: duplicate account " + a.account_id);
    for (const auto& [region, services] : a.regions) {
      for (const auto& [service, source] : services) {
        const auto where =
            "administrators." + a.account_id + ".regions." + region + "." + std::string(to_string(service));
        if (service == Service::guardduty && !is_detector_id(source.resource))
          throw WorldError(where + ".detector_id: expected 32 lowercase hex characters");
        if (service == Service::detective && !is_graph_arn(source.resource))
          throw WorldError(where + ".graph_arn: expected arn:aws:detective:REGION:ACCOUNT:graph:32HEX");
        std::set<std::string> members;
        for (const auto& m : source.members) {
          if (!members.insert(m.account_id).second)
            throw WorldError(where + ": duplicate member " + m.account_id);
          validate_member(where, service, m);
        }
        validate_source_extras(where, service, source);
      }
    }
  }
  for (const auto& t : world.web_identity_tokens)
    if (!world.role(t.role_arn)) throw WorldError("web_identity_tokens: unknown role " + t.role_arn);
  if (world.container_credentials && !world.role(world.container_credentials->role_arn))
    throw WorldError("container_credentials.role_arn: unknown role " + world.container_credentials->role_arn);
  if (world.organization) {
    std::set<std::string> delegated;
    for (const auto& d : world.organization->delegated_administrators) {
      const auto where = "organization.delegated_administrators." + d.account_id;
      if (!is_account_id(d.account_id))
        throw WorldError(where + ": account_id must be a 12-digit account id");
      if (!delegated.insert(d.account_id).second) throw WorldError(where + ": listed twice");
      if (!is_iso8601(d.delegation_enabled_date))
        throw WorldError(where +
                         ".delegation_enabled_date: expected an ISO 8601 time like 2020-06-01T00:00:00Z");
    }
  }
  // Organizations' Account.State and Status are served as given: AWS adds
  // values, and clients must cope with ones they do not know.
  for (const auto& [account, entry] : world.account_regions) {
    const auto where = "account_regions." + account;
    if (!is_account_id(account)) throw WorldError(where + ": must be a 12-digit account id");
    if (!entry.regions) continue;
    for (const auto& [region, status] : *entry.regions) {
      if (!is_region_name(region))
        throw WorldError(where + ".regions." + region + ": not a region name (like us-east-1)");
      if (!is_region_opt_status(status))
        throw WorldError(where + ".regions." + region + ": unknown opt status " + status);
    }
  }
}

std::string world_to_yaml(const World& w) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  emit_identities(out, w);
  out << YAML::Key << "administrators" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : w.administrators) {
    out << YAML::BeginMap << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << a.account_id;
    out << YAML::Key << "regions" << YAML::Value << YAML::BeginMap;
    for (const auto& [region, services] : a.regions) {
      out << YAML::Key << region << YAML::Value << YAML::BeginMap;
      for (const auto& [service, source] : services) {
        out << YAML::Key << std::string(to_string(service)) << YAML::Value;
        emit_source(out, service, source);
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (w.organization) {
    const auto& o = *w.organization;
    out << YAML::Key << "organization" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << o.id;
    out << YAML::Key << "management_account_id" << YAML::Value << YAML::DoubleQuoted
        << o.management_account_id;
    out << YAML::Key << "delegated_administrators" << YAML::Value << YAML::BeginSeq;
    for (const auto& d : o.delegated_administrators) {
      out << YAML::BeginMap << YAML::Key << "account_id" << YAML::Value << YAML::DoubleQuoted << d.account_id;
      out << YAML::Key << "service_principals" << YAML::Value << YAML::Flow << d.service_principals;
      out << YAML::Key << "delegation_enabled_date" << YAML::Value << YAML::DoubleQuoted
          << d.delegation_enabled_date;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::Key << "accounts" << YAML::Value << YAML::BeginSeq;
    for (const auto& acct : o.accounts) {
      out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << YAML::DoubleQuoted << acct.id;
      out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << acct.name;
      out << YAML::Key << "email" << YAML::Value << YAML::DoubleQuoted << acct.email;
      out << YAML::Key << "state" << YAML::Value;
      if (acct.state && !acct.state->empty())
        out << *acct.state;
      else
        out << YAML::Null;
      if (acct.status && !acct.status->empty()) out << YAML::Key << "status" << YAML::Value << *acct.status;
      out << YAML::Key << "joined_method" << YAML::Value << acct.joined_method;
      out << YAML::Key << "joined_timestamp" << YAML::Value << YAML::DoubleQuoted << acct.joined_timestamp;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  if (!w.account_regions.empty()) {
    out << YAML::Key << "account_regions" << YAML::Value << YAML::BeginMap;
    for (const auto& [account, entry] : w.account_regions) {
      out << YAML::Key << YAML::DoubleQuoted << account << YAML::Value << YAML::BeginMap;
      out << YAML::Key << "denied" << YAML::Value << entry.denied;
      if (entry.regions) {
        out << YAML::Key << "regions" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& [region, status] : *entry.regions)
          out << YAML::Key << region << YAML::Value << status;
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::Key << "faults" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : w.faults) emit_fault(out, f);
  out << YAML::EndSeq << YAML::Key << "throttling" << YAML::Value << YAML::BeginMap;
  for (const auto& [service, t] : w.throttles) {
    out << YAML::Key << std::string(to_string(service)) << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "rate" << YAML::Value << t.rate << YAML::Key << "burst" << YAML::Value << t.burst;
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  if (!out.good()) throw WorldError("cannot write the world: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

GenerateParams parse_generate_params(std::string_view spec) {
  GenerateParams p;
  std::string text(spec);
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw WorldError("--generate: expected key=value, got '" + item + "'");
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    std::size_t used = 0;
    try {
      if (key == "administrators")
        p.administrators = std::stoi(value, &used);
      else if (key == "regions")
        p.regions = std::stoi(value, &used);
      else if (key == "accounts")
        p.accounts = std::stoi(value, &used);
      else if (key == "securityhub")
        p.securityhub_share = std::stod(value, &used);
      else if (key == "guardduty")
        p.guardduty_share = std::stod(value, &used);
      else if (key == "detective")
        p.detective_share = std::stod(value, &used);
      else if (key == "inspector2")
        p.inspector2_share = std::stod(value, &used);
      else if (key == "macie2")
        p.macie2_share = std::stod(value, &used);
      else if (key == "seed")
        p.seed = std::stoull(value, &used);
      else
        throw WorldError("--generate: unknown key '" + key + "'");
    } catch (const std::logic_error&) {
      throw WorldError("--generate: " + key + ": not a number: '" + value + "'");
    }
    if (used != value.size()) throw WorldError("--generate: " + key + ": not a number: '" + value + "'");
  }
  if (p.administrators < 1 || p.administrators > 100)
    throw WorldError("--generate: administrators must be 1..100");
  if (p.regions < 1 || p.regions > 30) throw WorldError("--generate: regions must be 1..30");
  if (p.accounts < 0 || p.accounts > 1000000) throw WorldError("--generate: accounts must be 0..1000000");
  for (double share :
       {p.securityhub_share, p.guardduty_share, p.detective_share, p.inspector2_share, p.macie2_share})
    if (share < 0 || share > 1) throw WorldError("--generate: shares must be between 0 and 1");
  return p;
}

World generate_world(const GenerateParams& params) {
  static const char* kRegions[] = {
      "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "eu-west-1",
      "eu-west-2",      "eu-west-3",      "eu-central-1",   "eu-north-1",     "eu-south-1",
      "ap-south-1",     "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
      "ap-southeast-2", "ca-central-1",   "sa-east-1",      "me-south-1",     "af-south-1",
      "ap-east-1",      "eu-central-2",   "eu-south-2",     "ap-south-2",     "ap-southeast-3",
      "ap-southeast-4", "me-central-1",   "il-central-1",   "ca-west-1",      "us-gov-west-1"};
  std::mt19937_64 rng(params.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  World w;
  w.throttles = default_throttles();
  w.credentials.push_back({std::string(kGeneratedAccessKeyId), std::string(kGeneratedSecretAccessKey), "",
                           std::string(kGeneratedBaseAccount),
                           "arn:aws:iam::" + std::string(kGeneratedBaseAccount) + ":user/fake-aws",
                           std::nullopt});
  Organization org;
  org.id = "o-" + random_hex(rng, 10);
  char id[16];
  org.management_account_id = "100000000001";  // the first administrator
  for (int i = 0; i < params.accounts; ++i) {
    std::snprintf(id, sizeof id, "%012lld", 200000000000LL + i);
    OrganizationAccount account;
    account.id = id;
    account.name = "account-" + std::to_string(i);
    account.email = "aws+" + std::to_string(i) + "@example.com";
    account.state = i % 97 == 96 ? "SUSPENDED" : "ACTIVE";
    account.joined_method = i % 3 ? "INVITED" : "CREATED";
    account.joined_timestamp = "2021-03-04T05:06:07Z";
    org.accounts.push_back(std::move(account));
  }
  for (int a = 0; a < params.administrators; ++a) {
    Administrator admin;
    std::snprintf(id, sizeof id, "%012lld", 100000000001LL + a);
    admin.account_id = id;
    w.roles.push_back(
        {"arn:aws:iam::" + admin.account_id + ":role/" + std::string(kGeneratedRoleName), "", false});
    for (int r = 0; r < params.regions; ++r) {
      auto& services = admin.regions[kRegions[r]];
      const std::pair<Service, double> shares[] = {{Service::securityhub, params.securityhub_share},
                                                   {Service::guardduty, params.guardduty_share},
                                                   {Service::detective, params.detective_share},
                                                   {Service::inspector2, params.inspector2_share},
                                                   {Service::macie2, params.macie2_share}};
      for (const auto& [service, share] : shares) {
        // Inspector and Macie are opt-in: without a share they are not
        // enabled at all, and draw nothing from the generator, so worlds
        // generated before them stay the same.
        const bool opt_in = service == Service::inspector2 || service == Service::macie2;
        if (opt_in && share <= 0) continue;
        Source source;
        // Every generated administrator is its organization's administrator,
        // enrolling every account.
        auto& organization = source.organization.emplace();
        if (service == Service::guardduty) {
          organization.auto_enable_organization_members = "ALL";
          organization.features = {{"RUNTIME_MONITORING", "ALL", {}}, {"S3_DATA_EVENTS", "NEW", {}}};
        } else if (service == Service::inspector2) {
          organization.ec2 = organization.ecr = organization.lambda = organization.lambda_code = true;
        } else {
          organization.auto_enable = true;
        }
        if (service == Service::securityhub) organization.auto_enable_standards = "DEFAULT";
        if (service == Service::guardduty) source.resource = random_hex(rng, 32);
        if (service == Service::detective) {
          source.resource = "arn:aws:detective:" + std::string(kRegions[r]) + ":" + admin.account_id +
                            ":graph:" + random_hex(rng, 32);
          source.created_at = "2021-01-01T00:00:00.000Z";
        }
        // Accounts are split between administrators, as in a real estate.
        for (int i = a; i < params.accounts; i += params.administrators) {
          if (unit(rng) >= share) continue;
          Member m;
          m.account_id = org.accounts[i].id;
          m.status = service == Service::detective || service == Service::inspector2 ? "ENABLED" : "Enabled";
          m.updated_at = "2022-05-06T07:08:09Z";
          if (service != Service::inspector2) {  // Inspector members have neither
            m.email = org.accounts[i].email;
            m.invited_at = "2021-05-06T07:08:09.123Z";
          }
          if (service == Service::detective) {
            m.invitation_type = "ORGANIZATION";
            m.volume_usage_bytes = static_cast<std::int64_t>(rng() % 100000000);
            m.volume_usage_updated_at = "2022-05-06T07:08:09.000Z";
          }
          if (service == Service::guardduty)
            m.features = {{"RUNTIME_MONITORING", "ENABLED"}, {"S3_DATA_EVENTS", "ENABLED"}};
          source.members.push_back(std::move(m));
        }
        services[service] = std::move(source);
      }
    }
    // Regions beyond the default ones are enabled (opted in) for the
    // administrator, so that ListRegions lists every region it serves.
    auto regions = w.default_account_regions();
    bool opted_in = false;
    for (const auto& [region, services] : admin.regions) {
      if (regions.count(region)) continue;
      regions[region] = "ENABLED";
      opted_in = true;
    }
    if (opted_in) w.account_regions[admin.account_id].regions = std::move(regions);
    w.administrators.push_back(std::move(admin));
  }
  w.organization = std::move(org);
  return w;
}

}  // namespace mw::fake_aws
