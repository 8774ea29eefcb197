#pragma once

// The AWS SDKs' "standard" retry mode as pure functions over values:
// error classification, backoff with full jitter, Retry-After parsing and the
// retry quota. AwsClient drives them; nothing here sleeps or does I/O.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/aws_error.hpp"
#include "aws/http_types.hpp"

namespace mw::aws {

// Why a failed attempt may be retried. Also the `reason` label of
// retries_total (see retry_reason_name).
enum class ErrorKind {
  throttling,  // 429 and the SDKs' throttling codes
  transient,   // 5xx (but 501), RequestTimeout, connection errors, truncated bodies
  timeout,     // connect or request timeout: costs more retry quota
  clock_skew,  // the signature was rejected because our clock is off
  permanent,   // everything else: access denied, validation, not found, ...
};

std::string_view retry_reason_name(ErrorKind kind);  // "throttling", "transient", ...

bool is_throttling_code(std::string_view code);
bool is_clock_skew_error(const AwsErrorInfo& error);

// Transport failures carry http_status 0 and one of the transport codes of
// http_client.hpp (ConnectionError, ConnectTimeout, RequestTimeout, ...).
ErrorKind classify_error(const AwsErrorInfo& error);

struct RetryOptions {
  int max_attempts = 5;  // attempts in all, the first one included
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  int quota_capacity = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;  // refunded by a request that succeeds at once
};

// Full-jitter exponential backoff before retry number `retry` (1 = the first
// retry): random01 * min(base_delay * 2^(retry-1), max_backoff).
// random01 is in [0, 1).
std::chrono::milliseconds backoff_delay(int retry, double random01, const RetryOptions& options);

// The wait the server asked for: x-amz-retry-after (milliseconds) or
// Retry-After (delta-seconds or an HTTP-date relative to `now`).
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response,
                                                     std::chrono::system_clock::time_point now);

// The delay before a retry: the jittered backoff, raised to the server's
// Retry-After when it asked for longer (capped at max_backoff).
std::chrono::milliseconds retry_delay(int retry, double random01,
                                      std::optional<std::chrono::milliseconds> server_wait,
                                      const RetryOptions& options);

// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), plus the obsolete
// RFC 850 and asctime forms; nullopt when it is none of them.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// The shared retry budget of standard mode: retries spend tokens, successes
// give them back, so a failing endpoint stops being hammered.
class RetryQuota {
 public:
  explicit RetryQuota(int capacity = 500) : capacity_(capacity), available_(capacity) {}

  // Takes `cost` tokens when that many are left.
  bool acquire(int cost);
  void release(int amount);
  int available() const { return available_; }
  int capacity() const { return capacity_; }

 private:
  int capacity_;
  int available_;
};

int retry_cost(ErrorKind kind, const RetryOptions& options);

}  // namespace mw::aws
