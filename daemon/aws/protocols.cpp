#include "aws/protocols.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>

namespace mw::aws::protocol {
namespace {

namespace pt = boost::property_tree;
using std::chrono::system_clock;

// Targets are relative to the endpoint: AwsClient prepends its base path.
std::string relative_target(std::string_view path) {
  return std::string(path.empty() ? "/" : path);
}

HttpRequest post(const Endpoint& endpoint, std::string content_type, std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.target = relative_target("/");
  request.headers.emplace_back("Host", endpoint.host_header());
  request.headers.emplace_back("Content-Type", std::move(content_type));
  request.body = std::move(body);
  return request;
}

[[noreturn]] void malformed(std::string_view operation, std::string message) {
  AwsErrorInfo info;
  info.service = "sts";
  info.operation = std::string(operation);
  info.http_status = 200;
  info.code = "MalformedResponse";
  info.message = std::move(message);
  throw AwsError(std::move(info));
}

pt::ptree read_sts_result(std::string_view xml, std::string_view operation) {
  if (xml.find_first_not_of(" \t\r\n") == std::string_view::npos)
    malformed(operation, "the response body is empty");
  pt::ptree tree;
  try {
    std::istringstream in{std::string(xml)};
    pt::read_xml(in, tree, pt::xml_parser::trim_whitespace);
  } catch (const pt::ptree_error& error) {
    malformed(operation, "the response is not XML: " + std::string(error.what()));
  }
  const std::string result_path = std::string(operation) + "Response." + std::string(operation) + "Result";
  const auto result = tree.get_child_optional(result_path);
  if (!result) malformed(operation, "the response has no " + result_path + " element");
  return *result;
}

std::string required(const pt::ptree& node, const std::string& path, std::string_view operation) {
  auto value = node.get_optional<std::string>(path);
  if (!value || value->empty()) malformed(operation, "the response lacks " + path);
  return *value;
}

AssumeRoleResult parse_role_result(const pt::ptree& result, std::string_view operation) {
  AssumeRoleResult out;
  out.credentials.access_key_id = required(result, "Credentials.AccessKeyId", operation);
  out.credentials.secret_access_key =
      SecretString(required(result, "Credentials.SecretAccessKey", operation));
  out.credentials.session_token = SecretString(required(result, "Credentials.SessionToken", operation));
  const std::string expiration = required(result, "Credentials.Expiration", operation);
  const auto parsed = parse_iso8601(expiration);
  if (!parsed) malformed(operation, "Credentials.Expiration is not an ISO 8601 timestamp: " + expiration);
  out.credentials.expiration = parsed->time;
  out.expiration = parsed->rfc3339;
  out.assumed_role_user.arn = result.get("AssumedRoleUser.Arn", "");
  out.assumed_role_user.assumed_role_id = result.get("AssumedRoleUser.AssumedRoleId", "");
  if (auto size = result.get_optional<std::string>("PackedPolicySize"); size && !size->empty()) {
    try {
      out.packed_policy_size = std::stol(*size);
    } catch (const std::exception&) {
      malformed(operation, "PackedPolicySize is not a number: " + *size);
    }
  }
  out.source_identity = result.get("SourceIdentity", "");
  out.subject_from_web_identity_token = result.get("SubjectFromWebIdentityToken", "");
  out.provider = result.get("Provider", "");
  out.audience = result.get("Audience", "");
  return out;
}

bool digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view text) {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

// system_clock counts nanoseconds in 64 bits (years 1677 to 2262): a
// timestamp outside that range has no time_point, and converting it would
// overflow.
std::optional<system_clock::time_point> to_system_time(
    std::chrono::sys_time<std::chrono::milliseconds> time) {
  using std::chrono::milliseconds;
  const auto earliest = std::chrono::ceil<milliseconds>(system_clock::time_point::min().time_since_epoch());
  const auto latest = std::chrono::floor<milliseconds>(system_clock::time_point::max().time_since_epoch());
  if (time.time_since_epoch() < earliest || time.time_since_epoch() > latest) return std::nullopt;
  return system_clock::time_point(time.time_since_epoch());
}

}  // namespace

std::string expand_path(std::string_view path_template, const PathParams& params) {
  std::string out;
  std::size_t pos = 0;
  while (pos < path_template.size()) {
    const auto open = path_template.find('{', pos);
    out += path_template.substr(pos, open == std::string_view::npos ? open : open - pos);
    if (open == std::string_view::npos) break;
    const auto close = path_template.find('}', open);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("path template has an unclosed '{': " + std::string(path_template));
    }
    std::string_view name = path_template.substr(open + 1, close - open - 1);
    const bool greedy = name.ends_with('+');
    if (greedy) name.remove_suffix(1);
    const auto it =
        std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    if (it == params.end() || it->second.empty()) {
      throw std::invalid_argument("path parameter " + std::string(name) + " is missing or empty");
    }
    out += greedy ? uri::encode_path(it->second) : uri::encode(it->second);
    pos = close + 1;
  }
  return out;
}

HttpRequest rest_json_request(const Endpoint& endpoint, std::string_view method,
                              std::string_view path_template, const PathParams& path_params,
                              const uri::Params& query, const std::optional<boost::json::value>& body) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = relative_target(expand_path(path_template, path_params));
  if (!query.empty()) request.target += "?" + uri::encode_params(query);
  request.headers.emplace_back("Host", endpoint.host_header());
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = boost::json::serialize(*body);
  }
  return request;
}

HttpRequest json_request(const Endpoint& endpoint, std::string_view target_prefix, std::string_view operation,
                         const boost::json::value& body) {
  HttpRequest request =
      post(endpoint, "application/x-amz-json-1.1", body.is_null() ? "{}" : boost::json::serialize(body));
  request.headers.emplace_back("X-Amz-Target", std::string(target_prefix) + "." + std::string(operation));
  return request;
}

HttpRequest query_request(const Endpoint& endpoint, std::string_view action, std::string_view version,
                          const uri::Params& params) {
  uri::Params all = {{"Action", std::string(action)}, {"Version", std::string(version)}};
  all.insert(all.end(), params.begin(), params.end());
  return post(endpoint, "application/x-www-form-urlencoded; charset=utf-8", uri::encode_params(all));
}

std::optional<boost::json::value> try_parse_json(std::string_view body, std::string& error) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return boost::json::object{};
  boost::system::error_code code;
  boost::json::value value = boost::json::parse(body, code);
  if (code) {
    error = "the response body is not valid JSON (" + code.message() + ", " + std::to_string(body.size()) +
            " bytes)";
    return std::nullopt;
  }
  return value;
}

boost::json::value parse_json_response(const HttpResponse& response, std::string_view service,
                                       std::string_view operation) {
  std::string error;
  auto value = try_parse_json(response.body, error);
  if (!value) {
    AwsErrorInfo info;
    info.service = std::string(service);
    info.operation = std::string(operation);
    info.http_status = response.status;
    info.code = "MalformedResponse";
    info.message = std::move(error);
    if (auto id = response.header("x-amzn-RequestId")) info.request_id = std::string(*id);
    throw AwsError(std::move(info));
  }
  return std::move(*value);
}

std::string format_rfc3339(system_clock::time_point time, bool milliseconds) {
  const auto since_epoch = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch());
  const auto whole = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = (since_epoch - whole).count();
  const std::time_t seconds = whole.count();
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(buffer);
  if (milliseconds) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
    out += fraction;
  }
  return out + "Z";
}

std::optional<Timestamp> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; then fraction and zone.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  for (auto [pos, len] : {std::pair{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}}) {
    if (!digits(text.substr(pos, len))) return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{year{to_int(text.substr(0, 4))},
                            month{static_cast<unsigned>(to_int(text.substr(5, 2)))},
                            day{static_cast<unsigned>(to_int(text.substr(8, 2)))}};
  const int hour = to_int(text.substr(11, 2)), minute = to_int(text.substr(14, 2)),
            second = to_int(text.substr(17, 2));
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  std::string_view rest = text.substr(19);
  bool has_fraction = false;
  milliseconds fraction{0};
  if (!rest.empty() && rest.front() == '.') {
    const auto end = rest.find_first_not_of("0123456789", 1);
    const std::string_view fraction_digits = rest.substr(1, end == std::string_view::npos ? end : end - 1);
    if (fraction_digits.empty()) return std::nullopt;
    std::string three(fraction_digits.substr(0, 3));
    three.resize(3, '0');
    fraction = milliseconds(to_int(three));
    has_fraction = true;
    rest.remove_prefix(1 + fraction_digits.size());
  }
  minutes offset{0};
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             digits(rest.substr(1, 2)) && digits(rest.substr(4, 2))) {
    offset = hours(to_int(rest.substr(1, 2))) + minutes(to_int(rest.substr(4, 2)));
    if (rest[0] == '-') offset = -offset;
  } else if (rest.size() == 5 && (rest[0] == '+' || rest[0] == '-') && digits(rest.substr(1, 4))) {
    offset = hours(to_int(rest.substr(1, 2))) + minutes(to_int(rest.substr(3, 2)));
    if (rest[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  if (offset > hours(18) || offset < -hours(18)) return std::nullopt;
  const auto time =
      to_system_time(sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + fraction - offset);
  if (!time) return std::nullopt;
  return Timestamp{*time, format_rfc3339(*time, has_fraction)};
}

std::optional<Timestamp> from_epoch_seconds(double seconds) {
  // Year 0001 to 9999: what RFC 3339 can print.
  if (!std::isfinite(seconds) || seconds < -62135596800.0 || seconds > 253402300799.0) return std::nullopt;
  const double rounded_ms = std::round(seconds * 1000.0);
  const auto millis = std::chrono::milliseconds(static_cast<long long>(rounded_ms));
  const bool has_fraction = std::fmod(rounded_ms, 1000.0) != 0.0;
  const auto time = to_system_time(std::chrono::sys_time<std::chrono::milliseconds>(millis));
  if (!time) return std::nullopt;
  return Timestamp{*time, format_rfc3339(*time, has_fraction)};
}

std::optional<Timestamp> parse_timestamp(const boost::json::value& value) {
  if (value.is_int64()) return from_epoch_seconds(static_cast<double>(value.get_int64()));
  if (value.is_uint64()) return from_epoch_seconds(static_cast<double>(value.get_uint64()));
  if (value.is_double()) return from_epoch_seconds(value.get_double());
  if (value.is_string()) return parse_iso8601(value.get_string());
  return std::nullopt;
}

AssumeRoleResult parse_assume_role_response(std::string_view xml) {
  return parse_role_result(read_sts_result(xml, "AssumeRole"), "AssumeRole");
}

AssumeRoleResult parse_assume_role_with_web_identity_response(std::string_view xml) {
  constexpr std::string_view kOperation = "AssumeRoleWithWebIdentity";
  return parse_role_result(read_sts_result(xml, kOperation), kOperation);
}

CallerIdentity parse_get_caller_identity_response(std::string_view xml) {
  constexpr std::string_view kOperation = "GetCallerIdentity";
  const pt::ptree result = read_sts_result(xml, kOperation);
  return CallerIdentity{required(result, "Account", kOperation), required(result, "Arn", kOperation),
                        result.get("UserId", "")};
}

}  // namespace mw::aws::protocol
