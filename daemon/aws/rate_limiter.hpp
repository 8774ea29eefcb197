#pragma once

// Client-side rate limiting: an adaptive token bucket per key (the poller
// keys it by administrator, service and region) and a global limit on
// requests in flight. The bucket math is pure (time is passed in); the async
// wrappers only sleep on timers of the calling coroutine's executor. Both are
// meant for one io_context run by one thread.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace mw::aws {

struct AdaptiveRateOptions {
  double max_rate = 10;   // requests per second: the start and the ceiling (aws.requests_per_second)
  double min_rate = 0.5;  // never slower than this
  double beta = 0.7;      // multiplicative back-off on a throttle (CUBIC's beta, as in the SDKs)
  double scale = 0.4;     // CUBIC's scale constant C, as in the SDKs
  // Throttles answering requests sent before the last back-off took effect
  // arrive in bursts; within this window after a back-off they do not cut
  // the rate again.
  std::chrono::milliseconds throttle_cooldown{500};
  // Tokens a quiet key may spend at once at max_rate (scaled down with the
  // rate after a throttle); 0: one second's worth. At least one.
  double burst = 0;
};

// A token bucket whose fill rate follows the SDKs' adaptive retry mode: cut
// to beta x rate on a throttle, then regrown along the CUBIC curve
//   rate(t) = C (t - K)^3 + W_max,  K = cbrt(W_max (1 - beta) / C)
// (t: seconds since the throttle, W_max: the rate when it came), capped at
// max_rate. Unlike the SDKs the bucket is on from the start (at max_rate)
// and the measured send rate is not tracked: the configured rate is the
// ceiling. Capacity is options.burst tokens, by default one second of tokens
// (at least one), so a quiet source may send a burst of that size.
class AdaptiveTokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  AdaptiveTokenBucket(AdaptiveRateOptions options, Clock::time_point now);

  // Takes a token, borrowing it from the future when none is left: returns
  // how long the caller must wait before sending (zero: send now). Callers
  // queue in reservation order.
  Clock::duration reserve(Clock::time_point now);
  void on_success(Clock::time_point now);
  void on_throttle(Clock::time_point now);

  double rate() const { return rate_; }
  double tokens() const { return tokens_; }  // negative while reservations are waiting

 private:
  void refill(Clock::time_point now);
  double capacity() const;

  AdaptiveRateOptions options_;
  double rate_;
  double tokens_;
  Clock::time_point last_refill_;
  bool recovering_ = false;
  double w_max_ = 0;
  double k_ = 0;
  Clock::time_point last_throttle_{};
};

class RateLimiter {
 public:
  using Clock = AdaptiveTokenBucket::Clock;

  // requests_per_second <= 0 turns limiting off.
  explicit RateLimiter(AdaptiveRateOptions options, std::function<Clock::time_point()> clock = &Clock::now);

  // Waits until `key` may send one request.
  boost::asio::awaitable<void> acquire(std::string key);
  void on_success(const std::string& key);
  void on_throttle(const std::string& key);

  // The current rate of `key` (max_rate for a key never seen).
  double rate(const std::string& key) const;

  // The burst of keys first seen from now on (AdaptiveRateOptions::burst).
  void set_burst(double tokens) { options_.burst = tokens; }

 private:
  AdaptiveTokenBucket& bucket(const std::string& key);

  AdaptiveRateOptions options_;
  std::function<Clock::time_point()> clock_;
  std::map<std::string, AdaptiveTokenBucket> buckets_;
};

// A counting semaphore for coroutines: at most `limit` holders of a Permit
// at a time, the others wait in FIFO order.
class ConcurrencyLimiter {
 public:
  class Permit {
   public:
    Permit() = default;
    explicit Permit(ConcurrencyLimiter* owner) : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }
    void release();

   private:
    ConcurrencyLimiter* owner_ = nullptr;
  };

  // The limiter must outlive every coroutine waiting on it.
  explicit ConcurrencyLimiter(std::size_t limit);

  boost::asio::awaitable<Permit> acquire();
  std::size_t in_flight() const { return in_flight_; }
  std::size_t waiting() const { return waiters_.size(); }
  std::size_t limit() const { return limit_; }

 private:
  struct Waiter;
  void release_one();

  std::size_t limit_;
  std::size_t in_flight_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace mw::aws
