#include "aws/http_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <set>

#include "aws/connection_pool.hpp"
#include "aws/tls.hpp"

namespace mw::aws {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void fail(TransportErrorCode code, const std::string& message) {
  throw TransportError(code, message);
}

std::string where(const Endpoint& endpoint) {
  return "host=" + endpoint.host + " port=" + std::to_string(endpoint.port);
}

bool is_closed_by_peer(const boost::system::error_code& error) {
  return error == http::error::end_of_stream || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe ||
         error == asio::ssl::error::stream_truncated || error == http::error::partial_message;
}

// A reused connection that turned out closed before any response byte: the
// request is sent again on a new connection (the server dropped it idle).
struct StaleConnection {};

http::request<http::string_body> to_beast(const Endpoint& endpoint, HttpRequest request) {
  http::request<http::string_body> message;
  message.version(11);
  message.method_string(request.method);
  message.target(request.target);
  for (auto& [name, value] : request.headers) {
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      fail(TransportErrorCode::invalid_request, "header with a line break or colon in its name name=" + name);
    }
    message.insert(name, value);
  }
  if (message.find(http::field::host) == message.end())
    message.set(http::field::host, endpoint.host_header());
  message.body() = std::move(request.body);
  message.prepare_payload();
  if (message.find(http::field::content_length) == message.end())
    message.content_length(message.body().size());
  return message;
}

HttpResponse from_beast(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = message.result_int();
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

}  // namespace

std::string_view transport_code_name(TransportErrorCode code) {
  switch (code) {
    case TransportErrorCode::connection_error:
      return "ConnectionError";
    case TransportErrorCode::connect_timeout:
      return "ConnectTimeout";
    case TransportErrorCode::request_timeout:
      return "RequestTimeout";
    case TransportErrorCode::truncated_response:
      return "TruncatedResponse";
    case TransportErrorCode::response_too_large:
      return "ResponseTooLarge";
    case TransportErrorCode::tls_error:
      return "TlsError";
    case TransportErrorCode::invalid_request:
      return "InvalidRequest";
  }
  return "ConnectionError";
}

class HttpClient::Impl {
 public:
  Impl(asio::any_io_executor executor, HttpClientOptions options)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        tls_(TlsOptions{options_.ca_bundle}),
        pool_(options_.idle_timeout, options_.max_idle_per_host) {}

  ~Impl() { pool_.close_all(); }

  asio::awaitable<HttpResponse> send(Endpoint endpoint, HttpRequest request);

  HttpClientStats stats;
  ConnectionPool& pool() { return pool_; }

 private:
  asio::awaitable<std::unique_ptr<Connection>> connect(const Endpoint& endpoint);
  asio::awaitable<beast::tcp_stream> open_tcp(const Endpoint& dial);
  asio::awaitable<void> tunnel(beast::tcp_stream& stream, const Endpoint& endpoint, const Endpoint& proxy);
  asio::awaitable<void> handshake(Connection::TlsStream& stream, const Endpoint& endpoint);
  asio::awaitable<HttpResponse> exchange(Connection& connection,
                                         const http::request<http::string_body>& request,
                                         Clock::time_point deadline, bool reused, bool& keep_alive);
  template <class Stream>
  asio::awaitable<HttpResponse> exchange_on(Stream& stream, Connection& connection,
                                            const http::request<http::string_body>& request,
                                            Clock::time_point deadline, bool reused, bool& keep_alive);
  void warn_plain_http_once(const Endpoint& endpoint);

  asio::any_io_executor executor_;
  HttpClientOptions options_;
  TlsClientContext tls_;
  ConnectionPool pool_;
  std::set<PoolKey> warned_plain_;
};

void HttpClient::Impl::warn_plain_http_once(const Endpoint& endpoint) {
  PoolKey key{endpoint.scheme, endpoint.host, endpoint.port};
  if (warned_plain_.insert(key).second) {
    spdlog::warn("plain http endpoint, requests are not encrypted host={} port={}", endpoint.host,
                 endpoint.port);
  }
}

asio::awaitable<HttpResponse> HttpClient::Impl::send(Endpoint endpoint, HttpRequest request) {
  if (endpoint.scheme != "https" && endpoint.scheme != "http") {
    fail(TransportErrorCode::invalid_request,
         "unsupported scheme " + endpoint.scheme + " " + where(endpoint));
  }
  if (endpoint.scheme == "http") warn_plain_http_once(endpoint);
  auto message = to_beast(endpoint, std::move(request));
  PoolKey key{endpoint.scheme, endpoint.host, endpoint.port};
  ++stats.requests;
  for (int attempt = 0;; ++attempt) {
    auto connection = attempt == 0 ? pool_.take(key, Clock::now()) : nullptr;
    bool reused = connection != nullptr;
    if (reused) {
      ++stats.connections_reused;
    } else {
      connection = co_await connect(endpoint);
    }
    bool keep_alive = false;
    std::optional<HttpResponse> response;
    try {
      auto deadline = Clock::now() + options_.request_timeout;
      response = co_await exchange(*connection, message, deadline, reused, keep_alive);
    } catch (const StaleConnection&) {
      connection->close();
      spdlog::debug("pooled connection was closed by the server, reconnecting {}", where(endpoint));
      continue;
    }
    ++connection->requests_served;
    if (keep_alive) {
      pool_.put(std::move(connection), Clock::now());
    } else {
      connection->close();
    }
    co_return std::move(*response);
  }
}

asio::awaitable<std::unique_ptr<Connection>> HttpClient::Impl::connect(const Endpoint& endpoint) {
  PoolKey key{endpoint.scheme, endpoint.host, endpoint.port};
  auto proxy = proxy_for(options_.proxy, endpoint);
  auto stream = co_await open_tcp(proxy ? *proxy : endpoint);
  ++stats.connections_opened;
  if (proxy) co_await tunnel(stream, endpoint, *proxy);
  if (endpoint.scheme == "http")
    co_return std::make_unique<Connection>(key, std::make_unique<beast::tcp_stream>(std::move(stream)));
  auto tls = std::make_unique<Connection::TlsStream>(std::move(stream), tls_.context());
  co_await handshake(*tls, endpoint);
  co_return std::make_unique<Connection>(key, std::move(tls));
}

asio::awaitable<beast::tcp_stream> HttpClient::Impl::open_tcp(const Endpoint& dial) {
  using namespace asio::experimental::awaitable_operators;
  auto deadline = Clock::now() + options_.connect_timeout;
  tcp::resolver resolver(executor_);
  asio::steady_timer timer(executor_, deadline);
  auto resolved = co_await (resolver.async_resolve(dial.host, std::to_string(dial.port), kTuple) ||
                            timer.async_wait(kTuple));
  if (resolved.index() == 1)
    fail(TransportErrorCode::connect_timeout, "name resolution timed out " + where(dial));
  auto [resolve_error, results] = std::get<0>(std::move(resolved));
  if (resolve_error) {
    fail(TransportErrorCode::connection_error,
         "cannot resolve " + where(dial) + ": " + resolve_error.message());
  }
  beast::tcp_stream stream(executor_);
  stream.expires_at(deadline);
  auto [connect_error, connected] = co_await stream.async_connect(results, kTuple);
  if (connect_error == beast::error::timeout) {
    fail(TransportErrorCode::connect_timeout, "connect timed out " + where(dial));
  }
  if (connect_error) {
    fail(TransportErrorCode::connection_error,
         "cannot connect " + where(dial) + ": " + connect_error.message());
  }
  stream.socket().set_option(tcp::no_delay(true));
  co_return stream;
}

asio::awaitable<void> HttpClient::Impl::tunnel(beast::tcp_stream& stream, const Endpoint& endpoint,
                                               const Endpoint& proxy) {
  auto authority = endpoint.host + ":" + std::to_string(endpoint.port);
  http::request<http::empty_body> connect_request{http::verb::connect, authority, 11};
  connect_request.set(http::field::host, authority);
  if (!options_.proxy.authorization.empty()) {
    connect_request.set(http::field::proxy_authorization, options_.proxy.authorization.reveal());
  }
  stream.expires_after(options_.connect_timeout);
  auto [write_error, written] = co_await http::async_write(stream, connect_request, kTuple);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts right after the header
  boost::system::error_code read_error;
  if (!write_error) {
    stream.expires_after(options_.connect_timeout);
    std::tie(read_error, std::ignore) = co_await http::async_read(stream, buffer, parser, kTuple);
  }
  auto error = write_error ? write_error : read_error;
  auto via = " proxy=" + proxy.host + ":" + std::to_string(proxy.port) + " target=" + authority;
  if (error == beast::error::timeout)
    fail(TransportErrorCode::connect_timeout, "proxy CONNECT timed out" + via);
  if (error)
    fail(TransportErrorCode::connection_error, "proxy CONNECT failed" + via + ": " + error.message());
  auto status = parser.get().result_int();
  if (status / 100 != 2) {
    fail(TransportErrorCode::connection_error,
         "proxy refused CONNECT status=" + std::to_string(status) + via);
  }
  if (buffer.size() != 0)
    fail(TransportErrorCode::connection_error, "proxy sent data before the tunnel opened" + via);
}

asio::awaitable<void> HttpClient::Impl::handshake(Connection::TlsStream& stream, const Endpoint& endpoint) {
  tls_.prepare(stream.native_handle(), endpoint.host, endpoint.port);
  beast::get_lowest_layer(stream).expires_after(options_.handshake_timeout);
  auto [error] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  ++stats.tls_handshakes;
  if (error == beast::error::timeout) {
    fail(TransportErrorCode::connect_timeout, "TLS handshake timed out " + where(endpoint));
  }
  if (error) {
    auto verify_error = certificate_verify_error(stream.native_handle());
    if (!verify_error.empty()) {
      fail(TransportErrorCode::tls_error, "certificate rejected " + where(endpoint) + ": " + verify_error);
    }
    if (is_closed_by_peer(error)) {
      fail(TransportErrorCode::connection_error,
           "connection closed during the TLS handshake " + where(endpoint));
    }
    fail(TransportErrorCode::tls_error, "TLS handshake failed " + where(endpoint) + ": " + error.message());
  }
  if (SSL_session_reused(stream.native_handle())) ++stats.tls_resumed;
}

asio::awaitable<HttpResponse> HttpClient::Impl::exchange(Connection& connection,
                                                         const http::request<http::string_body>& request,
                                                         Clock::time_point deadline, bool reused,
                                                         bool& keep_alive) {
  if (auto* tls = connection.tls())
    co_return co_await exchange_on(*tls, connection, request, deadline, reused, keep_alive);
  co_return co_await exchange_on(*connection.plain(), connection, request, deadline, reused, keep_alive);
}

template <class Stream>
asio::awaitable<HttpResponse> HttpClient::Impl::exchange_on(Stream& stream, Connection& connection,
                                                            const http::request<http::string_body>& request,
                                                            Clock::time_point deadline, bool reused,
                                                            bool& keep_alive) {
  const auto& key = connection.key();
  auto context = "host=" + key.host + " port=" + std::to_string(key.port);
  connection.tcp().expires_at(deadline);
  auto [write_error, written] = co_await http::async_write(stream, request, kTuple);
  if (write_error == beast::error::timeout)
    fail(TransportErrorCode::request_timeout, "request timed out " + context);
  if (write_error) {
    if (reused && is_closed_by_peer(write_error)) throw StaleConnection{};
    fail(TransportErrorCode::connection_error,
         "sending the request failed " + context + ": " + write_error.message());
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_body);
  parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header));
  if (request.method() == http::verb::head) parser.skip(true);
  connection.tcp().expires_at(deadline);
  auto [read_error, read] = co_await http::async_read(stream, connection.buffer(), parser, kTuple);
  if (read_error == beast::error::timeout) {
    fail(TransportErrorCode::request_timeout, "no complete response in time " + context);
  }
  if (read_error == http::error::body_limit) {
    fail(TransportErrorCode::response_too_large, "response body over the limit of " +
                                                     std::to_string(options_.max_response_body) + " bytes " +
                                                     context);
  }
  if (read_error == http::error::header_limit) {
    fail(TransportErrorCode::response_too_large, "response headers over the limit of " +
                                                     std::to_string(options_.max_response_header) +
                                                     " bytes " + context);
  }
  if (read_error) {
    if (!parser.got_some() && is_closed_by_peer(read_error)) {
      if (reused) throw StaleConnection{};
      fail(TransportErrorCode::connection_error, "connection closed before a response " + context);
    }
    if (is_closed_by_peer(read_error)) {
      fail(TransportErrorCode::truncated_response, "connection closed inside the response " + context);
    }
    fail(TransportErrorCode::connection_error,
         "reading the response failed " + context + ": " + read_error.message());
  }
  keep_alive = parser.keep_alive() && request.keep_alive() && !parser.need_eof();
  co_return from_beast(parser.release());
}

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() = default;

asio::awaitable<HttpResponse> HttpClient::send(Endpoint endpoint, HttpRequest request) {
  co_return co_await impl_->send(std::move(endpoint), std::move(request));
}

const HttpClientStats& HttpClient::stats() const {
  return impl_->stats;
}

std::size_t HttpClient::idle_connections() const {
  return impl_->pool().idle_count();
}

void HttpClient::close_idle_connections() {
  impl_->pool().close_all();
}

}  // namespace mw::aws
