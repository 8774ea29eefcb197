#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <vector>

#include "aws/rate_limiter.hpp"

using namespace mw::aws;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

AdaptiveRateOptions options_at(double rate) {
  AdaptiveRateOptions options;
  options.max_rate = rate;
  return options;
}

}  // namespace

TEST_CASE("a full bucket lets one second of requests through, then paces them at the rate") {
  auto start = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options_at(10), start);
  for (int i = 0; i < 10; ++i) CHECK(bucket.reserve(start) == Clock::duration::zero());
  // Further requests queue 100 ms apart.
  CHECK(seconds(bucket.reserve(start)) == doctest::Approx(0.1));
  CHECK(seconds(bucket.reserve(start)) == doctest::Approx(0.2));
  // A second later the debt (-2 tokens) is paid and 8 tokens are back.
  auto later = start + 1s;
  for (int i = 0; i < 8; ++i) CHECK(bucket.reserve(later) == Clock::duration::zero());
  CHECK(bucket.reserve(later) > Clock::duration::zero());
}

TEST_CASE("a slow rate still has a burst of one") {
  auto start = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options_at(0.5), start);
  CHECK(bucket.reserve(start) == Clock::duration::zero());
  CHECK(seconds(bucket.reserve(start)) == doctest::Approx(2.0));
}

TEST_CASE("a throttle cuts the rate to 70 percent, repeated throttles cut again after the cooldown") {
  auto now = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options_at(10), now);
  bucket.on_throttle(now);
  CHECK(bucket.rate() == doctest::Approx(7.0));
  bucket.on_throttle(now + 100ms);  // same burst of throttles
  CHECK(bucket.rate() == doctest::Approx(7.0));
  bucket.on_throttle(now + 600ms);
  CHECK(bucket.rate() == doctest::Approx(4.9));
  for (int i = 0; i < 20; ++i) bucket.on_throttle(now + 1s * (i + 1));
  CHECK(bucket.rate() == doctest::Approx(0.5));  // the floor
}

TEST_CASE("after a throttle the rate grows back along the CUBIC curve to the configured rate") {
  auto now = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options_at(10), now);
  bucket.on_throttle(now);
  double k = std::cbrt(10 * (1 - 0.7) / 0.4);  // seconds until the curve is back at W_max
  auto rate_after = [&](double t) {
    bucket.on_success(now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t)));
    return bucket.rate();
  };
  double early = rate_after(0.5);
  CHECK(early == doctest::Approx(0.4 * std::pow(0.5 - k, 3) + 10));
  CHECK(early > 7.0);
  CHECK(early < 10.0);
  double middle = rate_after(1.5);
  CHECK(middle > early);
  CHECK(rate_after(k) == doctest::Approx(10.0));
  CHECK(rate_after(k + 10) == doctest::Approx(10.0));  // capped at the configured rate
}

TEST_CASE("a throttle with a queue of reservations keeps later callers waiting longer") {
  auto now = Clock::time_point{} + 1000s;
  AdaptiveTokenBucket bucket(options_at(2), now);
  CHECK(bucket.reserve(now) == Clock::duration::zero());
  CHECK(bucket.reserve(now) == Clock::duration::zero());
  bucket.on_throttle(now);
  CHECK(bucket.rate() == doctest::Approx(1.4));
  CHECK(seconds(bucket.reserve(now)) == doctest::Approx(1 / 1.4));
}

TEST_CASE("the bucket refuses a rate that is not positive") {
  CHECK_THROWS_AS(AdaptiveTokenBucket(options_at(0), Clock::now()), std::invalid_argument);
}

TEST_CASE("RateLimiter keeps one bucket per key and waits on a timer") {
  auto fake_now = Clock::now();
  RateLimiter limiter(options_at(20), [&] { return fake_now; });
  limiter.on_throttle("admin-1/guardduty/us-east-1");
  CHECK(limiter.rate("admin-1/guardduty/us-east-1") == doctest::Approx(14.0));
  CHECK(limiter.rate("admin-1/guardduty/eu-west-1") == doctest::Approx(20.0));

  // 20 immediate, 4 more at 50 ms intervals on the real timer of the io_context.
  asio::io_context io;
  std::vector<Clock::duration> waited;
  RateLimiter real(options_at(20));
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 24; ++i) {
          auto before = Clock::now();
          co_await real.acquire("key");
          waited.push_back(Clock::now() - before);
        }
      },
      asio::detached);
  auto started = Clock::now();
  io.run();
  auto elapsed = Clock::now() - started;
  REQUIRE(waited.size() == 24);
  CHECK(waited[0] < 20ms);
  CHECK(elapsed >= 190ms);
  CHECK(elapsed < 2s);
}

TEST_CASE("a rate of zero turns limiting off") {
  asio::io_context io;
  RateLimiter limiter(options_at(0));
  int done = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 1000; ++i) {
          co_await limiter.acquire("key");
          ++done;
        }
      },
      asio::detached);
  auto started = Clock::now();
  io.run();
  CHECK(done == 1000);
  CHECK(Clock::now() - started < 1s);
}

TEST_CASE("ConcurrencyLimiter admits at most its limit and wakes waiters in order") {
  asio::io_context io;
  ConcurrencyLimiter limiter(2);
  int running = 0, peak = 0;
  std::vector<int> order;
  for (int id = 0; id < 6; ++id) {
    asio::co_spawn(
        io,
        [&, id]() -> asio::awaitable<void> {
          auto permit = co_await limiter.acquire();
          order.push_back(id);
          peak = std::max(peak, ++running);
          asio::steady_timer timer(io, 5ms);
          co_await timer.async_wait(asio::use_awaitable);
          --running;
        },
        asio::detached);
  }
  io.run();
  CHECK(peak == 2);
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(limiter.in_flight() == 0);
  CHECK(limiter.waiting() == 0);
}

TEST_CASE("a released permit can be released again harmlessly and moves keep one owner") {
  asio::io_context io;
  ConcurrencyLimiter limiter(1);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto permit = co_await limiter.acquire();
        CHECK(limiter.in_flight() == 1);
        ConcurrencyLimiter::Permit moved = std::move(permit);
        permit.release();
        CHECK(limiter.in_flight() == 1);
        moved.release();
        moved.release();
        CHECK(limiter.in_flight() == 0);
      },
      asio::detached);
  io.run();
  CHECK(limiter.in_flight() == 0);
}
