#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/aws_credentials.hpp"
#include "aws/aws_error.hpp"
#include "aws/http_types.hpp"
#include "aws/uri.hpp"

// Request builders and response decoders of the three AWS protocols
// memberwatch speaks. Pure: values in, values out; signing and sending
// happen elsewhere.
namespace mw::aws::protocol {

using PathParams = std::vector<std::pair<std::string, std::string>>;

// "/detector/{DetectorId}/member/get" with each {Name} replaced by its
// URI-encoded value ('/' encoded too; {Name+} keeps '/'). Throws
// std::invalid_argument when a parameter is missing or empty, or the
// template has an unclosed brace.
std::string expand_path(std::string_view path_template, const PathParams& params);

// Every builder's target is relative to the endpoint (AwsClient prepends
// endpoint.base_path); the endpoint gives the Host header.
//
// rest-json (Security Hub, GuardDuty, Detective): target = expanded path + "?" + encoded query; with a body,
// Content-Type application/json. Headers: Host, Content-Type.
HttpRequest rest_json_request(const Endpoint& endpoint, std::string_view method,
                              std::string_view path_template, const PathParams& path_params,
                              const uri::Params& query, const std::optional<boost::json::value>& body);

// json 1.1 (Organizations): POST /, X-Amz-Target "<target_prefix>.<operation>"
// (e.g. "AWSOrganizationsV20161128.ListAccounts"), Content-Type
// application/x-amz-json-1.1, the body serialized ("{}" at least).
HttpRequest json_request(const Endpoint& endpoint, std::string_view target_prefix, std::string_view operation,
                         const boost::json::value& body);

// query (STS): POST / with the form body "Action=..&Version=..&params...",
// Content-Type application/x-www-form-urlencoded; charset=utf-8.
HttpRequest query_request(const Endpoint& endpoint, std::string_view action, std::string_view version,
                          const uri::Params& params);

// The JSON body of a successful response; an empty body is an empty object.
// nullopt and `error` set when it is not JSON.
std::optional<boost::json::value> try_parse_json(std::string_view body, std::string& error);
// Same, throwing AwsError{code "MalformedResponse"} naming service and operation.
boost::json::value parse_json_response(const HttpResponse& response, std::string_view service,
                                       std::string_view operation);

// Timestamps as AWS sends them, normalized to RFC 3339 UTC
// ("2026-11-21T10:15:02Z", or "...02.123Z" when the input had a fraction).
struct Timestamp {
  std::chrono::system_clock::time_point time;
  std::string rfc3339;
  bool operator==(const Timestamp&) const = default;
};
std::string format_rfc3339(std::chrono::system_clock::time_point time, bool milliseconds);
// ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM|+HHMM)".
std::optional<Timestamp> parse_iso8601(std::string_view text);
// Epoch seconds, possibly fractional (json 1.1); milliseconds kept when fractional.
std::optional<Timestamp> from_epoch_seconds(double seconds);
// A JSON timestamp member: a number (epoch seconds) or an ISO 8601 string.
std::optional<Timestamp> parse_timestamp(const boost::json::value& value);

// STS results (query protocol, XML). Field names as in the sts.json model.
struct AssumedRoleUser {
  std::string arn;
  std::string assumed_role_id;
};
struct AssumeRoleResult {
  Credentials credentials;  // expiration set; source left empty for the caller
  std::string expiration;   // RFC 3339 UTC, as normalized
  AssumedRoleUser assumed_role_user;
  std::optional<long> packed_policy_size;
  std::string source_identity;
  // AssumeRoleWithWebIdentity only:
  std::string subject_from_web_identity_token;
  std::string provider;
  std::string audience;
};
struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

// Throw AwsError{service "sts", code "MalformedResponse"} when the XML does not
// parse or lacks a required field (Credentials' AccessKeyId, SecretAccessKey,
// SessionToken, Expiration).
AssumeRoleResult parse_assume_role_response(std::string_view xml);
AssumeRoleResult parse_assume_role_with_web_identity_response(std::string_view xml);
CallerIdentity parse_get_caller_identity_response(std::string_view xml);

}  // namespace mw::aws::protocol
