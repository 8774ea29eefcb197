#include "health/health_server.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "common/strings.hpp"
#include "health/basic_auth.hpp"
#include "health/listen_address.hpp"
#include "health/web_config.hpp"

namespace mw::health {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 1024;
// /snapshot is sent in pieces of this size, each with a fresh write timeout.
constexpr std::size_t kFilePiece = 256 * 1024;
// Room for one whole request (headers at their limit plus the body) and
// the chunked-encoding overhead, so the parser's limits trip first.
constexpr std::size_t kBufferSlack = 4096;
// After an error reply, what the peer is still sending is read and dropped
// (up to this much) so that closing does not reset the connection before
// the peer has read the reply.
constexpr std::size_t kMaxDrainBytes = 64 * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{2000};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr std::chrono::milliseconds kTlsShutdownTime{2000};

template <typename Stream>
beast::tcp_stream& lowest(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

// The status of the reply to a request that could not be read, or nullopt
// when the connection just ends (peer gone, timeout, cancelled).
std::optional<int> failed_read_status(const beast::error_code& error) {
  if (error == http::error::header_limit) return 431;
  if (error == http::error::body_limit) return 413;
  if (error == http::error::end_of_stream || error == http::error::partial_message) return std::nullopt;
  if (error.category() == http::make_error_code(http::error::bad_method).category()) return 400;
  return std::nullopt;
}

std::string_view failed_read_message(int status) {
  switch (status) {
    case 431:
      return "request header fields too large";
    case 413:
      return "request body too large";
    default:
      return "bad request";
  }
}

template <typename Body>
void set_headers(http::response<Body>& response, const HealthReply& reply, bool keep_alive) {
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  if (!reply.content_type.empty()) response.set(http::field::content_type, reply.content_type);
  response.keep_alive(keep_alive);
}

// Writes a response piece by piece, each with a fresh timeout: a client
// reading a snapshot of hundreds of MB slowly is not cut off while it reads.
template <typename Stream, typename Body>
asio::awaitable<bool> write_response(Stream& stream, http::response<Body>& response,
                                     std::chrono::milliseconds timeout) {
  http::response_serializer<Body> serializer(response);
  while (!serializer.is_done()) {
    lowest(stream).expires_after(timeout);
    auto [error, written] = co_await http::async_write_some(stream, serializer, kTuple);
    if (error) co_return false;
  }
  co_return true;
}

// The snapshot straight from its file, in pieces of kFilePiece bytes: the
// daemon never holds its text. (Beast's file_body reads 4 KiB at a time,
// which held /snapshot of a large organization to a few hundred MB/s.) The
// descriptor keeps the bytes described even when the next cycle replaces
// the file while they are sent.
template <typename Stream>
asio::awaitable<bool> send_file_reply(Stream& stream, const HealthReply& reply, bool keep_alive,
                                      unsigned version, std::chrono::milliseconds timeout) {
  const SnapshotDocument& document = *reply.file;
  beast::error_code error;
  beast::file file;
  std::uint64_t size = 0;
  const int fd = ::open(document.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    error.assign(errno, beast::system_category());
  } else {
    file.native_handle(fd);
    size = file.size(error);
  }
  if (error) {
    spdlog::error("snapshot file not served path={} error=\"{}\"", document.path.string(), error.message());
    http::response<http::string_body> failure{http::status::service_unavailable, version};
    const HealthReply failed = error_reply(503, "the snapshot file cannot be read");
    set_headers(failure, failed, keep_alive);
    failure.body() = *failed.body;
    failure.prepare_payload();
    co_return co_await write_response(stream, failure, timeout);
  }
  http::response<http::empty_body> response{static_cast<http::status>(reply.status), version};
  set_headers(response, reply, keep_alive);
  if (size != document.bytes) {
    // Changed by someone else since the daemon wrote it: still whole (it is
    // replaced by rename), but not what the tag describes.
    spdlog::warn("snapshot file changed outside the daemon path={} expected_bytes={} bytes={}",
                 document.path.string(), document.bytes, size);
    response.erase(http::field::etag);
  }
  response.content_length(size);
  if (!co_await write_response(stream, response, timeout)) co_return false;
  std::vector<char> piece(kFilePiece);
  for (std::uint64_t sent = 0; sent < size;) {
    const auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), size - sent));
    const std::size_t read = file.read(piece.data(), wanted, error);
    if (error || read == 0) {
      // The header promised `size` bytes: closing is the only honest end.
      spdlog::error("snapshot file read failed while sent path={} sent_bytes={} error=\"{}\"",
                    document.path.string(), sent, error ? error.message() : "end of file");
      co_return false;
    }
    lowest(stream).expires_after(timeout);
    auto [write_error, written] =
        co_await asio::async_write(stream, asio::buffer(piece.data(), read), kTuple);
    if (write_error) co_return false;
    sent += written;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> send_reply(Stream& stream, const HealthReply& reply, bool keep_alive, unsigned version,
                                 std::chrono::milliseconds timeout) {
  if (reply.file && !reply.headers_only)
    co_return co_await send_file_reply(stream, reply, keep_alive, version, timeout);
  http::response<http::span_body<const char>> response{static_cast<http::status>(reply.status), version};
  set_headers(response, reply, keep_alive);
  if (reply.body) {
    response.content_length(reply.body->size());
    if (!reply.headers_only) response.body() = {reply.body->data(), reply.body->size()};
  } else if (reply.file) {
    response.content_length(reply.file->bytes);  // HEAD
  }
  co_return co_await write_response(stream, response, timeout);
}

// Waits up to `timeout` for the first bytes of the next request.
template <typename Stream>
asio::awaitable<bool> wait_for_request(Stream& stream, beast::flat_buffer& buffer,
                                       std::chrono::milliseconds timeout) {
  lowest(stream).expires_after(timeout);
  auto [error, bytes] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kTuple);
  buffer.commit(bytes);
  co_return !error && bytes > 0;
}

// (Under TLS, what is drained is the raw bytes: they are dropped unread.)
asio::awaitable<void> drain_and_close(beast::tcp_stream& stream, std::chrono::milliseconds timeout) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::min(timeout, kMaxDrainTime));
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; drained < kMaxDrainBytes;) {
    auto [error, bytes] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (error) break;
    drained += bytes;
  }
  stream.close();
}

// Ends a connection after a response with Connection: close; under TLS
// with close_notify, waiting briefly for the peer's.
template <typename Stream>
asio::awaitable<void> end_connection(Stream& stream) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    lowest(stream).expires_after(kTlsShutdownTime);
    co_await stream.async_shutdown(kTuple);
  } else {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

// A user name as the log shows it: attacker-chosen text, so only printable
// ASCII and at most 64 characters.
std::string loggable_user(std::string_view user) {
  const bool printable = user.size() <= 64 && std::all_of(user.begin(), user.end(), [](char c) {
                           return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
                         });
  return printable ? std::string(user) : std::string("(unprintable)");
}

// http_server_config.headers on a reply; the reply's own headers win (the
// coverage page's Content-Security-Policy), as in exporter-toolkit.
void add_web_headers(HealthReply& reply, const WebConfig& web) {
  for (const auto& [name, value] : web.headers) {
    // The name captured by its own reference: clang 14 captures no structured binding.
    const bool own =
        std::any_of(reply.headers.begin(), reply.headers.end(),
                    [&name = name](const auto& header) { return to_lower(header.first) == to_lower(name); });
    if (!own) reply.headers.emplace_back(name, value);
  }
}

asio::awaitable<bool> run_bcrypt(std::string password, std::string hash) {
  const bool matches = bcrypt_matches(password, hash);
  if (!password.empty()) OPENSSL_cleanse(password.data(), password.size());
  co_return matches;
}

HealthReply answer(const HealthHandlers& handlers, const http::request<http::string_body>& request) {
  try {
    return route_health_request(request.method_string(), request.target(),
                                request[http::field::if_none_match], handlers);
  } catch (const std::exception& error) {
    spdlog::error("health request failed target={} error={}", std::string_view(request.target()),
                  error.what());
    return error_reply(500, "internal error");
  }
}

}  // namespace

// One open connection. waiting_since: when it began waiting for its next
// request (accepted, or its last response written).
namespace detail {
struct HealthConnection {
  HealthConnection(tcp::socket socket, std::shared_ptr<const LoadedWebConfig> web)
      : stream(std::move(socket)), web(std::move(web)) {}
  // The TCP stream; under TLS it moves into `tls`, which then owns it.
  PlainStream stream;
  std::unique_ptr<TlsStream> tls;
  // The web configuration in force when it was accepted: its TLS context
  // serves the whole connection (authentication and headers follow the
  // configuration in force at each request).
  std::shared_ptr<const LoadedWebConfig> web;
  beast::tcp_stream& transport() { return tls ? lowest(*tls) : stream; }
  void close() { transport().close(); }
  std::chrono::steady_clock::time_point waiting_since = std::chrono::steady_clock::now();
  bool answering = false;  // a request was read and its response is being written
};
}  // namespace detail
using Connection = detail::HealthConnection;

struct detail::HealthServerState {
  HealthServerState(asio::io_context& io, HealthHandlers handlers, HealthLimits limits)
      : io(io), handlers(std::move(handlers)), limits(limits) {}

  asio::io_context& io;
  HealthHandlers handlers;
  HealthLimits limits;
  std::shared_ptr<tcp::acceptor> acceptor;
  std::unordered_set<std::shared_ptr<Connection>> connections;
  // health.web_config_file, nullptr when none; `refused`: the stamps of a
  // version of its files that did not load (logged once, not retried).
  std::shared_ptr<const LoadedWebConfig> web;
  std::vector<FileStamp> refused;
  CredentialCache credentials;
  // bcrypt runs here, one check at a time, never on the event loop.
  std::unique_ptr<asio::thread_pool> bcrypt_pool;
};

namespace {

using State = detail::HealthServerState;

// Frees the connection's slot however its coroutine ends.
struct ConnectionSlot {
  std::shared_ptr<State> state;
  std::shared_ptr<Connection> connection;
  ~ConnectionSlot() {
    connection->close();
    state->connections.erase(connection);
  }
};

// Whether the request may be answered: basic_auth_users of the web
// configuration in force, with bcrypt on its own thread when the verdict is
// not cached.
asio::awaitable<bool> authorized(State& state, const std::shared_ptr<const LoadedWebConfig>& web,
                                 std::string_view authorization, const std::string& peer) {
  if (!web || web->config.basic_auth_users.empty()) co_return true;
  AuthCheck check = begin_auth_check(web->config.basic_auth_users, authorization, state.credentials);
  bool verdict = false;
  if (check.verdict) {
    verdict = *check.verdict;
  } else {
    if (!state.bcrypt_pool) state.bcrypt_pool = std::make_unique<asio::thread_pool>(1);
    const bool matches =
        co_await asio::co_spawn(state.bcrypt_pool->get_executor(),
                                run_bcrypt(std::move(check.password), check.hash), asio::use_awaitable);
    verdict = matches && check.known_user;
    state.credentials.store(check.key, verdict);
  }
  if (!verdict && !authorization.empty()) {
    spdlog::info("health request unauthorized reason=wrong_credentials user=\"{}\" peer={}",
                 loggable_user(check.user), peer);
  }
  co_return verdict;
}

template <typename Stream>
asio::awaitable<void> serve_requests(State& state, Connection& connection, Stream& stream) {
  const HealthLimits& limits = state.limits;
  beast::error_code peer_error;
  const auto remote = connection.transport().socket().remote_endpoint(peer_error);
  const std::string peer = peer_error ? std::string("unknown") : remote.address().to_string();
  beast::flat_buffer buffer(limits.max_header_bytes + limits.max_body_bytes + kBufferSlack);
  for (bool first = true;; first = false) {
    connection.answering = false;
    connection.waiting_since = std::chrono::steady_clock::now();
    if (!first && buffer.size() == 0 && !co_await wait_for_request(stream, buffer, limits.idle_timeout))
      break;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    lowest(stream).expires_after(limits.request_timeout);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (!lowest(stream).socket().is_open()) break;  // stop() closed it
    // Authentication and headers follow the web configuration in force now.
    const std::shared_ptr<const LoadedWebConfig> web = state.web;
    if (read_error) {
      if (auto status = failed_read_status(read_error)) {
        spdlog::debug("health request rejected status={} error={}", *status, read_error.message());
        HealthReply rejected = error_reply(*status, failed_read_message(*status));
        if (web) add_web_headers(rejected, web->config);
        if (co_await send_reply(stream, rejected, false, 11, limits.write_timeout)) {
          co_await drain_and_close(lowest(stream), limits.request_timeout);
        }
      }
      break;
    }
    connection.answering = true;
    const auto& request = parser.get();
    HealthReply reply;
    if (co_await authorized(state, web, request[http::field::authorization], peer)) {
      reply = answer(state.handlers, request);
    } else {
      reply = error_reply(401, "unauthorized");
      reply.headers.emplace_back("WWW-Authenticate", std::string(kBasicChallenge));
    }
    if (web) add_web_headers(reply, web->config);
    spdlog::debug("health request method={} target={} status={}", std::string_view(request.method_string()),
                  std::string_view(request.target()), reply.status);
    bool keep_alive = request.keep_alive();
    if (!co_await send_reply(stream, reply, keep_alive, request.version(), limits.write_timeout)) break;
    if (!keep_alive) {
      co_await end_connection(stream);
      break;
    }
  }
}

asio::awaitable<void> serve_connection(std::shared_ptr<State> state, std::shared_ptr<Connection> connection) {
  ConnectionSlot slot{state, connection};
  try {
    const auto& web = connection->web;
    if (!web || !web->tls) {
      co_await serve_requests(*state, *connection, connection->stream);
      co_return;
    }
    // Under TLS the whole connection is encrypted; a client speaking plain
    // HTTP fails the handshake and is closed.
    connection->tls = std::make_unique<TlsStream>(std::move(connection->stream), *web->tls);
    lowest(*connection->tls).expires_after(state->limits.request_timeout);
    auto [error] = co_await connection->tls->async_handshake(asio::ssl::stream_base::server, kTuple);
    if (error) {
      spdlog::debug("health TLS handshake failed error=\"{}\"", error.message());
      co_return;
    }
    co_await serve_requests(*state, *connection, *connection->tls);
  } catch (const std::exception& error) {
    spdlog::warn("health connection failed error={}", error.what());
  }
}

// Closes the connection that has waited longest for a request, when it has
// waited at least evict_waiting_after, and frees its slot at once (its
// coroutine ends through the cancelled read). False when none qualifies.
bool evict_longest_waiting(State& state) {
  std::shared_ptr<Connection> longest;
  for (const auto& connection : state.connections) {
    if (connection->answering) continue;
    if (!longest || connection->waiting_since < longest->waiting_since) longest = connection;
  }
  if (!longest ||
      std::chrono::steady_clock::now() - longest->waiting_since < state.limits.evict_waiting_after) {
    return false;
  }
  spdlog::debug("health connection evicted reason=waited_too_long_while_full limit={}",
                state.limits.max_connections);
  longest->close();
  state.connections.erase(longest);
  return true;
}

// Loads the web configuration again when its file or a file it names has
// changed (as exporter-toolkit reads it per connection); one that does not
// load is logged once per version and the one in force stays.
void refresh_web_config(State& state) {
  if (!state.web) return;
  const auto stamps = state.web->current_stamps();
  if (stamps == state.web->stamps || stamps == state.refused) return;
  auto load = load_web_config(state.web->path, ::geteuid());
  if (!load.loaded) {
    for (const auto& error : load.errors) {
      spdlog::error("health web config change refused; the one in force stays error=\"{}\"",
                    error.to_string());
    }
    state.refused = stamps;
    return;
  }
  state.web = std::move(load.loaded);
  state.refused.clear();
  spdlog::info("health web config reloaded path={} tls={} users={}", state.web->path,
               state.web->tls != nullptr, state.web->config.basic_auth_users.size());
}

asio::awaitable<void> accept_connections(std::shared_ptr<State> state,
                                         std::shared_ptr<tcp::acceptor> acceptor) {
  while (acceptor->is_open()) {
    auto [error, socket] = co_await acceptor->async_accept(kTuple);
    if (!acceptor->is_open() || error == asio::error::operation_aborted) co_return;
    if (error) {
      // Out of descriptors and the like: wait instead of spinning.
      spdlog::warn("health endpoint accept failed error={}", error.message());
      asio::steady_timer delay(acceptor->get_executor(), kAcceptRetryDelay);
      co_await delay.async_wait(kTuple);
      continue;
    }
    if (state->connections.size() >= state->limits.max_connections && !evict_longest_waiting(*state)) {
      spdlog::debug("health connection refused reason=too_many_connections limit={}",
                    state->limits.max_connections);
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    try {
      refresh_web_config(*state);
      auto connection = std::make_shared<Connection>(std::move(socket), state->web);
      state->connections.insert(connection);
      asio::co_spawn(acceptor->get_executor(), serve_connection(state, std::move(connection)),
                     asio::detached);
    } catch (const std::exception& error) {
      spdlog::error("health endpoint cannot serve a connection error={}", error.what());
    }
  }
}

std::shared_ptr<tcp::acceptor> open_acceptor(asio::io_context& io, const tcp::endpoint& endpoint,
                                             beast::error_code& error) {
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  return error ? nullptr : acceptor;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  return format_listen_address(
      {endpoint.address().to_string(), endpoint.port(), endpoint.address().is_loopback()});
}

// Basic auth without TLS on an address other hosts reach sends passwords
// across the network in clear.
void warn_if_passwords_in_clear(const State& state) {
  if (!state.web || state.web->tls || state.web->config.basic_auth_users.empty()) return;
  if (!state.acceptor || !state.acceptor->is_open()) return;
  beast::error_code error;
  const auto endpoint = state.acceptor->local_endpoint(error);
  if (error || endpoint.address().is_loopback()) return;
  spdlog::warn("health endpoint asks for passwords without TLS on a non-loopback address address={} path={}",
               endpoint_text(endpoint), state.web->path);
}

}  // namespace

HealthServer::HealthServer(asio::io_context& io, HealthHandlers handlers, HealthLimits limits)
    : state_(std::make_shared<State>(io, std::move(handlers), limits)) {}

HealthServer::~HealthServer() {
  stop();
}

void HealthServer::listen(std::string_view address) {
  if (address.empty()) {
    if (state_->acceptor) spdlog::info("health endpoint off");
    if (state_->acceptor) state_->acceptor->close();
    state_->acceptor.reset();
    return;
  }
  ListenAddress parsed = parse_listen_address(address);
  // Warned before binding, so that the operator learns of it even when the bind fails.
  if (!parsed.loopback) {
    spdlog::warn(
        "health endpoint set to a non-loopback address address={} note=/snapshot serves e-mail addresses",
        format_listen_address(parsed));
  }
  tcp::endpoint endpoint(asio::ip::make_address(parsed.host), parsed.port);
  auto& current = state_->acceptor;
  if (current && parsed.port != 0 && current->local_endpoint() == endpoint) return;

  beast::error_code error;
  auto fresh = open_acceptor(state_->io, endpoint, error);
  if (!fresh && current && error == asio::error::address_in_use &&
      current->local_endpoint().port() == endpoint.port()) {
    // Moving between addresses on one port (127.0.0.1:P to 0.0.0.0:P) needs
    // the old listener gone first; it comes back if the new one fails.
    auto previous = current->local_endpoint();
    current->close();
    fresh = open_acceptor(state_->io, endpoint, error);
    if (!fresh) {
      beast::error_code restore_error;
      current = open_acceptor(state_->io, previous, restore_error);
      if (current) {
        asio::co_spawn(state_->io, accept_connections(state_, current), asio::detached);
      } else {
        spdlog::error("health endpoint lost its listener address={} error={}", endpoint_text(previous),
                      restore_error.message());
      }
    }
  }
  if (!fresh) throw std::system_error(error, "health endpoint cannot listen on " + std::string(address));

  if (current) current->close();
  current = fresh;
  asio::co_spawn(state_->io, accept_connections(state_, current), asio::detached);
  spdlog::info("health endpoint listening address={}", local_address());
  warn_if_passwords_in_clear(*state_);
}

bool HealthServer::listening() const {
  return state_->acceptor && state_->acceptor->is_open();
}

std::uint16_t HealthServer::port() const {
  return listening() ? state_->acceptor->local_endpoint().port() : 0;
}

std::string HealthServer::local_address() const {
  return listening() ? endpoint_text(state_->acceptor->local_endpoint()) : std::string();
}

std::size_t HealthServer::connection_count() const {
  return state_->connections.size();
}

void HealthServer::stop() {
  if (state_->acceptor) state_->acceptor->close();
  state_->acceptor.reset();
  for (const auto& connection : state_->connections) connection->close();
}

void HealthServer::use_web_config(std::shared_ptr<const LoadedWebConfig> web) {
  state_->web = std::move(web);
  state_->refused.clear();
  if (state_->web) {
    spdlog::info("health web config in force path={} tls={} users={}", state_->web->path,
                 state_->web->tls != nullptr, state_->web->config.basic_auth_users.size());
  }
  warn_if_passwords_in_clear(*state_);
}

std::shared_ptr<const LoadedWebConfig> HealthServer::web_config() const {
  return state_->web;
}

}  // namespace mw::health
