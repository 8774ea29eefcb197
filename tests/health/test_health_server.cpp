// The health server over loopback, driven by raw POSIX sockets so that the
// tests see exactly the bytes on the wire.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/etag.hpp"
#include "health/health_server.hpp"
#include "support/test_files.hpp"

using namespace mw::health;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Parses one response from the front of `raw`; `has_body` false for HEAD
// and 304. Returns nullopt while incomplete.
std::optional<Response> take_response(std::string& raw, bool has_body) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  Response response;
  std::string head = raw.substr(0, end);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  REQUIRE(status_line.starts_with("HTTP/1."));
  response.status = std::stoi(status_line.substr(9, 3));
  for (std::size_t at = line_end; at != std::string::npos && at < head.size();) {
    auto next = head.find("\r\n", at + 2);
    std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    auto colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    response.headers[lower(line.substr(0, colon))] = line.substr(line.find_first_not_of(' ', colon + 1));
    at = next;
  }
  std::size_t length = 0;
  if (has_body && response.headers.contains("content-length")) {
    length = std::stoul(response.headers["content-length"]);
  }
  if (raw.size() < end + 4 + length) return std::nullopt;
  response.body = raw.substr(end + 4, length);
  raw.erase(0, end + 4 + length);
  return response;
}

class Client {
 public:
  explicit Client(std::uint16_t port, bool v6 = false) {
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    int result;
    if (v6) {
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_port = htons(port);
      address.sin6_addr = in6addr_loopback;
      result = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    } else {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      result = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    connect_errno_ = result == 0 ? 0 : errno;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connect_errno_ == 0; }
  int connect_errno() const { return connect_errno_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      REQUIRE(sent > 0);
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }

  // Reads what arrives within `timeout`; true when the peer closed (or reset).
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buffer[65536];
    ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
    if (size <= 0) {
      closed_ = true;
      return true;
    }
    received_.append(buffer, static_cast<std::size_t>(size));
    return false;
  }

  // Everything until the peer closes; REQUIREs that it does within `timeout`.
  std::string read_until_close(std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline) {
      read_some(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) + 1ms);
    }
    REQUIRE_MESSAGE(closed_, "the server did not close the connection");
    return std::exchange(received_, {});
  }

  Response read_response(bool has_body = true, std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto response = take_response(received_, has_body)) return *response;
      REQUIRE_MESSAGE(!closed_, "connection closed before a whole response");
      REQUIRE_MESSAGE(Clock::now() < deadline, "no whole response in time");
      read_some(10ms);
    }
  }

  Response request(std::string_view bytes) {
    send(bytes);
    return read_response();
  }

  // True when the peer closes within `timeout`.
  bool closes_within(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!closed_ && Clock::now() < deadline) read_some(10ms);
    return closed_;
  }

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
  bool closed_ = false;
  std::string received_;
};

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers) +
         "\r\n";
}

// A HealthServer on its own event-loop thread, with handlers the test
// changes through set_*.
class TestServer {
 public:
  explicit TestServer(HealthLimits limits = {}, std::string address = "127.0.0.1:0")
      : server_(io_, handlers(), limits) {
    server_.listen(address);
    port_ = server_.port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    on_loop([this] { server_.stop(); });
    work_.reset();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

  template <typename Function>
  auto on_loop(Function function) -> decltype(function()) {
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  HealthServer& server() { return server_; }

  void set_readiness(Readiness readiness) {
    std::lock_guard lock(mutex_);
    readiness_ = std::move(readiness);
  }
  // Writes the snapshot file as the daemon does (a new file renamed over
  // the old one) and describes it.
  void set_snapshot(std::string_view bytes) {
    const auto path = folder_.path() / "snapshot.json";
    mw::test::write_file(folder_.path() / "snapshot.json.new", bytes);
    std::filesystem::rename(folder_.path() / "snapshot.json.new", path);
    std::lock_guard lock(mutex_);
    snapshot_ = std::make_shared<const SnapshotDocument>(
        SnapshotDocument{path, bytes.size(), mw::strong_etag(bytes)});
  }
  const std::filesystem::path& folder() const { return folder_.path(); }
  void set_metrics_throw(bool value) {
    std::lock_guard lock(mutex_);
    metrics_throw_ = value;
  }

  bool wait_for_connections(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (on_loop([this] { return server_.connection_count(); }) == count) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  HealthHandlers handlers() {
    return {
        [this] {
          std::lock_guard lock(mutex_);
          return readiness_;
        },
        [this] {
          std::lock_guard lock(mutex_);
          if (metrics_throw_) throw std::runtime_error("registry exploded");
          return std::string("mw_up 1\n");
        },
        [this] {
          std::lock_guard lock(mutex_);
          return snapshot_;
        },
    };
  }

  mw::test::TempFolder folder_{"health-server"};
  std::mutex mutex_;
  Readiness readiness_{true, ""};
  std::shared_ptr<const SnapshotDocument> snapshot_;
  bool metrics_throw_ = false;
  boost::asio::io_context io_;
  // Keeps the loop running when the server has nothing left to do.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  HealthServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

HealthLimits short_limits() {
  HealthLimits limits;
  limits.request_timeout = 300ms;
  limits.idle_timeout = 300ms;
  limits.write_timeout = 1s;
  return limits;
}

template <typename Duration>
long long milliseconds(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

TEST_CASE("GET /healthz answers 200 and keeps the connection for further requests") {
  TestServer server;
  CHECK(server.port() != 0);
  Client client(server.port());
  for (int i = 0; i < 3; ++i) {
    auto response = client.request(get("/healthz"));
    CHECK(response.status == 200);
    CHECK(response.body == "ok\n");
    CHECK(response.headers["content-type"] == "text/plain; charset=utf-8");
  }
}

TEST_CASE("/readyz turns from 503 with a JSON reason to 200") {
  TestServer server;
  server.set_readiness({false, "no snapshot has been written yet"});
  Client client(server.port());
  auto unready = client.request(get("/readyz"));
  CHECK(unready.status == 503);
  CHECK(unready.headers["content-type"] == "application/json");
  CHECK(unready.body == "{\"status\":\"not ready\",\"reason\":\"no snapshot has been written yet\"}\n");
  server.set_readiness({true, ""});
  auto ready = client.request(get("/readyz"));
  CHECK(ready.status == 200);
  CHECK(ready.body == "{\"status\":\"ready\"}\n");
}

TEST_CASE("/metrics is served with the Prometheus 0.0.4 content type") {
  TestServer server;
  Client client(server.port());
  auto response = client.request(get("/metrics"));
  CHECK(response.status == 200);
  CHECK(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(response.body == "mw_up 1\n");
}

TEST_CASE("/snapshot serves the bytes with a strong ETag and 304 to If-None-Match") {
  TestServer server;
  Client client(server.port());
  CHECK(client.request(get("/snapshot")).status == 503);
  server.set_snapshot("{\"schema\":\"memberwatch.snapshot/v1\"}\n");
  auto full = client.request(get("/snapshot"));
  CHECK(full.status == 200);
  CHECK(full.body == "{\"schema\":\"memberwatch.snapshot/v1\"}\n");
  CHECK(full.headers["content-type"] == "application/json");
  std::string etag = full.headers["etag"];
  CHECK(etag.size() == 34);
  CHECK(etag.front() == '"');

  client.send(get("/snapshot", "If-None-Match: " + etag + "\r\n"));
  auto unchanged = client.read_response(false);
  CHECK(unchanged.status == 304);
  CHECK(unchanged.headers["etag"] == etag);
  CHECK_FALSE(unchanged.headers.contains("content-length"));

  server.set_snapshot("{\"schema\":\"memberwatch.snapshot/v1\",\"x\":1}\n");
  auto changed = client.request(get("/snapshot", "If-None-Match: " + etag + "\r\n"));
  CHECK(changed.status == 200);
  CHECK(changed.headers["etag"] != etag);
  // Nothing stray was sent after the 304: the stream is still in step.
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("HEAD gets the headers of GET, Content-Length included, and no body") {
  TestServer server;
  Client client(server.port());
  client.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string raw = client.read_until_close();
  CHECK(raw.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(raw.find("Content-Length: 8\r\n") != std::string::npos);
  CHECK(raw.find("\r\n\r\n") == raw.size() - 4);
}

TEST_CASE("HEAD /snapshot gives the file's Content-Length and no body") {
  TestServer server;
  server.set_snapshot("{\"schema\":\"memberwatch.snapshot/v1\"}\n");
  Client client(server.port());
  client.send("HEAD /snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string raw = client.read_until_close();
  CHECK(raw.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(raw.find("Content-Length: 37\r\n") != std::string::npos);
  CHECK(raw.find("\r\n\r\n") == raw.size() - 4);
}

TEST_CASE("/snapshot is sent from the file: large ones whole, the file replaced meanwhile served as opened") {
  TestServer server;
  std::string large(24 * 1024 * 1024, ' ');
  for (std::size_t i = 0; i < large.size(); i += 4099) large[i] = static_cast<char>('a' + i % 26);
  server.set_snapshot(large);
  const auto etag = mw::strong_etag(large);
  Client slow(server.port());
  slow.send(get("/snapshot"));
  // While the first client has not read its answer, the next cycle replaces the file.
  std::this_thread::sleep_for(50ms);
  server.set_snapshot("{\"next\":true}\n");
  auto first = slow.read_response();
  CHECK(first.status == 200);
  CHECK(first.headers["etag"] == etag);
  CHECK(first.body.size() == large.size());
  CHECK(first.body == large);
  Client fresh(server.port());
  auto second = fresh.request(get("/snapshot"));
  CHECK(second.body == "{\"next\":true}\n");
  CHECK(second.headers["etag"] == mw::strong_etag("{\"next\":true}\n"));
}

TEST_CASE("/snapshot whose file went away is 503, whose file changed outside is served without the tag") {
  TestServer server;
  server.set_snapshot("{\"a\":1}\n");
  std::filesystem::remove(server.folder() / "snapshot.json");
  Client client(server.port());
  auto gone = client.request(get("/snapshot"));
  CHECK(gone.status == 503);
  CHECK(gone.body.find("the snapshot file cannot be read") != std::string::npos);
  CHECK(client.request(get("/healthz")).status == 200);  // the connection goes on

  server.set_snapshot("{\"a\":1}\n");
  mw::test::write_file(server.folder() / "snapshot.json", "{\"edited\":\"by hand\"}\n");
  auto edited = client.request(get("/snapshot"));
  CHECK(edited.status == 200);
  CHECK(edited.body == "{\"edited\":\"by hand\"}\n");
  CHECK_FALSE(edited.headers.contains("etag"));

  // A link planted in its place is not followed.
  std::filesystem::remove(server.folder() / "snapshot.json");
  std::filesystem::create_symlink("/etc/hostname", server.folder() / "snapshot.json");
  CHECK(client.request(get("/snapshot")).status == 503);
}

TEST_CASE("pipelined requests are answered in order") {
  TestServer server;
  server.set_readiness({false, "no cycle has finished yet"});
  Client client(server.port());
  client.send(get("/healthz") + "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + get("/nope") +
              get("/readyz", "Connection: close\r\n"));
  std::string raw = client.read_until_close();
  auto first = take_response(raw, true);
  auto second = take_response(raw, false);
  auto third = take_response(raw, true);
  auto fourth = take_response(raw, true);
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  REQUIRE(fourth);
  CHECK(first->body == "ok\n");
  CHECK(second->status == 200);
  CHECK(second->headers["content-length"] == "8");
  CHECK(third->status == 404);
  CHECK(fourth->status == 503);
  CHECK(fourth->headers["connection"] == "close");
  CHECK(raw.empty());
}

TEST_CASE("unknown paths get 404, other methods 405 with Allow: GET, HEAD") {
  TestServer server;
  Client client(server.port());
  CHECK(client.request(get("/admin")).status == 404);
  auto post = client.request("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  CHECK(post.status == 405);
  CHECK(post.headers["allow"] == "GET, HEAD");
  auto del = client.request("DELETE /snapshot HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(del.status == 405);
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("an HTTP/1.0 request is answered and the connection closed") {
  TestServer server;
  Client client(server.port());
  client.send("GET /healthz HTTP/1.0\r\n\r\n");
  std::string raw = client.read_until_close();
  CHECK(raw.starts_with("HTTP/1.0 200 OK\r\n"));
  CHECK(raw.ends_with("\r\n\r\nok\n"));
}

TEST_CASE("at most 64 connections: the 65th is closed at once, the others keep working") {
  TestServer server;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 64; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    REQUIRE(clients.back()->connected());
  }
  REQUIRE(server.wait_for_connections(64));
  Client extra(server.port());
  auto started = Clock::now();
  CHECK(extra.read_until_close(2s).empty());
  CHECK(milliseconds(Clock::now() - started) < 1000);
  CHECK(clients.front()->request(get("/healthz")).status == 200);
  CHECK(clients.back()->request(get("/healthz")).status == 200);

  clients[10]->close();
  REQUIRE(server.wait_for_connections(63));
  Client replacement(server.port());
  CHECK(replacement.request(get("/healthz")).status == 200);
}

TEST_CASE("headers over 8 KiB get 431 and a closed connection, smaller ones are served") {
  TestServer server;
  Client fits(server.port());
  CHECK(fits.request(get("/healthz", "X-Padding: " + std::string(7000, 'a') + "\r\n")).status == 200);
  Client big(server.port());
  big.send(get("/healthz", "X-Padding: " + std::string(9000, 'a') + "\r\n"));
  std::string raw = big.read_until_close();
  CHECK(raw.starts_with("HTTP/1.1 431 "));
  CHECK(raw.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("request bodies over 1 KiB get 413 and a closed connection") {
  TestServer server;
  Client small(server.port());
  CHECK(small
            .request("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" +
                     std::string(1024, 'b'))
            .status == 200);

  Client big(server.port());
  big.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'b'));
  std::string raw = big.read_until_close();
  CHECK(raw.starts_with("HTTP/1.1 413 "));

  Client chunked(server.port());
  chunked.send("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
               std::string(2048, 'c') + "\r\n0\r\n\r\n");
  CHECK(chunked.read_until_close().starts_with("HTTP/1.1 413 "));
}

TEST_CASE("garbage bytes get 400 and a closed connection") {
  TestServer server;
  Client client(server.port());
  client.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n", 24));
  std::string raw = client.read_until_close();
  CHECK(raw.starts_with("HTTP/1.1 400 Bad Request\r\n"));

  Client bad_version(server.port());
  bad_version.send("GET /healthz HTTP/9.x\r\n\r\n");
  CHECK(bad_version.read_until_close().starts_with("HTTP/1.1 400 "));
}

TEST_CASE("a request not read in time is dropped") {
  TestServer server(short_limits());
  Client slow(server.port());
  auto started = Clock::now();
  slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  CHECK(slow.read_until_close(5s).empty());
  auto waited = milliseconds(Clock::now() - started);
  CHECK(waited >= 250);
  CHECK(waited < 3000);

  Client silent(server.port());  // connects and sends nothing
  CHECK(silent.closes_within(3s));
}

TEST_CASE("a slow trickle cannot stretch the request timeout") {
  TestServer server(short_limits());
  Client client(server.port());
  auto started = Clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    client.send("X");
    closed = client.closes_within(50ms);
  }
  CHECK(closed);
  CHECK(milliseconds(Clock::now() - started) < 1500);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  HealthLimits limits;
  limits.idle_timeout = 300ms;
  TestServer server(limits);
  Client client(server.port());
  CHECK(client.request(get("/healthz")).status == 200);
  auto started = Clock::now();
  CHECK(client.closes_within(5s));
  auto waited = milliseconds(Clock::now() - started);
  CHECK(waited >= 250);
  CHECK(waited < 3000);
}

TEST_CASE("a handler that throws gives 500 and the server goes on") {
  TestServer server;
  server.set_metrics_throw(true);
  Client client(server.port());
  CHECK(client.request(get("/metrics")).status == 500);
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("IPv6 loopback in brackets") {
  TestServer server({}, "[::1]:0");
  CHECK(server.on_loop([&] { return server.server().local_address(); }) ==
        "[::1]:" + std::to_string(server.port()));
  Client client(server.port(), true);
  REQUIRE(client.connected());
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("listen again moves to the new address and keeps open connections") {
  TestServer server;
  auto old_port = server.port();
  Client kept(old_port);
  CHECK(kept.request(get("/healthz")).status == 200);

  auto new_port = server.on_loop([&] {
    server.server().listen("127.0.0.1:0");
    return server.server().port();
  });
  CHECK(new_port != old_port);
  CHECK(Client(old_port).connect_errno() == ECONNREFUSED);
  Client moved(new_port);
  CHECK(moved.request(get("/healthz")).status == 200);
  CHECK(kept.request(get("/healthz")).status == 200);

  // The same address again changes nothing.
  auto same = "127.0.0.1:" + std::to_string(new_port);
  CHECK(server.on_loop([&] {
    server.server().listen(same);
    return server.server().port();
  }) == new_port);
}

TEST_CASE("a failed rebind keeps the old listener and reports why") {
  TestServer server;
  auto port = server.port();
  CHECK_THROWS_AS(server.on_loop([&] { server.server().listen("nonsense"); }), std::invalid_argument);

  // A port someone else holds.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(holder, 1) == 0);
  socklen_t length = sizeof address;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
  auto taken = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  CHECK_THROWS_AS(server.on_loop([&] { server.server().listen(taken); }), std::system_error);
  ::close(holder);

  CHECK(server.on_loop([&] { return server.server().port(); }) == port);
  Client client(port);
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("moving to another address on the same port releases the old listener first") {
  TestServer server;
  auto port = server.port();
  // [::ffff:127.0.0.1]:P clashes with 127.0.0.1:P until the old one closes.
  auto mapped = "[::ffff:127.0.0.1]:" + std::to_string(port);
  CHECK(server.on_loop([&] {
    server.server().listen(mapped);
    return server.server().local_address();
  }) == mapped);
  Client client(port);
  CHECK(client.request(get("/healthz")).status == 200);
}

TEST_CASE("an empty address turns the endpoint off, stop closes every connection") {
  TestServer server;
  auto port = server.port();
  Client open(port);
  CHECK(open.request(get("/healthz")).status == 200);
  server.on_loop([&] { server.server().listen(""); });
  CHECK_FALSE(server.on_loop([&] { return server.server().listening(); }));
  CHECK(Client(port).connect_errno() == ECONNREFUSED);
  CHECK(open.request(get("/healthz")).status == 200);

  server.on_loop([&] { server.server().stop(); });
  CHECK(open.closes_within(2s));
  CHECK(server.wait_for_connections(0));
}

TEST_CASE("a client that stops reading is dropped after the write timeout") {
  HealthLimits limits;
  limits.write_timeout = 300ms;
  TestServer server(limits);
  server.set_snapshot(std::string(64 * 1024 * 1024, 'x'));  // far more than the socket buffers hold
  Client client(server.port());
  client.send(get("/snapshot"));
  REQUIRE(server.wait_for_connections(1));
  auto started = Clock::now();
  CHECK(server.wait_for_connections(0, 10s));
  CHECK(milliseconds(Clock::now() - started) >= 200);
}
