#pragma once

// What the health endpoint answers, as pure functions over values; the
// server in health_server.hpp only moves bytes.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/readiness.hpp"

namespace mw::health {

// The snapshot file as the daemon last wrote (or found) it: served from the
// file (its text is never held in memory), described once per write.
struct SnapshotDocument {
  std::filesystem::path path;
  std::uint64_t bytes = 0;
  std::string etag;  // quoted, e.g. "\"3f2a...\"" (common/etag.hpp)
};

// Whether an If-None-Match header value names `etag` ("*", or a list of
// tags compared weakly, as RFC 9110 section 13.1.2 asks).
bool if_none_match_matches(std::string_view header_value, std::string_view etag);

// What POST /-/refresh did.
struct RefreshOutcome {
  enum class Kind {
    started,    // a cycle starts now: 202
    scheduled,  // within 30 s of the last cycle's start: one cycle starts at `at`: 202
    running,    // a cycle is running: 409
  };
  Kind kind = Kind::started;
  std::string at;  // scheduled: RFC 3339 UTC
};

// What POST /-/reload did: 200, or 500 with why the new configuration was
// refused (the running one stays).
struct ReloadOutcome {
  bool reloaded = false;
  std::string error;
};

// Where the endpoint's answers come from. Called on the event loop; they
// must be quick and must not block.
struct HealthHandlers {
  std::function<Readiness()> readiness;
  std::function<std::string()> metrics;  // the exposition, e.g. Registry::render
  // The current snapshot, or nullptr before the first one was written.
  std::function<std::shared_ptr<const SnapshotDocument>()> snapshot;
  // health.lifecycle: POST /-/refresh and /-/reload are served only while
  // this says true and both callbacks are set; else they are 403.
  std::function<bool()> lifecycle_enabled = {};
  std::function<RefreshOutcome()> refresh = {};
  std::function<ReloadOutcome()> reload = {};
};

struct HealthReply {
  int status = 200;
  std::string content_type;                                  // "" when there is no body
  std::shared_ptr<const std::string> body;                   // nullptr when there is no body
  std::shared_ptr<const SnapshotDocument> file;              // or the body is this file
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, ETag, Cache-Control
  bool headers_only = false;                                 // HEAD: Content-Length of the body, but no body
};

// The path of a request target in origin form ("/metrics?x" -> "/metrics")
// or absolute form ("http://127.0.0.1:9746/metrics" -> "/metrics").
std::string_view request_path(std::string_view target);

// The reply to a request with this method, target (query ignored) and
// If-None-Match value ("" when absent). Exceptions from handlers propagate.
// The request's body is never looked at: a POST to /-/refresh or /-/reload
// asks for the action whatever it carries.
HealthReply route_health_request(std::string_view method, std::string_view target,
                                 std::string_view if_none_match, const HealthHandlers& handlers);

// The reply for a request the server could not read: 400, 413 or 431.
HealthReply error_reply(int status, std::string_view message);

}  // namespace mw::health
