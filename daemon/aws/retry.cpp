#include "aws/retry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "common/strings.hpp"

namespace mw::aws {
namespace {

using std::chrono::milliseconds;

constexpr std::array<std::string_view, 15> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "TooManyRequests",
};

constexpr std::array<std::string_view, 3> kTransientCodes = {"RequestTimeout", "RequestTimeoutException",
                                                             "TruncatedResponse"};

// Transport failures that mean "no usable answer, try again".
constexpr std::array<std::string_view, 2> kTransportTransientCodes = {"ConnectionError", "TruncatedResponse"};
constexpr std::array<std::string_view, 2> kTransportTimeoutCodes = {"ConnectTimeout", "RequestTimeout"};

// Codes that always mean the request's timestamp was outside the window.
constexpr std::array<std::string_view, 3> kClockSkewCodes = {"RequestTimeTooSkewed", "RequestExpired",
                                                             "RequestInTheFuture"};
// Codes that mean clock skew only when the message says so; otherwise they
// are real signature or authentication failures.
constexpr std::array<std::string_view, 3> kAmbiguousSkewCodes = {"InvalidSignatureException",
                                                                 "SignatureDoesNotMatch", "AuthFailure"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::optional<long long> parse_non_negative(std::string_view text) {
  text = trim(text);
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<int> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::chrono::system_clock::time_point> make_time(int year, int month, int day,
                                                               std::string_view hms) {
  auto parts = split(hms, ':');
  if (parts.size() != 3) return std::nullopt;
  auto hour = parse_int(parts[0]), minute = parse_int(parts[1]), second = parse_int(parts[2]);
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> result;
  for (auto word : split(text, ' ')) {
    if (!word.empty()) result.push_back(word);
  }
  return result;
}

}  // namespace

std::string_view retry_reason_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::throttling:
      return "throttling";
    case ErrorKind::transient:
      return "transient";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::clock_skew:
      return "clock_skew";
    case ErrorKind::permanent:
      return "permanent";
  }
  return "permanent";
}

bool is_throttling_code(std::string_view code) {
  return contains(kThrottlingCodes, code);
}

bool is_clock_skew_error(const AwsErrorInfo& error) {
  if (contains(kClockSkewCodes, error.code)) return true;
  if (!contains(kAmbiguousSkewCodes, error.code)) return false;
  auto message = to_lower(error.message);
  return message.find("signature expired") != std::string::npos ||
         message.find("signature not yet current") != std::string::npos;
}

ErrorKind classify_error(const AwsErrorInfo& error) {
  if (error.http_status == 0) {
    if (contains(kTransportTimeoutCodes, error.code)) return ErrorKind::timeout;
    if (contains(kTransportTransientCodes, error.code)) return ErrorKind::transient;
    return ErrorKind::permanent;  // TLS verification failures, oversized bodies, bad URLs
  }
  if (error.http_status == 429 || is_throttling_code(error.code)) return ErrorKind::throttling;
  if (is_clock_skew_error(error)) return ErrorKind::clock_skew;
  if (contains(kTransientCodes, error.code)) return ErrorKind::transient;
  // HTTP 501 (the server lacks the feature) will not change on a retry; the other 5xx may.
  if (error.http_status >= 500 && error.http_status <= 599 && error.http_status != 501)
    return ErrorKind::transient;
  return ErrorKind::permanent;
}

milliseconds backoff_delay(int retry, double random01, const RetryOptions& options) {
  random01 = std::clamp(random01, 0.0, 1.0);
  double ceiling = static_cast<double>(options.max_backoff.count());
  double exponential =
      static_cast<double>(options.base_delay.count()) * std::pow(2.0, std::max(retry, 1) - 1);
  return milliseconds(static_cast<long long>(random01 * std::min(exponential, ceiling)));
}

std::optional<milliseconds> retry_after(const HttpResponse& response,
                                        std::chrono::system_clock::time_point now) {
  if (auto amz = response.header("x-amz-retry-after")) {
    if (auto ms = parse_non_negative(*amz)) return milliseconds(*ms);
  }
  auto header = response.header("Retry-After");
  if (!header) return std::nullopt;
  if (auto seconds = parse_non_negative(*header)) {
    // A bound that keeps the multiplication from overflowing; the caller caps anyway.
    return milliseconds(std::min<long long>(*seconds, 86400) * 1000);
  }
  if (auto date = parse_http_date(*header)) {
    auto wait = std::chrono::duration_cast<milliseconds>(*date - now);
    return std::max(wait, milliseconds(0));
  }
  return std::nullopt;
}

milliseconds retry_delay(int retry, double random01, std::optional<milliseconds> server_wait,
                         const RetryOptions& options) {
  auto delay = backoff_delay(retry, random01, options);
  if (server_wait) delay = std::max(delay, std::min(*server_wait, options.max_backoff));
  return delay;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  auto parts = words(trim(text));
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (parts.size() == 6 && parts[0].size() == 4 && parts[0].back() == ',' && parts[5] == "GMT") {
    auto day = parse_int(parts[1]), year = parse_int(parts[3]);
    auto month = month_number(parts[2]);
    if (!day || !year || !month) return std::nullopt;
    return make_time(*year, *month, *day, parts[4]);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (parts.size() == 4 && parts[0].back() == ',' && parts[3] == "GMT") {
    auto date = split(parts[1], '-');
    if (date.size() != 3) return std::nullopt;
    auto day = parse_int(date[0]), year = parse_int(date[2]);
    auto month = month_number(date[1]);
    if (!day || !year || !month || date[2].size() != 2) return std::nullopt;
    // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
    int full_year = *year + (*year < 70 ? 2000 : 1900);
    return make_time(full_year, *month, *day, parts[2]);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (parts.size() == 5) {
    auto month = month_number(parts[1]);
    auto day = parse_int(parts[2]), year = parse_int(parts[4]);
    if (!day || !year || !month) return std::nullopt;
    return make_time(*year, *month, *day, parts[3]);
  }
  return std::nullopt;
}

bool RetryQuota::acquire(int cost) {
  if (cost > available_) return false;
  available_ -= cost;
  return true;
}

void RetryQuota::release(int amount) {
  available_ = std::min(capacity_, available_ + std::max(amount, 0));
}

int retry_cost(ErrorKind kind, const RetryOptions& options) {
  return kind == ErrorKind::timeout ? options.timeout_retry_cost : options.retry_cost;
}

}  // namespace mw::aws
