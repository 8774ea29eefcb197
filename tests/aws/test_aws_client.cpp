#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

#include "aws/aws_client.hpp"
#include "aws/http_client.hpp"
#include "aws/sigv4.hpp"
#include "support/test_files.hpp"
#include "support/test_http_server.hpp"
#include "support/test_tls.hpp"

using namespace mw::aws;
using namespace mw::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

ScriptedReply json_reply(unsigned status, std::string body, TestHeaders extra = {}) {
  ScriptedReply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = {{"Content-Type", "application/json"},
                   {"x-amzn-RequestId", "req-" + std::to_string(status)}};
  for (auto& header : extra) reply.headers.push_back(std::move(header));
  return reply;
}

ScriptedReply aws_error(unsigned status, const std::string& code, const std::string& message = "no",
                        TestHeaders extra = {}) {
  extra.emplace_back("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/");
  return json_reply(status, R"({"message":")" + message + R"("})", std::move(extra));
}

std::string http_date(std::chrono::system_clock::time_point time) {
  auto seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return text;
}

struct Harness {
  asio::io_context io;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<AwsClient> client;
  std::atomic<int> credential_fetches{0};

  explicit Harness(AwsClientOptions options = fast_options(), HttpClientOptions http_options = {}) {
    http = std::make_unique<HttpClient>(io.get_executor(), http_options);
    client = std::make_unique<AwsClient>(*http, std::move(options));
  }

  static AwsClientOptions fast_options() {
    AwsClientOptions options;
    options.retry.base_delay = 10ms;
    options.retry.max_backoff = 200ms;
    options.random = [] { return 1.0; };  // the full backoff, so waits are measurable
    options.rate.max_rate = 1000;
    return options;
  }

  AwsCall call_to(const std::string& url) {
    AwsCall call;
    call.service = "securityhub";
    call.operation = "ListMembers";
    call.protocol = Protocol::rest_json;
    call.region = "us-east-1";
    call.endpoint = *parse_endpoint_url(url);
    call.request.method = "GET";
    call.request.target = "/members?OnlyAssociated=false";
    call.credentials = [this]() -> asio::awaitable<Credentials> {
      int fetch = ++credential_fetches;
      Credentials credentials;
      credentials.access_key_id = "AKIDEXAMPLE" + std::to_string(fetch);
      credentials.secret_access_key = SecretString(kSecret);
      co_return credentials;
    };
    call.rate_key = "111111111111/securityhub/us-east-1";
    return call;
  }

  HttpResponse run(AwsCall call) {
    auto future = asio::co_spawn(io, client->call(std::move(call)), asio::use_future);
    io.restart();
    io.run();
    return future.get();
  }

  AwsErrorInfo run_failing(AwsCall call) {
    try {
      run(std::move(call));
    } catch (const AwsError& error) {
      return error.info();
    }
    FAIL("the call did not fail");
    return {};
  }
};

std::uint64_t count(const RequestStats& stats, const std::string& code) {
  auto found = stats.requests().find({"securityhub", "ListMembers", code});
  return found == stats.requests().end() ? 0 : found->second;
}

std::uint64_t retries(const RequestStats& stats, const std::string& reason) {
  auto found = stats.retries().find({"securityhub", reason});
  return found == stats.retries().end() ? 0 : found->second;
}

}  // namespace

TEST_CASE("a successful call is signed with SigV4 and counted") {
  TestHttpServer server([](const ReceivedRequest&) { return json_reply(200, R"({"Members":[]})"); });
  Harness harness;
  auto call = harness.call_to(server.url());
  auto response = harness.run(call);
  CHECK(response.status == 200);
  CHECK(response.body == R"({"Members":[]})");

  auto received = server.requests().at(0);
  auto authorization = received.header("Authorization");
  REQUIRE(authorization.has_value());
  auto parsed = sigv4::parse_authorization(*authorization);
  REQUIRE(parsed.value.has_value());
  CHECK(parsed.value->access_key_id == "AKIDEXAMPLE1");
  CHECK(parsed.value->scope.region == "us-east-1");
  CHECK(parsed.value->scope.service == "securityhub");
  // What reached the server verifies against the secret: the signature covers the request as sent.
  HttpRequest as_received{received.method, received.target, received.headers, received.body};
  auto verification = sigv4::verify(as_received, *parsed.value, SecretString(kSecret));
  CHECK_MESSAGE(verification.valid, verification.reason);
  CHECK(received.header("User-Agent") == "memberwatch");

  const auto& stats = harness.client->stats();
  CHECK(count(stats, "OK") == 1);
  CHECK(stats.total_retries() == 0);
  CHECK(stats.latencies().at({"securityhub", "ListMembers"}).count() == 1);
  CHECK(harness.client->retry_quota().available() == 500);
}

TEST_CASE("the endpoint's base path is prepended to the target") {
  TestHttpServer server([](const ReceivedRequest&) { return json_reply(200, "{}"); });
  Harness harness;
  harness.run(harness.call_to(server.url() + "/prefix"));
  CHECK(server.requests().at(0).target == "/prefix/members?OnlyAssociated=false");
}

TEST_CASE("429 then 200: retried after a backoff, with fresh credentials and signature, rate lowered") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    return ++seen == 1 ? aws_error(429, "TooManyRequestsException", "Rate exceeded") : json_reply(200, "{}");
  });
  Harness harness;
  auto started = std::chrono::steady_clock::now();
  CHECK(harness.run(harness.call_to(server.url())).status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= 10ms);  // base_delay x random 1.0 before the retry

  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(harness.credential_fetches == 2);
  CHECK(requests[0].header("Authorization")->find("AKIDEXAMPLE1/") != std::string::npos);
  CHECK(requests[1].header("Authorization")->find("AKIDEXAMPLE2/") != std::string::npos);

  const auto& stats = harness.client->stats();
  CHECK(count(stats, "TooManyRequestsException") == 1);
  CHECK(count(stats, "OK") == 1);
  CHECK(retries(stats, "throttling") == 1);
  CHECK(stats.throttles().at("securityhub") == 1);
  CHECK(harness.client->rate_limiter().rate("111111111111/securityhub/us-east-1") < 1000);
  CHECK(harness.client->retry_quota().available() == 500);  // the retry's 5 tokens came back on success
}

TEST_CASE("403 AccessDenied is not retried and surfaces as AwsError") {
  TestHttpServer server([](const ReceivedRequest&) {
    return aws_error(403, "AccessDeniedException",
                     "User is not authorized to perform securityhub:ListMembers");
  });
  Harness harness;
  auto error = harness.run_failing(harness.call_to(server.url()));
  CHECK(error.http_status == 403);
  CHECK(error.code == "AccessDeniedException");
  CHECK(error.service == "securityhub");
  CHECK(error.operation == "ListMembers");
  CHECK(error.message.find("not authorized") != std::string::npos);
  CHECK(server.request_count() == 1);
  CHECK(harness.client->stats().total_retries() == 0);
}

TEST_CASE("a persistent 500 is tried max_attempts times") {
  TestHttpServer server([](const ReceivedRequest&) { return aws_error(500, "InternalServerException"); });
  auto options = Harness::fast_options();
  options.retry.max_attempts = 3;
  Harness harness(options);
  auto error = harness.run_failing(harness.call_to(server.url()));
  CHECK(error.code == "InternalServerException");
  CHECK(server.request_count() == 3);
  CHECK(retries(harness.client->stats(), "transient") == 2);
  CHECK(harness.client->retry_quota().available() == 490);
}

TEST_CASE("the retry quota runs out and then calls fail without retrying, until successes refill it") {
  std::atomic<bool> healthy{false};
  TestHttpServer server([&](const ReceivedRequest&) {
    return healthy ? json_reply(200, "{}") : aws_error(503, "ServiceUnavailableException");
  });
  auto options = Harness::fast_options();
  options.retry.max_attempts = 10;
  options.retry.quota_capacity = 12;
  Harness harness(options);
  harness.run_failing(harness.call_to(server.url()));
  CHECK(server.request_count() == 3);  // two retries of 5 tokens, then 2 tokens are not enough
  CHECK(harness.client->retry_quota().available() == 2);

  harness.run_failing(harness.call_to(server.url()));
  CHECK(server.request_count() == 4);  // no retry at all

  healthy = true;
  for (int i = 0; i < 3; ++i) harness.run(harness.call_to(server.url()));
  CHECK(harness.client->retry_quota().available() == 5);  // 1 token back per success
}

TEST_CASE("a truncated body is retried") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    auto reply = json_reply(200, R"({"Members":[{"AccountId":"222222222222"}]})");
    if (++seen == 1) reply.truncate_body_at = 10;
    return reply;
  });
  Harness harness;
  CHECK(harness.run(harness.call_to(server.url())).body == R"({"Members":[{"AccountId":"222222222222"}]})");
  CHECK(server.request_count() == 2);
  CHECK(count(harness.client->stats(), "TruncatedResponse") == 1);
  CHECK(retries(harness.client->stats(), "transient") == 1);
}

TEST_CASE("an oversized body is a clear error, not retried") {
  TestHttpServer server([](const ReceivedRequest&) { return json_reply(200, std::string(3000, ' ')); });
  HttpClientOptions http_options;
  http_options.max_response_body = 1000;
  Harness harness(Harness::fast_options(), http_options);
  auto error = harness.run_failing(harness.call_to(server.url()));
  CHECK(error.http_status == 0);
  CHECK(error.code == "ResponseTooLarge");
  CHECK(error.message.find("1000 bytes") != std::string::npos);
  CHECK(server.request_count() == 1);
}

TEST_CASE("a timeout is retried at the timeout cost, refunded on success") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    auto reply = json_reply(200, "{}");
    if (++seen == 1) reply.delay = 2s;
    return reply;
  });
  HttpClientOptions http_options;
  http_options.request_timeout = 150ms;
  Harness harness(Harness::fast_options(), http_options);
  CHECK(harness.run(harness.call_to(server.url())).status == 200);
  CHECK(count(harness.client->stats(), "RequestTimeout") == 1);
  CHECK(retries(harness.client->stats(), "timeout") == 1);
  CHECK(harness.client->retry_quota().available() == 500);
}

TEST_CASE("Retry-After from the server is honoured") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    return ++seen == 1 ? aws_error(429, "ThrottlingException", "slow down", {{"x-amz-retry-after", "180"}})
                       : json_reply(200, "{}");
  });
  auto options = Harness::fast_options();
  options.random = [] { return 0.0; };  // no backoff of our own
  Harness harness(options);
  auto started = std::chrono::steady_clock::now();
  harness.run(harness.call_to(server.url()));
  CHECK(std::chrono::steady_clock::now() - started >= 180ms);
  CHECK(server.request_count() == 2);
}

TEST_CASE("clock skew: the signing clock is corrected from the Date header and the call retried once") {
  // The server insists on its own clock, within 5 minutes.
  TestHttpServer server([](const ReceivedRequest& request) {
    auto now = std::chrono::system_clock::now();
    auto signed_at = sigv4::parse_amz_date(request.header("X-Amz-Date").value_or(""));
    if (!signed_at || *signed_at < now - 5min || *signed_at > now + 5min) {
      return aws_error(403, "InvalidSignatureException",
                       "Signature expired: 20240101T000000Z is now earlier than 20240101T010000Z",
                       {{"Date", http_date(now)}});
    }
    return json_reply(200, "{}");
  });
  auto options = Harness::fast_options();
  options.now = [] { return std::chrono::system_clock::now() - 1h; };  // our clock is an hour slow
  Harness harness(options);
  CHECK(harness.run(harness.call_to(server.url())).status == 200);
  CHECK(server.request_count() == 2);
  auto offset = std::chrono::duration_cast<std::chrono::seconds>(harness.client->clock_offset());
  CHECK(offset >= 3595s);
  CHECK(offset <= 3605s);
  CHECK(retries(harness.client->stats(), "clock_skew") == 1);

  // Later calls sign with the corrected clock straight away.
  harness.run(harness.call_to(server.url()));
  CHECK(server.request_count() == 3);
}

TEST_CASE("clock skew that a retry does not fix is reported after one retry") {
  TestHttpServer server([](const ReceivedRequest&) {
    return aws_error(403, "RequestTimeTooSkewed", "too skewed",
                     {{"Date", http_date(std::chrono::system_clock::now())}});
  });
  Harness harness;
  auto error = harness.run_failing(harness.call_to(server.url()));
  CHECK(error.code == "RequestTimeTooSkewed");
  CHECK(server.request_count() == 2);
}

TEST_CASE("the concurrency limit bounds the requests in flight") {
  std::atomic<int> in_flight{0}, peak{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    auto reply = json_reply(200, "{}");
    reply.delay = 60ms;
    return reply;
  });
  auto options = Harness::fast_options();
  options.concurrency = 2;
  Harness harness(options);
  std::vector<std::future<HttpResponse>> results;
  for (int i = 0; i < 6; ++i) {
    results.push_back(
        asio::co_spawn(harness.io, harness.client->call(harness.call_to(server.url())), asio::use_future));
  }
  auto started = std::chrono::steady_clock::now();
  while (harness.io.run_one()) {
    peak = std::max<int>(peak, static_cast<int>(harness.client->concurrency().in_flight()));
  }
  for (auto& result : results) CHECK(result.get().status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= 170ms);  // three rounds of 60 ms
  CHECK(peak == 2);
  CHECK(server.connections() == 2);  // two slots, two connections, reused
  (void)in_flight;
}

TEST_CASE("the rate limiter paces a key's requests") {
  TestHttpServer server([](const ReceivedRequest&) { return json_reply(200, "{}"); });
  auto options = Harness::fast_options();
  options.rate.max_rate = 20;
  Harness harness(options);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 24; ++i) harness.run(harness.call_to(server.url()));
  CHECK(std::chrono::steady_clock::now() - started >= 190ms);  // 20 from the full bucket, 4 at 50 ms
}

TEST_CASE("HTTPS failures of verification are not retried") {
  TestCertificateAuthority authority;
  CertificateRequest request;
  request.dns_names = {"elsewhere.example"};
  TestHttpServer server([](const ReceivedRequest&) { return json_reply(200, "{}"); },
                        authority.issue(request));
  mw::test::TempFolder directory;
  authority.write_certificate(directory.path() / "ca.pem");
  HttpClientOptions http_options;
  http_options.ca_bundle = (directory.path() / "ca.pem").string();
  Harness harness(Harness::fast_options(), http_options);
  auto error = harness.run_failing(harness.call_to(server.url()));
  CHECK(error.code == "TlsError");
  CHECK(error.http_status == 0);
  CHECK(server.connections() == 1);
}

TEST_CASE("a dropped connection is retried as a transient error") {
  std::atomic<int> seen{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    ScriptedReply reply = json_reply(200, "{}");
    reply.drop = ++seen == 1;
    return reply;
  });
  Harness harness;
  CHECK(harness.run(harness.call_to(server.url())).status == 200);
  CHECK(count(harness.client->stats(), "ConnectionError") == 1);
  CHECK(retries(harness.client->stats(), "transient") == 1);
}

TEST_CASE("request counters: latency histogram buckets are cumulative") {
  RequestStats stats;
  stats.record_attempt("guardduty", "ListMembers", "OK", 3ms);
  stats.record_attempt("guardduty", "ListMembers", "OK", 70ms);
  stats.record_attempt("guardduty", "ListMembers", "ThrottlingException", 45s);
  stats.record_retry("guardduty", "throttling");
  stats.record_throttle("guardduty");
  const auto& histogram = stats.latencies().at({"guardduty", "ListMembers"});
  CHECK(histogram.count() == 3);
  CHECK(histogram.counts()[0] == 1);   // <= 5 ms
  CHECK(histogram.counts()[4] == 2);   // <= 100 ms
  CHECK(histogram.counts()[11] == 2);  // <= 30 s: the 45 s one only in +Inf
  CHECK(histogram.sum_seconds() == doctest::Approx(45.073));
  CHECK(stats.requests().at({"guardduty", "ListMembers", "OK"}) == 2);
  CHECK(stats.requests().at({"guardduty", "ListMembers", "ThrottlingException"}) == 1);
  CHECK(stats.total_requests() == 3);
  CHECK(stats.retries().at({"guardduty", "throttling"}) == 1);
  CHECK(stats.total_throttles() == 1);
}
