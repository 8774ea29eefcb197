#pragma once

// An HTTP/1.1 client for AWS endpoints: HTTPS (OpenSSL, TLS 1.2+, peer and
// hostname verification always on) or plain HTTP for endpoints the caller
// chose explicitly, keep-alive connections pooled per (scheme, host, port),
// TLS session resumption, HTTPS_PROXY tunnelling with CONNECT, timeouts and
// a response size limit. Failures without an HTTP response throw
// TransportError. Used from one io_context thread; it must outlive every
// send() in progress.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "aws/http_types.hpp"
#include "aws/proxy.hpp"

namespace mw::aws {

enum class TransportErrorCode {
  connection_error,    // "ConnectionError": refused, reset, closed before a response, proxy refused
  connect_timeout,     // "ConnectTimeout": resolve, connect, proxy CONNECT or TLS handshake too slow
  request_timeout,     // "RequestTimeout": no complete response within request_timeout
  truncated_response,  // "TruncatedResponse": the connection ended inside the response
  response_too_large,  // "ResponseTooLarge": body (or headers) over the limit
  tls_error,           // "TlsError": certificate rejected, handshake failed
  invalid_request,     // "InvalidRequest": unsupported scheme, malformed header
};

std::string_view transport_code_name(TransportErrorCode code);

class TransportError : public std::runtime_error {
 public:
  TransportError(TransportErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  TransportErrorCode code() const { return code_; }
  std::string_view code_name() const { return transport_code_name(code_); }

 private:
  TransportErrorCode code_;
};

struct HttpClientOptions {
  std::string ca_bundle;                                // PEM file; "" = the system trust store
  ProxyConfig proxy;                                    // proxy_config_from_environment(...)
  std::chrono::milliseconds connect_timeout{10'000};    // resolve + TCP connect (+ proxy CONNECT)
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
  std::chrono::milliseconds request_timeout{60'000};  // writing the request until the whole response is read
  std::chrono::milliseconds idle_timeout{30'000};     // a pooled connection unused this long is closed
  std::size_t max_response_body = 16 * 1024 * 1024;
  std::size_t max_response_header = 64 * 1024;
  std::size_t max_idle_per_host = 64;
};

struct HttpClientStats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t tls_handshakes = 0;  // full and resumed
  std::uint64_t tls_resumed = 0;
};

class HttpClient {
 public:
  // Throws TlsSetupError (tls.hpp) when the CA bundle cannot be loaded.
  HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` as is (its target is the full request-target; Host is
  // added when missing, Content-Length always set) to endpoint's scheme,
  // host and port, and returns the response whatever its status.
  boost::asio::awaitable<HttpResponse> send(Endpoint endpoint, HttpRequest request);

  const HttpClientStats& stats() const;
  std::size_t idle_connections() const;
  void close_idle_connections();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::aws
