#include "store/snapshot_json.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

#include "core/json_text.hpp"
#include "core/timestamps.hpp"

namespace mw::store {
namespace {

using namespace std::string_view_literals;  // appended without strlen, once per field of every record

namespace json = boost::json;
using core::AccountSummary;
using core::append_json_string;
using core::append_sorted_pretty_json;
using core::CoverageGap;
using core::CoverageUnknown;
using core::CycleSummary;
using core::Membership;
using core::MembershipChange;
using core::MemberStatus;
using core::quote_json_string;
using core::Service;
using core::Snapshot;
using core::SourceError;
using core::SourceState;
using core::SourceSummary;
using core::to_compact_json;
using core::Totals;

// Beyond this a double no longer holds milliseconds exactly.
constexpr double kMaxDurationSeconds = 1e9;

double round_to_millis(double seconds) {
  return std::round(seconds * 1000.0) / 1000.0;
}

// ---------------------------------------------------------------- writing

json::value string_or_null(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

json::value error_to_json(const std::optional<SourceError>& error) {
  if (!error) return nullptr;
  return json::object{
      {"code", error->code},
      {"message", error->message},
      {"http_status", error->http_status == 0 ? json::value(nullptr) : json::value(error->http_status)},
  };
}

json::value cycle_to_json(const CycleSummary& cycle) {
  if (!std::isfinite(cycle.duration_seconds) || std::fabs(cycle.duration_seconds) > kMaxDurationSeconds) {
    throw std::invalid_argument("snapshot cycle.duration_seconds is not a plausible duration");
  }
  return json::object{
      {"started_at", cycle.started_at},
      {"finished_at", cycle.finished_at},
      {"duration_seconds", round_to_millis(cycle.duration_seconds)},
      {"complete", cycle.complete},
      {"requests", cycle.requests},
      {"retries", cycle.retries},
      {"throttled", cycle.throttled},
  };
}

json::value source_organization_to_json(const std::optional<core::SourceOrganization>& organization) {
  if (!organization) return nullptr;
  return json::object{{"auto_enable", organization->auto_enable},
                      {"detail", json::parse(organization->detail)}};
}

json::value call_errors_to_json(const std::vector<core::SourceCallError>& call_errors) {
  json::array array;
  for (const auto& call : call_errors) {
    json::object error = error_to_json(call.error).as_object();
    error["operation"] = call.operation;
    error["account_id"] = string_or_null(call.account_id);
    array.push_back(std::move(error));
  }
  return array;
}

json::value source_to_json(const SourceSummary& source) {
  json::array findings;
  for (const auto& finding : source.findings) findings.push_back(json::value(finding));
  return json::object{
      {"administrator_id", source.key.administrator_id},
      {"administrator_name", source.administrator_name},
      {"service", core::to_string(source.key.service)},
      {"region", source.key.region},
      {"state", core::to_string(source.state)},
      {"resource", string_or_null(source.resource)},
      {"last_attempt_at", string_or_null(source.last_attempt_at)},
      {"last_success_at", string_or_null(source.last_success_at)},
      {"error", error_to_json(source.error)},
      {"organization", source_organization_to_json(source.organization)},
      {"findings", std::move(findings)},
      {"call_errors", call_errors_to_json(source.call_errors)},
      {"members", source.members},
      {"not_members", source.not_members},
  };
}

json::value organization_to_json(const std::optional<core::OrganizationSummary>& organization) {
  if (!organization) return nullptr;
  return json::object{
      {"state", core::to_string(organization->state)},
      {"last_attempt_at", string_or_null(organization->last_attempt_at)},
      {"last_success_at", string_or_null(organization->last_success_at)},
      {"error", error_to_json(organization->error)},
      {"accounts", organization->accounts},
      {"delegated_administrators_error", error_to_json(organization->delegation_error)},
  };
}

json::value strings_to_json(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& text : strings) array.push_back(json::value(text));
  return array;
}

json::value administrator_to_json(const core::AdministratorSummary& admin) {
  return json::object{
      {"account_id", admin.account_id},
      {"name", admin.name},
      {"origin", admin.origin},
      {"delegated_for", admin.delegated_for ? strings_to_json(*admin.delegated_for) : json::value(nullptr)},
      {"regions", strings_to_json(admin.regions)},
      {"regions_from", core::to_string(admin.regions_from)},
      {"error", error_to_json(admin.error)},
  };
}

json::value account_to_json(const AccountSummary& account) {
  json::array gaps;
  for (const CoverageGap& gap : account.gaps) {
    gaps.push_back(json::object{
        {"service", core::to_string(gap.service)},
        {"region", gap.region},
        {"status", core::to_string(gap.status)},
    });
  }
  json::array unknown;
  for (const CoverageUnknown& pair : account.unknown) {
    unknown.push_back(json::object{{"service", core::to_string(pair.service)}, {"region", pair.region}});
  }
  json::array findings;
  for (const auto& finding : account.findings) findings.push_back(json::value(finding));
  json::array feature_gaps;
  for (const core::FeatureGap& gap : account.feature_gaps) {
    feature_gaps.push_back(json::object{
        {"service", core::to_string(gap.service)},
        {"region", gap.region},
        {"feature", gap.feature},
        {"status", gap.status},
    });
  }
  return json::object{
      {"account_id", account.account_id},
      {"name", string_or_null(account.name)},
      {"organization_status", string_or_null(account.organization_status)},
      {"inactive", account.inactive},
      {"covered", account.covered},
      {"gaps", std::move(gaps)},
      {"unknown", std::move(unknown)},
      {"findings", std::move(findings)},
      {"feature_gaps", std::move(feature_gaps)},
  };
}

json::value totals_to_json(const Totals& totals) {
  json::object by_service_status;
  for (const auto& [service, counts] : totals.by_service_status) {
    json::object by_status;
    for (const auto& [status, count] : counts) by_status[status] = count;
    by_service_status[service] = std::move(by_status);
  }
  return json::object{
      {"accounts", totals.accounts},
      {"covered", totals.covered},
      {"inactive", totals.inactive},
      {"by_service_status", std::move(by_service_status)},
  };
}

template <typename T, typename Convert>
json::array array_of(const std::vector<T>& items, Convert convert) {
  json::array array;
  array.reserve(items.size());
  for (const T& item : items) array.push_back(convert(item));
  return array;
}

// The snapshot written straight to text, in exactly the bytes
// to_sorted_pretty_json(DOM of the snapshot) would give, without building
// that DOM: its memberships, most of a snapshot, are written field by field
// and the other items one small DOM at a time.
class SnapshotWriter {
 public:
  // With a sink, the text goes out in pieces of about chunk_bytes; without
  // one, it all stays in `out`.
  SnapshotWriter(std::string& out, const TextSink* sink, std::size_t chunk_bytes)
      : out_(out), sink_(sink), chunk_bytes_(chunk_bytes) {}

  void write(const Snapshot& snapshot) {
    const auto cycle = cycle_to_json(snapshot.cycle);  // validates first
    out_ += "{\n"sv;
    key(1, "accounts");
    items(snapshot.accounts, account_to_json, 1);
    next(1, "administrators");
    items(snapshot.administrators, administrator_to_json, 1);
    next(1, "cycle");
    append_sorted_pretty_json(out_, cycle, 1);
    next(1, "generated_at");
    append_json_string(out_, snapshot.generated_at);
    next(1, "memberships");
    memberships(snapshot.memberships);
    next(1, "organization");
    append_sorted_pretty_json(out_, organization_to_json(snapshot.organization), 1);
    next(1, "schema");
    append_json_string(out_, core::kSnapshotSchema);
    next(1, "sources");
    items(snapshot.sources, source_to_json, 1);
    next(1, "totals");
    append_sorted_pretty_json(out_, totals_to_json(snapshot.totals), 1);
    out_ += "\n}\n"sv;
    flush(0);
  }

 private:
  void flush(std::size_t at_least) {
    if (!sink_ || out_.size() < at_least || out_.empty()) return;
    (*sink_)(out_);
    out_.clear();
  }
  void indent(int depth) { out_.append(static_cast<std::size_t>(depth) * 2, ' '); }
  void key(int depth, std::string_view name) {
    indent(depth);
    append_json_string(out_, name);
    out_ += ": "sv;
  }
  void next(int depth, std::string_view name) {
    out_ += ",\n"sv;
    key(depth, name);
  }
  void string_or_null(const std::optional<std::string>& text) {
    if (text)
      append_json_string(out_, *text);
    else
      out_ += "null"sv;
  }
  void time_or_null(const core::Rfc3339Time& time) {
    if (time)
      append_json_string(out_, time.chars().view());
    else
      out_ += "null"sv;
  }

  template <typename T, typename Convert>
  void items(const std::vector<T>& list, Convert convert, int depth) {
    if (list.empty()) {
      out_ += "[]"sv;
      return;
    }
    out_ += "[\n"sv;
    for (std::size_t i = 0; i < list.size(); ++i) {
      indent(depth + 1);
      append_sorted_pretty_json(out_, convert(list[i]), depth + 1);
      out_ += i + 1 < list.size() ? ",\n" : "\n";
      flush(chunk_bytes_);
    }
    indent(depth);
    out_ += ']';
  }

  void memberships(const std::vector<Membership>& list) {
    if (list.empty()) {
      out_ += "[]"sv;
      return;
    }
    out_ += "[\n"sv;
    for (std::size_t i = 0; i < list.size(); ++i) {
      indent(2);
      membership(list[i]);
      out_ += i + 1 < list.size() ? ",\n" : "\n";
      flush(chunk_bytes_);
    }
    indent(1);
    out_ += ']';
  }

  // A membership's keys (CONTRACT.md) in bytewise order, each written with
  // its punctuation and indentation as one piece (this runs per record).
  void membership(const Membership& m) {
    constexpr int kDepth = 3;
    out_ += "{\n      \"account_id\": "sv;
    append_json_string(out_, m.account_id);
    out_ += ",\n      \"administrator_id\": "sv;
    append_json_string(out_, m.source->administrator_id);
    out_ += ",\n      \"detail\": "sv;
    core::append_pretty_from_compact(out_, m.detail, kDepth);
    out_ += ",\n      \"email\": "sv;
    string_or_null(m.email);
    out_ += ",\n      \"invited_at\": "sv;
    time_or_null(m.invited_at);
    out_ += ",\n      \"raw_status\": "sv;
    append_json_string(out_, m.raw_status);
    out_ += ",\n      \"region\": "sv;
    append_json_string(out_, m.source->region);
    out_ += ",\n      \"service\": "sv;
    append_json_string(out_, core::to_string(m.source->service));
    out_ += ",\n      \"stale\": "sv;
    out_ += m.stale ? std::string_view("true") : std::string_view("false");
    out_ += ",\n      \"status\": "sv;
    append_json_string(out_, core::to_string(m.status));
    out_ += ",\n      \"updated_at\": "sv;
    time_or_null(m.updated_at);
    out_ += "\n    }"sv;
  }

  std::string& out_;
  const TextSink* sink_;
  std::size_t chunk_bytes_;
};

json::value status_or_null(const std::optional<MemberStatus>& status) {
  return status ? json::value(core::to_string(*status)) : json::value(nullptr);
}

// ---------------------------------------------------------------- reading

constexpr std::string_view kWhitespace = " \t\r\n";
constexpr unsigned kMaxDepth = 256;  // deeper than any service detail, so what we write we can read

// Thrown inside this file only; parse_* turn it into Parsed::error.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string_view path, std::string_view what) {
  throw FormatError((path.empty() ? std::string("(top level)") : std::string(path)) + ": " +
                    std::string(what));
}

std::string_view kind_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "an unknown kind";
}

[[noreturn]] void fail_type(std::string_view path, std::string_view expected, const json::value& got) {
  fail(path, "expected " + std::string(expected) + ", got " + std::string(kind_name(got)));
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string quoted(std::string_view text) {
  return quote_json_string(text);
}

std::uint64_t to_count(const json::value& value, std::string_view path) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<std::uint64_t>(value.get_int64());
  if (value.is_int64())
    fail(path, "expected a non-negative integer, got " + std::to_string(value.get_int64()));
  fail_type(path, "a non-negative integer", value);
}

std::string to_string_value(const json::value& value, std::string_view path) {
  if (!value.is_string()) fail_type(path, "a string", value);
  return std::string(value.get_string());
}

// A JSON object with the path it was found at, for errors naming the key.
class ObjectReader {
 public:
  ObjectReader(const json::value& value, std::string path) : path_(std::move(path)) {
    if (!value.is_object()) fail_type(path_, "an object", value);
    object_ = &value.get_object();
  }

  std::string path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const json::value& at(std::string_view key) const {
    const json::value* value = object_->if_contains(key);
    if (value == nullptr) fail(path_of(key), "missing");
    return *value;
  }

  // The accessors build a key's path only for an error: a snapshot has
  // millions of fields, and a path string for each was most of the reading.
  ObjectReader object(std::string_view key) const { return {at(key), path_of(key)}; }
  const json::object& raw_object(std::string_view key) const {
    const json::value& value = at(key);
    if (!value.is_object()) fail_type(path_of(key), "an object", value);
    return value.get_object();
  }
  const json::array& array(std::string_view key) const {
    const json::value& value = at(key);
    if (!value.is_array()) fail_type(path_of(key), "an array", value);
    return value.get_array();
  }
  std::string_view text(std::string_view key) const {
    const json::value& value = at(key);
    if (!value.is_string()) fail_type(path_of(key), "a string", value);
    return value.get_string();
  }
  std::string string(std::string_view key) const { return std::string(text(key)); }
  std::uint64_t count(std::string_view key) const {
    const json::value& value = at(key);
    if (value.is_uint64()) return value.get_uint64();
    return to_count(value, path_of(key));
  }

  std::optional<std::string> optional_string(std::string_view key) const {
    const json::value& value = at(key);
    if (value.is_null()) return std::nullopt;
    return string(key);
  }

  // An RFC 3339 date-time as the writer wrote it, or null.
  core::Rfc3339Time optional_time(std::string_view key) const {
    const auto text = optional_string(key);
    if (!text) return {};
    const auto time = core::parse_iso8601_time(*text);
    if (!time) fail(path_of(key), "expected an RFC 3339 date-time, got " + quoted(*text));
    return *time;
  }

  bool has(std::string_view key) const { return object_->contains(key); }

  bool boolean(std::string_view key) const {
    const json::value& value = at(key);
    if (!value.is_bool()) fail_type(path_of(key), "true or false", value);
    return value.get_bool();
  }

  double number(std::string_view key) const {
    const json::value& value = at(key);
    if (value.is_double()) return value.get_double();
    if (value.is_int64()) return static_cast<double>(value.get_int64());
    if (value.is_uint64()) return static_cast<double>(value.get_uint64());
    fail_type(path_of(key), "a number", value);
  }

  Service service(std::string_view key) const {
    const std::string_view name = text(key);
    const auto service = core::parse_service(name);
    if (!service) fail(path_of(key), "unknown service " + quoted(name));
    return *service;
  }

  MemberStatus status(std::string_view key) const {
    const std::string_view name = text(key);
    const auto status = core::parse_member_status(name);
    if (!status) fail(path_of(key), "unknown status " + quoted(name));
    return *status;
  }

  std::optional<MemberStatus> optional_status(std::string_view key) const {
    if (at(key).is_null()) return std::nullopt;
    return status(key);
  }

  SourceState state(std::string_view key) const {
    const std::string_view name = text(key);
    const auto state = core::parse_source_state(name);
    if (!state) fail(path_of(key), "unknown source state " + quoted(name));
    return *state;
  }

  const json::object& get() const { return *object_; }
  const std::string& path() const { return path_; }

 private:
  const json::object* object_ = nullptr;
  std::string path_;
};

template <typename T, typename Read>
std::vector<T> read_objects(const ObjectReader& parent, std::string_view key, Read read) {
  const json::array& array = parent.array(key);
  std::vector<T> items;
  items.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    items.push_back(read(ObjectReader(array[i], index_path(parent.path_of(key), i))));
  }
  return items;
}

// An error object's own fields (code, message, http_status).
SourceError read_error_fields(const ObjectReader& error) {
  SourceError result{error.string("code"), error.string("message"), 0};
  if (!error.at("http_status").is_null()) {
    const std::uint64_t status = error.count("http_status");
    if (status > std::numeric_limits<unsigned>::max()) fail(error.path_of("http_status"), "out of range");
    result.http_status = static_cast<unsigned>(status);
  }
  return result;
}

std::optional<SourceError> read_error(const ObjectReader& parent, std::string_view key = "error") {
  if (parent.at(key).is_null()) return std::nullopt;
  return read_error_fields(parent.object(key));
}

CycleSummary read_cycle(const ObjectReader& cycle) {
  const double duration = cycle.number("duration_seconds");
  if (!std::isfinite(duration) || std::fabs(duration) > kMaxDurationSeconds) {
    fail(cycle.path_of("duration_seconds"), "out of range");
  }
  return CycleSummary{
      .started_at = cycle.string("started_at"),
      .finished_at = cycle.string("finished_at"),
      .duration_seconds = round_to_millis(duration),
      .complete = cycle.boolean("complete"),
      .requests = cycle.count("requests"),
      .retries = cycle.count("retries"),
      .throttled = cycle.count("throttled"),
  };
}

std::vector<std::string> read_strings(const ObjectReader& parent, std::string_view key);

// Snapshots written before issue 18 have no organization, findings or call_errors.
std::optional<core::SourceOrganization> read_source_organization(const ObjectReader& source) {
  if (!source.has("organization") || source.at("organization").is_null()) return std::nullopt;
  const ObjectReader organization = source.object("organization");
  return core::SourceOrganization{organization.string("auto_enable"),
                                  core::to_sorted_compact_json(organization.raw_object("detail"))};
}

std::vector<core::SourceCallError> read_call_errors(const ObjectReader& source) {
  if (!source.has("call_errors")) return {};
  return read_objects<core::SourceCallError>(source, "call_errors", [](const ObjectReader& call) {
    return core::SourceCallError{call.string("operation"), call.optional_string("account_id"),
                                 read_error_fields(call)};
  });
}

SourceSummary read_source(const ObjectReader& source) {
  return SourceSummary{
      .key = {source.string("administrator_id"), source.service("service"), source.string("region")},
      .administrator_name = source.string("administrator_name"),
      .state = source.state("state"),
      .resource = source.optional_string("resource"),
      .last_attempt_at = source.optional_string("last_attempt_at"),
      .last_success_at = source.optional_string("last_success_at"),
      .error = read_error(source),
      .organization = read_source_organization(source),
      .findings = source.has("findings") ? read_strings(source, "findings") : std::vector<std::string>{},
      .call_errors = read_call_errors(source),
      .members = source.count("members"),
      .not_members = source.count("not_members"),
  };
}

std::vector<std::string> read_strings(const ObjectReader& parent, std::string_view key) {
  const json::array& array = parent.array(key);
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < array.size(); ++i)
    strings.push_back(to_string_value(array[i], index_path(parent.path_of(key), i)));
  return strings;
}

// Snapshots written before the organization block existed have none.
std::optional<core::OrganizationSummary> read_organization(const ObjectReader& snapshot) {
  if (!snapshot.has("organization") || snapshot.at("organization").is_null()) return std::nullopt;
  const ObjectReader organization = snapshot.object("organization");
  return core::OrganizationSummary{
      .state = organization.state("state"),
      .last_attempt_at = organization.optional_string("last_attempt_at"),
      .last_success_at = organization.optional_string("last_success_at"),
      .error = read_error(organization),
      .accounts = organization.count("accounts"),
      .delegation_error = organization.has("delegated_administrators_error")
                              ? read_error(organization, "delegated_administrators_error")
                              : std::nullopt,
  };
}

core::AdministratorSummary read_administrator(const ObjectReader& admin) {
  const std::string from = admin.string("regions_from");
  const auto regions_from = core::parse_regions_from(from);
  if (!regions_from) fail(admin.path_of("regions_from"), "unknown regions_from " + quoted(from));
  return core::AdministratorSummary{
      .account_id = admin.string("account_id"),
      .name = admin.string("name"),
      .origin = admin.string("origin"),
      .delegated_for = admin.at("delegated_for").is_null()
                           ? std::nullopt
                           : std::optional(read_strings(admin, "delegated_for")),
      .regions = read_strings(admin, "regions"),
      .regions_from = *regions_from,
      .error = read_error(admin),
  };
}

// The records of one source share its key (core::Membership::source).
class SharedSourceKeys {
 public:
  std::shared_ptr<const core::SourceKey> get(const core::SourceKey& key) {
    auto& shared = keys_[key];
    if (!shared) shared = std::make_shared<const core::SourceKey>(key);
    return shared;
  }

 private:
  std::map<core::SourceKey, std::shared_ptr<const core::SourceKey>> keys_;
};

Membership read_membership(const ObjectReader& membership, SharedSourceKeys& sources) {
  Membership record;
  record.account_id = membership.string("account_id");
  const Service service = membership.service("service");
  const std::string region = membership.string("region");
  record.source = sources.get({membership.string("administrator_id"), service, region});
  record.status = membership.status("status");
  record.raw_status = membership.string("raw_status");
  record.email = membership.optional_string("email");
  record.invited_at = membership.optional_time("invited_at");
  record.updated_at = membership.optional_time("updated_at");
  record.stale = membership.boolean("stale");
  record.detail = core::to_sorted_compact_json(membership.raw_object("detail"));
  return record;
}

AccountSummary read_account(const ObjectReader& account, SharedSourceKeys&) {
  AccountSummary result{
      .account_id = account.string("account_id"),
      .name = account.optional_string("name"),
      .organization_status = account.optional_string("organization_status"),
      // Snapshots written before `inactive` existed have none.
      .inactive = account.has("inactive") && account.boolean("inactive"),
      .covered = account.boolean("covered"),
      .gaps = read_objects<CoverageGap>(
          account, "gaps",
          [](const ObjectReader& gap) {
            return CoverageGap{gap.service("service"), gap.string("region"), gap.status("status")};
          }),
      .unknown = read_objects<CoverageUnknown>(
          account, "unknown",
          [](const ObjectReader& pair) {
            return CoverageUnknown{pair.service("service"), pair.string("region")};
          }),
      .findings = {},
  };
  const json::array& findings = account.array("findings");
  for (std::size_t i = 0; i < findings.size(); ++i) {
    result.findings.push_back(to_string_value(findings[i], index_path(account.path_of("findings"), i)));
  }
  if (account.has("feature_gaps")) {
    result.feature_gaps =
        read_objects<core::FeatureGap>(account, "feature_gaps", [](const ObjectReader& gap) {
          return core::FeatureGap{gap.service("service"), gap.string("region"), gap.string("feature"),
                                  gap.string("status")};
        });
  }
  return result;
}

Totals read_totals(const ObjectReader& totals) {
  Totals result{.accounts = totals.count("accounts"),
                .covered = totals.count("covered"),
                .inactive = totals.has("inactive") ? totals.count("inactive") : 0,
                .by_service_status = {}};
  const ObjectReader by_service(totals.at("by_service_status"), totals.path_of("by_service_status"));
  for (const auto& service : by_service.get()) {
    const ObjectReader by_status(service.value(), by_service.path_of(service.key()));
    auto& counts = result.by_service_status[std::string(service.key())];
    for (const auto& status : by_status.get()) {
      counts[std::string(status.key())] = to_count(status.value(), by_status.path_of(status.key()));
    }
  }
  return result;
}

// One of the snapshot's large arrays, read element by element as the text
// arrives, with the first element that did not read. With a sink, each
// element read goes there instead of into `items`.
template <typename T>
struct StreamedArray {
  std::string_view key;
  T (*read)(const ObjectReader&, SharedSourceKeys&);
  std::function<void(T&&)> sink;
  std::function<bool(std::string_view account_id)> wanted;  // empty: every element
  std::vector<T> items;
  std::size_t count = 0;
  std::optional<std::string> error;
  SharedSourceKeys sources;

  void restart() {  // of a key given twice, the later wins
    items.clear();
    count = 0;
    error.reset();
  }

  void add(const json::value& element) {
    if (error) return;  // reported as it was, at its turn (see read_snapshot)
    if (wanted && !wanted(account_id_of(element))) {
      ++count;
      return;
    }
    try {
      T item = read(ObjectReader(element, index_path(key, count)), sources);
      ++count;
      if (sink)
        sink(std::move(item));
      else
        items.push_back(std::move(item));
    } catch (const FormatError& failure) {
      error = failure.what();
    }
  }

  // An element's account ID, or "" when it has none to read (an element
  // without one is read, so that its error is reported).
  static std::string_view account_id_of(const json::value& element) {
    const auto* object = element.if_object();
    const auto* id = object ? object->if_contains("account_id") : nullptr;
    return id && id->is_string() ? std::string_view(id->get_string()) : std::string_view();
  }

  std::vector<T> take(const ObjectReader& snapshot) {
    snapshot.array(key);  // present, and an array
    if (error) throw FormatError(*error);
    return std::move(items);
  }
};

struct StreamedArrays {
  StreamedArray<Membership> memberships{"memberships", read_membership, {}, {}, {}, 0, {}, {}};
  StreamedArray<AccountSummary> accounts{"accounts", read_account, {}, {}, {}, 0, {}, {}};
};

// A boost::json::basic_parser handler. It builds the JSON tree of the
// snapshot less its memberships and accounts arrays, whose elements it
// builds and reads one at a time: memory holds the records, never the
// tree of 300,000 of them (400 MiB for a 170 MB snapshot).
class SnapshotHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  SnapshotHandler(MembershipSink memberships, AccountSink accounts, MembershipSelection selection)
      : skip_memberships_(selection.none) {
    root_.reset();
    element_.reset();
    arrays_.memberships.sink = std::move(memberships);
    arrays_.memberships.wanted = std::move(selection.accounts);
    arrays_.accounts.sink = std::move(accounts);
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t size, json::error_code&) {
    --depth_;
    if (skipping()) {
      if (depth_ == 2) {  // the skipped element ended
        skip_element_ = false;
        ++arrays_.memberships.count;
      }
      return true;
    }
    stack().push_object(size);
    return value_done();
  }
  bool on_array_begin(json::error_code&) {
    if (depth_ == 1 && key_ == arrays_.memberships.key) {
      streaming_ = Streaming::memberships;
      arrays_.memberships.restart();
    } else if (depth_ == 1 && key_ == arrays_.accounts.key) {
      streaming_ = Streaming::accounts;
      arrays_.accounts.restart();
    }
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t size, json::error_code&) {
    --depth_;
    if (streaming_ != Streaming::none && depth_ == 1) {
      streaming_ = Streaming::none;
      root_.push_array(0);  // the placeholder
      return true;
    }
    if (skipping()) return true;
    stack().push_array(size);
    return value_done();
  }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    if (depth_ == 1) root_key_.append(part);
    if (skipping()) return true;
    if (at_membership_top()) element_key_.append(part);
    stack().push_chars(part);
    return true;
  }
  bool on_key(json::string_view last, std::size_t, json::error_code&) {
    if (depth_ == 1) {
      root_key_.append(last);
      key_ = std::move(root_key_);
      root_key_.clear();
    }
    if (skipping()) return true;
    if (at_membership_top()) {
      element_key_.append(last);
      reading_account_id_ = element_key_ == "account_id" && arrays_.memberships.wanted;
      element_key_.clear();
    }
    stack().push_key(last);
    return true;
  }
  bool on_string_part(json::string_view part, std::size_t, json::error_code&) {
    if (skipping()) return true;
    if (reading_account_id_ && at_membership_top()) account_id_.append(part);
    stack().push_chars(part);
    return true;
  }
  bool on_string(json::string_view last, std::size_t, json::error_code&) {
    if (skipping()) return true;
    if (reading_account_id_ && at_membership_top()) {
      // A membership of an account the reader does not want: the rest of
      // it is skipped unbuilt (the writer puts account_id first).
      account_id_.append(last);
      const bool wanted = arrays_.memberships.wanted(account_id_);
      account_id_.clear();
      reading_account_id_ = false;
      if (!wanted) {
        skip_element_ = true;
        element_.reset();
        return true;
      }
    }
    stack().push_string(last);
    return value_done();
  }
  bool on_int64(std::int64_t value, json::string_view, json::error_code&) {
    if (skipping()) return true;
    stack().push_int64(value);
    return value_done();
  }
  bool on_uint64(std::uint64_t value, json::string_view, json::error_code&) {
    if (skipping()) return true;
    stack().push_uint64(value);
    return value_done();
  }
  bool on_double(double value, json::string_view, json::error_code&) {
    if (skipping()) return true;
    stack().push_double(value);
    return value_done();
  }
  bool on_bool(bool value, json::error_code&) {
    if (skipping()) return true;
    stack().push_bool(value);
    return value_done();
  }
  bool on_null(json::error_code&) {
    if (skipping()) return true;
    stack().push_null();
    return value_done();
  }

  json::value release_root() { return root_.release(); }
  StreamedArrays take_arrays() { return std::move(arrays_); }

 private:
  enum class Streaming { none, memberships, accounts };

  // Inside an element of the memberships array that the reader does not
  // want read: nothing is built.
  bool skipping() const {
    return (skip_memberships_ || skip_element_) && streaming_ == Streaming::memberships && depth_ >= 2;
  }
  // At the top level of a membership object, where its keys are.
  bool at_membership_top() const { return streaming_ == Streaming::memberships && depth_ == 3; }

  // Inside a streamed array: its element's own stack.
  json::value_stack& stack() { return in_element() ? element_ : root_; }
  bool in_element() const { return streaming_ != Streaming::none && depth_ >= 2; }

  // After a value ended: when it was a whole element, read it.
  bool value_done() {
    if (streaming_ == Streaming::none || depth_ != 2) return true;
    json::value element = element_.release();
    element_.reset();
    if (streaming_ == Streaming::memberships)
      arrays_.memberships.add(element);
    else
      arrays_.accounts.add(element);
    return true;
  }

  json::value_stack root_;
  json::value_stack element_;
  std::size_t depth_ = 0;  // open objects and arrays
  std::string root_key_;   // a key of the root object, as its parts arrive
  std::string key_;        // the root object's latest key
  Streaming streaming_ = Streaming::none;
  bool skip_memberships_ = false;    // MembershipSelection::none
  bool skip_element_ = false;        // this membership's account is not wanted
  std::string element_key_;          // a key of a membership, as its parts arrive
  bool reading_account_id_ = false;  // the value under way is a membership's account_id
  std::string account_id_;           // which arrives in parts
  StreamedArrays arrays_;
};

// The memberships and accounts arrays arrive already read (see
// SnapshotParser); in `root` each is an empty placeholder, or the value
// that was not an array. Errors are reported in the order of the keys below.
Snapshot read_snapshot(const json::value& root, StreamedArrays streamed) {
  const ObjectReader snapshot(root, "");
  const std::string schema = snapshot.string("schema");
  if (schema != core::kSnapshotSchema) {
    fail("schema", "expected " + quoted(core::kSnapshotSchema) + ", got " + quoted(schema));
  }
  Snapshot result;
  result.generated_at = snapshot.string("generated_at");
  result.cycle = read_cycle(snapshot.object("cycle"));
  result.organization = read_organization(snapshot);
  if (snapshot.has("administrators"))
    result.administrators =
        read_objects<core::AdministratorSummary>(snapshot, "administrators", read_administrator);
  result.sources = read_objects<SourceSummary>(snapshot, "sources", read_source);
  result.memberships = streamed.memberships.take(snapshot);
  result.accounts = streamed.accounts.take(snapshot);
  result.totals = read_totals(snapshot.object("totals"));
  return result;
}

MembershipChange read_change(const json::value& root) {
  const ObjectReader change(root, "");
  return MembershipChange{
      .at = change.string("at"),
      .account_id = change.string("account_id"),
      .service = change.service("service"),
      .region = change.string("region"),
      .administrator_id = change.string("administrator_id"),
      .from = change.optional_status("from"),
      .to = change.optional_status("to"),
  };
}

// The JSON text as one value, or an error with the line and column where it
// stops being JSON.
Parsed<json::value> parse_json(std::string_view text) {
  if (text.find_first_not_of(kWhitespace) == std::string_view::npos)
    return {std::nullopt, "empty: no JSON value"};
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const std::string_view before = text.substr(0, std::min(consumed, text.size()));
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start = before.rfind('\n');
    const std::size_t column =
        line_start == std::string_view::npos ? before.size() + 1 : before.size() - line_start;
    return {std::nullopt, "not valid JSON at line " + std::to_string(line) + " column " +
                              std::to_string(column) + ": " + ec.message()};
  }
  return {parser.release(), {}};
}

template <typename T, typename Read>
Parsed<T> parse_with(std::string_view text, Read read) {
  Parsed<json::value> root = parse_json(text);
  if (!root) return {std::nullopt, std::move(root.error)};
  try {
    return {read(*root.value), {}};
  } catch (const FormatError& error) {
    return {std::nullopt, error.what()};
  }
}

}  // namespace

std::string serialize(const Snapshot& snapshot) {
  std::string out;
  // About what a membership takes as text; growing by doubling would copy more.
  out.reserve(4096 + snapshot.memberships.size() * 640 + snapshot.accounts.size() * 256);
  SnapshotWriter(out, nullptr, 0).write(snapshot);
  return out;
}

void serialize_to(const Snapshot& snapshot, const TextSink& sink, std::size_t chunk_bytes) {
  std::string buffer;
  buffer.reserve(chunk_bytes + 64 * 1024);
  SnapshotWriter(buffer, &sink, std::max<std::size_t>(chunk_bytes, 1)).write(snapshot);
}

struct SnapshotParser::State {
  State(MembershipSink memberships, AccountSink accounts, MembershipSelection selection)
      : parser(parse_options(), std::move(memberships), std::move(accounts), std::move(selection)) {}

  json::basic_parser<SnapshotHandler> parser;
  boost::system::error_code error;
  bool has_value_text = false;  // anything but whitespace so far
  std::size_t line = 1;         // of the next byte
  std::size_t column = 1;

  static json::parse_options parse_options() {
    json::parse_options options;
    options.max_depth = kMaxDepth;
    return options;
  }

  void advance(std::string_view consumed) {
    const std::size_t last_newline = consumed.rfind('\n');
    if (last_newline == std::string_view::npos) {
      column += consumed.size();
      return;
    }
    line += static_cast<std::size_t>(std::count(consumed.begin(), consumed.end(), '\n'));
    column = consumed.size() - last_newline;
  }
};

SnapshotParser::SnapshotParser(MembershipSink memberships, AccountSink accounts,
                               MembershipSelection selection)
    : state_(std::make_unique<State>(std::move(memberships), std::move(accounts), std::move(selection))) {}
SnapshotParser::~SnapshotParser() = default;

void SnapshotParser::write(std::string_view piece) {
  if (state_->error) return;
  if (!state_->has_value_text) state_->has_value_text = piece.find_first_not_of(kWhitespace) != piece.npos;
  const std::size_t consumed = state_->parser.write_some(true, piece.data(), piece.size(), state_->error);
  state_->advance(piece.substr(0, std::min(consumed, piece.size())));
}

Parsed<Snapshot> SnapshotParser::finish() {
  if (!state_->error && !state_->has_value_text) return {std::nullopt, "empty: no JSON value"};
  if (!state_->error) state_->parser.write_some(false, nullptr, 0, state_->error);
  if (state_->error) {
    return {std::nullopt, "not valid JSON at line " + std::to_string(state_->line) + " column " +
                              std::to_string(state_->column) + ": " + state_->error.message()};
  }
  SnapshotHandler& handler = state_->parser.handler();
  try {
    return {read_snapshot(handler.release_root(), handler.take_arrays()), {}};
  } catch (const FormatError& error) {
    return {std::nullopt, error.what()};
  }
}

Parsed<Snapshot> parse_snapshot(std::string_view text) {
  SnapshotParser parser;
  parser.write(text);
  return parser.finish();
}

std::string serialize_change(const MembershipChange& change) {
  // The contract's key order, which reads naturally on one line.
  return to_compact_json(json::object{
      {"at", change.at},
      {"kind", "membership"},
      {"account_id", change.account_id},
      {"service", core::to_string(change.service)},
      {"region", change.region},
      {"administrator_id", change.administrator_id},
      {"from", status_or_null(change.from)},
      {"to", status_or_null(change.to)},
  });
}

Parsed<MembershipChange> parse_change_line(std::string_view line) {
  return parse_with<MembershipChange>(line, read_change);
}

std::string serialize_change(const core::AccountChange& change) {
  return to_compact_json(json::object{
      {"at", change.at},
      {"kind", "account"},
      {"account_id", change.account_id},
      {"from", string_or_null(change.from)},
      {"to", string_or_null(change.to)},
  });
}

Parsed<core::AccountChange> parse_account_change_line(std::string_view line) {
  return parse_with<core::AccountChange>(line, [](const json::value& root) {
    const ObjectReader change(root, "");
    if (change.string("kind") != "account") fail("kind", "expected \"account\"");
    return core::AccountChange{
        .at = change.string("at"),
        .account_id = change.string("account_id"),
        .from = change.optional_string("from"),
        .to = change.optional_string("to"),
    };
  });
}

std::string change_kind(std::string_view line) {
  const auto root = parse_json(line);
  if (!root || !root.value->is_object()) return "";
  const auto* kind = root.value->get_object().if_contains("kind");
  return kind && kind->is_string() ? std::string(kind->get_string()) : std::string("membership");
}

json::value to_json(const Membership& record) {
  json::value detail = json::parse(record.detail);  // canonical JSON text, written by the parsers
  return json::object{
      {"account_id", record.account_id},
      {"administrator_id", record.source ? record.source->administrator_id : std::string()},
      {"detail", std::move(detail)},
      {"email", string_or_null(record.email)},
      {"invited_at",
       record.invited_at ? json::value(record.invited_at.chars().view()) : json::value(nullptr)},
      {"raw_status", record.raw_status},
      {"region", record.source ? record.source->region : std::string()},
      {"service", record.source ? core::to_string(record.source->service) : std::string_view()},
      {"stale", record.stale},
      {"status", core::to_string(record.status)},
      {"updated_at",
       record.updated_at ? json::value(record.updated_at.chars().view()) : json::value(nullptr)},
  };
}

json::value to_json(const AccountSummary& account) {
  return account_to_json(account);
}
json::value to_json(const SourceSummary& source) {
  return source_to_json(source);
}
json::value to_json(const core::AdministratorSummary& administrator) {
  return administrator_to_json(administrator);
}
json::value to_json(const CycleSummary& cycle) {
  return cycle_to_json(cycle);
}
json::value to_json(const std::optional<core::OrganizationSummary>& organization) {
  return organization_to_json(organization);
}
json::value to_json(const Totals& totals) {
  return totals_to_json(totals);
}
json::value to_json(const std::optional<SourceError>& error) {
  return error_to_json(error);
}

}  // namespace mw::store
