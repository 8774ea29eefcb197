#include "ctl/reading.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <type_traits>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config/config.hpp"
#include "health/web_config.hpp"
#include "store/posix_file.hpp"
#include "store/snapshot_store.hpp"

namespace mw::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kReadTimeout = std::chrono::seconds(60);  // per piece: the daemon may be busy with a cycle
constexpr std::uint64_t kSnapshotBodyLimit = 64ull << 30;
constexpr std::uint64_t kAnswerBodyLimit = 1 << 20;

struct Endpoint {
  std::string host;
  std::string port;
  std::string base;  // "http://host:port", for messages
  bool tls = false;  // https://
  bool host_is_ip = false;
};

Endpoint endpoint_of(const std::string& url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  const bool tls = parsed && parsed->scheme() == "https";
  if (!parsed || (parsed->scheme() != "http" && !tls) || parsed->host().empty() ||
      (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") || parsed->has_query()) {
    throw CtlError(
        kExitUsage,
        "--url: '" + url + "' is not http://HOST[:PORT] or https://HOST[:PORT] (the daemon's health.listen)");
  }
  std::string host = parsed->host_address();
  const bool ip = parsed->host_type() == boost::urls::host_type::ipv4 ||
                  parsed->host_type() == boost::urls::host_type::ipv6;
  return {host,
          parsed->has_port() ? std::string(parsed->port())
          : tls              ? "443"
                             : "80",
          (tls ? "https://" : "http://") + std::string(parsed->encoded_host_and_port()), tls, ip};
}

void wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

std::string base64(std::string_view text) {
  std::string encoded(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int size =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  encoded.resize(static_cast<std::size_t>(size));
  return encoded;
}

// The TLS client context: the daemon's certificate verified against
// --ca-file (host name too), or the daemon's own certificate trusted as is
// (from its web configuration), or the system's CAs (host name too).
std::unique_ptr<asio::ssl::context> client_context(const EndpointClient& client) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_verify_mode(asio::ssl::verify_peer);
  if (client.ca_file) {
    boost::system::error_code error;
    context->load_verify_file(*client.ca_file, error);
    if (error) throw CtlError(kExitUsage, "--ca-file: " + *client.ca_file + ": " + error.message());
  } else if (client.pinned_cert_pem) {
    context->add_certificate_authority(asio::buffer(*client.pinned_cert_pem));
    // The leaf itself is the anchor, whoever issued it.
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(native), X509_V_FLAG_PARTIAL_CHAIN);
  } else {
    context->set_default_verify_paths();
  }
  if (client.cert_file) {
    boost::system::error_code error;
    context->use_certificate_chain_file(*client.cert_file, error);
    if (error) throw CtlError(kExitUsage, "--cert-file: " + *client.cert_file + ": " + error.message());
    context->use_private_key_file(client.key_file.value_or(""), asio::ssl::context::pem, error);
    if (error)
      throw CtlError(kExitUsage, "--key-file: " + client.key_file.value_or("") + ": " + error.message());
  }
  return context;
}

std::string unauthorized_message(const Endpoint& endpoint, const std::string& target,
                                 const EndpointClient& client) {
  const std::string where = endpoint.base + target + ": HTTP 401: ";
  if (!client.user) {
    return where +
           "the daemon wants a user and password (--user, with MEMBERWATCH_PASSWORD or --password-file)";
  }
  return where + "wrong user or password (user '" + *client.user + "')";
}

// One request to the daemon, its answer's body handed to `consume` in
// pieces as it arrives. Throws CtlError 69 on a connection or protocol
// failure, and for an answer other than 200 when `want_ok`.
struct Exchange {
  http::verb method = http::verb::get;
  std::string target;
  std::uint64_t body_limit = kAnswerBodyLimit;
  std::function<void(std::string_view piece)> consume;
  unsigned status = 0;
};

template <typename Stream>
asio::awaitable<void> talk(Stream& stream, const Endpoint& endpoint, Exchange& exchange,
                           const EndpointClient& client) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  http::request<http::empty_body> request(exchange.method, exchange.target, 11);
  request.set(http::field::host, endpoint.host);
  request.set(http::field::user_agent, "memberwatchctl");
  if (client.user) {
    std::string credentials = *client.user + ":" + client.password;
    std::string value = "Basic " + base64(credentials);
    request.set(http::field::authorization, value);
    wipe(credentials);
    wipe(value);
  }
  request.prepare_payload();
  tcp_layer.expires_after(kConnectTimeout);
  co_await http::async_write(stream, request, asio::use_awaitable);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(exchange.body_limit);
  tcp_layer.expires_after(kReadTimeout);
  co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
  exchange.status = parser.get().result_int();
  if (exchange.status == 401)
    throw CtlError(kExitNoPermission, unauthorized_message(endpoint, exchange.target, client));

  std::vector<char> piece(256 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    tcp_layer.expires_after(kReadTimeout);
    auto [error, _] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (error == http::error::need_buffer) error = {};
    if (error) throw boost::system::system_error(error);
    exchange.consume({piece.data(), piece.size() - parser.get().body().size});
  }
}

asio::awaitable<void> exchange_with(const Endpoint& endpoint, Exchange& exchange,
                                    const EndpointClient& client) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);

  stream.expires_after(kConnectTimeout);
  const auto addresses = co_await resolver.async_resolve(endpoint.host, endpoint.port, asio::use_awaitable);
  co_await stream.async_connect(addresses, asio::use_awaitable);
  if (!endpoint.tls) {
    co_await talk(stream, endpoint, exchange, client);
    co_return;
  }
  const auto context = client_context(client);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *context);
  SSL* ssl = tls.native_handle();
  if (!endpoint.host_is_ip) SSL_set_tlsext_host_name(ssl, endpoint.host.c_str());
  if (!client.pinned_cert_pem || client.ca_file) {
    // The certificate must name the host (or IP address) of the URL.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (endpoint.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
    }
  }
  beast::get_lowest_layer(tls).expires_after(kConnectTimeout);
  auto [error] =
      co_await tls.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
  if (error) {
    std::string reason = error.message();
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    throw CtlError(kExitUnavailable, endpoint.base + exchange.target + ": TLS handshake failed: " + reason);
  }
  co_await talk(tls, endpoint, exchange, client);
}

void run_exchange(const Endpoint& endpoint, Exchange& exchange, const EndpointClient& client) {
  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(io, exchange_with(endpoint, exchange, client),
                 [&](std::exception_ptr error) { failure = error; });
  io.run();
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const CtlError&) {
    throw;
  } catch (const std::exception& error) {
    throw CtlError(kExitUnavailable,
                   endpoint.base + exchange.target + ": cannot reach the daemon: " + error.what());
  }
}

// The parser's verdict on a whole text, as the command reports it.
core::Snapshot finish(store::SnapshotParser& parser, const std::string& name) {
  auto parsed = parser.finish();
  if (!parsed) throw CtlError(kExitData, name + ": not a memberwatch snapshot: " + parsed.error);
  return std::move(*parsed.value);
}

}  // namespace

// The password of --password-file (its first line) or MEMBERWATCH_PASSWORD.
std::optional<std::string> password_of(const EndpointAccess& access, const EnvironmentLookup& environment) {
  if (access.password_file) {
    std::ifstream in(*access.password_file, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line)) {
      throw CtlError(kExitUsage, "--password-file: " + *access.password_file + ": cannot be read");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  return environment("MEMBERWATCH_PASSWORD");
}

// health.web_config_file as memberwatchctl needs it: whether the endpoint
// speaks TLS, the daemon's certificate, its users.
struct DaemonWebConfig {
  bool tls = false;
  std::optional<std::string> cert_pem;
  std::vector<std::string> users;
};

DaemonWebConfig read_daemon_web_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CtlError(kExitConfig, path + ": cannot read the file (health.web_config_file)");
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = health::parse_web_config(text.str(), path);
  if (!parsed.config) throw CtlError(kExitConfig, parsed.errors.front().to_string());
  DaemonWebConfig web;
  for (const auto& [user, hash] : parsed.config->basic_auth_users) web.users.push_back(user);
  if (const auto& tls = parsed.config->tls) {
    web.tls = true;
    if (!tls->cert_file.empty()) {
      std::ifstream cert(tls->cert_file, std::ios::binary);
      std::ostringstream cert_text;
      if (cert) {
        cert_text << cert.rdbuf();
        web.cert_pem = cert_text.str();
      }
    } else if (!tls->cert_pem.empty()) {
      web.cert_pem = tls->cert_pem;
    }
  }
  return web;
}

// The client side of the endpoint's access: user, password, trust.
void set_client(Location& location, const EndpointAccess& access, const EnvironmentLookup& environment,
                const std::optional<DaemonWebConfig>& web) {
  EndpointClient& client = location.client;
  client.ca_file = access.ca_file;
  client.cert_file = access.cert_file;
  client.key_file = access.key_file;
  if (web && web->tls && !access.ca_file) client.pinned_cert_pem = web->cert_pem;
  auto password = password_of(access, environment);
  client.user = access.user;
  if (!client.user && password && web && !web->users.empty()) {
    if (web->users.size() > 1) {
      throw CtlError(kExitUsage, "--user is needed: the daemon's web configuration has " +
                                     std::to_string(web->users.size()) + " users");
    }
    client.user = web->users.front();
  }
  if (client.user && !password) {
    throw CtlError(kExitUsage,
                   "--user " + *client.user +
                       " needs a password: set MEMBERWATCH_PASSWORD or give --password-file FILE");
  }
  if (password) {
    client.password = std::move(*password);
    wipe(*password);
  }
}

Location locate(const Origin& origin) {
  return locate(origin, [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

Location locate(const Origin& origin, const EnvironmentLookup& environment) {
  Location location;
  if (origin.snapshot_path) {
    location.snapshot = *origin.snapshot_path;
    location.changes = location.snapshot->parent_path() / "changes.jsonl";
    return location;
  }
  if (origin.url) {
    const auto endpoint = endpoint_of(*origin.url);
    location.snapshot_url = endpoint.base;
    location.health_url = endpoint.base;
    set_client(location, origin.access, environment, std::nullopt);
    return location;
  }
  const auto loaded = config::load_config_file(origin.config_path);
  if (!loaded.config) {
    throw CtlError(kExitConfig, loaded.errors.empty() ? origin.config_path + ": cannot be loaded"
                                                      : loaded.errors.front().to_string());
  }
  const config::Config& config = *loaded.config;
  const std::filesystem::path state_dir = config.state_dir;
  location.snapshot = state_dir / config.snapshot.path;
  if (!config.snapshot.changes.empty()) location.changes = state_dir / config.snapshot.changes;
  std::optional<DaemonWebConfig> web;
  try {
    if (!config.health.web_config_file.empty()) web = read_daemon_web_config(config.health.web_config_file);
    set_client(location, origin.access, environment, web);
  } catch (const CtlError& error) {
    location.endpoint_error = error;
  }
  if (const auto listen = config::parse_listen_address(config.health.listen)) {
    const bool ipv6 = listen->host.find(':') != std::string::npos;
    // The daemon listening on every address is reached on loopback.
    std::string host = listen->host == "0.0.0.0" ? "127.0.0.1" : listen->host == "::" ? "::1" : listen->host;
    location.health_url = std::string(web && web->tls ? "https://" : "http://") +
                          (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(listen->port);
  }
  return location;
}

core::Snapshot read_snapshot(const Location& location, store::MembershipSink memberships,
                             store::AccountSink accounts, store::MembershipSelection selection) {
  store::SnapshotParser parser(std::move(memberships), std::move(accounts), std::move(selection));
  if (location.snapshot) {
    const std::string name = location.snapshot->string();
    try {
      if (!store::read_file_in_pieces(*location.snapshot,
                                      [&](std::string_view piece) { parser.write(piece); })) {
        throw CtlError(kExitNoInput, name + ": no snapshot (has memberwatchd written one yet?)");
      }
    } catch (const store::StoreError& error) {
      throw CtlError(kExitNoInput, error.what());
    }
    return finish(parser, name);
  }
  const auto endpoint = endpoint_of(location.snapshot_url.value_or(""));
  Exchange exchange{http::verb::get, "/snapshot", kSnapshotBodyLimit,
                    [&](std::string_view piece) { parser.write(piece); }};
  run_exchange(endpoint, exchange, location.client);
  if (exchange.status == 404 || exchange.status == 503) {
    throw CtlError(kExitNoInput, endpoint.base + "/snapshot: no snapshot yet (HTTP " +
                                     std::to_string(exchange.status) + ")");
  }
  if (exchange.status != 200) {
    throw CtlError(kExitUnavailable,
                   endpoint.base + "/snapshot: the daemon answered HTTP " + std::to_string(exchange.status));
  }
  return finish(parser, endpoint.base + "/snapshot");
}

HttpAnswer post_to_daemon(const std::string& base_url, std::string_view path, const EndpointClient& client) {
  const auto endpoint = endpoint_of(base_url);
  HttpAnswer answer;
  Exchange exchange{http::verb::post, std::string(path), kAnswerBodyLimit,
                    [&](std::string_view piece) { answer.body += piece; }};
  run_exchange(endpoint, exchange, client);
  answer.status = exchange.status;
  return answer;
}

EndpointClient::~EndpointClient() {
  wipe(password);
}

std::vector<std::filesystem::path> changes_files(const std::filesystem::path& changes) {
  std::vector<std::filesystem::path> files;
  for (int generation = store::kChangesKeptRotations; generation >= 1; --generation) {
    std::filesystem::path rotated = changes;
    rotated += "." + std::to_string(generation);
    if (store::path_exists(rotated)) files.push_back(rotated);
  }
  if (store::path_exists(changes)) files.push_back(changes);
  return files;
}

}  // namespace mw::ctl
