#include "credentials/cache.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace asio = boost::asio;
using std::chrono::system_clock;

struct CachingProvider::Flight {
  bool done = false;
  std::optional<aws::Credentials> result;
  std::exception_ptr error;
  std::vector<std::shared_ptr<asio::steady_timer>> waiters;
};

CachingProvider::CachingProvider(std::shared_ptr<CredentialsProvider> inner, CacheTiming timing, Clock now)
    : inner_(std::move(inner)), timing_(timing), now_(now ? std::move(now) : Clock(&system_clock::now)) {}

std::string CachingProvider::name() const {
  return inner_->name();
}

CachingProvider::State CachingProvider::state_at(system_clock::time_point now) const {
  if (!cached_) return State::unusable;
  if (!cached_->expiration) return State::fresh;
  if (now >= *cached_->expiration - timing_.usable_margin) return State::unusable;
  if (now >= *cached_->expiration - timing_.refresh_before) return State::refresh_soon;
  return State::fresh;
}

asio::awaitable<aws::Credentials> CachingProvider::get() {
  const auto now = now_();
  const auto state = state_at(now);
  if (state == State::fresh) co_return *cached_;
  const auto executor = co_await asio::this_coro::executor;
  if (state == State::refresh_soon) {
    // Still usable: hand them out, refresh behind the callers' backs. A
    // provider that keeps giving credentials inside the window (or keeps
    // failing) is asked again only every retry_after.
    auto current = *cached_;
    const bool recently_tried = last_attempt_ && now - *last_attempt_ < timing_.retry_after;
    if (!in_flight_ && !recently_tried) start_refresh(executor);
    co_return current;
  }
  auto flight = in_flight_ ? in_flight_ : start_refresh(executor);
  co_return co_await wait(std::move(flight));
}

std::shared_ptr<CachingProvider::Flight> CachingProvider::start_refresh(
    const asio::any_io_executor& executor) {
  auto flight = std::make_shared<Flight>();
  in_flight_ = flight;
  ++refreshes_;
  // Posted, so the refresh never runs inside the caller's stack.
  asio::post(executor, [self = shared_from_this(), flight, executor] {
    asio::co_spawn(executor, run_refresh(self, flight), asio::detached);
  });
  return flight;
}

asio::awaitable<void> CachingProvider::run_refresh(std::shared_ptr<CachingProvider> self,
                                                   std::shared_ptr<Flight> flight) {
  try {
    auto credentials = co_await self->inner_->get();
    const auto now = self->now_();
    if (credentials.expired_at(now + self->timing_.usable_margin)) {
      throw CredentialsError(self->inner_->name(), code::kExpired,
                             "the provider gave credentials that are expired or expire within " +
                                 std::to_string(self->timing_.usable_margin.count()) + " s");
    }
    if (credentials.expiration) {
      spdlog::debug("credentials refreshed provider={} source={} expires_in_s={}", self->inner_->name(),
                    credentials.source,
                    std::chrono::duration_cast<std::chrono::seconds>(*credentials.expiration - now).count());
    } else {
      spdlog::debug("credentials loaded provider={} source={}", self->inner_->name(), credentials.source);
    }
    self->cached_ = credentials;
    flight->result = std::move(credentials);
  } catch (const std::exception& error) {
    spdlog::warn("credentials refresh failed provider={} error=\"{}\"", self->inner_->name(), error.what());
    flight->error = std::current_exception();
  }
  self->last_attempt_ = self->now_();
  flight->done = true;
  if (self->in_flight_ == flight) self->in_flight_.reset();
  for (auto& waiter : flight->waiters) waiter->cancel();
}

asio::awaitable<aws::Credentials> CachingProvider::wait(std::shared_ptr<Flight> flight) {
  if (!flight->done) {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                      asio::steady_timer::time_point::max());
    flight->waiters.push_back(timer);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // Woken without a result: this waiter's own operation was cancelled.
  if (!flight->done) throw boost::system::system_error(asio::error::operation_aborted);
  if (flight->error) std::rethrow_exception(flight->error);
  co_return *flight->result;
}

}  // namespace mw::credentials
