#include "aws/rate_limiter.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <stdexcept>

namespace mw::aws {
namespace asio = boost::asio;

namespace {
double seconds_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}
}  // namespace

AdaptiveTokenBucket::AdaptiveTokenBucket(AdaptiveRateOptions options, Clock::time_point now)
    : options_(options), rate_(options.max_rate), tokens_(0), last_refill_(now) {
  if (!(options_.max_rate > 0)) throw std::invalid_argument("rate limiter: max_rate must be positive");
  options_.min_rate = std::min(options_.min_rate, options_.max_rate);
  tokens_ = capacity();
}

double AdaptiveTokenBucket::capacity() const {
  if (options_.burst > 0) return std::max(options_.burst * rate_ / options_.max_rate, 1.0);
  return std::max(rate_, 1.0);
}

void AdaptiveTokenBucket::refill(Clock::time_point now) {
  if (now <= last_refill_) return;
  tokens_ = std::min(capacity(), tokens_ + seconds_between(last_refill_, now) * rate_);
  last_refill_ = now;
}

AdaptiveTokenBucket::Clock::duration AdaptiveTokenBucket::reserve(Clock::time_point now) {
  refill(now);
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / rate_));
}

void AdaptiveTokenBucket::on_success(Clock::time_point now) {
  if (!recovering_) return;
  refill(now);
  double t = std::max(0.0, seconds_between(last_throttle_, now));
  double cubic = options_.scale * std::pow(t - k_, 3.0) + w_max_;
  rate_ = std::clamp(cubic, options_.min_rate, options_.max_rate);
  if (rate_ >= options_.max_rate) recovering_ = false;
}

void AdaptiveTokenBucket::on_throttle(Clock::time_point now) {
  if (recovering_ && now - last_throttle_ < options_.throttle_cooldown) return;
  refill(now);
  w_max_ = rate_;
  k_ = std::cbrt(w_max_ * (1 - options_.beta) / options_.scale);
  rate_ = std::max(options_.min_rate, rate_ * options_.beta);
  tokens_ = std::min(tokens_, capacity());
  last_throttle_ = now;
  recovering_ = true;
}

RateLimiter::RateLimiter(AdaptiveRateOptions options, std::function<Clock::time_point()> clock)
    : options_(options), clock_(std::move(clock)) {}

AdaptiveTokenBucket& RateLimiter::bucket(const std::string& key) {
  return buckets_.try_emplace(key, options_, clock_()).first->second;
}

asio::awaitable<void> RateLimiter::acquire(std::string key) {
  if (!(options_.max_rate > 0)) co_return;
  auto wait = bucket(key).reserve(clock_());
  if (wait <= Clock::duration::zero()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  co_await timer.async_wait(asio::use_awaitable);
}

void RateLimiter::on_success(const std::string& key) {
  if (options_.max_rate > 0) bucket(key).on_success(clock_());
}

void RateLimiter::on_throttle(const std::string& key) {
  if (options_.max_rate > 0) bucket(key).on_throttle(clock_());
}

double RateLimiter::rate(const std::string& key) const {
  auto found = buckets_.find(key);
  return found == buckets_.end() ? options_.max_rate : found->second.rate();
}

struct ConcurrencyLimiter::Waiter {
  explicit Waiter(const asio::any_io_executor& executor)
      : timer(executor, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool granted = false;
};

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

void ConcurrencyLimiter::Permit::release() {
  if (owner_) std::exchange(owner_, nullptr)->release_one();
}

ConcurrencyLimiter::ConcurrencyLimiter(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

asio::awaitable<ConcurrencyLimiter::Permit> ConcurrencyLimiter::acquire() {
  if (in_flight_ < limit_ && waiters_.empty()) {
    ++in_flight_;
    co_return Permit(this);
  }
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  waiters_.push_back(waiter);
  co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!waiter->granted) {
    // Cancelled from outside (the caller's cancellation slot), not woken by release_one.
    std::erase(waiters_, waiter);
    throw boost::system::system_error(asio::error::operation_aborted, "waiting for a request slot");
  }
  co_return Permit(this);
}

void ConcurrencyLimiter::release_one() {
  if (waiters_.empty()) {
    --in_flight_;
    return;
  }
  // The slot passes straight to the oldest waiter, so in_flight_ stays.
  auto next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  next->timer.cancel();
}

}  // namespace mw::aws
