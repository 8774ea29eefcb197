// The health endpoint's lifecycle API with the daemon itself (app::Service,
// as memberwatchd runs it) against fake-aws: POST /-/refresh starts a cycle,
// is 409 while one runs and spaces cycles out; POST /-/reload applies a new
// configuration or keeps the old one; both are 403 with health.lifecycle off.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "app/service.hpp"
#include "harness.hpp"
#include "support/test_files.hpp"

using namespace mw;
using namespace mw::integration;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// Shorter than the daemon's 30 s, yet longer than a cycle here (fake-aws
// holds every ListMembers 600 ms, so that a cycle is surely running when
// the first request arrives).
constexpr auto kRefreshGap = 2s;
const char* kWorldFaults = "faults:\n  - {service: securityhub, operation: ListMembers, latency_ms: 600}\n";

std::string daemon_config(std::string_view services, std::string_view lifecycle) {
  return R"(interval: 1h
jitter: 0
state_dir: state
health: {listen: "127.0.0.1:0", lifecycle: )" +
         std::string(lifecycle) + R"(}
aws: {regions: [us-east-1], services: )" +
         std::string(services) + R"(}
administrators:
  - {name: main, account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/memberwatch-read"}
)";
}

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string allow;
};

// One request on its own connection, given up after 10 s.
Answer request(std::uint16_t port, http::verb method, std::string_view target, std::string body = "") {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  const timeval timeout{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  http::request<http::string_body> message{method, target, 11};
  message.set(http::field::host, "127.0.0.1");
  message.body() = std::move(body);
  message.prepare_payload();
  http::write(socket, message);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return {response.result_int(), response.body(), std::string(response[http::field::allow])};
}

Answer post(std::uint16_t port, std::string_view target, std::string body = "") {
  return request(port, http::verb::post, target, std::move(body));
}

std::size_t count(const std::string& text, std::string_view part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++found;
  return found;
}

template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::size_t requests_to(const FakeAws& aws, std::string_view service) {
  std::size_t found = 0;
  for (const auto& entry : aws.requests()) found += entry.service == service ? 1 : 0;
  return found;
}

// memberwatchd's daemon mode on a thread of its own, stopped by SIGTERM as
// systemd stops it.
class RunningService {
 public:
  RunningService(const std::filesystem::path& config_path, const std::string& endpoint_url) {
    auto loaded = config::load_config_file(config_path.string());
    for (const auto& error : loaded.errors) FAIL(error.to_string());
    app::ServiceOptions options{config_path.string(), std::nullopt, kRefreshGap};
    service_ = std::make_unique<app::Service>(io_, std::move(options), std::move(*loaded.config),
                                              fake_aws_env(endpoint_url));
    thread_ = std::thread([this] { exit_code_ = service_->run(); });
  }
  ~RunningService() { stop(); }

  int stop() {
    if (thread_.joinable()) {
      ::kill(::getpid(), SIGTERM);
      thread_.join();
    }
    return exit_code_;
  }

 private:
  asio::io_context io_;
  std::unique_ptr<app::Service> service_;
  int exit_code_ = -1;
  std::thread thread_;
};

}  // namespace

TEST_CASE("POST /-/refresh runs cycles, spaced and never piled up, /-/reload applies a new configuration") {
  LogCapture log;
  mw::test::TempFolder dir;
  FakeAws aws(members_world(2, kWorldFaults));
  const auto config_path = dir.path() / "memberwatch.yaml";
  const auto snapshot_path = dir.path() / "state" / "snapshot.json";
  write_file(config_path, daemon_config("[securityhub]", "true"));
  RunningService daemon(config_path, aws.endpoint_url());
  const auto cycles = [&] { return count(log.text(), "cycle finished "); };

  // The port, copied out while the log text it was found in still lives
  // (a match refers into that text).
  std::string port_text;
  const std::regex ready_line(R"(memberwatchd ready .* health=127\.0\.0\.1:(\d+) lifecycle=true)");
  REQUIRE(wait_until([&] {
    const auto text = log.text();
    std::smatch ready;
    if (!std::regex_search(text, ready, ready_line)) return false;
    port_text = ready[1].str();
    return true;
  }));
  const auto port = static_cast<std::uint16_t>(std::stoi(port_text));

  // The first cycle starts with the daemon and waits on fake-aws.
  const auto running = post(port, "/-/refresh");
  CHECK(running.status == 409);
  CHECK(running.body == "{\"error\":\"a cycle is running\"}\n");
  const auto get = request(port, http::verb::get, "/-/refresh");
  CHECK(get.status == 405);
  CHECK(get.allow == "POST");

  // Within kRefreshGap of its start: one cycle, scheduled; a second request
  // (with a small body) joins it.
  REQUIRE(wait_until([&] { return cycles() == 1; }));
  const auto first_snapshot = read_file(snapshot_path);
  const auto hub_requests = requests_to(aws, "securityhub");
  const auto scheduled = post(port, "/-/refresh");
  CHECK(scheduled.status == 202);
  CHECK(std::regex_match(
      scheduled.body,
      std::regex(R"(\{"status":"scheduled","at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}\n)")));
  const auto joined = post(port, "/-/refresh", "{}");
  CHECK(joined.status == 202);
  CHECK(joined.body == scheduled.body);
  REQUIRE(wait_until([&] { return cycles() == 2; }));
  CHECK(requests_to(aws, "securityhub") > hub_requests);
  CHECK(count(log.text(), "snapshot_bytes=") == 2);
  CHECK(read_file(snapshot_path) != first_snapshot);  // its generated_at, 2 s later

  // A configuration that does not load is refused; the running one stays.
  write_file(config_path, daemon_config("[securityhub, guardduty]", "maybe"));
  const auto refused = post(port, "/-/reload");
  CHECK(refused.status == 500);
  CHECK(refused.body.find("health.lifecycle: 'maybe' is not a boolean") != std::string::npos);
  // GuardDuty added: applies from the next cycle.
  write_file(config_path, daemon_config("[securityhub, guardduty]", "true"));
  const auto reloaded = post(port, "/-/reload");
  CHECK(reloaded.status == 200);
  CHECK(reloaded.body == "{\"status\":\"reloaded\"}\n");
  CHECK(requests_to(aws, "guardduty") == 0);

  // kRefreshGap after the second cycle's start (it lasted at least 600 ms
  // of that): a cycle at once, with the reloaded configuration.
  std::this_thread::sleep_for(kRefreshGap);
  const auto started = post(port, "/-/refresh");
  CHECK(started.status == 202);
  CHECK(started.body == "{\"status\":\"started\"}\n");
  REQUIRE(wait_until([&] { return cycles() == 3; }));
  CHECK(requests_to(aws, "guardduty") > 0);
  CHECK(read_file(snapshot_path).find("\"guardduty\"") != std::string::npos);

  // health.lifecycle turned off by a reload: off at once.
  write_file(config_path, daemon_config("[securityhub, guardduty]", "false"));
  CHECK(post(port, "/-/reload").status == 200);
  const auto off = post(port, "/-/refresh");
  CHECK(off.status == 403);
  CHECK(off.body == "{\"error\":\"lifecycle endpoints are off (health.lifecycle: false)\"}\n");
  CHECK(post(port, "/-/reload").status == 403);

  CHECK(daemon.stop() == 0);
  CHECK(cycles() == 3);  // every refresh above was answered by one of these three
}
