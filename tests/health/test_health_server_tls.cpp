// The health server with a web configuration (health.web_config_file):
// TLS, client certificates, basic auth, extra headers, and the file loaded
// again when it changes. Certificates are made by the test; the client is
// OpenSSL over a blocking loopback socket.
#include <arpa/inet.h>
#include <crypt.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "health/health_server.hpp"
#include "health/web_config.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw::health;
using namespace std::chrono_literals;

namespace {

std::string bcrypt_hash(const std::string& password, unsigned long cost = 4) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn("$2b$", cost, nullptr, 0, setting, sizeof setting) != nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), setting, &data, sizeof data);
  REQUIRE(hash != nullptr);
  return hash;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

struct ClientIdentity {
  std::string certificate_pem;
  std::string private_key_pem;
};

// One request over TLS (Connection: close); the whole response text, or ""
// when the handshake or the exchange failed (the server refused).
std::string tls_request(std::uint16_t port, const std::string& ca_pem, const std::string& request,
                        const std::optional<ClientIdentity>& identity = std::nullopt) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  BIO* ca_bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr);
  BIO_free(ca_bio);
  REQUIRE(ca != nullptr);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(context.get()), ca);
  X509_free(ca);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
  if (identity) {
    BIO* cert_bio = BIO_new_mem_buf(identity->certificate_pem.data(), -1);
    X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    BIO_free(cert_bio);
    BIO* key_bio = BIO_new_mem_buf(identity->private_key_pem.data(), -1);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
    BIO_free(key_bio);
    REQUIRE(SSL_CTX_use_certificate(context.get(), cert) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(context.get(), key) == 1);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  const int fd = connect_to(port);
  SSL* ssl = SSL_new(context.get());
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, "127.0.0.1");
  std::string response;
  if (SSL_connect(ssl) == 1 && SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0) {
    char buffer[4096];
    for (int read = 0; (read = SSL_read(ssl, buffer, sizeof buffer)) > 0;) response.append(buffer, read);
  }
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
  return response;
}

// The same over plain TCP: what comes back until the server closes.
std::string plain_request(std::uint16_t port, const std::string& request) {
  const int fd = connect_to(port);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[4096];
  for (ssize_t read = 0; (read = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, read);
  ::close(fd);
  return response;
}

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
}

// "Authorization: Basic ..." for user:password.
std::string basic(const std::string& user_and_password) {
  std::string encoded(4 * ((user_and_password.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                   reinterpret_cast<const unsigned char*>(user_and_password.data()),
                                   static_cast<int>(user_and_password.size()));
  encoded.resize(size);
  return "Authorization: Basic " + encoded + "\r\n";
}

int status_of(const std::string& response) {
  if (!response.starts_with("HTTP/1.1 ")) return 0;
  return std::stoi(response.substr(9, 3));
}

// A server on its own loop thread, with its web configuration files in a
// temporary folder: a CA, the server's certificate for 127.0.0.1, a client
// certificate from the same CA.
class TlsFixture {
 public:
  explicit TlsFixture(HealthLimits limits = {}) : server_(io_, handlers(), limits) {
    mw::test::CertificateRequest request;
    request.ip_addresses = {"127.0.0.1"};
    const auto server = ca_.issue(request);
    mw::test::write_file(dir() / "server.crt", server.certificate_pem);
    mw::test::write_file(dir() / "server.key", server.private_key_pem);
    ca_.write_certificate(dir() / "ca.pem");
    mw::test::CertificateRequest client_request;
    client_request.common_name = "prometheus";
    const auto client = ca_.issue(client_request);
    client_ = {client.certificate_pem, client.private_key_pem};
    server_.listen("127.0.0.1:0");
    port_ = server_.port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsFixture() {
    on_loop([this] { server_.stop(); });
    work_.reset();
    thread_.join();
  }

  const std::filesystem::path& dir() const { return folder_.path(); }
  std::string web_path() const { return (dir() / "web.yml").string(); }
  std::uint16_t port() const { return port_; }
  const std::string& ca_pem() const { return ca_.certificate_pem(); }
  const ClientIdentity& client() const { return client_; }

  // Writes the web configuration and puts it in force (as the daemon does
  // at start and at reload).
  void use(const std::string& text) {
    mw::test::write_file(web_path(), text);
    auto load = load_web_config(web_path(), ::geteuid());
    for (const auto& error : load.errors) MESSAGE(error.to_string());
    REQUIRE(load.loaded);
    on_loop([&] { server_.use_web_config(load.loaded); });
  }

  template <typename Function>
  auto on_loop(Function function) -> decltype(function()) {
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

 private:
  static HealthHandlers handlers() {
    return {[] {
              return Readiness{true, ""};
            },
            [] { return std::string("mw_up 1\n"); },
            [] { return std::shared_ptr<const SnapshotDocument>(); }};
  }

  mw::test::TempFolder folder_{"health-tls"};
  mw::test::TestCertificateAuthority ca_;
  ClientIdentity client_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  HealthServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

const std::string kTls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

}  // namespace

TEST_CASE("with tls_server_config the endpoint speaks TLS only") {
  TlsFixture fixture;
  fixture.use(kTls);
  const auto response = tls_request(fixture.port(), fixture.ca_pem(), get("/metrics"));
  CHECK(status_of(response) == 200);
  CHECK(response.find("mw_up 1") != std::string::npos);
  // Plain HTTP to the TLS port: the handshake fails, the connection closes,
  // no HTTP answer comes back.
  const auto plain = plain_request(fixture.port(), get("/healthz"));
  CHECK(plain.find("HTTP/1.") == std::string::npos);
  CHECK(plain.find("mw_up") == std::string::npos);
}

TEST_CASE("TLS versions below min_version are refused") {
  TlsFixture fixture;
  fixture.use(kTls + "  min_version: TLS13\n");
  CHECK(status_of(tls_request(fixture.port(), fixture.ca_pem(), get("/healthz"))) == 200);
  // A client that stops at TLS 1.2.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_max_proto_version(context.get(), TLS1_2_VERSION);
  const int fd = connect_to(fixture.port());
  SSL* ssl = SSL_new(context.get());
  SSL_set_fd(ssl, fd);
  CHECK(SSL_connect(ssl) != 1);
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
}

TEST_CASE("basic auth: every path needs the right user and password") {
  TlsFixture fixture;
  fixture.use(
      kTls + "basic_auth_users:\n  prometheus: " + bcrypt_hash("s3cret") +
      "\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n");
  const auto& ca = fixture.ca_pem();
  for (const std::string target : {"/metrics", "/healthz", "/readyz", "/snapshot", "/nowhere"}) {
    CAPTURE(target);
    const auto missing = tls_request(fixture.port(), ca, get(target));
    CHECK(status_of(missing) == 401);
    CHECK(missing.find("WWW-Authenticate: Basic realm=\"memberwatch\"") != std::string::npos);
    CHECK(missing.find("mw_up") == std::string::npos);
  }
  const auto wrong = tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:wrong")));
  CHECK(status_of(wrong) == 401);
  CHECK(wrong.find("X-Frame-Options: deny") != std::string::npos);
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("nobody:s3cret")))) == 401);
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", "Authorization: Bearer x\r\n"))) == 401);
  const auto right = tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:s3cret")));
  CHECK(status_of(right) == 200);
  CHECK(right.find("mw_up 1") != std::string::npos);
  CHECK(right.find("X-Frame-Options: deny") != std::string::npos);
  CHECK(right.find("X-Content-Type-Options: nosniff") != std::string::npos);
  // Cached: the same credentials again, and a keep-alive connection.
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz", basic("prometheus:s3cret")))) == 200);
}

TEST_CASE("basic auth without TLS") {
  TlsFixture fixture;
  fixture.use("basic_auth_users:\n  prometheus: " + bcrypt_hash("s3cret") + "\n");
  CHECK(status_of(plain_request(fixture.port(), get("/metrics"))) == 401);
  CHECK(status_of(plain_request(fixture.port(), get("/metrics", basic("prometheus:nope")))) == 401);
  CHECK(status_of(plain_request(fixture.port(), get("/metrics", basic("prometheus:s3cret")))) == 200);
}

TEST_CASE("RequireAndVerifyClientCert: no certificate, or one of another CA, is refused") {
  TlsFixture fixture;
  fixture.use(kTls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n");
  const auto& ca = fixture.ca_pem();
  CHECK(tls_request(fixture.port(), ca, get("/healthz")).empty());
  mw::test::CertificateRequest request;
  const auto stranger = mw::test::self_signed_certificate(request);
  CHECK(tls_request(fixture.port(), ca, get("/healthz"),
                    ClientIdentity{stranger.certificate_pem, stranger.private_key_pem})
            .empty());
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz"), fixture.client())) == 200);
}

TEST_CASE("RequireAnyClientCert wants any certificate and VerifyClientCertIfGiven checks one when sent") {
  TlsFixture fixture;
  const auto& ca = fixture.ca_pem();
  mw::test::CertificateRequest request;
  const auto stranger = mw::test::self_signed_certificate(request);
  const ClientIdentity other{stranger.certificate_pem, stranger.private_key_pem};
  fixture.use(kTls + "  client_auth_type: RequireAnyClientCert\n");
  CHECK(tls_request(fixture.port(), ca, get("/healthz")).empty());
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz"), other)) == 200);
  fixture.use(kTls + "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n");
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz"))) == 200);
  CHECK(tls_request(fixture.port(), ca, get("/healthz"), other).empty());
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz"), fixture.client())) == 200);
}

TEST_CASE("a changed web configuration is loaded again at the next connection but a bad one is kept out") {
  TlsFixture fixture;
  fixture.use(kTls + "basic_auth_users:\n  prometheus: " + bcrypt_hash("first") + "\n");
  const auto& ca = fixture.ca_pem();
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:first")))) == 200);

  // A bad version (a hash that is not bcrypt): the one in force stays.
  mw::test::write_file(fixture.web_path(), kTls + "basic_auth_users:\n  prometheus: second\n");
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:second")))) == 401);
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:first")))) == 200);

  // A good one: in force from the next connection.
  mw::test::write_file(fixture.web_path(), kTls +
                                               "basic_auth_users:\n  prometheus: " + bcrypt_hash("second") +
                                               "\n  other: " + bcrypt_hash("x") + "\n");
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:second")))) == 200);
  CHECK(status_of(tls_request(fixture.port(), ca, get("/metrics", basic("prometheus:first")))) == 401);

  // TLS turned off by the file: plain HTTP from the next connection.
  mw::test::write_file(fixture.web_path(), "basic_auth_users:\n  prometheus: " + bcrypt_hash("third") + "\n");
  CHECK(status_of(plain_request(fixture.port(), get("/metrics", basic("prometheus:third")))) == 200);
}

TEST_CASE("the endpoint's limits hold under TLS: header size, handshake and request time, connections") {
  HealthLimits limits;
  limits.max_header_bytes = 1024;
  limits.request_timeout = 300ms;
  limits.max_connections = 2;
  limits.evict_waiting_after = 100ms;
  TlsFixture fixture(limits);
  fixture.use(kTls + "basic_auth_users:\n  prometheus: " + bcrypt_hash("s3cret") + "\n");
  const auto& ca = fixture.ca_pem();
  // 431 before any authentication.
  const auto large =
      tls_request(fixture.port(), ca, get("/metrics", "X-Padding: " + std::string(2000, 'a') + "\r\n"));
  CHECK(status_of(large) == 431);

  // A client that never starts the handshake is closed after request_timeout.
  const int silent = connect_to(fixture.port());
  const auto started = std::chrono::steady_clock::now();
  char byte;
  CHECK(::recv(silent, &byte, 1, 0) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  ::close(silent);

  // Two silent connections fill the slots; a third client still gets in by
  // evicting the one waiting longest.
  const int first = connect_to(fixture.port());
  const int second = connect_to(fixture.port());
  std::this_thread::sleep_for(150ms);
  CHECK(status_of(tls_request(fixture.port(), ca, get("/healthz", basic("prometheus:s3cret")))) == 200);
  ::close(first);
  ::close(second);
}

TEST_CASE("bcrypt does not hold up the event loop") {
  TlsFixture fixture;
  // Cost 13: a check takes hundreds of milliseconds.
  fixture.use("basic_auth_users:\n  prometheus: " + bcrypt_hash("s3cret", 13) + "\n");
  const auto started = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] {
    return status_of(plain_request(fixture.port(), get("/metrics", basic("prometheus:s3cret"))));
  });
  std::this_thread::sleep_for(20ms);
  // Meanwhile another client is answered at once (no credentials: 401).
  const auto quick_start = std::chrono::steady_clock::now();
  CHECK(status_of(plain_request(fixture.port(), get("/metrics"))) == 401);
  const auto quick = std::chrono::steady_clock::now() - quick_start;
  CHECK(slow.get() == 200);
  const auto slow_time = std::chrono::steady_clock::now() - started;
  MESSAGE("bcrypt took " << std::chrono::duration_cast<std::chrono::milliseconds>(slow_time).count()
                         << " ms, the other request "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(quick).count() << " ms");
  CHECK(quick * 3 < slow_time);
}
