#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "credentials/cache.hpp"
#include "credentials/credentials_error.hpp"

using namespace mw::credentials;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using std::chrono::system_clock;

namespace {

// A test clock: the real time plus an offset the test moves.
struct TestClock {
  system_clock::time_point start = system_clock::now();
  system_clock::duration offset{0};
  Clock clock() {
    return [this] { return start + offset; };
  }
};

// Hands out "KEY-1", "KEY-2", ... valid for `lifetime`, after `delay`; or fails.
class CountingProvider : public CredentialsProvider {
 public:
  CountingProvider(TestClock& clock, system_clock::duration lifetime) : clock_(clock), lifetime_(lifetime) {}

  asio::awaitable<mw::aws::Credentials> get() override {
    const int number = ++calls;
    if (delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (fail)
      throw CredentialsError("counting", code::kProviderError, "failure number " + std::to_string(number));
    mw::aws::Credentials credentials;
    credentials.access_key_id = "KEY-" + std::to_string(number);
    credentials.secret_access_key = mw::aws::SecretString("secret");
    if (lifetime_.count() > 0) credentials.expiration = clock_.start + clock_.offset + lifetime_;
    credentials.source = "counting";
    co_return credentials;
  }
  std::string name() const override { return "counting"; }

  int calls = 0;
  bool fail = false;
  std::chrono::milliseconds delay{0};

 private:
  TestClock& clock_;
  system_clock::duration lifetime_;
};

struct Harness {
  asio::io_context io;
  TestClock clock;
  std::shared_ptr<CountingProvider> inner;
  std::shared_ptr<CachingProvider> cache;

  explicit Harness(system_clock::duration lifetime = 1h) {
    inner = std::make_shared<CountingProvider>(clock, lifetime);
    cache = std::make_shared<CachingProvider>(inner, CacheTiming{}, clock.clock());
  }

  std::string key() {
    auto future = asio::co_spawn(io, cache->get(), asio::use_future);
    io.restart();
    io.run();
    return future.get().access_key_id;
  }

  std::string failure() {
    try {
      key();
    } catch (const CredentialsError& error) {
      return error.what();
    }
    FAIL("get() did not fail");
    return {};
  }
};

}  // namespace

TEST_CASE("cache: fetched once, handed out until the refresh window") {
  Harness h;
  CHECK(h.key() == "KEY-1");
  CHECK(h.key() == "KEY-1");
  h.clock.offset = 54min;
  CHECK(h.key() == "KEY-1");
  CHECK(h.inner->calls == 1);
}

TEST_CASE("cache: inside the refresh window the old credentials are used while one background refresh runs") {
  Harness h;
  CHECK(h.key() == "KEY-1");
  h.clock.offset = 56min;  // 4 minutes before expiry
  h.inner->delay = 50ms;
  CHECK(h.key() == "KEY-1");  // io.run() also completes the background refresh
  CHECK(h.inner->calls == 2);
  CHECK(h.key() == "KEY-2");
  CHECK(h.cache->refreshes_started() == 2);
}

TEST_CASE("cache: a failed background refresh keeps the usable credentials and is retried later") {
  Harness h;
  CHECK(h.key() == "KEY-1");
  h.clock.offset = 56min;
  h.inner->fail = true;
  CHECK(h.key() == "KEY-1");
  CHECK(h.inner->calls == 2);
  CHECK(h.key() == "KEY-1");  // within retry_after: no new attempt
  CHECK(h.inner->calls == 2);
  h.clock.offset += 11s;
  h.inner->fail = false;
  CHECK(h.key() == "KEY-1");
  CHECK(h.key() == "KEY-3");
}

TEST_CASE("cache: expired (or nearly expired) credentials are never handed out") {
  Harness h;
  CHECK(h.key() == "KEY-1");
  h.clock.offset = 59min + 30s;  // inside the 60 s safety margin
  CHECK(h.key() == "KEY-2");
  h.clock.offset = 3h;
  h.inner->fail = true;
  CHECK(h.failure().find("failure number 3") != std::string::npos);
}

TEST_CASE("cache: a provider giving already-expired credentials is an error") {
  Harness h(30s);
  CHECK(h.failure().find("expired or expire within 60 s") != std::string::npos);
}

TEST_CASE("cache: credentials without expiry are kept for good") {
  Harness h(system_clock::duration::zero());
  CHECK(h.key() == "KEY-1");
  h.clock.offset = 24h * 365;
  CHECK(h.key() == "KEY-1");
}

TEST_CASE("cache: 100 concurrent users share one refresh, and one failure") {
  Harness h;
  h.inner->delay = 100ms;
  std::vector<std::string> keys;
  std::atomic<int> failures{0};
  auto spawn_users = [&] {
    for (int i = 0; i < 100; ++i) {
      asio::co_spawn(h.io, h.cache->get(), [&](std::exception_ptr error, mw::aws::Credentials credentials) {
        if (error) {
          ++failures;
        } else {
          keys.push_back(credentials.access_key_id);
        }
      });
    }
    h.io.restart();
    h.io.run();
  };
  spawn_users();
  CHECK(h.inner->calls == 1);
  REQUIRE(keys.size() == 100);
  CHECK(std::all_of(keys.begin(), keys.end(), [](const auto& k) { return k == "KEY-1"; }));

  h.clock.offset = 2h;
  h.inner->fail = true;
  keys.clear();
  spawn_users();
  CHECK(h.inner->calls == 2);
  CHECK(failures == 100);

  h.inner->fail = false;  // the failure is not cached
  CHECK(h.key() == "KEY-3");
}
