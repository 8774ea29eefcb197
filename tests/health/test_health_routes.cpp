#include <doctest/doctest.h>

#include <stdexcept>

#include "health/health_routes.hpp"
#include "health/listen_address.hpp"
#include "health/metrics.hpp"
#include "reply_headers.hpp"

using namespace mw::health;
using mw::health::testing::header;

namespace {

struct Fixture {
  Readiness readiness{true, ""};
  std::shared_ptr<const SnapshotDocument> snapshot =
      std::make_shared<const SnapshotDocument>(SnapshotDocument{"/state/snapshot.json", 13, "\"0123abcd\""});
  HealthHandlers handlers{
      [this] { return readiness; },
      [] { return std::string("mw_up 1\n"); },
      [this] { return snapshot; },
  };
  HealthReply get(std::string_view target, std::string_view if_none_match = "") {
    return route_health_request("GET", target, if_none_match, handlers);
  }
};

}  // namespace

TEST_CASE("If-None-Match matches the tag, a list holding it, a weak form of it, or *") {
  const std::string tag = "\"abc\"";
  CHECK(if_none_match_matches("\"abc\"", tag));
  CHECK(if_none_match_matches("\"x\", \"abc\"", tag));
  CHECK(if_none_match_matches("W/\"abc\"", tag));
  CHECK(if_none_match_matches(" * ", tag));
  CHECK_FALSE(if_none_match_matches("\"abd\"", tag));
  CHECK_FALSE(if_none_match_matches("abc", tag));
  CHECK_FALSE(if_none_match_matches("\"x\",\"y\"", tag));
}

TEST_CASE("/healthz answers 200 ok, /readyz follows the readiness handler") {
  Fixture fixture;
  auto health = fixture.get("/healthz");
  CHECK(health.status == 200);
  CHECK(*health.body == "ok\n");
  CHECK(fixture.get("/readyz").status == 200);
  fixture.readiness = {false, "no cycle has finished yet"};
  auto ready = fixture.get("/readyz?verbose=1");
  CHECK(ready.status == 503);
  CHECK(ready.content_type == "application/json");
  CHECK(*ready.body == "{\"status\":\"not ready\",\"reason\":\"no cycle has finished yet\"}\n");
}

TEST_CASE("absolute-form targets (RFC 9112, 3.2.2) get the answer their origin form gets") {
  Fixture fixture;
  CHECK(request_path("/metrics") == "/metrics");
  CHECK(request_path("/metrics?x=1") == "/metrics");
  CHECK(request_path("http://127.0.0.1:9746/metrics") == "/metrics");
  CHECK(request_path("HTTP://[::1]:9746/readyz?verbose") == "/readyz");
  CHECK(request_path("https://localhost/snapshot") == "/snapshot");
  CHECK(request_path("http://127.0.0.1:9746") == "/");
  CHECK(request_path("http://127.0.0.1:9746?x") == "/");
  CHECK(request_path("httpx://host/metrics") == "httpx://host/metrics");
  CHECK(request_path("*") == "*");
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/snapshot"}) {
    CAPTURE(path);
    const auto origin = fixture.get(path);
    const auto absolute = fixture.get(std::string("http://127.0.0.1:9746") + path);
    CHECK(absolute.status == origin.status);
    CHECK(absolute.file == origin.file);
    if (origin.body) CHECK(*absolute.body == *origin.body);
  }
  CHECK(fixture.get("http://127.0.0.1:9746/nothing").status == 404);
  CHECK(*fixture.get("http://127.0.0.1:9746").body == *fixture.get("/").body);
}

TEST_CASE("/metrics serves the exposition with the 0.0.4 content type") {
  Fixture fixture;
  auto reply = fixture.get("/metrics");
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(*reply.body == "mw_up 1\n");
}

TEST_CASE("/snapshot serves the document with its ETag and answers 304 to a matching If-None-Match") {
  Fixture fixture;
  auto full = fixture.get("/snapshot");
  CHECK(full.status == 200);
  CHECK(full.body == nullptr);
  CHECK(full.file == fixture.snapshot);  // the server sends the file itself
  CHECK(full.content_type == "application/json");
  CHECK(header(full, "ETag") == fixture.snapshot->etag);
  auto unchanged = fixture.get("/snapshot", fixture.snapshot->etag);
  CHECK(unchanged.status == 304);
  CHECK(unchanged.body == nullptr);
  CHECK(unchanged.file == nullptr);
  CHECK(header(unchanged, "ETag") == fixture.snapshot->etag);
  CHECK(fixture.get("/snapshot", "\"stale\"").status == 200);
}

TEST_CASE("/snapshot before the first snapshot is 503 with a reason") {
  Fixture fixture;
  fixture.snapshot = nullptr;
  auto reply = fixture.get("/snapshot");
  CHECK(reply.status == 503);
  CHECK(reply.body->find("no snapshot has been written yet") != std::string::npos);
}

TEST_CASE("HEAD answers like GET but marks the reply headers-only") {
  Fixture fixture;
  auto reply = route_health_request("HEAD", "/metrics", "", fixture.handlers);
  CHECK(reply.status == 200);
  CHECK(reply.headers_only);
  CHECK(*reply.body == "mw_up 1\n");
  CHECK_FALSE(fixture.get("/metrics").headers_only);
}

TEST_CASE("unknown paths are 404, other methods 405 with Allow") {
  Fixture fixture;
  CHECK(fixture.get("/index.html").status == 404);
  CHECK(fixture.get("/healthz/extra").status == 404);
  CHECK(route_health_request("DELETE", "/nothing", "", fixture.handlers).status == 404);
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    CHECK(route_health_request(method, "/", "", fixture.handlers).status == 405);
    auto reply = route_health_request(method, "/snapshot", "", fixture.handlers);
    CHECK(reply.status == 405);
    CHECK(header(reply, "Allow") == "GET, HEAD");
  }
}

TEST_CASE("handler exceptions propagate to the server, which turns them into 500") {
  Fixture fixture;
  fixture.handlers.metrics = []() -> std::string { throw std::runtime_error("boom"); };
  CHECK_THROWS_AS(fixture.get("/metrics"), std::runtime_error);
  CHECK(error_reply(500, "internal error").status == 500);
}

namespace {

// The lifecycle callbacks of a daemon with health.lifecycle as `enabled`,
// counting what they were asked to do.
struct LifecycleFixture : Fixture {
  bool enabled = true;
  RefreshOutcome refresh_outcome;
  ReloadOutcome reload_outcome{true, ""};
  int refreshes = 0;
  int reloads = 0;
  LifecycleFixture() {
    handlers.lifecycle_enabled = [this] { return enabled; };
    handlers.refresh = [this] {
      ++refreshes;
      return refresh_outcome;
    };
    handlers.reload = [this] {
      ++reloads;
      return reload_outcome;
    };
  }
  HealthReply post(std::string_view target) { return route_health_request("POST", target, "", handlers); }
};

}  // namespace

TEST_CASE("POST /-/refresh and /-/reload are 403 with health.lifecycle off, and do nothing") {
  LifecycleFixture fixture;
  fixture.enabled = false;
  for (const char* path : {"/-/refresh", "/-/reload", "http://127.0.0.1:9746/-/reload?now"}) {
    CAPTURE(path);
    const auto reply = fixture.post(path);
    CHECK(reply.status == 403);
    CHECK(reply.content_type == "application/json");
    CHECK(*reply.body == "{\"error\":\"lifecycle endpoints are off (health.lifecycle: false)\"}\n");
  }
  CHECK(fixture.refreshes == 0);
  CHECK(fixture.reloads == 0);
  // Handlers without lifecycle callbacks (the default) are off too.
  Fixture plain;
  CHECK(route_health_request("POST", "/-/refresh", "", plain.handlers).status == 403);
  CHECK(route_health_request("POST", "/-/reload", "", plain.handlers).status == 403);
}

TEST_CASE("POST /-/refresh: 202 started, 202 scheduled with the time, 409 while a cycle runs") {
  LifecycleFixture fixture;
  auto started = fixture.post("/-/refresh");
  CHECK(started.status == 202);
  CHECK(started.content_type == "application/json");
  CHECK(*started.body == "{\"status\":\"started\"}\n");
  CHECK(fixture.refreshes == 1);
  CHECK(fixture.reloads == 0);

  fixture.refresh_outcome = {RefreshOutcome::Kind::scheduled, "2026-12-06T09:30:00.250Z"};
  auto scheduled = fixture.post("/-/refresh?x=1");
  CHECK(scheduled.status == 202);
  CHECK(*scheduled.body == "{\"status\":\"scheduled\",\"at\":\"2026-12-06T09:30:00.250Z\"}\n");

  fixture.refresh_outcome = {RefreshOutcome::Kind::running, ""};
  auto running = fixture.post("/-/refresh");
  CHECK(running.status == 409);
  CHECK(running.content_type == "application/json");
  CHECK(*running.body == "{\"error\":\"a cycle is running\"}\n");
  CHECK(fixture.refreshes == 3);
}

TEST_CASE("POST /-/reload: 200 reloaded, or 500 with why the configuration was refused") {
  LifecycleFixture fixture;
  auto reloaded = fixture.post("/-/reload");
  CHECK(reloaded.status == 200);
  CHECK(*reloaded.body == "{\"status\":\"reloaded\"}\n");
  CHECK(fixture.reloads == 1);
  CHECK(fixture.refreshes == 0);
  fixture.reload_outcome = {false, "/etc/mw.yaml:3:5: health.lifecycle: 'yes' is not a boolean \"quoted\""};
  auto refused = fixture.post("/-/reload");
  CHECK(refused.status == 500);
  CHECK(refused.content_type == "application/json");
  CHECK(*refused.body ==
        "{\"error\":\"/etc/mw.yaml:3:5: health.lifecycle: 'yes' is not a boolean \\\"quoted\\\"\"}\n");
}

TEST_CASE("/-/refresh and /-/reload answer other methods 405 with Allow: POST, whether on or off") {
  for (bool enabled : {true, false}) {
    LifecycleFixture fixture;
    fixture.enabled = enabled;
    for (const char* path : {"/-/refresh", "/-/reload"}) {
      for (const char* method : {"GET", "HEAD", "PUT", "DELETE"}) {
        CAPTURE(path);
        CAPTURE(method);
        const auto reply = route_health_request(method, path, "", fixture.handlers);
        CHECK(reply.status == 405);
        CHECK(header(reply, "Allow") == "POST");
      }
    }
    CHECK(fixture.refreshes == 0);
    CHECK(fixture.reloads == 0);
  }
  // The other paths still do not take POST, and /-/ is no prefix match.
  LifecycleFixture fixture;
  CHECK(fixture.post("/healthz").status == 405);
  CHECK(fixture.post("/-/refresh/").status == 404);
  CHECK(fixture.post("/-/quit").status == 404);
}

TEST_CASE("listen addresses: IPv4, bracketed IPv6, localhost, with a port") {
  auto v4 = parse_listen_address("127.0.0.1:9746");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 9746);
  CHECK(v4.loopback);
  auto v6 = parse_listen_address("[::1]:0");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 0);
  CHECK(v6.loopback);
  CHECK(parse_listen_address("localhost:80").host == "127.0.0.1");
  auto any = parse_listen_address("0.0.0.0:9746");
  CHECK_FALSE(any.loopback);
  CHECK_FALSE(parse_listen_address("[::]:1").loopback);
  CHECK_FALSE(parse_listen_address("192.0.2.1:1").loopback);
  CHECK(parse_listen_address("127.0.0.2:1").loopback);
  CHECK(parse_listen_address("[::ffff:127.0.0.1]:1").loopback);
  CHECK_FALSE(parse_listen_address("[::ffff:192.0.2.1]:1").loopback);
  CHECK(format_listen_address(v6) == "[::1]:0");
  CHECK(format_listen_address(v4) == "127.0.0.1:9746");
}

TEST_CASE("malformed listen addresses are rejected with what is wrong") {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
                          "::1:80", "[127.0.0.1]:80", "[::1:80", "example.com:80", ":80", "300.1.1.1:80"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_listen_address(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_listen_address("::1:80"), doctest::Contains("brackets"));
  CHECK_THROWS_WITH(parse_listen_address("127.0.0.1:99999"), doctest::Contains("port"));
}
