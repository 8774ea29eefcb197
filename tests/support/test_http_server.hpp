#pragma once

// Loopback servers for tests, each on 127.0.0.1 with a port chosen by the
// kernel and its own thread and io_context (so a test's client can block
// its own loop freely): a scriptable HTTP/1.1 server, plain or TLS, and an
// HTTP CONNECT proxy. Both count what they see for assertions and stop in
// their destructors.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/test_tls.hpp"

namespace mw::test {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct ReceivedRequest {
  std::string method;
  std::string target;
  TestHeaders headers;
  std::string body;
  std::size_t connection = 0;  // 1 for the first connection accepted, 2 for the next, ...

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

// What the server does with one request.
struct ScriptedReply {
  unsigned status = 200;
  TestHeaders headers;  // Content-Length is added unless chunked or already given
  std::string body;
  bool chunked = false;  // Transfer-Encoding: chunked, the body in chunks of chunk_size
  std::size_t chunk_size = 7;
  bool close_after = false;  // close the connection after this reply
  // Announce the whole body's length but send only this many bytes, then close.
  std::optional<std::size_t> truncate_body_at;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  std::optional<std::string> raw;      // send these bytes instead of a built response
  bool drop = false;                   // close the connection without answering
};

using RequestHandler = std::function<ScriptedReply(const ReceivedRequest&)>;

class TestHttpServer {
 public:
  // Plain HTTP when `tls` is empty, else HTTPS with that identity. The
  // handler runs on the server's thread.
  explicit TestHttpServer(RequestHandler handler, std::optional<KeyAndCertificate> tls = std::nullopt);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:PORT" or "https://HOST:PORT".
  std::string url(std::string_view host = "127.0.0.1") const;

  std::size_t connections() const;     // TCP connections accepted
  std::size_t tls_handshakes() const;  // completed
  std::size_t tls_resumed() const;     // completed with a resumed session
  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A forward proxy that only speaks CONNECT and only tunnels to 127.0.0.1
// (or localhost). Other methods get 405; a failed upstream connect 502.
class TestConnectProxy {
 public:
  // With `required_authorization` set, a CONNECT without exactly that
  // Proxy-Authorization value gets 407.
  explicit TestConnectProxy(std::optional<std::string> required_authorization = std::nullopt);
  ~TestConnectProxy();
  TestConnectProxy(const TestConnectProxy&) = delete;
  TestConnectProxy& operator=(const TestConnectProxy&) = delete;

  unsigned short port() const;
  std::string url() const;                           // "http://127.0.0.1:PORT"
  std::vector<std::string> connect_targets() const;  // "host:port" of every CONNECT, in order

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::test
