// Authentication, routing, throttling, fault selection and the request log.

#include "emulator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "aws/sigv4.hpp"
#include "internal.hpp"

namespace mw::fake_aws {

using detail::AuthFailure;
using detail::Call;
using detail::Context;
using detail::ErrorKind;
using detail::State;
namespace json = boost::json;

std::string_view to_string(WireFault fault) {
  switch (fault) {
    case WireFault::reset:
      return "reset";
    case WireFault::truncate:
      return "truncate";
    case WireFault::malformed:
      return "malformed";
    case WireFault::trickle:
      return "trickle";
    default:
      return "";
  }
}

std::optional<std::string_view> Reply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) same = std::tolower(key[i]) == std::tolower(name[i]);
    if (same) return value;
  }
  return std::nullopt;
}

std::string RequestLogEntry::to_json() const {
  json::object o{{"time", time},           {"service", service},
                 {"operation", operation}, {"account_id", account_id},
                 {"region", region},       {"status", status}};
  o["batch_size"] = batch_size ? json::value(*batch_size) : json::value(nullptr);
  o["error_code"] = error_code.empty() ? json::value(nullptr) : json::value(error_code);
  o["attempt"] = attempt ? json::value(*attempt) : json::value(nullptr);
  o["fault"] = fault.empty() ? json::value(nullptr) : json::value(fault);
  o["request_id"] = request_id;
  return json::serialize(o);
}

namespace detail {

std::string State::random_token(std::size_t length, std::string_view alphabet) {
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) out += alphabet[rng() % alphabet.size()];
  return out;
}

std::string State::new_request_id() {
  // A version 4 UUID, as AWS request ids are.
  auto hex = random_token(32, "0123456789abcdef");
  hex[12] = '4';
  hex[16] = "89ab"[rng() % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

Identity State::issue(const std::string& account_id, const std::string& arn, const std::string& user_id,
                      std::chrono::seconds lifetime, TimePoint now) {
  static constexpr std::string_view kBase64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Identity id;
  do {
    id.access_key_id = "ASIA" + random_token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  } while (sessions.count(id.access_key_id) || base_identities.count(id.access_key_id));
  id.secret_access_key = random_token(40, kBase64);
  id.session_token = "IQoJb3JpZ2luX2VjE" + random_token(300, kBase64) + "==";
  id.account_id = account_id;
  id.arn = arn;
  id.user_id = user_id;
  id.expires_at = std::chrono::time_point_cast<std::chrono::seconds>(now + lifetime);
  sessions[id.access_key_id] = id;
  return id;
}

const Identity* State::find_identity(const std::string& access_key_id) {
  if (auto it = base_identities.find(access_key_id); it != base_identities.end()) return &it->second;
  if (auto it = sessions.find(access_key_id); it != sessions.end()) return &it->second;
  return nullptr;
}

namespace {

void load_base_identities(State& s) {
  s.base_identities.clear();
  for (const auto& c : s.world.credentials) {
    Identity id;
    id.access_key_id = c.access_key_id;
    id.secret_access_key = c.secret_access_key;
    id.session_token = c.session_token;
    id.account_id = c.account_id;
    id.arn = c.arn;
    id.user_id = default_user_id(c.arn);
    if (c.expires_at) id.expires_at = parse_iso8601(*c.expires_at);
    s.base_identities[id.access_key_id] = id;
  }
}

// Which service an unsigned request was meant for, from its shape.
Service guess_service(const aws::HttpRequest& request) {
  const auto path = aws::uri::split_target(request.target).first;
  if (request.header("x-amz-target")) return Service::organizations;
  // Macie's GET /members looks like Security Hub's: it is taken for that.
  if (path == "/members/list" || path.rfind("/organizationconfiguration/", 0) == 0 ||
      path.rfind("/status/", 0) == 0)
    return Service::inspector2;
  if (path == "/admin/configuration") return Service::macie2;
  if (path.rfind("/members", 0) == 0 || path.rfind("/organization/", 0) == 0) return Service::securityhub;
  if (path.rfind("/detector", 0) == 0) return Service::guardduty;
  if (path.rfind("/graph", 0) == 0 || path.rfind("/orgs/", 0) == 0) return Service::detective;
  if (path == "/listRegions" || path == "/getRegionOptStatus") return Service::account;
  return Service::sts;
}

std::optional<int> attempt_of(const aws::HttpRequest& request) {
  const auto header = request.header("amz-sdk-request");
  if (!header) return std::nullopt;
  const auto at = header->find("attempt=");
  if (at == std::string_view::npos) return std::nullopt;
  int attempt = 0;
  const char* begin = header->data() + at + 8;
  const auto [end, ec] = std::from_chars(begin, header->data() + header->size(), attempt);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return attempt;
}

std::string error_code_of(const Reply& reply) {
  if (reply.status < 400) return "";
  if (const auto type = reply.header("x-amzn-ErrorType"))
    return std::string(type->substr(0, type->find(':')));
  const auto open = reply.body.find("<Code>");
  if (open != std::string::npos) {
    const auto close = reply.body.find("</Code>", open);
    return reply.body.substr(open + 6, close - open - 6);
  }
  json::error_code ec;
  const auto body = json::parse(reply.body, ec);
  if (!ec && body.is_object()) {
    for (const char* key : {"__type", "code", "Code"})
      if (const auto* v = body.as_object().if_contains(key); v && v->is_string())
        return std::string(v->as_string());
  }
  return std::to_string(reply.status);
}

std::string amz_time(TimePoint t) {
  return aws::sigv4::format_amz_date(t);
}

// The SigV4 checks AWS makes, in its order. Returns the failure reply, or
// sets call.caller.
std::optional<Reply> authenticate(State& s, Call& call, const aws::sigv4::Authorization& auth,
                                  const Context& ctx) {
  const auto& request = *call.request;
  const auto* identity = s.find_identity(auth.access_key_id);
  const std::string invalid_token = "The security token included in the request is invalid.";
  if (!identity)
    return detail::auth_error(call.service, AuthFailure::unrecognized_client, invalid_token, ctx);
  const auto token = request.header("x-amz-security-token");
  if (identity->session_token.empty() ? token.has_value() : (!token || *token != identity->session_token))
    return detail::auth_error(call.service, AuthFailure::unrecognized_client, invalid_token, ctx);
  if (identity->expires_at && *identity->expires_at <= ctx.now)
    return detail::auth_error(call.service, AuthFailure::expired_token,
                              "The security token included in the request is expired", ctx);
  const auto amz_date = request.header("x-amz-date");
  const auto signed_at = amz_date ? aws::sigv4::parse_amz_date(*amz_date) : std::nullopt;
  if (!signed_at)
    return detail::auth_error(
        call.service, AuthFailure::incomplete_signature,
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", ctx);
  const auto skew = std::chrono::minutes(15);
  if (*signed_at < ctx.now - skew)
    return detail::auth_error(call.service, AuthFailure::invalid_signature,
                              "Signature expired: " + std::string(*amz_date) + " is now earlier than " +
                                  amz_time(ctx.now - skew) + " (" + amz_time(ctx.now) + " - 15 min.)",
                              ctx);
  if (*signed_at > ctx.now + skew)
    return detail::auth_error(call.service, AuthFailure::invalid_signature,
                              "Signature not yet current: " + std::string(*amz_date) +
                                  " is still later than " + amz_time(ctx.now + skew) + " (" +
                                  amz_time(ctx.now) + " + 15 min.)",
                              ctx);
  const auto verification = aws::sigv4::verify(request, auth, aws::SecretString(identity->secret_access_key));
  if (!verification.valid) {
    if (verification.reason != "signature mismatch")
      return detail::auth_error(call.service, AuthFailure::incomplete_signature, verification.reason, ctx);
    return detail::auth_error(call.service, AuthFailure::invalid_signature,
                              "The request signature we calculated does not match the signature you "
                              "provided. Check your AWS Secret Access "
                              "Key and signing method. Consult the service documentation for details.\n\nThe "
                              "Canonical String for this "
                              "request should have been\n'" +
                                  verification.expected.canonical_request +
                                  "'\n\nThe String-to-Sign should have been\n'" +
                                  verification.expected.string_to_sign + "'\n",
                              ctx);
  }
  // Tokens from the global STS endpoint are not valid in opt-in regions.
  if (!identity->session_token.empty() && s.world.is_opt_in_region(call.region))
    return detail::auth_error(call.service, AuthFailure::unrecognized_client, invalid_token, ctx);
  call.caller = identity;
  return std::nullopt;
}

bool take_token(State& s, const Call& call, TimePoint now) {
  const auto limit = s.world.throttles.find(call.service);
  if (limit == s.world.throttles.end() || limit->second.rate <= 0) return true;
  auto& bucket = s.buckets[{call.caller->access_key_id, call.service, call.region}];
  if (bucket.last == TimePoint{}) bucket.tokens = limit->second.burst;
  const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
  if (bucket.last != TimePoint{} && elapsed > 0)
    bucket.tokens = std::min(limit->second.burst, bucket.tokens + elapsed * limit->second.rate);
  bucket.last = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

// The first fault matching the call that has uses left; counts the use.
const Fault* matching_fault(State& s, const Call& call) {
  for (std::size_t i = 0; i < s.world.faults.size(); ++i) {
    const auto& f = s.world.faults[i];
    if (f.service && *f.service != call.service) continue;
    if (!f.operation.empty() && f.operation != call.operation) continue;
    if (!f.region.empty() && f.region != call.region) continue;
    if (!f.account_id.empty() && (!call.caller || f.account_id != call.caller->account_id)) continue;
    if (f.count > 0 && s.fault_uses[i] >= f.count) continue;
    ++s.fault_uses[i];
    return &f;
  }
  return nullptr;
}

std::string internal_message(Service service) {
  switch (service) {
    case Service::guardduty:
      return "The request is rejected since an internal exception was encountered in the service.";
    case Service::sts:
      return "An internal error occurred.";
    default:
      return "Internal service error";
  }
}

Reply dispatch_service(State& s, Call& call, const Context& ctx, RequestLogEntry& entry) {
  if (call.service == Service::sts) {
    call.operation = sts_action(*call.request).value_or("");
    if (call.operation.empty())
      return service_error(Service::sts, ErrorKind::invalid_input, "Missing required parameter Action", ctx);
  } else if (!route_operation(call)) {
    return service_error(call.service, ErrorKind::unknown_operation,
                         "No operation matches " + call.request->method + " " + call.path, ctx);
  }
  entry.operation = call.operation;
  if (!take_token(s, call, ctx.now)) {
    entry.fault = "throttle";
    return service_error(call.service, ErrorKind::throttled, "Rate exceeded", ctx);
  }
  const Fault* fault = matching_fault(s, call);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto roll = [&](double rate) { return rate > 0 && unit(s.rng) < rate; };
  std::chrono::milliseconds delay{0};
  if (fault) {
    const double jitter = fault->jitter_ms > 0 ? unit(s.rng) * fault->jitter_ms : 0;
    delay = std::chrono::milliseconds(static_cast<long long>(fault->latency_ms + jitter));
    if (roll(fault->reset_rate)) {
      entry.fault = "reset";
      Reply r;
      r.status = 0;
      r.wire_fault = WireFault::reset;
      r.delay = delay;
      return r;
    }
    if (roll(fault->throttle_rate)) {
      entry.fault = "throttle";
      auto r = service_error(call.service, ErrorKind::throttled, "Rate exceeded", ctx);
      r.delay = delay;
      return r;
    }
    if (roll(fault->error_rate)) {
      entry.fault = "error";
      auto r = service_error(call.service, ErrorKind::internal, internal_message(call.service), ctx);
      r.delay = delay;
      return r;
    }
  }
  auto reply = call.service == Service::sts ? handle_sts(s, call, ctx) : handle_service_call(s, call, ctx);
  reply.delay = delay;
  if (fault && reply.status == 200) {
    if (roll(fault->truncate_rate))
      reply.wire_fault = WireFault::truncate;
    else if (roll(fault->malformed_rate))
      reply.wire_fault = WireFault::malformed;
    else if (roll(fault->trickle_rate))
      reply.wire_fault = WireFault::trickle;
    reply.trickle_interval = std::chrono::milliseconds(static_cast<long long>(fault->trickle_ms));
    entry.fault = std::string(to_string(reply.wire_fault));
  }
  if (reply.wire_fault == WireFault::malformed) {
    // Valid HTTP, a body that is not: cut in the middle of a value.
    reply.body = reply.body.substr(0, reply.body.size() / 2) + "\"\x01<";
  }
  return reply;
}

Reply dispatch(State& s, const aws::HttpRequest& request, const Context& ctx, RequestLogEntry& entry) {
  std::string operation;
  if (auto reply = handle_credentials_endpoint(s, request, ctx, operation)) {
    entry.service = "credentials";
    entry.operation = operation;
    return *reply;
  }
  Call call;
  call.request = &request;
  const auto [raw_path, raw_query] = aws::uri::split_target(request.target);
  call.path = aws::uri::decode(raw_path).value_or(std::string(raw_path));
  call.query = aws::uri::parse_form(raw_query).value_or(aws::uri::Params{});
  const auto authorization = request.header("authorization");
  if (!authorization) {
    call.service = guess_service(request);
    entry.service = std::string(to_string(call.service));
    if (call.service == Service::sts && sts_action(request) == "AssumeRoleWithWebIdentity") {
      call.operation = entry.operation = "AssumeRoleWithWebIdentity";
      return handle_web_identity(s, call, ctx);
    }
    return auth_error(call.service, AuthFailure::missing_token,
                      call.service == Service::sts ? "Request is missing Authentication Token"
                                                   : "Missing Authentication Token",
                      ctx);
  }
  const auto parsed = aws::sigv4::parse_authorization(*authorization);
  if (!parsed.value) {
    call.service = guess_service(request);
    entry.service = std::string(to_string(call.service));
    return auth_error(call.service, AuthFailure::incomplete_signature, parsed.error, ctx);
  }
  const auto& auth = *parsed.value;
  const auto service = parse_service(auth.scope.service);
  if (!service) {
    entry.service = auth.scope.service;
    return auth_error(guess_service(request), AuthFailure::incomplete_signature,
                      "Credential should be scoped to correct service: '" + auth.scope.service + "'. ", ctx);
  }
  call.service = *service;
  call.region = auth.scope.region;
  entry.service = std::string(to_string(call.service));
  entry.region = call.region;
  if (auto failure = authenticate(s, call, auth, ctx)) return *failure;
  entry.account_id = call.caller->account_id;
  auto reply = dispatch_service(s, call, ctx, entry);
  entry.batch_size = call.batch_size;
  return reply;
}

}  // namespace
}  // namespace detail

struct Emulator::State : detail::State {};

Emulator::Emulator(World world, EmulatorOptions options) : state_(std::make_unique<State>()) {
  state_->world = std::move(world);
  state_->rng.seed(options.seed);
  state_->options = std::move(options);
  detail::load_base_identities(*state_);
}

Emulator::~Emulator() = default;

Reply Emulator::handle(const aws::HttpRequest& request) {
  std::lock_guard lock(mutex_);
  auto& s = *state_;
  const Context ctx{s.options.clock(), s.new_request_id()};
  RequestLogEntry entry;
  entry.time = detail::format_iso8601(ctx.now, true);
  entry.request_id = ctx.request_id;
  entry.attempt = detail::attempt_of(request);
  Reply reply;
  try {
    reply = detail::dispatch(s, request, ctx, entry);
  } catch (const std::exception& e) {
    spdlog::error("request failed unexpectedly target={} error={}", request.target, e.what());
    reply = detail::plain_reply(500, "internal error in fake-aws");
  }
  if (entry.service != "credentials") reply.headers.emplace_back("x-amzn-RequestId", ctx.request_id);
  reply.headers.emplace_back("Date", detail::format_http_date(ctx.now));
  entry.status = reply.status;
  entry.error_code = detail::error_code_of(reply);
  if (s.options.on_log) s.options.on_log(entry);
  s.log.push_back(std::move(entry));
  return reply;
}

std::vector<RequestLogEntry> Emulator::request_log() const {
  std::lock_guard lock(mutex_);
  return state_->log;
}

void Emulator::clear_request_log() {
  std::lock_guard lock(mutex_);
  state_->log.clear();
}

void Emulator::set_world(World world) {
  std::lock_guard lock(mutex_);
  state_->world = std::move(world);
  state_->buckets.clear();
  state_->fault_uses.clear();
  detail::load_base_identities(*state_);
}

World Emulator::world() const {
  std::lock_guard lock(mutex_);
  return state_->world;
}

Identity Emulator::issue_session(const std::string& account_id, const std::string& arn,
                                 std::chrono::seconds lifetime) {
  std::lock_guard lock(mutex_);
  return state_->issue(account_id, arn, detail::default_user_id(arn), lifetime, state_->options.clock());
}

}  // namespace mw::fake_aws
