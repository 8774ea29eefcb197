#pragma once

// Pieces shared by the emulator's translation units; not part of the
// library's API.

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "aws/uri.hpp"
#include "emulator.hpp"

namespace mw::fake_aws::detail {

// What every handler may need of the current request.
struct Context {
  TimePoint now;
  std::string request_id;
};

// An authenticated, routed request.
struct Call {
  Service service = Service::sts;
  std::string operation;
  std::string region;
  const Identity* caller = nullptr;
  const aws::HttpRequest* request = nullptr;
  std::string path;        // decoded path, without the query
  aws::uri::Params query;  // decoded query parameters
  std::optional<int> batch_size;
};

struct TokenBucket {
  double tokens = 0;
  TimePoint last;
};

enum class ErrorKind {
  invalid_input,
  access_denied,
  not_subscribed,
  not_found,
  throttled,
  internal,
  unknown_operation,
  organizations_not_in_use,
  // DescribeOrganizationConfiguration by an account that is not the
  // organization's administrator for the service.
  not_administrator,
};

enum class AuthFailure {
  unrecognized_client,  // unknown key, missing or wrong session token, opt-in region
  invalid_signature,    // bad signature, skew
  expired_token,
  incomplete_signature,
  missing_token,
};

// --- responses.cpp ---
Reply rest_json_ok(const boost::json::object& body);
Reply json11_ok(const boost::json::object& body);
Reply xml_ok(const std::string& body);
Reply plain_reply(unsigned status, std::string body, std::string content_type = "text/plain");
Reply service_error(Service service, ErrorKind kind, std::string_view message, const Context& ctx,
                    boost::json::object extra = {});
Reply auth_error(Service service, AuthFailure failure, std::string_view message, const Context& ctx);
std::string sts_error_xml(std::string_view type, std::string_view code, std::string_view message,
                          std::string_view request_id);
std::string xml_escape(std::string_view text);

// --- pagination.cpp ---
// Opaque NextToken values that always contain '+', '/' and '=' (as real ones
// do) and are bound to the listing they came from (`scope`).
std::string encode_page_token(std::string_view scope, std::size_t offset);
std::optional<std::size_t> decode_page_token(std::string_view token, std::string_view scope);

// --- time ---
std::string format_iso8601(TimePoint time, bool milliseconds);
std::optional<TimePoint> parse_iso8601(std::string_view text);  // "2020-01-02T03:04:05[.123]Z"
std::string format_http_date(TimePoint time);

// The emulator's mutable state, guarded by Emulator::mutex_.
struct State {
  World world;
  EmulatorOptions options;
  std::mt19937_64 rng;
  std::map<std::string, Identity> base_identities;  // access key id -> the world's credentials
  std::map<std::string, Identity> sessions;         // access key id -> issued session
  std::map<std::string, TimePoint> imds_tokens;
  std::map<std::tuple<std::string, Service, std::string>, TokenBucket> buckets;
  std::vector<RequestLogEntry> log;
  std::map<std::size_t, int> fault_uses;  // world.faults index -> requests it applied to (Fault::count)

  std::string random_token(std::size_t length, std::string_view alphabet);
  std::string new_request_id();
  Identity issue(const std::string& account_id, const std::string& arn, const std::string& user_id,
                 std::chrono::seconds lifetime, TimePoint now);
  const Identity* find_identity(const std::string& access_key_id);
};

// --- services.cpp: Security Hub, GuardDuty, Detective, Organizations, Account ---
// Fills call.operation (and batch_size) from the method and path; returns
// false when no operation of the service matches.
bool route_operation(Call& call);
Reply handle_service_call(State& state, Call& call, const Context& ctx);

// --- sts.cpp: STS, IMDSv2, container credentials ---
std::string default_user_id(const std::string& arn);
std::optional<std::string> sts_action(const aws::HttpRequest& request);
Reply handle_sts(State& state, Call& call, const Context& ctx);
// Unsigned AssumeRoleWithWebIdentity.
Reply handle_web_identity(State& state, Call& call, const Context& ctx);
// nullopt when the path is not an IMDS or container credentials path.
std::optional<Reply> handle_credentials_endpoint(State& state, const aws::HttpRequest& request,
                                                 const Context& ctx, std::string& operation);

}  // namespace mw::fake_aws::detail
