// The rate limiter's burst, which the benchmark showed the poller needs: a
// quiet key spends AdaptiveRateOptions::burst tokens at once, then is paced
// at the rate, and never gets ahead of a server bucket of one token more.

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "aws/rate_limiter.hpp"

using namespace mw::aws;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

AdaptiveRateOptions options(double rate, double burst) {
  AdaptiveRateOptions o;
  o.max_rate = rate;
  o.burst = burst;
  return o;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

TEST_CASE("a bucket with a burst lets that many requests through at once, then paces at the rate") {
  const auto start = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options(10, 29), start);
  for (int i = 0; i < 29; ++i) CHECK(bucket.reserve(start) == Clock::duration::zero());
  CHECK(seconds(bucket.reserve(start)) == doctest::Approx(0.1));
  // After a long pause the bucket holds the burst again, not more.
  const auto later = start + 60s;
  for (int i = 0; i < 29; ++i) CHECK(bucket.reserve(later) == Clock::duration::zero());
  CHECK(bucket.reserve(later) > Clock::duration::zero());
}

TEST_CASE("after a throttle the burst shrinks with the rate") {
  const auto start = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options(10, 29), start);
  bucket.on_throttle(start);
  CHECK(bucket.rate() == doctest::Approx(7.0));
  CHECK(bucket.tokens() == doctest::Approx(29 * 0.7));
}

TEST_CASE("paced by the bucket, a server bucket of rate 10 and burst 30 never runs dry") {
  // The client sends whenever its bucket allows, with arrival jitter of up to
  // 50 ms; the server's bucket (fake-aws's arithmetic) must always have a token.
  const auto start = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket client(options(10, 29), start);
  double server_tokens = 30;
  auto server_last = start;
  auto due = start;
  int refused = 0;
  for (int i = 0; i < 500; ++i) {
    due += client.reserve(due);
    const auto arrival = due + std::chrono::milliseconds((i * 37) % 50);
    if (arrival > server_last) {
      server_tokens = std::min(30.0, server_tokens + seconds(arrival - server_last) * 10);
      server_last = arrival;
    }
    if (server_tokens < 1)
      ++refused;
    else
      server_tokens -= 1;
  }
  CHECK(refused == 0);
}

TEST_CASE("RateLimiter::set_burst gives keys first seen afterwards that burst") {
  boost::asio::io_context io;
  RateLimiter limiter(options(10, 0));
  limiter.set_burst(29);
  Clock::duration burst_took{};
  Clock::duration next_took{};
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        auto started = Clock::now();
        for (int i = 0; i < 29; ++i) co_await limiter.acquire("a/securityhub/us-east-1");
        burst_took = Clock::now() - started;
        started = Clock::now();
        co_await limiter.acquire("a/securityhub/us-east-1");
        next_took = Clock::now() - started;
      },
      boost::asio::detached);
  io.run();
  CHECK(burst_took < 50ms);
  CHECK(next_took >= 90ms);
}
