#include "support/test_http_server.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <sstream>
#include <thread>

namespace mw::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool has_header(const TestHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequal(key, name)) return true;
  }
  return false;
}

std::string reason_phrase(unsigned status) {
  auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return reason.empty() ? "Status" : std::string(reason);
}

std::string build_reply(const ScriptedReply& reply) {
  if (reply.raw) return *reply.raw;
  std::ostringstream out;
  out << "HTTP/1.1 " << reply.status << ' ' << reason_phrase(reply.status) << "\r\n";
  for (const auto& [name, value] : reply.headers) out << name << ": " << value << "\r\n";
  if (reply.chunked) {
    out << "Transfer-Encoding: chunked\r\n\r\n";
    std::size_t step = std::max<std::size_t>(reply.chunk_size, 1);
    for (std::size_t offset = 0; offset < reply.body.size(); offset += step) {
      auto chunk = std::string_view(reply.body).substr(offset, step);
      out << std::hex << chunk.size() << std::dec << "\r\n" << chunk << "\r\n";
    }
    out << "0\r\n\r\n";
    return out.str();
  }
  if (!has_header(reply.headers, "Content-Length")) out << "Content-Length: " << reply.body.size() << "\r\n";
  out << "\r\n";
  if (reply.truncate_body_at) {
    out << std::string_view(reply.body).substr(0, *reply.truncate_body_at);
  } else {
    out << reply.body;
  }
  return out.str();
}

void close_socket(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

tcp::acceptor listen_on_loopback(asio::io_context& io) {
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor;
}

// The thread and loop every test server runs on.
class ServerLoop {
 public:
  ServerLoop() : acceptor(listen_on_loopback(io)) {}
  ~ServerLoop() { stop(); }

  void start() {
    thread = std::thread([this] { io.run(); });
  }
  void stop() {
    if (!thread.joinable()) return;
    io.stop();
    thread.join();
  }

  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

}  // namespace

std::optional<std::string> ReceivedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequal(key, name)) return value;
  }
  return std::nullopt;
}

class TestHttpServer::Impl {
 public:
  Impl(RequestHandler handler, std::optional<KeyAndCertificate> tls) : handler_(std::move(handler)) {
    if (tls) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(tls->certificate_pem));
      tls_->use_private_key(asio::buffer(tls->private_key_pem), asio::ssl::context::pem);
      SSL_CTX_set_session_id_context(tls_->native_handle(), reinterpret_cast<const unsigned char*>("mw-test"),
                                     7);
    }
    asio::co_spawn(loop_.io, accept_loop(), asio::detached);
    loop_.start();
  }
  ~Impl() { loop_.stop(); }

  unsigned short port() const { return loop_.acceptor.local_endpoint().port(); }
  bool is_tls() const { return tls_.has_value(); }

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> handshakes{0};
  std::atomic<std::size_t> resumed{0};
  mutable std::mutex mutex;
  std::vector<ReceivedRequest> received;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await loop_.acceptor.async_accept(kTuple);
      if (error) co_return;
      auto id = ++connections;
      asio::co_spawn(loop_.io, session(std::move(socket), id), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket, std::size_t id) {
    if (!tls_) {
      co_await serve(socket, socket, id);
      close_socket(socket);
      co_return;
    }
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    auto [error] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (!error) {
      ++handshakes;
      if (SSL_session_reused(stream.native_handle())) ++resumed;
      co_await serve(stream, stream.next_layer(), id);
    }
    close_socket(stream.next_layer());
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, tcp::socket& socket, std::size_t id) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (read_error) co_return;
      auto request = parser.release();
      ReceivedRequest received_request{
          std::string(request.method_string()), std::string(request.target()), {}, request.body(), id};
      for (const auto& field : request) {
        received_request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      {
        std::lock_guard lock(mutex);
        received.push_back(received_request);
      }
      auto reply = handler_(received_request);
      if (reply.drop) co_return;
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(loop_.io, reply.delay);
        co_await timer.async_wait(kTuple);
      }
      auto bytes = build_reply(reply);
      auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
      if (write_error || reply.close_after || reply.truncate_body_at || !request.keep_alive()) co_return;
      (void)socket;
    }
  }

  RequestHandler handler_;
  std::optional<asio::ssl::context> tls_;
  ServerLoop loop_;
};

TestHttpServer::TestHttpServer(RequestHandler handler, std::optional<KeyAndCertificate> tls)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(tls))) {}
TestHttpServer::~TestHttpServer() = default;

unsigned short TestHttpServer::port() const {
  return impl_->port();
}

std::string TestHttpServer::url(std::string_view host) const {
  return std::string(impl_->is_tls() ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(port());
}

std::size_t TestHttpServer::connections() const {
  return impl_->connections;
}
std::size_t TestHttpServer::tls_handshakes() const {
  return impl_->handshakes;
}
std::size_t TestHttpServer::tls_resumed() const {
  return impl_->resumed;
}

std::vector<ReceivedRequest> TestHttpServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

std::size_t TestHttpServer::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received.size();
}

class TestConnectProxy::Impl {
 public:
  explicit Impl(std::optional<std::string> required_authorization)
      : required_authorization_(std::move(required_authorization)) {
    asio::co_spawn(loop_.io, accept_loop(), asio::detached);
    loop_.start();
  }
  ~Impl() { loop_.stop(); }

  unsigned short port() const { return loop_.acceptor.local_endpoint().port(); }

  mutable std::mutex mutex;
  std::vector<std::string> targets;

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await loop_.acceptor.async_accept(kTuple);
      if (error) co_return;
      asio::co_spawn(loop_.io, session(std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> reply(tcp::socket& socket, std::string_view status_line) {
    std::string bytes =
        "HTTP/1.1 " + std::string(status_line) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(bytes), kTuple);
    close_socket(socket);
  }

  asio::awaitable<void> session(tcp::socket client) {
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    auto [read_error, read] = co_await http::async_read_header(client, buffer, parser, kTuple);
    if (read_error) co_return;
    const auto& request = parser.get();
    if (request.method() != http::verb::connect) co_return co_await reply(client, "405 Method Not Allowed");
    std::string target(request.target());
    {
      std::lock_guard lock(mutex);
      targets.push_back(target);
    }
    if (required_authorization_) {
      auto found = request.find(http::field::proxy_authorization);
      if (found == request.end() || found->value() != *required_authorization_) {
        co_return co_await reply(client, "407 Proxy Authentication Required");
      }
    }
    auto colon = target.rfind(':');
    auto host = target.substr(0, colon);
    if (colon == std::string::npos || (host != "127.0.0.1" && host != "localhost")) {
      co_return co_await reply(client, "403 Forbidden");
    }
    tcp::socket upstream(loop_.io);
    tcp::endpoint destination(asio::ip::make_address("127.0.0.1"),
                              static_cast<unsigned short>(std::stoul(target.substr(colon + 1))));
    auto [connect_error] = co_await upstream.async_connect(destination, kTuple);
    if (connect_error) co_return co_await reply(client, "502 Bad Gateway");
    std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await asio::async_write(client, asio::buffer(established), kTuple);
    if (buffer.size() > 0) co_await asio::async_write(upstream, buffer.data(), kTuple);
    using namespace asio::experimental::awaitable_operators;
    co_await (pipe(client, upstream) || pipe(upstream, client));
    close_socket(client);
    close_socket(upstream);
  }

  static asio::awaitable<void> pipe(tcp::socket& from, tcp::socket& to) {
    std::array<char, 16384> chunk;
    for (;;) {
      auto [read_error, read] = co_await from.async_read_some(asio::buffer(chunk), kTuple);
      if (read_error) co_return;
      auto [write_error, written] = co_await asio::async_write(to, asio::buffer(chunk.data(), read), kTuple);
      if (write_error) co_return;
    }
  }

  std::optional<std::string> required_authorization_;
  ServerLoop loop_;
};

TestConnectProxy::TestConnectProxy(std::optional<std::string> required_authorization)
    : impl_(std::make_unique<Impl>(std::move(required_authorization))) {}
TestConnectProxy::~TestConnectProxy() = default;

unsigned short TestConnectProxy::port() const {
  return impl_->port();
}
std::string TestConnectProxy::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

std::vector<std::string> TestConnectProxy::connect_targets() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->targets;
}

}  // namespace mw::test
