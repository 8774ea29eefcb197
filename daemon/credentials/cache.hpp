#pragma once

// Caches another provider's credentials until shortly before they expire.
// Inside the refresh window the cached credentials are still handed out
// while one refresh runs in the background; once they are no longer usable
// callers wait for that refresh. Concurrent callers always share one
// refresh (single flight), so 100 users mean one STS call, never a
// stampede; credentials at or past their expiry (less the safety margin)
// are never returned.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "credentials/provider.hpp"

namespace mw::credentials {

struct CacheTiming {
  std::chrono::seconds refresh_before{300};  // start refreshing this long before expiry
  std::chrono::seconds usable_margin{60};    // never hand out credentials this close to expiry
  std::chrono::seconds retry_after{10};      // after a failed background refresh, wait before the next
};

class CachingProvider : public CredentialsProvider, public std::enable_shared_from_this<CachingProvider> {
 public:
  // Construct with std::make_shared (the refresh keeps the cache alive).
  CachingProvider(std::shared_ptr<CredentialsProvider> inner, CacheTiming timing = {}, Clock now = {});

  boost::asio::awaitable<aws::Credentials> get() override;
  std::string name() const override;

  // Forgets the cached credentials (the next get() fetches).
  void invalidate() { cached_.reset(); }
  std::size_t refreshes_started() const { return refreshes_; }

 private:
  struct Flight;
  enum class State { fresh, refresh_soon, unusable };
  State state_at(std::chrono::system_clock::time_point now) const;
  std::shared_ptr<Flight> start_refresh(const boost::asio::any_io_executor& executor);
  static boost::asio::awaitable<void> run_refresh(std::shared_ptr<CachingProvider> self,
                                                  std::shared_ptr<Flight> flight);
  static boost::asio::awaitable<aws::Credentials> wait(std::shared_ptr<Flight> flight);

  std::shared_ptr<CredentialsProvider> inner_;
  CacheTiming timing_;
  Clock now_;
  std::optional<aws::Credentials> cached_;
  std::shared_ptr<Flight> in_flight_;
  std::optional<std::chrono::system_clock::time_point> last_attempt_;
  std::size_t refreshes_ = 0;
};

}  // namespace mw::credentials
