#pragma once

// The health endpoint: HTTP/1.1 (over TLS with a web configuration that
// asks for it) on the daemon's event loop (Boost.Beast, C++20 coroutines),
// serving /healthz, /readyz, /metrics, /snapshot and,
// with health.lifecycle, POST /-/refresh and /-/reload.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "health/health_routes.hpp"

namespace boost::asio {
class io_context;
}

namespace mw::health {

namespace detail {
struct HealthServerState;
}
struct LoadedWebConfig;

struct HealthLimits {
  // When every slot is taken, a new connection takes the slot of the one
  // that has waited longest for its next request, once that wait reaches
  // evict_waiting_after; otherwise the new one is closed at once. So idle,
  // half-sent and trickling connections cannot lock healthy clients out.
  std::size_t max_connections = 64;
  std::chrono::milliseconds evict_waiting_after{250};
  std::size_t max_header_bytes = 8 * 1024;            // else 431
  std::size_t max_body_bytes = 1024;                  // else 413
  std::chrono::milliseconds request_timeout{10'000};  // to read one request
  std::chrono::milliseconds idle_timeout{30'000};     // keep-alive wait for the next request
  // For each piece of a response to be taken by the client: a large
  // /snapshot read slowly is not cut off while it keeps reading.
  std::chrono::milliseconds write_timeout{10'000};
};

// Every member function must run on the event loop's thread (or while the
// loop is not running). Requests never wait for anything but their socket.
class HealthServer {
 public:
  HealthServer(boost::asio::io_context& io, HealthHandlers handlers, HealthLimits limits = {});
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Listens on "host:port" (see parse_listen_address); "" stops listening.
  // Called again (SIGHUP reload), it moves to the new address and keeps the
  // open connections; when the new address cannot be bound, the old one
  // stays and this throws. Throws std::invalid_argument for a malformed
  // address, std::system_error when binding fails. A non-loopback address
  // is logged as a warning: the snapshot holds e-mail addresses.
  void listen(std::string_view address);

  bool listening() const;
  // The bound port (the real one after port 0), 0 when not listening.
  std::uint16_t port() const;
  // "127.0.0.1:9746" / "[::1]:9746", "" when not listening.
  std::string local_address() const;
  std::size_t connection_count() const;

  // health.web_config_file (health/web_config.hpp) for the connections
  // accepted from now on: TLS, basic auth (every path, /healthz included,
  // as exporter-toolkit protects everything) and extra headers; nullptr:
  // plain HTTP, no authentication. Before each new connection the server
  // looks whether the file, or a certificate, key or CA it names, changed
  // (stat) and loads it again; a version that does not load is logged once
  // and the configuration in force stays.
  void use_web_config(std::shared_ptr<const LoadedWebConfig> web);
  std::shared_ptr<const LoadedWebConfig> web_config() const;

  // Stops listening and closes every connection; their coroutines end
  // through cancellation. listen() may be called again afterwards.
  void stop();

 private:
  std::shared_ptr<detail::HealthServerState> state_;
};

}  // namespace mw::health
