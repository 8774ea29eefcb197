#include "aws/aws_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "aws/http_client.hpp"
#include "aws/sigv4.hpp"

namespace mw::aws {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

std::function<double()> default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

bool is_success(unsigned status) {
  return status >= 200 && status <= 299;
}

long long millis(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration_cast<milliseconds>(duration).count();
}

}  // namespace

struct AwsClient::Attempt {
  std::optional<HttpResponse> response;  // any HTTP answer
  AwsErrorInfo error;                    // set unless the answer was 2xx
  ErrorKind kind = ErrorKind::permanent;
  std::chrono::system_clock::time_point sent_at;
};

AwsClient::AwsClient(HttpClient& http, AwsClientOptions options)
    : http_(http),
      options_(std::move(options)),
      quota_(options_.retry.quota_capacity),
      rate_(options_.rate),
      concurrency_(options_.concurrency) {
  if (!options_.random) options_.random = default_random();
  if (!options_.now) options_.now = &std::chrono::system_clock::now;
}

asio::awaitable<HttpResponse> AwsClient::call(AwsCall call) {
  if (!call.endpoint.base_path.empty()) call.request.target = call.endpoint.base_path + call.request.target;
  if (!call.request.header("Host")) call.request.set_header("Host", call.endpoint.host_header());
  if (!call.request.header("User-Agent")) call.request.set_header("User-Agent", options_.user_agent);

  bool skew_corrected = false;
  int quota_held = 0;  // what the last retry took from the quota, refunded on success
  for (int number = 1;; ++number) {
    auto result = co_await attempt(call, number);
    if (!result.response || !is_success(result.response->status)) {
      auto delay = plan_retry(call, result, number, skew_corrected, quota_held);
      if (!delay) throw AwsError(std::move(result.error));
      if (delay->count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, *delay);
        co_await timer.async_wait(asio::use_awaitable);
      }
      continue;
    }
    quota_.release(quota_held > 0 ? quota_held : options_.retry.no_retry_increment);
    co_return std::move(*result.response);
  }
}

asio::awaitable<AwsClient::Attempt> AwsClient::attempt(const AwsCall& call, int number) {
  // Credentials first: fetching them may itself be an AWS call (AssumeRole)
  // that needs a slot. The rate wait holds no slot either.
  auto credentials = co_await call.credentials();
  if (!call.rate_key.empty()) co_await rate_.acquire(call.rate_key);
  auto permit = co_await concurrency_.acquire();

  Attempt result;
  HttpRequest request = call.request;
  result.sent_at = options_.now() + clock_offset_;
  sigv4::sign(request, credentials, call.region, call.service, result.sent_at);

  auto started = std::chrono::steady_clock::now();
  try {
    result.response = co_await http_.send(call.endpoint, std::move(request));
  } catch (const TransportError& failure) {
    result.error = {call.service, call.operation, 0, std::string(failure.code_name()), failure.what(), ""};
  }
  permit.release();
  auto latency = std::chrono::steady_clock::now() - started;

  if (result.response && is_success(result.response->status)) {
    stats_.record_attempt(call.service, call.operation, "OK", latency);
    if (!call.rate_key.empty()) rate_.on_success(call.rate_key);
    spdlog::debug("aws request service={} operation={} region={} attempt={} status={} latency_ms={}",
                  call.service, call.operation, call.region, number, result.response->status,
                  millis(latency));
    co_return result;
  }
  if (result.response)
    result.error = decode_error(call.protocol, call.service, call.operation, *result.response);
  result.kind = classify_error(result.error);
  stats_.record_attempt(call.service, call.operation, result.error.code, latency);
  if (result.kind == ErrorKind::throttling) {
    stats_.record_throttle(call.service);
    if (!call.rate_key.empty()) rate_.on_throttle(call.rate_key);
  } else if (result.response && !call.rate_key.empty()) {
    rate_.on_success(call.rate_key);  // any answer but a throttle lets the rate recover, as in the SDKs
  }
  spdlog::debug(
      "aws request failed service={} operation={} region={} attempt={} status={} code={} kind={} "
      "latency_ms={} "
      "request_id={}",
      call.service, call.operation, call.region, number, result.error.http_status, result.error.code,
      retry_reason_name(result.kind), millis(latency), result.error.request_id);
  co_return result;
}

std::optional<milliseconds> AwsClient::plan_retry(const AwsCall& call, const Attempt& attempt, int number,
                                                  bool& skew_corrected, int& quota_held) {
  const auto& error = attempt.error;
  if (attempt.kind == ErrorKind::clock_skew) {
    auto date = attempt.response ? attempt.response->header("Date") : std::nullopt;
    auto server_time = date ? parse_http_date(*date) : std::nullopt;
    if (skew_corrected || !server_time) return std::nullopt;
    skew_corrected = true;
    clock_offset_ = *server_time - options_.now();
    stats_.record_retry(call.service, retry_reason_name(attempt.kind));
    spdlog::warn("clock skew corrected service={} operation={} code={} offset_seconds={}", call.service,
                 call.operation, error.code,
                 std::chrono::duration_cast<std::chrono::seconds>(clock_offset_).count());
    return milliseconds(0);
  }
  if (attempt.kind == ErrorKind::permanent) return std::nullopt;
  if (number >= options_.retry.max_attempts) {
    spdlog::debug("giving up after max attempts service={} operation={} attempts={} code={}", call.service,
                  call.operation, number, error.code);
    return std::nullopt;
  }
  int cost = retry_cost(attempt.kind, options_.retry);
  if (!quota_.acquire(cost)) {
    spdlog::warn("retry quota exhausted, not retrying service={} operation={} code={} quota_left={}",
                 call.service, call.operation, error.code, quota_.available());
    return std::nullopt;
  }
  quota_held = cost;
  auto server_wait = attempt.response ? retry_after(*attempt.response, options_.now()) : std::nullopt;
  auto delay = retry_delay(number, options_.random(), server_wait, options_.retry);
  stats_.record_retry(call.service, retry_reason_name(attempt.kind));
  spdlog::debug("retrying service={} operation={} attempt={} reason={} code={} delay_ms={}", call.service,
                call.operation, number, retry_reason_name(attempt.kind), error.code, delay.count());
  return delay;
}

}  // namespace mw::aws
