#include "ctl/reading.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <exception>

#include "config/config.hpp"
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
};

Endpoint endpoint_of(const std::string& url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty() ||
      (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") || parsed->has_query()) {
    throw CtlError(kExitUsage, "--url: '" + url + "' is not http://HOST[:PORT] (the daemon's health.listen)");
  }
  std::string host = parsed->host_address();
  return {host, parsed->has_port() ? std::string(parsed->port()) : "80",
          "http://" + std::string(parsed->encoded_host_and_port())};
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

asio::awaitable<void> exchange_with(const Endpoint& endpoint, Exchange& exchange) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);

  stream.expires_after(kConnectTimeout);
  const auto addresses = co_await resolver.async_resolve(endpoint.host, endpoint.port, asio::use_awaitable);
  co_await stream.async_connect(addresses, asio::use_awaitable);

  http::request<http::empty_body> request(exchange.method, exchange.target, 11);
  request.set(http::field::host, endpoint.host);
  request.set(http::field::user_agent, "memberwatchctl");
  request.prepare_payload();
  stream.expires_after(kConnectTimeout);
  co_await http::async_write(stream, request, asio::use_awaitable);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(exchange.body_limit);
  stream.expires_after(kReadTimeout);
  co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
  exchange.status = parser.get().result_int();

  std::vector<char> piece(256 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    stream.expires_after(kReadTimeout);
    auto [error, _] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (error == http::error::need_buffer) error = {};
    if (error) throw boost::system::system_error(error);
    exchange.consume({piece.data(), piece.size() - parser.get().body().size});
  }
}

void run_exchange(const Endpoint& endpoint, Exchange& exchange) {
  asio::io_context io;
  std::exception_ptr failure;
  asio::co_spawn(io, exchange_with(endpoint, exchange), [&](std::exception_ptr error) { failure = error; });
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

Location locate(const Origin& origin) {
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
  if (const auto listen = config::parse_listen_address(config.health.listen)) {
    const bool ipv6 = listen->host.find(':') != std::string::npos;
    // The daemon listening on every address is reached on loopback.
    std::string host = listen->host == "0.0.0.0" ? "127.0.0.1" : listen->host == "::" ? "::1" : listen->host;
    location.health_url = "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(listen->port);
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
  run_exchange(endpoint, exchange);
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

HttpAnswer post_to_daemon(const std::string& base_url, std::string_view path) {
  const auto endpoint = endpoint_of(base_url);
  HttpAnswer answer;
  Exchange exchange{http::verb::post, std::string(path), kAnswerBodyLimit,
                    [&](std::string_view piece) { answer.body += piece; }};
  run_exchange(endpoint, exchange);
  answer.status = exchange.status;
  return answer;
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
