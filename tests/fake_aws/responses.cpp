// Response and error shapes, per service, as AWS sends them: status,
// x-amzn-ErrorType, x-amzn-RequestId and the body each protocol uses.

#include <ctime>

#include "internal.hpp"

namespace mw::fake_aws::detail {

namespace json = boost::json;

namespace {

Reply with_body(unsigned status, std::string body, std::string content_type) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

struct ErrorShape {
  unsigned status;
  std::string code;
};

// Which code and status each service answers a kind of failure with.
ErrorShape shape_of(Service service, ErrorKind kind) {
  switch (service) {
    case Service::securityhub:
      switch (kind) {
        case ErrorKind::invalid_input:
          return {400, "InvalidInputException"};
        case ErrorKind::access_denied:
          return {403, "AccessDeniedException"};
        case ErrorKind::not_subscribed:
        case ErrorKind::not_administrator:
          return {401, "InvalidAccessException"};
        case ErrorKind::not_found:
          return {404, "ResourceNotFoundException"};
        case ErrorKind::throttled:
          return {429, "LimitExceededException"};  // the model's throttling error
        case ErrorKind::internal:
          return {500, "InternalException"};
        default:
          return {404, "UnknownOperationException"};
      }
    case Service::guardduty:
      switch (kind) {
        case ErrorKind::access_denied:
          return {403, "AccessDeniedException"};
        case ErrorKind::throttled:
          return {429, "TooManyRequestsException"};
        case ErrorKind::internal:
          return {500, "InternalServerErrorException"};
        case ErrorKind::unknown_operation:
          return {404, "UnknownOperationException"};
        default:
          return {400, "BadRequestException"};
      }
    case Service::detective:
      switch (kind) {
        case ErrorKind::access_denied:
        case ErrorKind::not_administrator:
          return {403, "AccessDeniedException"};
        case ErrorKind::not_found:
          return {404, "ResourceNotFoundException"};
        case ErrorKind::throttled:
          return {429, "TooManyRequestsException"};
        case ErrorKind::internal:
          return {500, "InternalServerException"};
        case ErrorKind::unknown_operation:
          return {404, "UnknownOperationException"};
        default:
          return {400, "ValidationException"};
      }
    case Service::inspector2:
    case Service::macie2:
      // Both answer AccessDenied whether the service is off in the region
      // or the caller is not the organization's administrator.
      switch (kind) {
        case ErrorKind::access_denied:
        case ErrorKind::not_subscribed:
        case ErrorKind::not_administrator:
          return {403, "AccessDeniedException"};
        case ErrorKind::not_found:
          return {404, "ResourceNotFoundException"};
        case ErrorKind::throttled:
          return {429, "ThrottlingException"};
        case ErrorKind::internal:
          return {500, "InternalServerException"};
        case ErrorKind::unknown_operation:
          return {404, "UnknownOperationException"};
        default:
          return {400, "ValidationException"};
      }
    case Service::organizations:
      switch (kind) {
        case ErrorKind::invalid_input:
          return {400, "InvalidInputException"};
        case ErrorKind::throttled:
          return {400, "TooManyRequestsException"};
        case ErrorKind::internal:
          return {500, "ServiceException"};
        case ErrorKind::unknown_operation:
          return {400, "UnknownOperationException"};
        case ErrorKind::organizations_not_in_use:
          return {400, "AWSOrganizationsNotInUseException"};
        default:
          return {400, "AccessDeniedException"};
      }
    case Service::account:
      switch (kind) {
        case ErrorKind::access_denied:
          return {403, "AccessDeniedException"};
        case ErrorKind::throttled:
          return {429, "TooManyRequestsException"};
        case ErrorKind::internal:
          return {500, "InternalServerException"};
        case ErrorKind::unknown_operation:
          return {404, "UnknownOperationException"};
        default:
          return {400, "ValidationException"};
      }
    case Service::sts:
      switch (kind) {
        case ErrorKind::invalid_input:
          return {400, "ValidationError"};
        case ErrorKind::throttled:
          return {400, "Throttling"};
        case ErrorKind::internal:
          return {500, "InternalFailure"};
        case ErrorKind::unknown_operation:
          return {400, "InvalidAction"};
        default:
          return {403, "AccessDenied"};
      }
  }
  return {500, "InternalFailure"};
}

// GuardDuty puts the specific exception in the body's __type under the
// BadRequestException umbrella.
std::string guardduty_type(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::internal:
      return "InternalException";
    case ErrorKind::access_denied:
      return "AccessDeniedException";
    case ErrorKind::throttled:
      return "TooManyRequestsException";
    default:
      return "InvalidInputException";
  }
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Reply rest_json_ok(const json::object& body) {
  return with_body(200, json::serialize(body), "application/json");
}

Reply json11_ok(const json::object& body) {
  return with_body(200, json::serialize(body), "application/x-amz-json-1.1");
}

Reply xml_ok(const std::string& body) {
  return with_body(200, body, "text/xml");
}

Reply plain_reply(unsigned status, std::string body, std::string content_type) {
  return with_body(status, std::move(body), std::move(content_type));
}

std::string sts_error_xml(std::string_view type, std::string_view code, std::string_view message,
                          std::string_view request_id) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>" +
         std::string(type) + "</Type>\n    <Code>" + xml_escape(code) + "</Code>\n    <Message>" +
         xml_escape(message) + "</Message>\n  </Error>\n  <RequestId>" + std::string(request_id) +
         "</RequestId>\n</ErrorResponse>\n";
}

Reply service_error(Service service, ErrorKind kind, std::string_view message, const Context& ctx,
                    json::object extra) {
  const auto shape = shape_of(service, kind);
  json::object body = std::move(extra);
  Reply r;
  switch (service) {
    case Service::securityhub:
      body["Code"] = shape.code;
      body["Message"] = message;
      r = with_body(shape.status, json::serialize(body), "application/json");
      r.headers.emplace_back("x-amzn-ErrorType", shape.code);
      break;
    case Service::guardduty:
      body["message"] = message;
      body["__type"] = guardduty_type(kind);
      r = with_body(shape.status, json::serialize(body), "application/json");
      r.headers.emplace_back("x-amzn-ErrorType", shape.code);
      break;
    case Service::detective:
      body["Message"] = message;
      r = with_body(shape.status, json::serialize(body), "application/json");
      // Detective's header carries a namespace suffix after ':', which
      // clients must strip.
      r.headers.emplace_back("x-amzn-ErrorType",
                             shape.code + ":http://internal.amazon.com/coral/com.amazonaws.detective/");
      break;
    case Service::organizations:
      body["__type"] = shape.code;
      body["Message"] = message;
      r = with_body(shape.status, json::serialize(body), "application/x-amz-json-1.1");
      break;
    case Service::inspector2:
      // Inspector's model requires a reason in every ValidationException.
      if (shape.code == "ValidationException" && !body.contains("reason")) body["reason"] = "OTHER";
      [[fallthrough]];
    case Service::macie2:
    case Service::account:
      // The models' error shapes: "message" (the Account and Inspector
      // ValidationExceptions add a reason and the fields), the code in
      // x-amzn-ErrorType.
      body["message"] = message;
      r = with_body(shape.status, json::serialize(body), "application/json");
      r.headers.emplace_back("x-amzn-ErrorType", shape.code);
      break;
    case Service::sts:
      r = with_body(
          shape.status,
          sts_error_xml(shape.status >= 500 ? "Receiver" : "Sender", shape.code, message, ctx.request_id),
          "text/xml");
      break;
  }
  return r;
}

Reply auth_error(Service service, AuthFailure failure, std::string_view message, const Context& ctx) {
  if (service == Service::sts) {
    static const std::map<AuthFailure, ErrorShape> sts = {
        {AuthFailure::unrecognized_client, {403, "InvalidClientTokenId"}},
        {AuthFailure::invalid_signature, {403, "SignatureDoesNotMatch"}},
        {AuthFailure::expired_token, {400, "ExpiredToken"}},
        {AuthFailure::incomplete_signature, {400, "IncompleteSignature"}},
        {AuthFailure::missing_token, {403, "MissingAuthenticationToken"}}};
    const auto& shape = sts.at(failure);
    return with_body(shape.status, sts_error_xml("Sender", shape.code, message, ctx.request_id), "text/xml");
  }
  static const std::map<AuthFailure, std::string> codes = {
      {AuthFailure::unrecognized_client, "UnrecognizedClientException"},
      {AuthFailure::invalid_signature, "InvalidSignatureException"},
      {AuthFailure::expired_token, "ExpiredTokenException"},
      {AuthFailure::incomplete_signature, "IncompleteSignatureException"},
      {AuthFailure::missing_token, "MissingAuthenticationTokenException"}};
  const auto& code = codes.at(failure);
  if (service == Service::organizations) {
    json::object body{{"__type", code}, {"message", message}};
    return with_body(400, json::serialize(body), "application/x-amz-json-1.1");
  }
  json::object body{{"message", message}};
  auto r = with_body(403, json::serialize(body), "application/json");
  r.headers.emplace_back("x-amzn-ErrorType", code);
  return r;
}

// --- time ---------------------------------------------------------------

std::string format_iso8601(TimePoint time, bool milliseconds) {
  const auto since = time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  const std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (milliseconds) {
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(millis));
    out += ms;
  }
  return out + "Z";
}

std::optional<TimePoint> parse_iso8601(std::string_view text) {
  std::tm tm{};
  int millis = 0;
  const std::string s(text);
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    if (rest.size() < 5 || std::sscanf(std::string(rest.substr(1, 3)).c_str(), "%3d", &millis) != 1)
      return std::nullopt;
    rest.remove_prefix(4);
  }
  if (rest != "Z") return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);
  return Clock::from_time_t(t) + std::chrono::milliseconds(millis);
}

std::string format_http_date(TimePoint time) {
  const std::time_t t = Clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace mw::fake_aws::detail
