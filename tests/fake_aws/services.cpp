// Security Hub, GuardDuty, Detective, Inspector, Macie, Organizations and
// Account operations, with the field names, limits and errors of their
// botocore models.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <variant>

#include "aws/crypto.hpp"
#include "internal.hpp"

namespace mw::fake_aws::detail {

namespace json = boost::json;

namespace {

constexpr std::size_t kGetMembersLimit = 50;

std::optional<std::string> query_param(const Call& call, std::string_view name) {
  for (const auto& [key, value] : call.query)
    if (key == name) return value;
  return std::nullopt;
}

struct Limits {
  std::int64_t min = 1;
  std::int64_t max;
  std::int64_t fallback;
};

// The failure of a request that a handler rejects before answering.
struct Rejection {
  ErrorKind kind;
  std::string message;
  json::object extra;
};

using Parsed = std::variant<json::object, Rejection>;

// "Value '51' at 'MaxResults' failed to satisfy constraint: ...", the
// detail of a validation message.
std::string range_detail(std::string_view value, std::string_view field, const Limits& limits) {
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  const bool low = ec == std::errc() && number < limits.min;
  return "Value '" + std::string(value) + "' at '" + std::string(field) +
         "' failed to satisfy constraint: Member must have value " +
         (low ? "greater than or equal to " + std::to_string(limits.min)
              : "less than or equal to " + std::to_string(limits.max));
}

std::string range_message(std::string_view value, std::string_view field, const Limits& limits) {
  return "1 validation error detected: " + range_detail(value, field, limits);
}

// Inspector's ValidationException: the message, the reason the model
// requires, and the field that failed.
Rejection inspector_validation(std::string_view field, const std::string& detail) {
  json::array fields{json::object{{"name", field}, {"message", detail}}};
  return Rejection{ErrorKind::invalid_input,
                   "1 validation error detected: " + detail,
                   {{"reason", "FIELD_VALIDATION_FAILED"}, {"fields", std::move(fields)}}};
}

// A body member of the wrong JSON type: Inspector cannot read the request.
Rejection inspector_unreadable(std::string_view field, std::string_view expected) {
  return Rejection{
      ErrorKind::invalid_input,
      "Cannot parse the request: '" + std::string(field) + "' must be " + std::string(expected) + ".",
      {{"reason", "CANNOT_PARSE"}}};
}

// MaxResults as each service validates it.
std::variant<std::int64_t, Rejection> max_results(Service service, std::optional<std::string> text,
                                                  const Limits& limits) {
  if (!text) return limits.fallback;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  const bool number = ec == std::errc() && end == text->data() + text->size();
  if (number && value >= limits.min && value <= limits.max) return value;
  switch (service) {
    case Service::guardduty:
      return Rejection{ErrorKind::invalid_input,
                       "The request is rejected because the parameter maxResults has an invalid value.",
                       {}};
    case Service::organizations:
      return Rejection{
          ErrorKind::invalid_input,
          number && value < limits.min ? "You provided a value that is less than the minimum allowed value."
                                       : "You provided a value that exceeds the maximum allowed value.",
          {{"Reason", number && value < limits.min ? "MIN_VALUE_EXCEEDED" : "MAX_VALUE_EXCEEDED"}}};
    case Service::detective:
      return Rejection{ErrorKind::invalid_input,
                       range_message(*text, "maxResults", limits),
                       {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
    case Service::inspector2:
      return inspector_validation("maxResults", range_detail(*text, "maxResults", limits));
    case Service::macie2:
      return Rejection{ErrorKind::invalid_input, range_message(*text, "maxResults", limits), {}};
    default:
      return Rejection{ErrorKind::invalid_input, range_message(*text, "MaxResults", limits), {}};
  }
}

// The account model's ValidationException: message, reason and fieldList.
Rejection account_validation(std::string_view field, std::string_view value, std::string_view constraint) {
  const auto message = "Value '" + std::string(value) + "' at '" + std::string(field) +
                       "' failed to satisfy constraint: " + std::string(constraint);
  json::array fields{json::object{{"name", field}, {"message", message}}};
  return Rejection{ErrorKind::invalid_input,
                   "1 validation error detected: " + message,
                   {{"reason", "fieldValidationFailed"}, {"fieldList", std::move(fields)}}};
}

std::optional<std::string> json_field_text(const json::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  if (!value || value->is_null()) return std::nullopt;
  if (value->is_int64()) return std::to_string(value->as_int64());
  if (value->is_uint64()) return std::to_string(value->as_uint64());
  if (value->is_string()) return std::string(value->as_string());
  return json::serialize(*value);
}

Rejection malformed_body(Service service) {
  switch (service) {
    case Service::guardduty:
      return {
          ErrorKind::invalid_input, "The request is rejected because the JSON could not be processed.", {}};
    case Service::detective:
      return {ErrorKind::invalid_input,
              "The request body could not be parsed.",
              {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
    case Service::inspector2:
      return {ErrorKind::invalid_input,
              "The request body could not be parsed as JSON.",
              {{"reason", "CANNOT_PARSE"}}};
    default:
      return {ErrorKind::invalid_input, "The request body could not be parsed as JSON.", {}};
  }
}

Parsed parse_body(const Call& call) {
  if (call.request->body.empty()) return json::object{};
  json::error_code ec;
  auto value = json::parse(call.request->body, ec);
  if (ec || !value.is_object()) return malformed_body(call.service);
  return value.as_object();
}

Reply reject(const Call& call, const Rejection& r, const Context& ctx) {
  return service_error(call.service, r.kind, r.message, ctx, r.extra);
}

// Account IDs of a GetMembers body, checked against the service's limits.
std::variant<std::vector<std::string>, Rejection> account_ids(const Call& call, const json::object& body,
                                                              std::string_view key) {
  const auto* list = body.if_contains(key);
  const bool detective = call.service == Service::detective;
  const bool guardduty = call.service == Service::guardduty;
  if (!list || !list->is_array()) {
    if (detective)
      return Rejection{ErrorKind::invalid_input,
                       "1 validation error detected: Value null at 'accountIds' failed to satisfy "
                       "constraint: Member must not be null",
                       {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
    if (guardduty)
      return Rejection{ErrorKind::invalid_input,
                       "The request is rejected because the required parameter accountIds is not specified.",
                       {}};
    return Rejection{ErrorKind::invalid_input, "Invalid request: AccountIds is required.", {}};
  }
  std::vector<std::string> ids;
  for (const auto& item : list->as_array()) {
    if (!item.is_string()) return malformed_body(call.service);
    ids.emplace_back(item.as_string());
  }
  if (ids.empty() || ids.size() > kGetMembersLimit) {
    const auto length = std::to_string(ids.size());
    if (detective)
      return Rejection{
          ErrorKind::invalid_input,
          "1 validation error detected: Value at 'accountIds' failed to satisfy constraint: Member must have "
          "length " +
              std::string(ids.empty() ? "greater than or equal to 1" : "less than or equal to 50"),
          {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
    if (guardduty)
      return Rejection{ErrorKind::invalid_input,
                       "The request is rejected because an invalid or out-of-range value is specified as an "
                       "input parameter.",
                       {}};
    return Rejection{ErrorKind::invalid_input,
                     ids.empty()
                         ? "AccountIds must contain at least one account ID."
                         : "AccountIds can contain at most 50 account IDs; " + length + " were given.",
                     {}};
  }
  if (guardduty || detective) {
    for (const auto& id : ids) {
      if (is_account_id(id)) continue;
      if (detective)
        return Rejection{ErrorKind::invalid_input,
                         "1 validation error detected: Value '" + id +
                             "' at 'accountIds' failed to satisfy constraint: Member must satisfy regular "
                             "expression pattern: ^[0-9]+$",
                         {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
      return Rejection{ErrorKind::invalid_input,
                       "The request is rejected because the input accountIds has an invalid value.",
                       {}};
    }
  }
  return ids;
}

// How many IDs a GetMembers asked for, valid or not, for the request log.
void note_batch_size(Call& call, const json::object& body, std::string_view key) {
  if (const auto* list = body.if_contains(key); list && list->is_array())
    call.batch_size = static_cast<int>(list->as_array().size());
}

struct Page {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::string> next_token;
};

std::variant<Page, Rejection> paginate(const Call& call, std::size_t total, std::int64_t page_size,
                                       const std::optional<std::string>& token, const std::string& scope) {
  Page page;
  if (token) {
    const auto offset = decode_page_token(*token, scope);
    if (!offset || *offset > total) {
      switch (call.service) {
        case Service::guardduty:
          return Rejection{ErrorKind::invalid_input,
                           "The request is rejected because the input nextToken is invalid.",
                           {}};
        case Service::detective:
          return Rejection{ErrorKind::invalid_input,
                           "The pagination token is not valid.",
                           {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
        case Service::organizations:
          return Rejection{ErrorKind::invalid_input,
                           "You specified an invalid value for nextToken. You must get the value from the "
                           "response to a previous call to the API.",
                           {{"Reason", "INVALID_NEXT_TOKEN"}}};
        case Service::account:
          return account_validation("NextToken", *token, "Member must be a token from a previous response");
        case Service::inspector2:
          return inspector_validation("nextToken",
                                      "Value '" + *token +
                                          "' at 'nextToken' failed to satisfy constraint: Member "
                                          "must be a token from a previous response");
        case Service::macie2:
          return Rejection{ErrorKind::invalid_input, "The nextToken is not valid for this request.", {}};
        default:
          return Rejection{ErrorKind::invalid_input, "The NextToken value is not valid.", {}};
      }
    }
    page.begin = *offset;
  }
  page.end = std::min(total, page.begin + static_cast<std::size_t>(page_size));
  if (page.end < total) page.next_token = encode_page_token(scope, page.end);
  return page;
}

std::string page_scope(const Call& call, std::string_view resource, std::string_view filter) {
  return call.caller->account_id + "|" + std::string(to_string(call.service)) + "|" + call.region + "|" +
         call.operation + "|" + std::string(resource) + "|" + std::string(filter);
}

const Source* caller_source(const State& state, const Call& call) {
  const auto* admin = state.world.administrator(call.caller->account_id);
  return admin ? admin->source(call.region, call.service) : nullptr;
}

std::string administrator_of(const Call& call, const Member& m) {
  return m.administrator_id.value_or(call.caller->account_id);
}

bool is_true(std::optional<std::string> value, bool fallback) {
  if (!value) return fallback;
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "true";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// JSON protocols send timestamps as epoch seconds (fractions for milliseconds).
std::optional<double> epoch_seconds(std::string_view iso8601) {
  const auto time = parse_iso8601(iso8601);
  if (!time) return std::nullopt;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
  return static_cast<double>(ms) / 1000.0;
}

// DescribeOrganizationConfiguration from an account that is not the
// organization's administrator for the service, in each service's words.
Reply not_administrator(const Call& call, const Context& ctx) {
  std::string message;
  switch (call.service) {
    case Service::securityhub:
      message = "Account " + call.caller->account_id + " is not an administrator for this organization";
      break;
    case Service::guardduty:
      message =
          "The request failed because the account is not the GuardDuty delegated administrator for this "
          "organization.";
      break;
    // Inspector and Macie answer AccessDenied: never in IAM's "is not
    // authorized to perform" words, which mean a missing permission.
    case Service::inspector2:
      message =
          "The request was rejected because the account is not the Amazon Inspector delegated administrator "
          "for the organization.";
      break;
    case Service::macie2:
      message =
          "The request was rejected because the account is not the Amazon Macie administrator account for "
          "the organization.";
      break;
    default:
      message =
          "The request was rejected because the account is not the Detective administrator account for the "
          "organization.";
      break;
  }
  return service_error(call.service, ErrorKind::not_administrator, message, ctx);
}

// A world's `raw` organization configuration: served exactly as given.
Reply raw_body(const std::string& body) {
  return plain_reply(200, body, "application/json");
}

// --- Security Hub ---------------------------------------------------------

json::object securityhub_member(const Call& call, const Member& m) {
  json::object o{{"AccountId", m.account_id}};
  if (!m.email.empty()) o["Email"] = m.email;
  o["MasterId"] = administrator_of(call, m);
  o["AdministratorId"] = administrator_of(call, m);
  o["MemberStatus"] = m.status;
  if (m.invited_at) o["InvitedAt"] = *m.invited_at;
  if (m.updated_at) o["UpdatedAt"] = *m.updated_at;
  return o;
}

Reply securityhub_not_subscribed(const Call& call, const Context& ctx) {
  return service_error(Service::securityhub, ErrorKind::not_subscribed,
                       "Account " + call.caller->account_id + " is not subscribed to AWS Security Hub", ctx);
}

Reply securityhub_list_members(const State& state, const Call& call, const Context& ctx) {
  const auto* source = caller_source(state, call);
  if (!source) return securityhub_not_subscribed(call, ctx);
  auto size = max_results(call.service, query_param(call, "MaxResults"), {1, 50, 50});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  const bool only_associated = is_true(query_param(call, "OnlyAssociated"), true);
  std::vector<const Member*> listed;
  for (const auto& m : source->members)
    if (!only_associated || lower(m.status) == "enabled") listed.push_back(&m);
  auto page = paginate(call, listed.size(), std::get<std::int64_t>(size), query_param(call, "NextToken"),
                       page_scope(call, "", only_associated ? "associated" : "all"));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array members;
  for (auto i = p.begin; i < p.end; ++i) members.push_back(securityhub_member(call, *listed[i]));
  json::object body{{"Members", std::move(members)}};
  if (p.next_token) body["NextToken"] = *p.next_token;
  return rest_json_ok(body);
}

const Member* find_member(const Source& source, std::string_view account_id) {
  for (const auto& m : source.members)
    if (m.account_id == account_id) return &m;
  return nullptr;
}

std::string unprocessed_reason(const Source& source, Service service, const std::string& account_id) {
  if (auto it = source.unprocessed.find(account_id); it != source.unprocessed.end()) return it->second;
  switch (service) {
    case Service::securityhub:
      return "Account " + account_id + " is not a member of this administrator account.";
    case Service::guardduty:
      return "The request is rejected because the input account ID " + account_id +
             " is not associated with the current account.";
    default:
      return "The request is rejected because the account " + account_id +
             " is not a member of the behavior graph.";
  }
}

template <class MemberFn, class UnprocessedFn>
json::object get_members_body(const Source& source, Service service, const std::vector<std::string>& ids,
                              const char* members_key, const char* unprocessed_key, MemberFn&& to_json,
                              UnprocessedFn&& unprocessed_json) {
  json::array members;
  json::array unprocessed;
  for (const auto& id : ids) {
    const auto* m = find_member(source, id);
    if (m && !source.unprocessed.count(id))
      members.push_back(to_json(*m));
    else
      unprocessed.push_back(unprocessed_json(id, unprocessed_reason(source, service, id)));
  }
  return {{members_key, std::move(members)}, {unprocessed_key, std::move(unprocessed)}};
}

Reply securityhub_get_members(const State& state, Call& call, const Context& ctx) {
  auto body = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&body)) return reject(call, *r, ctx);
  note_batch_size(call, std::get<json::object>(body), "AccountIds");
  auto ids = account_ids(call, std::get<json::object>(body), "AccountIds");
  const auto* source = caller_source(state, call);
  if (!source) return securityhub_not_subscribed(call, ctx);
  if (auto* r = std::get_if<Rejection>(&ids)) return reject(call, *r, ctx);
  return rest_json_ok(get_members_body(
      *source, call.service, std::get<std::vector<std::string>>(ids), "Members", "UnprocessedAccounts",
      [&](const Member& m) { return securityhub_member(call, m); },
      [](const std::string& id, const std::string& reason) {
        return json::object{{"AccountId", id}, {"ProcessingResult", reason}};
      }));
}

Reply securityhub_describe_organization_configuration(const State& state, const Call& call,
                                                      const Context& ctx) {
  const auto* source = caller_source(state, call);
  if (!source) return securityhub_not_subscribed(call, ctx);
  if (!source->organization) return not_administrator(call, ctx);
  const auto& c = *source->organization;
  if (c.raw) return raw_body(*c.raw);
  json::object body;
  if (c.auto_enable) body["AutoEnable"] = *c.auto_enable;
  if (c.auto_enable_standards) body["AutoEnableStandards"] = *c.auto_enable_standards;
  if (c.member_account_limit_reached) body["MemberAccountLimitReached"] = *c.member_account_limit_reached;
  json::object configuration;
  if (c.configuration_type) configuration["ConfigurationType"] = *c.configuration_type;
  if (c.configuration_status) configuration["Status"] = *c.configuration_status;
  if (c.status_message) configuration["StatusMessage"] = *c.status_message;
  if (!configuration.empty()) body["OrganizationConfiguration"] = std::move(configuration);
  return rest_json_ok(body);
}

// --- GuardDuty --------------------------------------------------------------

// Each member account has a detector of its own in the region.
std::string member_detector_id(const std::string& account_id, const std::string& region) {
  return aws::crypto::sha256_hex(account_id + "/" + region).substr(0, 32);
}

json::object guardduty_member(const Call& call, const Member& m) {
  json::object o{{"accountId", m.account_id}, {"detectorId", member_detector_id(m.account_id, call.region)}};
  o["masterId"] = administrator_of(call, m);
  o["administratorId"] = administrator_of(call, m);
  if (!m.email.empty()) o["email"] = m.email;  // the model's Email is 1..64 characters
  o["relationshipStatus"] = m.status;
  if (m.invited_at) o["invitedAt"] = *m.invited_at;
  o["updatedAt"] = m.updated_at.value_or(m.invited_at.value_or("2020-01-01T00:00:00.000Z"));
  return o;
}

// The detector named in the path, if the caller owns it.
std::variant<const Source*, Rejection> owned_detector(const State& state, const Call& call) {
  const auto slash = call.path.find('/', 10);  // "/detector/" is 10 characters
  const auto id = call.path.substr(10, slash - 10);
  if (!is_detector_id(id))
    return Rejection{ErrorKind::invalid_input,
                     "The request is rejected because the parameter detectorId has an invalid value.",
                     {}};
  const auto* source = caller_source(state, call);
  if (!source || source->resource != id)
    return Rejection{
        ErrorKind::invalid_input,
        "The request is rejected because the input detectorId is not owned by the current account.",
        {}};
  return source;
}

Reply guardduty_list_detectors(const State& state, const Call& call, const Context& ctx) {
  auto size = max_results(call.service, query_param(call, "maxResults"), {1, 50, 50});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  std::vector<std::string> detectors;
  if (const auto* source = caller_source(state, call)) detectors.push_back(source->resource);
  auto page = paginate(call, detectors.size(), std::get<std::int64_t>(size), query_param(call, "nextToken"),
                       page_scope(call, "", ""));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array ids;
  for (auto i = p.begin; i < p.end; ++i) ids.push_back(json::string(detectors[i]));
  json::object body{{"detectorIds", std::move(ids)}};
  if (p.next_token) body["nextToken"] = *p.next_token;
  return rest_json_ok(body);
}

Reply guardduty_list_members(const State& state, const Call& call, const Context& ctx) {
  auto owned = owned_detector(state, call);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  const auto* source = std::get<const Source*>(owned);
  auto size = max_results(call.service, query_param(call, "maxResults"), {1, 50, 50});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  const bool only_associated = is_true(query_param(call, "onlyAssociated"), true);
  std::vector<const Member*> listed;
  for (const auto& m : source->members) {
    const auto status = lower(m.status);
    if (!only_associated || status == "enabled" || status == "disabled") listed.push_back(&m);
  }
  auto page = paginate(call, listed.size(), std::get<std::int64_t>(size), query_param(call, "nextToken"),
                       page_scope(call, source->resource, only_associated ? "associated" : "all"));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array members;
  for (auto i = p.begin; i < p.end; ++i) members.push_back(guardduty_member(call, *listed[i]));
  json::object body{{"members", std::move(members)}};
  if (p.next_token) body["nextToken"] = *p.next_token;
  return rest_json_ok(body);
}

Reply guardduty_get_members(const State& state, Call& call, const Context& ctx) {
  auto body = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&body)) return reject(call, *r, ctx);
  note_batch_size(call, std::get<json::object>(body), "accountIds");
  auto ids = account_ids(call, std::get<json::object>(body), "accountIds");
  auto owned = owned_detector(state, call);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  if (auto* r = std::get_if<Rejection>(&ids)) return reject(call, *r, ctx);
  return rest_json_ok(get_members_body(
      *std::get<const Source*>(owned), call.service, std::get<std::vector<std::string>>(ids), "members",
      "unprocessedAccounts", [&](const Member& m) { return guardduty_member(call, m); },
      [](const std::string& id, const std::string& reason) {
        return json::object{{"accountId", id}, {"result", reason}};
      }));
}

json::object guardduty_organization_feature(const OrganizationFeature& f) {
  json::object o{{"name", f.name}};
  if (f.auto_enable) o["autoEnable"] = *f.auto_enable;
  if (!f.additional_configuration.empty()) {
    json::array additional;
    for (const auto& [name, auto_enable] : f.additional_configuration)
      additional.push_back(json::object{{"name", name}, {"autoEnable", auto_enable}});
    o["additionalConfiguration"] = std::move(additional);
  }
  return o;
}

Reply guardduty_describe_organization_configuration(const State& state, const Call& call,
                                                    const Context& ctx) {
  auto owned = owned_detector(state, call);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  const auto* source = std::get<const Source*>(owned);
  auto size = max_results(call.service, query_param(call, "maxResults"), {1, 50, 50});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  if (!source->organization) return not_administrator(call, ctx);
  const auto& c = *source->organization;
  if (c.raw) return raw_body(*c.raw);
  // The features are what maxResults pages.
  auto page = paginate(call, c.features.size(), std::get<std::int64_t>(size), query_param(call, "nextToken"),
                       page_scope(call, source->resource, ""));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::object body;
  if (c.auto_enable) body["autoEnable"] = *c.auto_enable;
  if (c.auto_enable_organization_members)
    body["autoEnableOrganizationMembers"] = *c.auto_enable_organization_members;
  if (!c.features.empty()) {
    // The deprecated dataSources follow the features; the model requires
    // s3Logs, which S3_DATA_EVENTS replaced.
    const auto s3 = std::find_if(c.features.begin(), c.features.end(),
                                 [](const OrganizationFeature& f) { return f.name == "S3_DATA_EVENTS"; });
    const bool s3_auto = s3 != c.features.end() && s3->auto_enable && *s3->auto_enable != "NONE";
    body["dataSources"] = json::object{{"s3Logs", json::object{{"autoEnable", s3_auto}}}};
    json::array features;
    for (auto i = p.begin; i < p.end; ++i) features.push_back(guardduty_organization_feature(c.features[i]));
    body["features"] = std::move(features);
  }
  // Required by the model: always there.
  body["memberAccountLimitReached"] = c.member_account_limit_reached.value_or(false);
  if (p.next_token) body["nextToken"] = *p.next_token;
  return rest_json_ok(body);
}

json::object guardduty_member_detector(const Member& m) {
  // Before protection plans, S3 protection was the s3Logs data source; the
  // other data sources are always on for an enabled detector.
  const auto s3 = m.features.find("S3_DATA_EVENTS");
  const bool s3_enabled = s3 == m.features.end() || s3->second == "ENABLED";
  const auto enabled = [] { return json::object{{"status", "ENABLED"}}; };
  json::object data_sources{{"cloudTrail", enabled()},
                            {"dnsLogs", enabled()},
                            {"flowLogs", enabled()},
                            {"s3Logs", json::object{{"status", s3_enabled ? "ENABLED" : "DISABLED"}}}};
  json::object o{{"accountId", m.account_id}, {"dataSources", std::move(data_sources)}};
  if (!m.features.empty()) {
    const auto updated =
        epoch_seconds(m.updated_at.value_or(m.invited_at.value_or(""))).value_or(1577836800.0);  // 2020-01-01
    json::array features;
    for (const auto& [name, status] : m.features)
      features.push_back(json::object{{"name", name}, {"status", status}, {"updatedAt", updated}});
    o["features"] = std::move(features);
  }
  return o;
}

Reply guardduty_get_member_detectors(const State& state, Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& request = std::get<json::object>(parsed);
  note_batch_size(call, request, "accountIds");
  auto ids = account_ids(call, request, "accountIds");
  auto owned = owned_detector(state, call);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  if (auto* r = std::get_if<Rejection>(&ids)) return reject(call, *r, ctx);
  const auto& source = *std::get<const Source*>(owned);
  json::array members;
  json::array unprocessed;
  for (const auto& id : std::get<std::vector<std::string>>(ids)) {
    const auto* m = find_member(source, id);
    const auto reason = source.member_detectors_unprocessed.find(id);
    if (m && reason == source.member_detectors_unprocessed.end()) {
      members.push_back(guardduty_member_detector(*m));
      continue;
    }
    unprocessed.push_back(json::object{
        {"accountId", id},
        {"result", reason != source.member_detectors_unprocessed.end()
                       ? reason->second
                       : "The request is rejected because the given account ID is not associated with the "
                         "current account."}});
  }
  // Both lists always, members possibly empty.
  return rest_json_ok({{"members", std::move(members)}, {"unprocessedAccounts", std::move(unprocessed)}});
}

// --- Detective --------------------------------------------------------------

json::object detective_member(const Call& call, const Source& source, const Member& m) {
  json::object o{{"AccountId", m.account_id}};
  if (!m.email.empty()) o["EmailAddress"] = m.email;
  o["GraphArn"] = source.resource;
  o["MasterId"] = administrator_of(call, m);
  o["AdministratorId"] = administrator_of(call, m);
  o["Status"] = m.status;
  if (m.disabled_reason) o["DisabledReason"] = *m.disabled_reason;
  if (m.invited_at) o["InvitedTime"] = *m.invited_at;
  if (m.updated_at) o["UpdatedTime"] = *m.updated_at;
  if (m.volume_usage_bytes) o["VolumeUsageInBytes"] = *m.volume_usage_bytes;
  if (m.volume_usage_updated_at) o["VolumeUsageUpdatedTime"] = *m.volume_usage_updated_at;
  if (m.percent_of_graph_utilization) o["PercentOfGraphUtilization"] = *m.percent_of_graph_utilization;
  if (m.percent_of_graph_utilization_updated_at)
    o["PercentOfGraphUtilizationUpdatedTime"] = *m.percent_of_graph_utilization_updated_at;
  if (m.invitation_type) o["InvitationType"] = *m.invitation_type;
  if (!m.volume_usage_by_datasource_package.empty()) {
    json::object usage;
    for (const auto& [name, u] : m.volume_usage_by_datasource_package)
      usage[name] =
          json::object{{"VolumeUsageInBytes", u.volume_usage_bytes}, {"VolumeUsageUpdateTime", u.updated_at}};
    o["VolumeUsageByDatasourcePackage"] = std::move(usage);
  }
  if (!m.datasource_package_ingest_states.empty()) {
    json::object states;
    for (const auto& [name, state] : m.datasource_package_ingest_states) states[name] = state;
    o["DatasourcePackageIngestStates"] = std::move(states);
  }
  return o;
}

std::variant<const Source*, Rejection> owned_graph(const State& state, const Call& call,
                                                   const json::object& body) {
  const auto* arn = body.if_contains("GraphArn");
  if (!arn || !arn->is_string())
    return Rejection{ErrorKind::invalid_input,
                     "1 validation error detected: Value null at 'graphArn' failed to satisfy constraint: "
                     "Member must not be null",
                     {{"ErrorCode", "INVALID_REQUEST_BODY"}}};
  const std::string text(arn->as_string());
  if (!is_graph_arn(text))
    return Rejection{
        ErrorKind::invalid_input,
        "1 validation error detected: Value '" + text +
            "' at 'graphArn' failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "^arn:aws[-\\w]{0,10}?:detective:[-\\w]{2,20}?:\\d{12}?:graph:[abcdef\\d]{32}?$",
        {{"ErrorCode", "INVALID_GRAPH_ARN"}}};
  const auto* source = caller_source(state, call);
  if (!source || source->resource != text)
    return Rejection{ErrorKind::not_found, "The request refers to a nonexistent resource.", {}};
  return source;
}

Reply detective_list_graphs(const State& state, const Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  auto size = max_results(call.service, json_field_text(body, "MaxResults"), {1, 200, 100});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  std::vector<const Source*> graphs;
  if (const auto* source = caller_source(state, call)) graphs.push_back(source);
  auto page = paginate(call, graphs.size(), std::get<std::int64_t>(size), json_field_text(body, "NextToken"),
                       page_scope(call, "", ""));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array list;
  for (auto i = p.begin; i < p.end; ++i)
    list.push_back(json::object{{"Arn", graphs[i]->resource}, {"CreatedTime", graphs[i]->created_at}});
  json::object out{{"GraphList", std::move(list)}};
  if (p.next_token) out["NextToken"] = *p.next_token;
  return rest_json_ok(out);
}

Reply detective_list_members(const State& state, const Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  auto owned = owned_graph(state, call, body);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  const auto* source = std::get<const Source*>(owned);
  auto size = max_results(call.service, json_field_text(body, "MaxResults"), {1, 200, 100});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  auto page = paginate(call, source->members.size(), std::get<std::int64_t>(size),
                       json_field_text(body, "NextToken"), page_scope(call, source->resource, ""));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array members;
  for (auto i = p.begin; i < p.end; ++i)
    members.push_back(detective_member(call, *source, source->members[i]));
  json::object out{{"MemberDetails", std::move(members)}};
  if (p.next_token) out["NextToken"] = *p.next_token;
  return rest_json_ok(out);
}

Reply detective_get_members(const State& state, Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  note_batch_size(call, body, "AccountIds");
  auto ids = account_ids(call, body, "AccountIds");
  auto owned = owned_graph(state, call, body);
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  if (auto* r = std::get_if<Rejection>(&ids)) return reject(call, *r, ctx);
  const auto* source = std::get<const Source*>(owned);
  return rest_json_ok(get_members_body(
      *source, call.service, std::get<std::vector<std::string>>(ids), "MemberDetails", "UnprocessedAccounts",
      [&](const Member& m) { return detective_member(call, *source, m); },
      [](const std::string& id, const std::string& reason) {
        return json::object{{"AccountId", id}, {"Reason", reason}};
      }));
}

Reply detective_describe_organization_configuration(const State& state, const Call& call,
                                                    const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  auto owned = owned_graph(state, call, std::get<json::object>(parsed));
  if (auto* r = std::get_if<Rejection>(&owned)) return reject(call, *r, ctx);
  const auto* source = std::get<const Source*>(owned);
  if (!source->organization) return not_administrator(call, ctx);
  const auto& c = *source->organization;
  if (c.raw) return raw_body(*c.raw);
  json::object body;
  if (c.auto_enable) body["AutoEnable"] = *c.auto_enable;
  return rest_json_ok(body);
}

// --- Inspector and Macie -----------------------------------------------------

constexpr Limits kInspectorListMembers{1, 50, 50};    // ListMembersMaxResults; no default documented
constexpr std::size_t kInspectorAccountIdsMax = 100;  // AccountIdSet
constexpr Limits kMacieListMembers{1, 25, 25};        // MaxResults; no default documented

// The service is not enabled in the caller's account and region: both
// answer AccessDenied (Macie with these words).
Reply not_enabled(const Call& call, const Context& ctx) {
  const auto message = call.service == Service::macie2
                           ? std::string("Macie is not enabled.")
                           : "Amazon Inspector is not enabled for account " + call.caller->account_id +
                                 " in " + call.region + ".";
  return service_error(call.service, ErrorKind::access_denied, message, ctx);
}

std::string partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

json::object inspector_member(const Call& call, const Member& m) {
  json::object o{{"accountId", m.account_id},
                 {"delegatedAdminAccountId", administrator_of(call, m)},
                 {"relationshipStatus", m.status}};
  // A rest-json timestamp without timestampFormat: epoch seconds.
  if (m.updated_at)
    if (const auto updated = epoch_seconds(*m.updated_at)) o["updatedAt"] = *updated;
  return o;
}

Reply inspector_list_members(const State& state, const Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  const auto* source = caller_source(state, call);
  if (!source) return not_enabled(call, ctx);
  const auto present = [&](std::string_view key) {
    const auto* value = body.if_contains(key);
    return value && !value->is_null() ? value : nullptr;
  };
  if (const auto* v = present("maxResults"); v && !v->is_int64() && !v->is_uint64())
    return reject(call, inspector_unreadable("maxResults", "an integer"), ctx);
  if (const auto* v = present("nextToken"); v && !v->is_string())
    return reject(call, inspector_unreadable("nextToken", "a string"), ctx);
  if (const auto* v = present("onlyAssociated"); v && !v->is_bool())
    return reject(call, inspector_unreadable("onlyAssociated", "a boolean"), ctx);
  auto size = max_results(call.service, json_field_text(body, "maxResults"), kInspectorListMembers);
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  // "Only currently associated members if true, all members within the
  // organization if false"; associated is ENABLED. The model documents no
  // default: like the other services, only the associated ones.
  bool only_associated = true;
  if (const auto* flag = present("onlyAssociated")) only_associated = flag->as_bool();
  std::vector<const Member*> listed;
  for (const auto& m : source->members)
    if (!only_associated || lower(m.status) == "enabled") listed.push_back(&m);
  auto page = paginate(call, listed.size(), std::get<std::int64_t>(size), json_field_text(body, "nextToken"),
                       page_scope(call, "", only_associated ? "associated" : "all"));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array members;
  for (auto i = p.begin; i < p.end; ++i) members.push_back(inspector_member(call, *listed[i]));
  json::object out{{"members", std::move(members)}};
  if (p.next_token) out["nextToken"] = *p.next_token;
  return rest_json_ok(out);
}

Reply inspector_describe_organization_configuration(const State& state, const Call& call,
                                                    const Context& ctx) {
  // No input members: boto3 sends no body at all, other clients {}.
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto* source = caller_source(state, call);
  if (!source) return not_enabled(call, ctx);
  if (!source->organization) return not_administrator(call, ctx);
  const auto& c = *source->organization;
  if (c.raw) return raw_body(*c.raw);
  // AutoEnable requires ec2 and ecr.
  json::object auto_enable{{"ec2", c.ec2.value_or(false)}, {"ecr", c.ecr.value_or(false)}};
  if (c.lambda) auto_enable["lambda"] = *c.lambda;
  if (c.lambda_code) auto_enable["lambdaCode"] = *c.lambda_code;
  if (c.code_repository) auto_enable["codeRepository"] = *c.code_repository;
  json::object out{{"autoEnable", std::move(auto_enable)}};
  if (c.max_account_limit_reached) out["maxAccountLimitReached"] = *c.max_account_limit_reached;
  return rest_json_ok(out);
}

// The model requires status, errorCode and errorMessage in every State,
// a healthy one too, and its ErrorCode enum has no "none": each status is
// given the code closest to it.
std::string_view state_error_code(std::string_view status) {
  if (status == "ENABLED") return "ALREADY_ENABLED";
  if (status == "ENABLING") return "ENABLE_IN_PROGRESS";
  if (status == "DISABLING") return "DISABLE_IN_PROGRESS";
  if (status == "SUSPENDING") return "SUSPEND_IN_PROGRESS";
  if (status == "SUSPENDED") return "ACCOUNT_IS_ISOLATED";
  return "RESOURCE_NOT_FOUND";  // DISABLED, and statuses AWS adds later
}

json::object inspector_state(const std::string& status, const std::string& what) {
  return {{"status", status},
          {"errorCode", state_error_code(status)},
          {"errorMessage", what + " is " + lower(status) + "."}};
}

// An AccountState: the account's Inspector status (ENABLED when any scan
// type is) and each scan type's.
json::object inspector_account_state(const Member& m) {
  json::object resources;
  bool any_enabled = false;
  for (const auto& resource : kInspectorResources) {
    const auto status = inspector_resource_status(m, resource.world_name);
    any_enabled = any_enabled || status == "ENABLED";
    resources[resource.wire_name] =
        inspector_state(status, "Amazon Inspector scanning of " + std::string(resource.wire_name));
  }
  return {{"accountId", m.account_id},
          {"state", inspector_state(any_enabled ? "ENABLED" : "DISABLED", "Amazon Inspector")},
          {"resourceState", std::move(resources)}};
}

Reply inspector_batch_get_account_status(const State& state, Call& call, const Context& ctx) {
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  note_batch_size(call, body, "accountIds");
  const auto* source = caller_source(state, call);
  if (!source) return not_enabled(call, ctx);
  std::vector<std::string> ids;
  if (const auto* list = body.if_contains("accountIds"); list && !list->is_null()) {
    if (!list->is_array()) return reject(call, inspector_unreadable("accountIds", "a list of strings"), ctx);
    for (const auto& item : list->as_array()) {
      if (!item.is_string())
        return reject(call, inspector_unreadable("accountIds", "a list of strings"), ctx);
      ids.emplace_back(item.as_string());
    }
  }
  if (ids.size() > kInspectorAccountIdsMax)
    return reject(call,
                  inspector_validation("accountIds",
                                       "Value at 'accountIds' failed to satisfy constraint: Member must have "
                                       "length less than or equal to " +
                                           std::to_string(kInspectorAccountIdsMax)),
                  ctx);
  for (const auto& id : ids)
    if (!is_account_id(id))
      return reject(call,
                    inspector_validation("accountIds", "Value '" + id +
                                                           "' at 'accountIds' failed to satisfy constraint: "
                                                           "Member must satisfy regular expression pattern: "
                                                           "\\d{12}"),
                    ctx);
  // No account IDs: the caller's own account.
  const auto& caller = call.caller->account_id;
  if (ids.empty()) ids.push_back(caller);
  json::array accounts;
  json::array failed;
  const auto fail = [&](const std::string& id, const std::string& message) {
    failed.push_back(
        json::object{{"accountId", id}, {"errorCode", "ACCESS_DENIED"}, {"errorMessage", message}});
  };
  for (const auto& id : ids) {
    const auto* member = find_member(*source, id);
    if (const auto reason = source->account_status_failed.find(id);
        reason != source->account_status_failed.end())
      fail(id, reason->second);
    else if (member)
      accounts.push_back(inspector_account_state(*member));
    else if (id == caller) {  // the administrator's own account: the default scan types
      Member own;
      own.account_id = caller;
      accounts.push_back(inspector_account_state(own));
    } else
      fail(id, "The account " + id + " is not a member of the Amazon Inspector delegated administrator " +
                   caller + ".");
  }
  // accounts is required; failedAccounts is always there too, possibly empty.
  return rest_json_ok({{"accounts", std::move(accounts)}, {"failedAccounts", std::move(failed)}});
}

json::object macie_member(const Call& call, const Member& m) {
  const auto administrator = administrator_of(call, m);
  json::object o{{"accountId", m.account_id},
                 {"administratorAccountId", administrator},
                 {"arn", "arn:" + partition_of(call.region) + ":macie2:" + call.region + ":" + administrator +
                             ":member/" + m.account_id}};
  if (!m.email.empty()) o["email"] = m.email;  // none for accounts of the organization
  // __timestampIso8601: ISO 8601 strings, served as the world gives them.
  if (m.invited_at) o["invitedAt"] = *m.invited_at;
  o["masterAccountId"] = administrator;  // deprecated, still sent
  o["relationshipStatus"] = m.status;
  if (m.updated_at) o["updatedAt"] = *m.updated_at;
  return o;
}

Reply macie_list_members(const State& state, const Call& call, const Context& ctx) {
  const auto* source = caller_source(state, call);
  if (!source) return not_enabled(call, ctx);
  auto size = max_results(call.service, query_param(call, "maxResults"), kMacieListMembers);
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  // "By default, the response includes only current member accounts":
  // Enabled, and Paused (Macie suspended by the member, still associated).
  const bool only_associated = is_true(query_param(call, "onlyAssociated"), true);
  std::vector<const Member*> listed;
  for (const auto& m : source->members) {
    const auto status = lower(m.status);
    if (!only_associated || status == "enabled" || status == "paused") listed.push_back(&m);
  }
  auto page = paginate(call, listed.size(), std::get<std::int64_t>(size), query_param(call, "nextToken"),
                       page_scope(call, "", only_associated ? "associated" : "all"));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array members;
  for (auto i = p.begin; i < p.end; ++i) members.push_back(macie_member(call, *listed[i]));
  json::object out{{"members", std::move(members)}};
  if (p.next_token) out["nextToken"] = *p.next_token;
  return rest_json_ok(out);
}

Reply macie_describe_organization_configuration(const State& state, const Call& call, const Context& ctx) {
  const auto* source = caller_source(state, call);
  if (!source) return not_enabled(call, ctx);
  if (!source->organization) return not_administrator(call, ctx);
  const auto& c = *source->organization;
  if (c.raw) return raw_body(*c.raw);
  json::object out;
  if (c.auto_enable) out["autoEnable"] = *c.auto_enable;
  if (c.max_account_limit_reached) out["maxAccountLimitReached"] = *c.max_account_limit_reached;
  return rest_json_ok(out);
}

// --- Organizations ------------------------------------------------------

// Who may read the organization: its management account and any delegated
// administrator. nullopt: the caller may; otherwise the refusal.
std::optional<Reply> organization_reader_check(const State& state, const Call& call, const Context& ctx) {
  const auto& org = state.world.organization;
  const auto& caller = call.caller->account_id;
  if (!org)
    return service_error(call.service, ErrorKind::organizations_not_in_use,
                         "Your account is not a member of an organization.", ctx);
  const bool allowed = caller == org->management_account_id || org->is_delegated_administrator(caller);
  const bool member = allowed || std::any_of(org->accounts.begin(), org->accounts.end(),
                                             [&](const OrganizationAccount& a) { return a.id == caller; });
  if (!member)
    return service_error(call.service, ErrorKind::organizations_not_in_use,
                         "Your account is not a member of an organization.", ctx);
  if (!allowed)
    return service_error(call.service, ErrorKind::access_denied,
                         "You don't have permissions to access this resource.", ctx);
  return std::nullopt;
}

std::string organization_account_arn(const Organization& org, const std::string& account_id) {
  return "arn:aws:organizations::" + org.management_account_id + ":account/" + org.id + "/" + account_id;
}

// The members Account and DelegatedAdministrator share.
json::object organization_account(const Organization& org, const OrganizationAccount& a) {
  json::object o{
      {"Id", a.id}, {"Arn", organization_account_arn(org, a.id)}, {"Email", a.email}, {"Name", a.name}};
  // State replaced Status (retired 2026-09-09); each only when the world has it.
  if (a.state && !a.state->empty()) o["State"] = *a.state;
  if (a.status && !a.status->empty()) o["Status"] = *a.status;
  o["JoinedMethod"] = a.joined_method;
  if (const auto joined = epoch_seconds(a.joined_timestamp)) o["JoinedTimestamp"] = *joined;
  return o;
}

Reply organizations_list_accounts(const State& state, const Call& call, const Context& ctx) {
  if (auto refused = organization_reader_check(state, call, ctx)) return *refused;
  const auto& org = *state.world.organization;
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  auto size = max_results(call.service, json_field_text(body, "MaxResults"), {1, 20, 20});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  auto page = paginate(call, org.accounts.size(), std::get<std::int64_t>(size),
                       json_field_text(body, "NextToken"), page_scope(call, org.id, ""));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array accounts;
  for (auto i = p.begin; i < p.end; ++i) accounts.push_back(organization_account(org, org.accounts[i]));
  json::object out{{"Accounts", std::move(accounts)}};
  if (p.next_token) out["NextToken"] = *p.next_token;
  return json11_ok(out);
}

// Service principals are the service's DNS name: guardduty.amazonaws.com.
bool is_service_principal(std::string_view text) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  const bool allowed_characters = std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("_+=,.@-").find(static_cast<char>(c)) != std::string_view::npos;
  });
  return allowed_characters && text.size() <= 128 && text.size() > kSuffix.size() && text.ends_with(kSuffix);
}

Reply organizations_list_delegated_administrators(const State& state, const Call& call, const Context& ctx) {
  if (auto refused = organization_reader_check(state, call, ctx)) return *refused;
  const auto& org = *state.world.organization;
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);
  auto size = max_results(call.service, json_field_text(body, "MaxResults"), {1, 20, 20});
  if (auto* r = std::get_if<Rejection>(&size)) return reject(call, *r, ctx);
  const auto principal = json_field_text(body, "ServicePrincipal");
  if (principal && !is_service_principal(*principal))
    return service_error(call.service, ErrorKind::invalid_input,
                         "You specified an unrecognized service principal.", ctx,
                         {{"Reason", "UNRECOGNIZED_SERVICE_PRINCIPAL"}});
  std::vector<const DelegatedAdministrator*> listed;
  for (const auto& d : org.delegated_administrators) {
    const auto& principals = d.service_principals;
    if (!principal || std::find(principals.begin(), principals.end(), *principal) != principals.end())
      listed.push_back(&d);
  }
  std::sort(listed.begin(), listed.end(),
            [](const auto* a, const auto* b) { return a->account_id < b->account_id; });
  auto page = paginate(call, listed.size(), std::get<std::int64_t>(size), json_field_text(body, "NextToken"),
                       page_scope(call, org.id, principal.value_or("")));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array admins;
  for (auto i = p.begin; i < p.end; ++i) {
    const auto& d = *listed[i];
    const auto account = std::find_if(org.accounts.begin(), org.accounts.end(),
                                      [&](const OrganizationAccount& a) { return a.id == d.account_id; });
    if (account == org.accounts.end()) {
      // Not among the world's accounts: what is known of it.
      admins.push_back(json::object{
          {"Id", d.account_id}, {"Arn", organization_account_arn(org, d.account_id)}, {"State", "ACTIVE"}});
      continue;
    }
    auto o = organization_account(org, *account);
    if (const auto since = epoch_seconds(d.delegation_enabled_date)) o["DelegationEnabledDate"] = *since;
    admins.push_back(std::move(o));
  }
  json::object out{{"DelegatedAdministrators", std::move(admins)}};
  if (p.next_token) out["NextToken"] = *p.next_token;
  return json11_ok(out);
}

// --- Account --------------------------------------------------------------

constexpr std::int64_t kListRegionsMaxResults = 50;  // ListRegionsRequestMaxResultsInteger
constexpr std::int64_t kListRegionsPageSize = 20;    // the model documents no default
constexpr std::size_t kListRegionsNextTokenMax = 1000;

Reply account_list_regions(const State& state, const Call& call, const Context& ctx) {
  const auto& caller = call.caller->account_id;
  const auto denied = [&] {
    return service_error(call.service, ErrorKind::access_denied,
                         "User: " + call.caller->arn +
                             " is not authorized to perform: account:ListRegions (no identity-based policy "
                             "allows the account:ListRegions action)",
                         ctx);
  };
  if (const auto entry = state.world.account_regions.find(caller);
      entry != state.world.account_regions.end() && entry->second.denied)
    return denied();
  auto parsed = parse_body(call);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(call, *r, ctx);
  const auto& body = std::get<json::object>(parsed);

  std::string account = caller;
  if (const auto* id = body.if_contains("AccountId"); id && !id->is_null()) {
    if (!id->is_string() || !is_account_id(id->as_string()))
      return reject(call,
                    account_validation("AccountId", json_field_text(body, "AccountId").value_or(""),
                                       "Member must satisfy regular expression pattern: \\d{12}"),
                    ctx);
    account = std::string(id->as_string());
  }
  std::int64_t page_size = kListRegionsPageSize;
  if (const auto text = json_field_text(body, "MaxResults")) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    const bool number = ec == std::errc() && end == text->data() + text->size();
    if (!number || value < 1 || value > kListRegionsMaxResults)
      return reject(
          call,
          account_validation("MaxResults", *text,
                             number && value < 1 ? "Member must have value greater than or equal to 1"
                                                 : "Member must have value less than or equal to " +
                                                       std::to_string(kListRegionsMaxResults)),
          ctx);
    page_size = value;
  }
  std::set<std::string> wanted;
  if (const auto* filter = body.if_contains("RegionOptStatusContains"); filter && !filter->is_null()) {
    const auto enum_constraint =
        "Member must satisfy constraint: [Member must satisfy enum value set: [ENABLED, ENABLING, DISABLING, "
        "DISABLED, ENABLED_BY_DEFAULT]]";
    if (!filter->is_array())
      return reject(call,
                    account_validation("RegionOptStatusContains", json::serialize(*filter), enum_constraint),
                    ctx);
    for (const auto& item : filter->as_array()) {
      if (!item.is_string() || !is_region_opt_status(item.as_string()))
        return reject(
            call, account_validation("RegionOptStatusContains", json::serialize(*filter), enum_constraint),
            ctx);
      wanted.insert(std::string(item.as_string()));
    }
  }
  const auto token = json_field_text(body, "NextToken");
  if (token && token->size() > kListRegionsNextTokenMax)
    return reject(call,
                  account_validation("NextToken", *token,
                                     "Member must have length less than or equal to " +
                                         std::to_string(kListRegionsNextTokenMax)),
                  ctx);

  // Another account's regions: only the organization's management account
  // may ask, and only for an account of its organization.
  if (account != caller) {
    const auto& org = state.world.organization;
    const bool allowed = org && org->management_account_id == caller &&
                         std::any_of(org->accounts.begin(), org->accounts.end(),
                                     [&](const OrganizationAccount& a) { return a.id == account; });
    if (!allowed) return denied();
  }

  std::vector<std::pair<std::string, std::string>> listed;  // sorted by name: regions_of is a map
  for (const auto& [region, status] : state.world.regions_of(account))
    if (wanted.empty() || wanted.count(status)) listed.emplace_back(region, status);
  std::string filter_scope;
  for (const auto& status : wanted) filter_scope += status + ",";
  auto page = paginate(call, listed.size(), page_size, token, page_scope(call, account, filter_scope));
  if (auto* r = std::get_if<Rejection>(&page)) return reject(call, *r, ctx);
  const auto& p = std::get<Page>(page);
  json::array regions;
  for (auto i = p.begin; i < p.end; ++i)
    regions.push_back(json::object{{"RegionName", listed[i].first}, {"RegionOptStatus", listed[i].second}});
  json::object out{{"Regions", std::move(regions)}};
  if (p.next_token) out["NextToken"] = *p.next_token;
  return rest_json_ok(out);
}

}  // namespace

bool route_operation(Call& call) {
  const auto& method = call.request->method;
  const auto& path = call.path;
  auto is = [&](std::string_view m, std::string_view p) { return method == m && path == p; };
  switch (call.service) {
    case Service::securityhub:
      if (is("GET", "/members"))
        call.operation = "ListMembers";
      else if (is("POST", "/members/get"))
        call.operation = "GetMembers";
      else if (is("GET", "/organization/configuration"))
        call.operation = "DescribeOrganizationConfiguration";
      break;
    case Service::guardduty: {
      if (is("GET", "/detector")) {
        call.operation = "ListDetectors";
        break;
      }
      if (path.rfind("/detector/", 0) != 0) break;
      const auto rest = std::string_view(path).substr(10);
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0) break;
      const auto tail = rest.substr(slash);
      if (method == "GET" && tail == "/member")
        call.operation = "ListMembers";
      else if (method == "POST" && tail == "/member/get")
        call.operation = "GetMembers";
      else if (method == "POST" && tail == "/member/detector/get")
        call.operation = "GetMemberDetectors";
      else if (method == "GET" && tail == "/admin")
        call.operation = "DescribeOrganizationConfiguration";
      break;
    }
    case Service::detective:
      if (is("POST", "/graphs/list"))
        call.operation = "ListGraphs";
      else if (is("POST", "/graph/members/list"))
        call.operation = "ListMembers";
      else if (is("POST", "/graph/members/get"))
        call.operation = "GetMembers";
      else if (is("POST", "/orgs/describeOrganizationConfiguration"))
        call.operation = "DescribeOrganizationConfiguration";
      break;
    case Service::organizations: {
      constexpr std::string_view kPrefix = "AWSOrganizationsV20161128.";
      const auto target = call.request->header("x-amz-target");
      if (method != "POST" || path != "/" || !target || !target->starts_with(kPrefix)) break;
      const auto action = target->substr(kPrefix.size());
      if (action == "ListAccounts" || action == "ListDelegatedAdministrators")
        call.operation = std::string(action);
      break;
    }
    case Service::inspector2:
      if (is("POST", "/members/list"))
        call.operation = "ListMembers";
      else if (is("POST", "/organizationconfiguration/describe"))
        call.operation = "DescribeOrganizationConfiguration";
      else if (is("POST", "/status/batch/get"))
        call.operation = "BatchGetAccountStatus";
      break;
    case Service::macie2:
      if (is("GET", "/members"))
        call.operation = "ListMembers";
      else if (is("GET", "/admin/configuration"))
        call.operation = "DescribeOrganizationConfiguration";
      break;
    case Service::account:
      if (is("POST", "/listRegions")) call.operation = "ListRegions";
      break;
    case Service::sts:
      break;
  }
  return !call.operation.empty();
}

Reply handle_service_call(State& state, Call& call, const Context& ctx) {
  const auto& operation = call.operation;
  switch (call.service) {
    case Service::securityhub:
      if (operation == "ListMembers") return securityhub_list_members(state, call, ctx);
      if (operation == "GetMembers") return securityhub_get_members(state, call, ctx);
      return securityhub_describe_organization_configuration(state, call, ctx);
    case Service::guardduty:
      if (operation == "ListDetectors") return guardduty_list_detectors(state, call, ctx);
      if (operation == "ListMembers") return guardduty_list_members(state, call, ctx);
      if (operation == "GetMembers") return guardduty_get_members(state, call, ctx);
      if (operation == "GetMemberDetectors") return guardduty_get_member_detectors(state, call, ctx);
      return guardduty_describe_organization_configuration(state, call, ctx);
    case Service::detective:
      if (operation == "ListGraphs") return detective_list_graphs(state, call, ctx);
      if (operation == "ListMembers") return detective_list_members(state, call, ctx);
      if (operation == "GetMembers") return detective_get_members(state, call, ctx);
      return detective_describe_organization_configuration(state, call, ctx);
    case Service::inspector2:
      if (operation == "ListMembers") return inspector_list_members(state, call, ctx);
      if (operation == "BatchGetAccountStatus") return inspector_batch_get_account_status(state, call, ctx);
      return inspector_describe_organization_configuration(state, call, ctx);
    case Service::macie2:
      if (operation == "ListMembers") return macie_list_members(state, call, ctx);
      return macie_describe_organization_configuration(state, call, ctx);
    case Service::organizations:
      if (operation == "ListDelegatedAdministrators")
        return organizations_list_delegated_administrators(state, call, ctx);
      return organizations_list_accounts(state, call, ctx);
    case Service::account:
      return account_list_regions(state, call, ctx);
    case Service::sts:
      break;
  }
  return service_error(call.service, ErrorKind::unknown_operation, "Unknown operation", ctx);
}

}  // namespace mw::fake_aws::detail
