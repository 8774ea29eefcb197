#include "health/health_routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "common/strings.hpp"
#include "health/coverage_page.hpp"
#include "health/metrics.hpp"

namespace mw::health {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";

HealthReply reply(int status, std::string_view content_type, std::string body) {
  HealthReply result;
  result.status = status;
  result.content_type = std::string(content_type);
  result.body = std::make_shared<const std::string>(std::move(body));
  return result;
}

HealthReply json_reply(int status, std::string_view name, std::string_view value) {
  boost::json::object body;
  body[name] = value;
  return reply(status, kJson, boost::json::serialize(body) + "\n");
}

// POST /-/refresh and /-/reload, as Prometheus serves them with
// --web.enable-lifecycle.
HealthReply lifecycle_reply(std::string_view method, std::string_view path, const HealthHandlers& handlers) {
  if (method != "POST") {
    auto result = reply(405, kText, "method not allowed\n");
    result.headers = {{"Allow", "POST"}};
    return result;
  }
  const bool enabled =
      handlers.lifecycle_enabled && handlers.refresh && handlers.reload && handlers.lifecycle_enabled();
  if (!enabled) return json_reply(403, "error", "lifecycle endpoints are off (health.lifecycle: false)");
  if (path == "/-/reload") {
    const auto outcome = handlers.reload();
    return outcome.reloaded ? json_reply(200, "status", "reloaded") : json_reply(500, "error", outcome.error);
  }
  const auto outcome = handlers.refresh();
  switch (outcome.kind) {
    case RefreshOutcome::Kind::started:
      return json_reply(202, "status", "started");
    case RefreshOutcome::Kind::scheduled: {
      boost::json::object body;
      body["status"] = "scheduled";
      body["at"] = outcome.at;
      return reply(202, kJson, boost::json::serialize(body) + "\n");
    }
    case RefreshOutcome::Kind::running:
      break;
  }
  return json_reply(409, "error", "a cycle is running");
}

// GET /: the document is constant; its script fetches /snapshot.
HealthReply coverage_page_reply() {
  const auto& page = coverage_page();
  HealthReply result;
  result.content_type = "text/html; charset=utf-8";
  result.body = page.html;
  result.headers = {{"Content-Security-Policy", page.content_security_policy},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Referrer-Policy", "no-referrer"},
                    {"X-Frame-Options", "DENY"},
                    {"Cache-Control", "no-cache"}};
  return result;
}

HealthReply readiness_reply(const Readiness& readiness) {
  return reply(readiness.ready ? 200 : 503, kJson, readiness_json(readiness) + "\n");
}

HealthReply snapshot_reply(const HealthHandlers& handlers, std::string_view if_none_match) {
  auto document = handlers.snapshot ? handlers.snapshot() : nullptr;
  if (!document) return readiness_reply({false, "no snapshot has been written yet"});
  HealthReply result;
  result.headers = {{"ETag", document->etag}, {"Cache-Control", "no-cache"}};
  if (!if_none_match.empty() && if_none_match_matches(if_none_match, document->etag)) {
    result.status = 304;
    return result;
  }
  result.content_type = std::string(kJson);
  result.file = std::move(document);  // the server sends the file itself
  return result;
}

// An entity tag without its weakness indicator, for weak comparison.
std::string_view opaque_tag(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

bool if_none_match_matches(std::string_view header_value, std::string_view etag) {
  if (trim(header_value) == "*") return true;
  for (auto candidate : split(header_value, ',')) {
    if (opaque_tag(trim(candidate)) == opaque_tag(etag)) return true;
  }
  return false;
}

std::string_view request_path(std::string_view target) {
  // Absolute form (RFC 9112, 3.2.2): "http://host:port/path?query". The
  // scheme is case-insensitive; the authority ends at the first '/', '?'
  // or the end, and a missing path is "/".
  const auto starts_with_scheme = [&](std::string_view scheme) {
    if (target.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
      const char c = target[i];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != scheme[i]) return false;
    }
    return true;
  };
  for (const std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (!starts_with_scheme(scheme)) continue;
    const auto rest = target.substr(scheme.size());
    const auto path_start = rest.find_first_of("/?");
    if (path_start == std::string_view::npos || rest[path_start] == '?') return "/";
    target = rest.substr(path_start);
    break;
  }
  return target.substr(0, target.find('?'));
}

HealthReply route_health_request(std::string_view method, std::string_view target,
                                 std::string_view if_none_match, const HealthHandlers& handlers) {
  const auto path = request_path(target);
  if (path == "/-/refresh" || path == "/-/reload") return lifecycle_reply(method, path, handlers);
  if (path != "/" && path != "/healthz" && path != "/readyz" && path != "/metrics" && path != "/snapshot") {
    return reply(404, kText, "not found\n");
  }
  if (method != "GET" && method != "HEAD") {
    auto result = reply(405, kText, "method not allowed\n");
    result.headers = {{"Allow", "GET, HEAD"}};
    return result;
  }
  HealthReply result;
  if (path == "/") {
    result = coverage_page_reply();
  } else if (path == "/healthz") {
    result = reply(200, kText, "ok\n");
  } else if (path == "/readyz") {
    result = readiness_reply(handlers.readiness ? handlers.readiness()
                                                : Readiness{false, "readiness is not wired up"});
  } else if (path == "/metrics") {
    result = reply(200, kExpositionContentType, handlers.metrics ? handlers.metrics() : std::string());
  } else {
    result = snapshot_reply(handlers, if_none_match);
  }
  result.headers_only = method == "HEAD";
  return result;
}

HealthReply error_reply(int status, std::string_view message) {
  return reply(status, kText, std::string(message) + "\n");
}

}  // namespace mw::health
