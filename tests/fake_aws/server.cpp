// The wire side of fake-aws: Beast on Asio coroutines, plain or TLS, with
// the delay and body faults the emulator chose applied on the socket.

#include "server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <mutex>
#include <thread>

#include "support/test_tls.hpp"

namespace mw::fake_aws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto kIdleTimeout = 60s;
constexpr std::size_t kBodyLimit = 4 * 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

auto tuple_awaitable() {
  return asio::as_tuple(asio::use_awaitable);
}

aws::HttpRequest to_request(const http::request<http::string_body>& message) {
  aws::HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
  request.body = message.body();
  return request;
}

std::string response_head(const Reply& reply, bool keep_alive) {
  const auto reason = http::obsolete_reason(http::int_to_status(reply.status));
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason) + "\r\n";
  for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

tcp::socket& socket_of(beast::tcp_stream& stream) {
  return stream.socket();
}
tcp::socket& socket_of(beast::ssl_stream<beast::tcp_stream>& stream) {
  return stream.next_layer().socket();
}

// A TCP reset: close with a zero linger time.
void reset(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.set_option(asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

}  // namespace

struct Server::Impl {
  Impl(World world, ServerOptions opts) : options(std::move(opts)) {
    auto log_hook = options.emulator.on_log;
    options.emulator.on_log = [this, log_hook](const RequestLogEntry& entry) {
      if (log_file.is_open()) log_file << entry.to_json() << '\n' << std::flush;
      if (log_hook) log_hook(entry);
    };
    emulator = std::make_unique<Emulator>(std::move(world), options.emulator);
  }

  ServerOptions options;
  std::unique_ptr<Emulator> emulator;
  std::ofstream log_file;
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::ssl::context> tls;
  std::string ca_pem;
  unsigned short bound_port = 0;
  std::thread thread;
  bool running = false;

  void setup_tls() {
    test::TestCertificateAuthority ca("fake-aws CA");
    test::CertificateRequest request;
    request.common_name = "fake-aws";
    request.dns_names = {"localhost"};
    request.ip_addresses = {"127.0.0.1"};
    const auto leaf = ca.issue(request);
    ca_pem = ca.certificate_pem();
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    tls->use_certificate_chain(asio::buffer(leaf.certificate_pem));
    tls->use_private_key(asio::buffer(leaf.private_key_pem), asio::ssl::context::pem);
  }

  template <class Stream>
  asio::awaitable<bool> write_all(Stream& stream, std::string_view bytes) {
    beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
    auto [ec, n] =
        co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), tuple_awaitable());
    (void)n;
    co_return !ec;
  }

  // Sends one reply, faults included. Returns false when the connection must end.
  template <class Stream>
  asio::awaitable<bool> send(Stream& stream, const Reply& reply, bool keep_alive) {
    if (reply.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, reply.delay);
      co_await timer.async_wait(tuple_awaitable());
    }
    if (reply.wire_fault == WireFault::reset) {
      reset(socket_of(stream));
      co_return false;
    }
    const auto head = response_head(reply, keep_alive);
    const std::string_view body = reply.body;
    switch (reply.wire_fault) {
      case WireFault::truncate:
        // The full Content-Length promised, half the body sent, then the end.
        if (co_await write_all(stream, head)) co_await write_all(stream, body.substr(0, body.size() / 2));
        reset(socket_of(stream));
        co_return false;
      case WireFault::trickle: {
        if (!co_await write_all(stream, head)) co_return false;
        const std::size_t piece = std::max<std::size_t>(1, (body.size() + 9) / 10);
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (std::size_t at = 0; at < body.size(); at += piece) {
          timer.expires_after(reply.trickle_interval);
          co_await timer.async_wait(tuple_awaitable());
          if (!co_await write_all(stream, body.substr(at, piece))) co_return false;
        }
        co_return keep_alive;
      }
      default:
        co_return co_await write_all(stream, head + reply.body) && keep_alive;
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(kHeaderLimit);
      beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable());
      (void)n;
      if (ec) co_return;
      const auto& message = parser.get();
      const auto reply = emulator->handle(to_request(message));
      if (!co_await send(stream, reply, message.keep_alive())) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream plain(std::move(socket));
    if (!tls) {
      co_await serve(plain);
      boost::system::error_code ec;
      plain.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> secure(std::move(plain), *tls);
    beast::get_lowest_layer(secure).expires_after(kIdleTimeout);
    auto [ec] = co_await secure.async_handshake(asio::ssl::stream_base::server, tuple_awaitable());
    if (ec) co_return;
    co_await serve(secure);
    beast::get_lowest_layer(secure).expires_after(2s);
    co_await secure.async_shutdown(tuple_awaitable());
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(tuple_awaitable());
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) continue;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(World world, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(world), std::move(options))) {}

Server::~Server() {
  stop();
}

void Server::start() {
  auto& impl = *impl_;
  if (impl.running) return;
  if (!impl.options.request_log_path.empty()) {
    impl.log_file.open(impl.options.request_log_path, std::ios::app);
    if (!impl.log_file)
      throw std::runtime_error("cannot open the request log " + impl.options.request_log_path);
  }
  if (impl.options.tls) impl.setup_tls();
  const auto address = asio::ip::make_address(impl.options.host);
  impl.acceptor.emplace(impl.io);
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor->open(endpoint.protocol());
  impl.acceptor->set_option(asio::socket_base::reuse_address(true));
  impl.acceptor->bind(endpoint);
  impl.acceptor->listen();
  impl.bound_port = impl.acceptor->local_endpoint().port();
  asio::co_spawn(impl.io, impl.accept_loop(), asio::detached);
  impl.running = true;
  impl.thread = std::thread([&impl] {
    try {
      impl.io.run();
    } catch (const std::exception& e) {
      spdlog::error("fake-aws server stopped error={}", e.what());
    }
  });
}

void Server::stop() {
  auto& impl = *impl_;
  if (!impl.running) return;
  asio::post(impl.io, [&impl] {
    boost::system::error_code ec;
    impl.acceptor->close(ec);
    impl.io.stop();
  });
  impl.thread.join();
  impl.running = false;
}

unsigned short Server::port() const {
  return impl_->bound_port;
}

std::string Server::endpoint_url() const {
  return std::string(impl_->options.tls ? "https" : "http") + "://" + impl_->options.host + ":" +
         std::to_string(impl_->bound_port);
}

const std::string& Server::ca_certificate_pem() const {
  return impl_->ca_pem;
}

Emulator& Server::emulator() {
  return *impl_->emulator;
}

}  // namespace mw::fake_aws
