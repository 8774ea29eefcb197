#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <fstream>
#include <map>
#include <thread>

#include "aws/http_client.hpp"
#include "aws/tls.hpp"
#include "support/test_files.hpp"
#include "support/test_http_server.hpp"
#include "support/test_tls.hpp"

using namespace mw::aws;
using namespace mw::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct Fixture {
  asio::io_context io;

  HttpResponse send(HttpClient& client, const std::string& url, HttpRequest request = {}) {
    auto endpoint = parse_endpoint_url(url);
    REQUIRE(endpoint.has_value());
    auto future = asio::co_spawn(io, client.send(*endpoint, std::move(request)), asio::use_future);
    io.restart();
    io.run();
    return future.get();
  }

  // The TransportError code a send fails with.
  TransportErrorCode failure(HttpClient& client, const std::string& url, std::string* message = nullptr) {
    try {
      send(client, url);
    } catch (const TransportError& error) {
      if (message) *message = error.what();
      return error.code();
    }
    FAIL("the request did not fail");
    return TransportErrorCode::invalid_request;
  }
};

ScriptedReply ok(std::string body = "{}") {
  ScriptedReply reply;
  reply.body = std::move(body);
  reply.headers = {{"Content-Type", "application/json"}};
  return reply;
}

EnvLookup environment(std::map<std::string, std::string, std::less<>> values) {
  return env_from_map(std::move(values));
}

struct TlsSetup {
  TestCertificateAuthority authority;
  mw::test::TempFolder directory;
  std::string bundle = (directory.path() / "ca.pem").string();
  TlsSetup() { authority.write_certificate(bundle); }

  KeyAndCertificate loopback_identity() const {
    CertificateRequest request;
    request.dns_names = {"localhost"};
    request.ip_addresses = {"127.0.0.1"};
    return authority.issue(request);
  }
  HttpClientOptions options() const {
    HttpClientOptions options;
    options.ca_bundle = bundle;
    return options;
  }
};

}  // namespace

TEST_CASE("keep-alive: sequential requests reuse one connection") {
  TestHttpServer server([](const ReceivedRequest&) { return ok(); });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  for (int i = 0; i < 3; ++i) CHECK(fixture.send(client, server.url()).status == 200);
  CHECK(server.connections() == 1);
  CHECK(client.stats().connections_opened == 1);
  CHECK(client.stats().connections_reused == 2);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("the request goes out as given, with Host and Content-Length added") {
  TestHttpServer server([](const ReceivedRequest&) { return ok(); });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  HttpRequest request;
  request.method = "POST";
  request.target = "/members/get?a=%2F&b=1";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "Svc.Op"}};
  request.body = R"({"AccountIds":["111111111111"]})";
  fixture.send(client, server.url(), request);
  auto received = server.requests().at(0);
  CHECK(received.method == "POST");
  CHECK(received.target == "/members/get?a=%2F&b=1");
  CHECK(received.header("Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(received.header("Content-Length") == std::to_string(request.body.size()));
  CHECK(received.header("X-Amz-Target") == "Svc.Op");
  CHECK(received.body == request.body);
}

TEST_CASE("a header with a line break is refused before anything is sent") {
  TestHttpServer server([](const ReceivedRequest&) { return ok(); });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  HttpRequest request;
  request.headers = {{"X-Evil", "a\r\nInjected: yes"}};
  CHECK_THROWS_AS(fixture.send(client, server.url(), request), TransportError);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a server that closes after each response gets a new connection each time") {
  TestHttpServer server([](const ReceivedRequest&) {
    auto reply = ok();
    reply.close_after = true;  // without saying so in a header
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  for (int i = 0; i < 3; ++i) CHECK(fixture.send(client, server.url()).body == "{}");
  CHECK(server.connections() == 3);
  CHECK(server.request_count() == 3);
}

TEST_CASE("a pooled connection the server dropped is replaced without failing the request") {
  TestHttpServer server([](const ReceivedRequest& request) {
    static std::map<std::size_t, int> per_connection;  // the server's thread only
    ScriptedReply reply = ok();
    reply.drop = ++per_connection[request.connection] == 2;  // the second request on any connection
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  CHECK(fixture.send(client, server.url()).status == 200);
  CHECK(fixture.send(client, server.url()).status == 200);
  CHECK(server.connections() == 2);
  CHECK(server.request_count() == 3);
  CHECK(client.stats().connections_reused == 1);
}

TEST_CASE("a new connection closed before any response is a ConnectionError") {
  TestHttpServer server([](const ReceivedRequest&) {
    ScriptedReply reply;
    reply.drop = true;
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  std::string message;
  CHECK(fixture.failure(client, server.url(), &message) == TransportErrorCode::connection_error);
  CHECK(message.find("closed before a response") != std::string::npos);
  CHECK(server.connections() == 1);
}

TEST_CASE("Connection: close is honoured and the connection is not pooled") {
  TestHttpServer server([](const ReceivedRequest&) {
    auto reply = ok();
    reply.headers.emplace_back("Connection", "close");
    reply.close_after = true;
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  fixture.send(client, server.url());
  CHECK(client.idle_connections() == 0);
  fixture.send(client, server.url());
  CHECK(server.connections() == 2);
  CHECK(client.stats().connections_reused == 0);
}

TEST_CASE("idle connections expire after the idle timeout") {
  TestHttpServer server([](const ReceivedRequest&) { return ok(); });
  Fixture fixture;
  HttpClientOptions options;
  options.idle_timeout = 50ms;
  HttpClient client(fixture.io.get_executor(), options);
  fixture.send(client, server.url());
  std::this_thread::sleep_for(120ms);
  fixture.send(client, server.url());
  CHECK(server.connections() == 2);
}

TEST_CASE("a chunked response is reassembled") {
  std::string body(1000, 'x');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  TestHttpServer server([&](const ReceivedRequest&) {
    auto reply = ok(body);
    reply.chunked = true;
    reply.chunk_size = 33;
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  CHECK(fixture.send(client, server.url()).body == body);
  CHECK(fixture.send(client, server.url()).body == body);
  CHECK(server.connections() == 1);
}

TEST_CASE("a body cut short is a TruncatedResponse") {
  TestHttpServer server([](const ReceivedRequest&) {
    auto reply = ok(std::string(500, 'x'));
    reply.truncate_body_at = 100;
    return reply;
  });
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  CHECK(fixture.failure(client, server.url()) == TransportErrorCode::truncated_response);
  CHECK(transport_code_name(TransportErrorCode::truncated_response) == "TruncatedResponse");
}

TEST_CASE("a body over the limit is a clear ResponseTooLarge, announced or chunked") {
  bool chunked = false;
  TestHttpServer server([&](const ReceivedRequest&) {
    auto reply = ok(std::string(5000, 'x'));
    reply.chunked = chunked;
    reply.chunk_size = 1000;
    return reply;
  });
  Fixture fixture;
  HttpClientOptions options;
  options.max_response_body = 4096;
  HttpClient client(fixture.io.get_executor(), options);
  std::string message;
  CHECK(fixture.failure(client, server.url(), &message) == TransportErrorCode::response_too_large);
  CHECK(message.find("4096") != std::string::npos);
  chunked = true;
  CHECK(fixture.failure(client, server.url()) == TransportErrorCode::response_too_large);
}

TEST_CASE("a slow server hits the request timeout") {
  TestHttpServer server([](const ReceivedRequest&) {
    auto reply = ok();
    reply.delay = 3s;
    return reply;
  });
  Fixture fixture;
  HttpClientOptions options;
  options.request_timeout = 150ms;
  HttpClient client(fixture.io.get_executor(), options);
  auto started = std::chrono::steady_clock::now();
  CHECK(fixture.failure(client, server.url()) == TransportErrorCode::request_timeout);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
}

TEST_CASE("a refused connection is a ConnectionError") {
  unsigned short port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  std::string message;
  CHECK(fixture.failure(client, "http://127.0.0.1:" + std::to_string(port), &message) ==
        TransportErrorCode::connection_error);
  CHECK(message.find("cannot connect") != std::string::npos);
}

TEST_CASE("an unsupported scheme is refused") {
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), {});
  Endpoint endpoint;
  endpoint.scheme = "ftp";
  endpoint.host = "127.0.0.1";
  auto future = asio::co_spawn(fixture.io, client.send(endpoint, {}), asio::use_future);
  fixture.io.run();
  CHECK_THROWS_AS(future.get(), TransportError);
}

TEST_CASE("HTTPS with the test CA configured: verified, kept alive, sessions resumed") {
  TlsSetup tls;
  bool close = false;
  TestHttpServer server(
      [&](const ReceivedRequest&) {
        auto reply = ok("secure");
        reply.close_after = close;
        return reply;
      },
      tls.loopback_identity());
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), tls.options());
  CHECK(fixture.send(client, server.url()).body == "secure");
  CHECK(fixture.send(client, server.url()).body == "secure");
  CHECK(server.connections() == 1);
  CHECK(client.stats().tls_handshakes == 1);

  close = true;
  fixture.send(client, server.url());  // closes the pooled connection afterwards
  fixture.send(client, server.url());  // new connection: resumes the session
  CHECK(server.connections() == 2);
  CHECK(server.tls_handshakes() == 2);
  CHECK(server.tls_resumed() == 1);
  CHECK(client.stats().tls_resumed == 1);
}

TEST_CASE("HTTPS by host name: SNI and DNS name verification") {
  TlsSetup tls;
  TestHttpServer server([](const ReceivedRequest&) { return ok("named"); }, tls.loopback_identity());
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), tls.options());
  CHECK(fixture.send(client, server.url("localhost")).body == "named");
}

TEST_CASE("a certificate for another host name is rejected") {
  TlsSetup tls;
  CertificateRequest request;
  request.dns_names = {"other.example"};
  TestHttpServer server([](const ReceivedRequest&) { return ok(); }, tls.authority.issue(request));
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), tls.options());
  std::string message;
  CHECK(fixture.failure(client, server.url(), &message) == TransportErrorCode::tls_error);
  CHECK(message.find("certificate rejected") != std::string::npos);
  CHECK(server.request_count() == 0);
}

TEST_CASE("an expired certificate is rejected") {
  TlsSetup tls;
  CertificateRequest request;
  request.ip_addresses = {"127.0.0.1"};
  request.not_before_offset = -48h;
  request.not_after_offset = -24h;
  TestHttpServer server([](const ReceivedRequest&) { return ok(); }, tls.authority.issue(request));
  Fixture fixture;
  HttpClient client(fixture.io.get_executor(), tls.options());
  std::string message;
  CHECK(fixture.failure(client, server.url(), &message) == TransportErrorCode::tls_error);
  CHECK(message.find("expired") != std::string::npos);
}

TEST_CASE("a self-signed certificate is rejected unless it is the configured CA bundle") {
  CertificateRequest request;
  request.ip_addresses = {"127.0.0.1"};
  auto identity = self_signed_certificate(request);
  TestHttpServer server([](const ReceivedRequest&) { return ok("trusted"); }, identity);
  Fixture fixture;
  {
    TlsSetup other_ca;
    HttpClient client(fixture.io.get_executor(), other_ca.options());
    CHECK(fixture.failure(client, server.url()) == TransportErrorCode::tls_error);
  }
  {
    HttpClient client(fixture.io.get_executor(), {});  // the system trust store
    CHECK(fixture.failure(client, server.url()) == TransportErrorCode::tls_error);
  }
  mw::test::TempFolder directory;
  auto bundle = directory.path() / "self.pem";
  { std::ofstream(bundle) << identity.certificate_pem; }
  HttpClientOptions options;
  options.ca_bundle = bundle.string();
  HttpClient client(fixture.io.get_executor(), options);
  CHECK(fixture.send(client, server.url()).body == "trusted");
}

TEST_CASE("a CA bundle that cannot be read is a clear setup error") {
  asio::io_context io;
  HttpClientOptions options;
  options.ca_bundle = "/nonexistent/ca.pem";
  try {
    HttpClient client(io.get_executor(), options);
    FAIL("no error");
  } catch (const TlsSetupError& error) {
    CHECK(std::string(error.what()).find("/nonexistent/ca.pem") != std::string::npos);
  }
}

TEST_CASE("a server that never finishes the TLS handshake hits the handshake timeout") {
  asio::io_context server_io;
  asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(server_io);
  Fixture fixture;
  HttpClientOptions options;
  options.handshake_timeout = 150ms;
  HttpClient client(fixture.io.get_executor(), options);
  // The kernel completes the TCP handshake from the listen backlog; nobody answers the ClientHello.
  std::string message;
  CHECK(fixture.failure(client, "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
                        &message) == TransportErrorCode::connect_timeout);
  CHECK(message.find("TLS handshake timed out") != std::string::npos);
}

TEST_CASE("HTTPS through an HTTPS_PROXY with CONNECT, with proxy credentials") {
  TlsSetup tls;
  TestHttpServer server([](const ReceivedRequest&) { return ok("tunnelled"); }, tls.loopback_identity());
  TestConnectProxy proxy("Basic dXNlcjpwYSBzcw==");  // user:pa ss
  Fixture fixture;
  auto options = tls.options();
  options.proxy = proxy_config_from_environment(
      environment({{"HTTPS_PROXY", "http://user:pa%20ss@127.0.0.1:" + std::to_string(proxy.port())}}));
  HttpClient client(fixture.io.get_executor(), options);
  CHECK(fixture.send(client, server.url()).body == "tunnelled");
  CHECK(fixture.send(client, server.url()).body == "tunnelled");
  CHECK(proxy.connect_targets() == std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
  CHECK(server.connections() == 1);
}

TEST_CASE("a proxy that refuses CONNECT is a ConnectionError naming the status") {
  TlsSetup tls;
  TestHttpServer server([](const ReceivedRequest&) { return ok(); }, tls.loopback_identity());
  TestConnectProxy proxy("Basic c2VjcmV0");
  Fixture fixture;
  auto options = tls.options();
  options.proxy = proxy_config_from_environment(environment({{"https_proxy", proxy.url()}}));
  HttpClient client(fixture.io.get_executor(), options);
  std::string message;
  CHECK(fixture.failure(client, server.url(), &message) == TransportErrorCode::connection_error);
  CHECK(message.find("status=407") != std::string::npos);
  CHECK(server.connections() == 0);
}

TEST_CASE("NO_PROXY hosts and plain http endpoints go direct") {
  TlsSetup tls;
  TestHttpServer secure([](const ReceivedRequest&) { return ok("direct"); }, tls.loopback_identity());
  TestHttpServer plain([](const ReceivedRequest&) { return ok("plain"); });
  TestConnectProxy proxy;
  Fixture fixture;
  auto options = tls.options();
  options.proxy = proxy_config_from_environment(
      environment({{"HTTPS_PROXY", proxy.url()}, {"NO_PROXY", "example.com, 127.0.0.0/8"}}));
  HttpClient client(fixture.io.get_executor(), options);
  CHECK(fixture.send(client, secure.url()).body == "direct");
  CHECK(fixture.send(client, plain.url()).body == "plain");
  CHECK(proxy.connect_targets().empty());
}

TEST_CASE("proxy settings: precedence, defaults and clear errors") {
  auto config = proxy_config_from_environment(
      environment({{"https_proxy", "proxy.internal:3128"}, {"HTTPS_PROXY", "http://ignored:1"}}));
  REQUIRE(config.https_proxy.has_value());
  CHECK(config.https_proxy->host == "proxy.internal");
  CHECK(config.https_proxy->port == 3128);
  CHECK(config.authorization.empty());

  config = proxy_config_from_environment(environment({{"HTTPS_PROXY", "http://proxy.internal"}}));
  CHECK(config.https_proxy->port == 80);

  CHECK_FALSE(proxy_config_from_environment(environment({})).https_proxy.has_value());
  CHECK_FALSE(proxy_config_from_environment(environment({{"HTTPS_PROXY", "  "}})).https_proxy.has_value());
  CHECK_THROWS_WITH_AS(proxy_config_from_environment(environment({{"HTTPS_PROXY", "https://proxy:443"}})),
                       doctest::Contains("http://"), std::invalid_argument);
  CHECK_THROWS_AS(proxy_config_from_environment(environment({{"HTTPS_PROXY", "http://proxy:99999"}})),
                  std::invalid_argument);
}

TEST_CASE("NO_PROXY matching: suffixes, leading dots, wildcards, CIDR blocks") {
  auto config = proxy_config_from_environment(
      environment({{"HTTPS_PROXY", "http://proxy:3128"},
                   {"no_proxy", "amazonaws.com.cn,.internal, *.corp, 10.0.0.0/8, ::1"}}));
  CHECK(proxy_bypassed(config, "sts.cn-north-1.amazonaws.com.cn"));
  CHECK(proxy_bypassed(config, "amazonaws.com.cn"));
  CHECK(proxy_bypassed(config, "SECURITYHUB.CN-NORTH-1.AMAZONAWS.COM.CN."));
  CHECK_FALSE(proxy_bypassed(config, "notamazonaws.com.cn"));
  CHECK_FALSE(proxy_bypassed(config, "securityhub.us-east-1.amazonaws.com"));
  CHECK(proxy_bypassed(config, "host.internal"));
  CHECK(proxy_bypassed(config, "a.b.corp"));
  CHECK(proxy_bypassed(config, "10.20.30.40"));
  CHECK_FALSE(proxy_bypassed(config, "11.0.0.1"));
  CHECK(proxy_bypassed(config, "::1"));

  Endpoint https{"https", "securityhub.us-east-1.amazonaws.com", 443, ""};
  Endpoint plain{"http", "securityhub.us-east-1.amazonaws.com", 80, ""};
  CHECK(proxy_for(config, https).has_value());
  CHECK_FALSE(proxy_for(config, plain).has_value());

  auto everything =
      proxy_config_from_environment(environment({{"HTTPS_PROXY", "proxy:1"}, {"NO_PROXY", "*"}}));
  CHECK_FALSE(proxy_for(everything, https).has_value());
}
