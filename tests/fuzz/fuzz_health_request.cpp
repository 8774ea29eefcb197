// The health endpoint's request handling: bytes from a client go through
// Beast's request parser with the server's limits (HealthLimits), request
// after request as on a keep-alive connection, and every complete request
// through route_health_request. Whatever the bytes, each request gets a
// reply with a known status and nothing throws.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "health/health_routes.hpp"
#include "health/health_server.hpp"

namespace {

namespace http = boost::beast::http;
using namespace mw::health;

const HealthHandlers& handlers() {
  // Routing only: the file is never opened here.
  static const auto snapshot = std::make_shared<const SnapshotDocument>(
      SnapshotDocument{"/nonexistent/snapshot.json", 13, "\"0123abcd\""});
  static const HealthHandlers value{
      [] {
        return Readiness{false, "no cycle has finished yet"};
      },
      [] { return std::string("mw_up 1\n"); },
      [] { return snapshot; },
  };
  return value;
}

void check_reply(const HealthReply& reply) {
  static const std::set<int> known = {200, 304, 400, 403, 404, 405, 413, 431, 503};
  mw::fuzz::require(known.count(reply.status) == 1, "a reply with an unexpected status");
  mw::fuzz::require(reply.body == nullptr || !reply.content_type.empty(), "a body without a content type");
}

// Feeds one request's bytes; false when the connection would end.
bool serve_one(std::string_view& bytes, const HealthLimits& limits) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code error;
  while (!parser.is_done()) {
    std::size_t used = 0;
    if (!bytes.empty()) {
      used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), error);
      mw::fuzz::require(used <= bytes.size(), "the parser used more bytes than it had");
      bytes.remove_prefix(used);
    }
    if (error && error != http::error::need_more) {
      // The server answers 400, 413 or 431 and closes.
      int status = error == http::error::header_limit ? 431 : error == http::error::body_limit ? 413 : 400;
      check_reply(error_reply(status, "rejected"));
      return false;
    }
    if (bytes.empty() || (error == http::error::need_more && used == 0)) {
      // What is left cannot complete the request: the client stopped sending.
      if (parser.is_done()) break;
      parser.put_eof(error);
      return false;
    }
    error = {};
  }
  if (!parser.is_done()) return false;
  const auto& request = parser.get();
  check_reply(route_health_request(request.method_string(), request.target(),
                                   request[http::field::if_none_match], handlers()));
  return request.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const HealthLimits limits;
  auto bytes = mw::fuzz::as_text(data, size);
  while (!bytes.empty() && serve_one(bytes, limits)) {
  }
  return 0;
}
