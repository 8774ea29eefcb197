#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>

#include "aws/sigv4.hpp"
#include "server.hpp"
#include "support/test_files.hpp"
#include "support/test_tls.hpp"

using namespace mw::fake_aws;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

const char* kWorld = R"(
credentials:
  - {access_key_id: AKIDADMIN000000000001, secret_access_key: admin-secret, account_id: "111111111111"}
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        guardduty: {detector_id: 12abc34d567e8fa901bc2d34e56789f0, members: []}
faults:
  - {service: detective, reset_rate: 1}
)";

mw::aws::HttpRequest signed_get(const std::string& target, const std::string& service, unsigned short port,
                                const std::string& method = "GET") {
  mw::aws::HttpRequest r;
  r.method = method;
  r.target = target;
  r.set_header("Host", "127.0.0.1:" + std::to_string(port));
  mw::aws::Credentials c;
  c.access_key_id = "AKIDADMIN000000000001";
  c.secret_access_key = mw::aws::SecretString("admin-secret");
  mw::aws::sigv4::sign(r, c, "us-east-1", service, std::chrono::system_clock::now());
  return r;
}

http::request<http::string_body> to_beast(const mw::aws::HttpRequest& r) {
  http::request<http::string_body> out{http::string_to_verb(r.method), r.target, 11};
  for (const auto& [name, value] : r.headers) out.set(name, value);
  out.body() = r.body;
  out.prepare_payload();
  return out;
}

template <class Stream>
http::response<http::string_body> exchange(Stream& stream, const mw::aws::HttpRequest& request) {
  http::write(stream, to_beast(request));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response;
}

}  // namespace

TEST_CASE("the server answers signed requests over plain HTTP and logs them as JSONL") {
  mw::test::TempFolder dir;
  const auto log_path = (dir.path() / "requests.jsonl").string();
  Server server(parse_world(kWorld), ServerOptions{"127.0.0.1", 0, false, log_path, {}});
  server.start();
  REQUIRE(server.port() != 0);
  CHECK(server.endpoint_url() == "http://127.0.0.1:" + std::to_string(server.port()));
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  auto response = exchange(stream, signed_get("/detector", "guardduty", server.port()));
  CHECK(response.result_int() == 200);
  CHECK(response.body() == R"({"detectorIds":["12abc34d567e8fa901bc2d34e56789f0"]})");
  // Same connection, kept alive.
  auto again = exchange(stream, signed_get("/detector", "guardduty", server.port()));
  CHECK(again.result_int() == 200);
  server.stop();
  CHECK(server.request_log().size() == 2);
  std::ifstream log(log_path);
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    CHECK(line.find(R"("operation":"ListDetectors")") != std::string::npos);
  }
  CHECK(lines == 2);
}

TEST_CASE("HTTPS with the generated CA, and a reset fault closes the connection") {
  Server server(parse_world(kWorld), ServerOptions{"127.0.0.1", 0, true, "", {}});
  server.start();
  REQUIRE(server.ca_certificate_pem().find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(server.endpoint_url().rfind("https://127.0.0.1:", 0) == 0);
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.add_certificate_authority(asio::buffer(server.ca_certificate_pem()));
  tls.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  SSL_set1_host(stream.native_handle(), "127.0.0.1");
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  stream.handshake(asio::ssl::stream_base::client);
  CHECK(exchange(stream, signed_get("/detector", "guardduty", server.port())).result_int() == 200);

  beast::tcp_stream plain(io);
  plain.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  beast::ssl_stream<beast::tcp_stream> second(std::move(plain), tls);
  second.handshake(asio::ssl::stream_base::client);
  mw::aws::HttpRequest graphs = signed_get("/graphs/list", "detective", server.port(), "POST");
  http::write(second, to_beast(graphs));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  http::read(second, buffer, response, ec);
  CHECK(ec);
  CHECK(server.request_log().back().fault == "reset");
}
