#include <doctest/doctest.h>

#include "aws/retry.hpp"

using namespace mw::aws;
using namespace std::chrono_literals;

namespace {

AwsErrorInfo error_with(unsigned status, std::string code, std::string message = "") {
  return AwsErrorInfo{"securityhub", "ListMembers", status, std::move(code), std::move(message), ""};
}

HttpResponse response_with(std::string name, std::string value) {
  HttpResponse response;
  response.status = 429;
  response.headers.emplace_back(std::move(name), std::move(value));
  return response;
}

std::chrono::system_clock::time_point utc(int year, unsigned month, unsigned day, int hour, int minute,
                                          int second) {
  return std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second);
}

}  // namespace

TEST_CASE("every throttling code of the SDKs and HTTP 429 classify as throttling") {
  for (const char* code :
       {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException"}) {
    CAPTURE(code);
    CHECK(is_throttling_code(code));
    CHECK(classify_error(error_with(400, code)) == ErrorKind::throttling);
  }
  CHECK(classify_error(error_with(429, "")) == ErrorKind::throttling);
  CHECK(classify_error(error_with(429, "SomethingNew")) == ErrorKind::throttling);
  CHECK_FALSE(is_throttling_code("AccessDeniedException"));
  CHECK_FALSE(is_throttling_code("throttlingexception"));  // codes are case-sensitive
}

TEST_CASE("5xx answers and RequestTimeout codes are transient, 501 is not") {
  for (unsigned status : {500u, 502u, 503u, 504u, 507u}) {
    CAPTURE(status);
    CHECK(classify_error(error_with(status, "InternalServerError")) == ErrorKind::transient);
  }
  CHECK(classify_error(error_with(501, "NotImplemented")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(400, "RequestTimeout")) == ErrorKind::transient);
  CHECK(classify_error(error_with(408, "RequestTimeoutException")) == ErrorKind::transient);
}

TEST_CASE("transport failures: resets and truncation are transient, timeouts are timeouts, TLS is final") {
  CHECK(classify_error(error_with(0, "ConnectionError")) == ErrorKind::transient);
  CHECK(classify_error(error_with(0, "TruncatedResponse")) == ErrorKind::transient);
  CHECK(classify_error(error_with(0, "ConnectTimeout")) == ErrorKind::timeout);
  CHECK(classify_error(error_with(0, "RequestTimeout")) == ErrorKind::timeout);
  CHECK(classify_error(error_with(0, "TlsError")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(0, "ResponseTooLarge")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(0, "InvalidRequest")) == ErrorKind::permanent);
}

TEST_CASE("access denied, validation and not found are not retried") {
  CHECK(classify_error(error_with(403, "AccessDeniedException")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(400, "ValidationException")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(400, "InvalidInputException")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(404, "ResourceNotFoundException")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(403, "UnrecognizedClientException")) == ErrorKind::permanent);
}

TEST_CASE("clock skew errors, and signature errors only when they say the signature expired") {
  CHECK(classify_error(error_with(403, "RequestTimeTooSkewed")) == ErrorKind::clock_skew);
  CHECK(classify_error(error_with(400, "RequestExpired")) == ErrorKind::clock_skew);
  CHECK(classify_error(
            error_with(403, "InvalidSignatureException",
                       "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z")) ==
        ErrorKind::clock_skew);
  CHECK(classify_error(error_with(403, "InvalidSignatureException",
                                  "The request signature we calculated does "
                                  "not match the signature you provided.")) == ErrorKind::permanent);
  CHECK(classify_error(error_with(403, "SignatureDoesNotMatch", "Signature not yet current: ...")) ==
        ErrorKind::clock_skew);
}

TEST_CASE("reason names are the retries_total labels") {
  CHECK(retry_reason_name(ErrorKind::throttling) == "throttling");
  CHECK(retry_reason_name(ErrorKind::transient) == "transient");
  CHECK(retry_reason_name(ErrorKind::timeout) == "timeout");
  CHECK(retry_reason_name(ErrorKind::clock_skew) == "clock_skew");
}

TEST_CASE("backoff is full jitter over base x 2^(retry-1), capped at 20 s") {
  RetryOptions options;
  CHECK(backoff_delay(1, 0.0, options) == 0ms);
  CHECK(backoff_delay(1, 0.5, options) == 500ms);
  CHECK(backoff_delay(2, 0.5, options) == 1000ms);
  CHECK(backoff_delay(3, 0.999, options) == 3996ms);
  CHECK(backoff_delay(5, 1.0, options) == 16000ms);
  CHECK(backoff_delay(6, 1.0, options) == 20000ms);
  CHECK(backoff_delay(40, 0.5, options) == 10000ms);  // no overflow far out
  options.base_delay = 10ms;
  CHECK(backoff_delay(3, 1.0, options) == 40ms);
  options.max_backoff = 25ms;
  CHECK(backoff_delay(3, 1.0, options) == 25ms);
}

TEST_CASE("Retry-After: seconds, HTTP-date and x-amz-retry-after milliseconds") {
  auto now = utc(2024, 3, 1, 12, 0, 0);
  CHECK(retry_after(response_with("Retry-After", "3"), now) == 3000ms);
  CHECK(retry_after(response_with("retry-after", " 0 "), now) == 0ms);
  CHECK(retry_after(response_with("Retry-After", "Fri, 01 Mar 2024 12:00:07 GMT"), now) == 7000ms);
  CHECK(retry_after(response_with("Retry-After", "Fri, 01 Mar 2024 11:00:00 GMT"), now) == 0ms);
  CHECK(retry_after(response_with("x-amz-retry-after", "1500"), now) == 1500ms);
  CHECK_FALSE(retry_after(response_with("Retry-After", "soon"), now).has_value());
  CHECK_FALSE(retry_after(response_with("Retry-After", "-5"), now).has_value());
  CHECK_FALSE(retry_after(HttpResponse{}, now).has_value());
}

TEST_CASE("the retry delay honours a longer Retry-After up to the cap") {
  RetryOptions options;
  CHECK(retry_delay(1, 0.5, std::nullopt, options) == 500ms);
  CHECK(retry_delay(1, 0.5, 3000ms, options) == 3000ms);
  CHECK(retry_delay(3, 0.5, 100ms, options) == 2000ms);
  CHECK(retry_delay(1, 0.5, 90000ms, options) == 20000ms);
}

TEST_CASE("HTTP dates in the three forms of RFC 9110") {
  auto expected = utc(1994, 11, 6, 8, 49, 37);
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == expected);
  CHECK_FALSE(parse_http_date("").has_value());
  CHECK_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT").has_value());
  CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT").has_value());
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT").has_value());
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET").has_value());
  CHECK_FALSE(parse_http_date("20240101T000000Z").has_value());
}

TEST_CASE("the retry quota: 500 tokens, 5 a retry, 10 a timeout, refunds capped at the capacity") {
  RetryOptions options;
  RetryQuota quota(options.quota_capacity);
  CHECK(retry_cost(ErrorKind::throttling, options) == 5);
  CHECK(retry_cost(ErrorKind::transient, options) == 5);
  CHECK(retry_cost(ErrorKind::timeout, options) == 10);
  int granted = 0;
  while (quota.acquire(retry_cost(ErrorKind::transient, options))) ++granted;
  CHECK(granted == 100);
  CHECK(quota.available() == 0);
  quota.release(5);
  CHECK_FALSE(quota.acquire(10));
  CHECK(quota.acquire(5));
  quota.release(1000);
  CHECK(quota.available() == 500);
  quota.release(1);
  CHECK(quota.available() == 500);
}
