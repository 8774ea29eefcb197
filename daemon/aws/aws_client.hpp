#pragma once

// One AWS API call end to end: rate limit and concurrency slot, fresh
// credentials and SigV4 signature for every attempt, send, decode errors,
// retry per the SDKs' standard mode (with one clock-skew correction), and
// count everything in RequestStats. Used from one io_context thread.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "aws/aws_credentials.hpp"
#include "aws/aws_error.hpp"
#include "aws/http_types.hpp"
#include "aws/rate_limiter.hpp"
#include "aws/request_stats.hpp"
#include "aws/retry.hpp"

namespace mw::aws {

class HttpClient;

using CredentialsGetter = std::function<boost::asio::awaitable<Credentials>()>;

struct AwsCall {
  std::string service;    // the signing name: securityhub, guardduty, detective, sts, organizations
  std::string operation;  // ListMembers, AssumeRole, ... (stats, logs, errors)
  Protocol protocol = Protocol::rest_json;
  std::string region;  // the signing region
  Endpoint endpoint;
  // Unsigned. Its target is relative to the endpoint: endpoint.base_path is
  // prepended. Host and User-Agent are added when missing.
  HttpRequest request;
  CredentialsGetter credentials;  // called before every attempt, so refreshed credentials are used
  std::string rate_key;           // the rate limiter's bucket ("" = no per-key limit)
};

struct AwsClientOptions {
  RetryOptions retry;            // max_attempts = aws.max_attempts
  AdaptiveRateOptions rate;      // max_rate = aws.requests_per_second
  std::size_t concurrency = 32;  // requests in flight, every key together
  std::string user_agent = "memberwatch";
  // Seams for tests: jitter in [0, 1) and the wall clock used for signing.
  std::function<double()> random;
  std::function<std::chrono::system_clock::time_point()> now;
};

class AwsClient {
 public:
  // `http` must outlive the client.
  AwsClient(HttpClient& http, AwsClientOptions options);

  // The 2xx response, or throws AwsError: at once for errors that are not
  // retried, else after max_attempts or when the retry quota ran out.
  // Transport failures become AwsError with http_status 0 and the transport
  // code (ConnectionError, ConnectTimeout, RequestTimeout, TlsError, ...).
  // Exceptions from the credentials getter pass through unchanged.
  boost::asio::awaitable<HttpResponse> call(AwsCall call);

  RequestStats& stats() { return stats_; }
  const RequestStats& stats() const { return stats_; }
  const RetryQuota& retry_quota() const { return quota_; }
  RateLimiter& rate_limiter() { return rate_; }
  ConcurrencyLimiter& concurrency() { return concurrency_; }
  // What the signer adds to the local clock, learned from a server's Date
  // header after a clock-skew error.
  std::chrono::system_clock::duration clock_offset() const { return clock_offset_; }

 private:
  struct Attempt;
  boost::asio::awaitable<Attempt> attempt(const AwsCall& call, int number);
  // The delay before the next try, or nullopt when `error` ends the call.
  std::optional<std::chrono::milliseconds> plan_retry(const AwsCall& call, const Attempt& attempt, int number,
                                                      bool& skew_corrected, int& quota_held);

  HttpClient& http_;
  AwsClientOptions options_;
  RetryQuota quota_;
  RateLimiter rate_;
  ConcurrencyLimiter concurrency_;
  RequestStats stats_;
  std::chrono::system_clock::duration clock_offset_{0};
};

}  // namespace mw::aws
