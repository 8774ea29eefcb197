#pragma once

// The request -> reply core of fake-aws, without sockets: authentication
// (SigV4 verification, sessions issued by STS), routing, the emulated
// operations, throttling and fault selection, and the request log. The
// server applies the reply's delay and body fault on the wire.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "aws/http_types.hpp"
#include "world.hpp"

namespace mw::fake_aws {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

enum class WireFault { none, reset, truncate, malformed, trickle };
std::string_view to_string(WireFault fault);

struct Reply {
  unsigned status = 200;
  aws::HeaderList headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // latency before the response starts
  WireFault wire_fault = WireFault::none;
  std::chrono::milliseconds trickle_interval{0};

  std::optional<std::string_view> header(std::string_view name) const;
};

struct RequestLogEntry {
  std::string time;     // RFC 3339 UTC with milliseconds
  std::string service;  // "" when the request could not be attributed
  std::string operation;
  std::string account_id;  // the caller's account; "" when not authenticated
  std::string region;
  std::optional<int> batch_size;  // GetMembers: how many account IDs were asked for
  unsigned status = 0;
  std::string error_code;      // "" on success
  std::optional<int> attempt;  // from amz-sdk-request: attempt=N
  std::string fault;           // "" or throttle, error, reset, truncate, malformed, trickle
  std::string request_id;

  std::string to_json() const;  // one JSONL line, without the newline
};

// A session handed out by STS, IMDS or the container endpoint, or a base
// credential of the world.
struct Identity {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string account_id;
  std::string arn;
  std::string user_id;
  std::optional<TimePoint> expires_at;
};

struct EmulatorOptions {
  std::uint64_t seed = 1;
  std::function<TimePoint()> clock = [] { return Clock::now(); };
  // Called with every log entry as it is recorded (the server writes JSONL).
  std::function<void(const RequestLogEntry&)> on_log;
};

class Emulator {
 public:
  explicit Emulator(World world, EmulatorOptions options = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Thread-safe. `request.target` is the raw request-target as received.
  Reply handle(const aws::HttpRequest& request);

  std::vector<RequestLogEntry> request_log() const;
  void clear_request_log();

  // Replaces the world (faults, members, ...) while keeping issued sessions.
  void set_world(World world);
  World world() const;

  // Issues temporary credentials directly, as AssumeRole would, for tests.
  Identity issue_session(const std::string& account_id, const std::string& arn,
                         std::chrono::seconds lifetime);

  struct State;

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<State> state_;
};

}  // namespace mw::fake_aws
