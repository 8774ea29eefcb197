// STS (query protocol, XML) plus the two unsigned credential endpoints:
// EC2 instance metadata (IMDSv2) and the container credentials endpoint.

#include <algorithm>
#include <charconv>
#include <regex>

#include "aws/crypto.hpp"
#include "internal.hpp"

namespace mw::fake_aws::detail {

namespace json = boost::json;

namespace {

std::optional<aws::uri::Params> sts_params(const aws::HttpRequest& request) {
  if (request.method == "GET") return aws::uri::parse_form(aws::uri::split_target(request.target).second);
  return aws::uri::parse_form(request.body);
}

std::optional<std::string> param(const aws::uri::Params& params, std::string_view name) {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return std::nullopt;
}

std::string sts_response(std::string_view action, const std::string& result, const Context& ctx) {
  return "<" + std::string(action) + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" +
         std::string(action) + "Result>\n" + result + "  </" + std::string(action) +
         "Result>\n  <ResponseMetadata>\n    <RequestId>" + ctx.request_id +
         "</RequestId>\n  </ResponseMetadata>\n</" + std::string(action) + "Response>\n";
}

std::string credentials_xml(const Identity& id) {
  return "    <Credentials>\n      <AccessKeyId>" + id.access_key_id +
         "</AccessKeyId>\n      <SecretAccessKey>" + xml_escape(id.secret_access_key) +
         "</SecretAccessKey>\n      <SessionToken>" + xml_escape(id.session_token) +
         "</SessionToken>\n      <Expiration>" + format_iso8601(*id.expires_at, false) +
         "</Expiration>\n    </Credentials>\n";
}

std::string role_id(const Role& role) {
  // Stable per role, like IAM's AROA... unique ids.
  std::string digest = aws::crypto::sha256_hex(role.arn);
  std::transform(digest.begin(), digest.end(), digest.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return "AROA" + digest.substr(0, 17);
}

std::string assumed_role_user_xml(const Identity& id) {
  return "    <AssumedRoleUser>\n      <AssumedRoleId>" + xml_escape(id.user_id) +
         "</AssumedRoleId>\n      <Arn>" + xml_escape(id.arn) + "</Arn>\n    </AssumedRoleUser>\n";
}

Reply validation_error(const std::string& message, const Context& ctx) {
  return service_error(Service::sts, ErrorKind::invalid_input, message, ctx);
}

// The checks AWS applies to RoleSessionName and DurationSeconds.
std::optional<Reply> check_session_params(const std::optional<std::string>& session_name,
                                          const std::optional<std::string>& duration,
                                          std::chrono::seconds& lifetime, const Context& ctx) {
  static const std::regex name_pattern(R"([\w+=,.@-]*)");
  if (!session_name)
    return validation_error(
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member "
        "must not be null",
        ctx);
  if (session_name->size() < 2 || session_name->size() > 64 || !std::regex_match(*session_name, name_pattern))
    return validation_error(
        "1 validation error detected: Value '" + *session_name +
            "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\w+=,.@-]* and have length between 2 and 64",
        ctx);
  lifetime = std::chrono::seconds(3600);
  if (duration) {
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(duration->data(), duration->data() + duration->size(), seconds);
    if (ec != std::errc() || end != duration->data() + duration->size() || seconds < 900 || seconds > 43200)
      return validation_error(
          "1 validation error detected: Value '" + *duration +
              "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
              (seconds < 900 ? "greater than or equal to 900" : "less than or equal to 43200"),
          ctx);
    lifetime = std::chrono::seconds(seconds);
  }
  return std::nullopt;
}

Reply assume_role(State& state, const Call& call, const aws::uri::Params& params, const Context& ctx) {
  const auto role_arn = param(params, "RoleArn");
  if (!role_arn)
    return validation_error(
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not "
        "be null",
        ctx);
  std::chrono::seconds lifetime{};
  if (auto error = check_session_params(param(params, "RoleSessionName"), param(params, "DurationSeconds"),
                                        lifetime, ctx))
    return *error;
  const auto* role = state.world.role(*role_arn);
  const auto external_id = param(params, "ExternalId").value_or("");
  if (!role || role->denied || role->external_id != external_id)
    return service_error(Service::sts, ErrorKind::access_denied,
                         "User: " + call.caller->arn +
                             " is not authorized to perform: sts:AssumeRole on resource: " + *role_arn,
                         ctx);
  const auto session = *param(params, "RoleSessionName");
  const auto id =
      state.issue(role->account_id(),
                  "arn:aws:sts::" + role->account_id() + ":assumed-role/" + role->name() + "/" + session,
                  role_id(*role) + ":" + session, lifetime, ctx.now);
  return xml_ok(sts_response("AssumeRole", assumed_role_user_xml(id) + credentials_xml(id), ctx));
}

Reply get_caller_identity(const Call& call, const Context& ctx) {
  const auto& id = *call.caller;
  return xml_ok(sts_response("GetCallerIdentity",
                             "    <Arn>" + xml_escape(id.arn) + "</Arn>\n    <UserId>" +
                                 xml_escape(id.user_id) + "</UserId>\n    <Account>" + id.account_id +
                                 "</Account>\n",
                             ctx));
}

std::string user_id_for(const std::string& arn) {
  std::string digest = aws::crypto::sha256_hex(arn);
  std::transform(digest.begin(), digest.end(), digest.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return "AIDA" + digest.substr(0, 17);
}

// --- IMDSv2 -----------------------------------------------------------------

Reply imds(State& state, const aws::HttpRequest& request, std::string_view path, const Context& ctx,
           std::string& operation) {
  const auto& profile = state.world.instance_profile;
  if (!profile) return plain_reply(404, "Not Found");
  if (path == "/latest/api/token") {
    operation = "GetMetadataToken";
    if (request.method != "PUT") return plain_reply(405, "Method Not Allowed");
    if (request.header("x-forwarded-for")) return plain_reply(403, "Forbidden");
    const auto ttl_text = request.header("x-aws-ec2-metadata-token-ttl-seconds");
    long long ttl = 0;
    if (!ttl_text) return plain_reply(400, "Bad Request");
    const auto [end, ec] = std::from_chars(ttl_text->data(), ttl_text->data() + ttl_text->size(), ttl);
    if (ec != std::errc() || end != ttl_text->data() + ttl_text->size() || ttl < 1 || ttl > 21600)
      return plain_reply(400, "Bad Request");
    const auto token =
        state.random_token(56, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") + "==";
    state.imds_tokens[token] = ctx.now + std::chrono::seconds(ttl);
    auto reply = plain_reply(200, token);
    reply.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl));
    return reply;
  }
  operation = "GetMetadata";
  if (request.method != "GET" && request.method != "HEAD") return plain_reply(405, "Method Not Allowed");
  const auto token = request.header("x-aws-ec2-metadata-token");
  const auto found = token ? state.imds_tokens.find(std::string(*token)) : state.imds_tokens.end();
  if (found == state.imds_tokens.end() || found->second <= ctx.now) return plain_reply(401, "Unauthorized");
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  if (path == base || path == base.substr(0, base.size() - 1)) return plain_reply(200, profile->role_name);
  if (path == base + profile->role_name) {
    const auto arn =
        "arn:aws:sts::" + profile->account_id + ":assumed-role/" + profile->role_name + "/i-0fa4e1c0ffee";
    const auto id = state.issue(profile->account_id, arn, "AROAFAKEAWSINSTANCE:i-0fa4e1c0ffee",
                                std::chrono::hours(6), ctx.now);
    json::object body{{"Code", "Success"},
                      {"LastUpdated", format_iso8601(ctx.now, false)},
                      {"Type", "AWS-HMAC"},
                      {"AccessKeyId", id.access_key_id},
                      {"SecretAccessKey", id.secret_access_key},
                      {"Token", id.session_token},
                      {"Expiration", format_iso8601(*id.expires_at, false)}};
    return plain_reply(200, json::serialize(body));
  }
  if (path == "/latest/meta-data/iam/info") {
    json::object body{{"Code", "Success"},
                      {"LastUpdated", format_iso8601(ctx.now, false)},
                      {"InstanceProfileArn",
                       "arn:aws:iam::" + profile->account_id + ":instance-profile/" + profile->role_name},
                      {"InstanceProfileId", "AIPAFAKEAWSINSTANCE00"}};
    return plain_reply(200, json::serialize(body));
  }
  return plain_reply(404, "Not Found");
}

Reply container(State& state, const aws::HttpRequest& request, const Context& ctx) {
  const auto& cc = *state.world.container_credentials;
  if (request.method != "GET") return plain_reply(405, "Method Not Allowed");
  if (!cc.authorization_token.empty()) {
    const auto auth = request.header("authorization");
    if (!auth)
      return plain_reply(401, R"({"code":"Unauthorized","message":"Authorization header is missing"})",
                         "application/json");
    if (*auth != cc.authorization_token)
      return plain_reply(403, R"({"code":"AccessDenied","message":"Authorization token is not valid"})",
                         "application/json");
  }
  const auto* role = state.world.role(cc.role_arn);
  const auto id =
      state.issue(role->account_id(),
                  "arn:aws:sts::" + role->account_id() + ":assumed-role/" + role->name() + "/fake-aws-task",
                  role_id(*role) + ":fake-aws-task", std::chrono::hours(6), ctx.now);
  json::object body{{"AccessKeyId", id.access_key_id},
                    {"SecretAccessKey", id.secret_access_key},
                    {"Token", id.session_token},
                    {"Expiration", format_iso8601(*id.expires_at, false)},
                    {"RoleArn", cc.role_arn}};
  return plain_reply(200, json::serialize(body), "application/json");
}

}  // namespace

std::optional<std::string> sts_action(const aws::HttpRequest& request) {
  const auto params = sts_params(request);
  if (!params) return std::nullopt;
  return param(*params, "Action");
}

Reply handle_sts(State& state, Call& call, const Context& ctx) {
  const auto params = sts_params(*call.request);
  if (!params) return validation_error("The request body is not a valid form encoding.", ctx);
  if (call.operation == "AssumeRole") return assume_role(state, call, *params, ctx);
  if (call.operation == "GetCallerIdentity") return get_caller_identity(call, ctx);
  if (call.operation == "AssumeRoleWithWebIdentity")
    // Signed requests may call it too; the signature is simply not needed.
    return handle_web_identity(state, call, ctx);
  return service_error(Service::sts, ErrorKind::unknown_operation,
                       "Could not find operation " + call.operation + " for version 2011-06-15", ctx);
}

Reply handle_web_identity(State& state, Call& call, const Context& ctx) {
  const auto params = sts_params(*call.request);
  if (!params) return validation_error("The request body is not a valid form encoding.", ctx);
  const auto role_arn = param(*params, "RoleArn");
  const auto token = param(*params, "WebIdentityToken");
  if (!role_arn || !token)
    return validation_error("1 validation error detected: Value null at '" +
                                std::string(!role_arn ? "roleArn" : "webIdentityToken") +
                                "' failed to satisfy constraint: Member must not be null",
                            ctx);
  std::chrono::seconds lifetime{};
  if (auto error = check_session_params(param(*params, "RoleSessionName"), param(*params, "DurationSeconds"),
                                        lifetime, ctx))
    return *error;
  const auto& tokens = state.world.web_identity_tokens;
  const auto match = std::find_if(tokens.begin(), tokens.end(),
                                  [&](const WebIdentityToken& t) { return t.token == *token; });
  if (match == tokens.end()) {
    auto reply = service_error(Service::sts, ErrorKind::invalid_input, "", ctx);
    reply.status = 400;
    reply.body = sts_error_xml("Sender", "InvalidIdentityToken",
                               "Couldn't retrieve verification key from your identity provider,  please "
                               "reference AssumeRoleWithWebIdentity documentation for requirements",
                               ctx.request_id);
    return reply;
  }
  const auto* role = state.world.role(*role_arn);
  if (!role || role->denied || match->role_arn != *role_arn)
    return service_error(Service::sts, ErrorKind::access_denied,
                         "Not authorized to perform sts:AssumeRoleWithWebIdentity", ctx);
  const auto session = *param(*params, "RoleSessionName");
  const auto id =
      state.issue(role->account_id(),
                  "arn:aws:sts::" + role->account_id() + ":assumed-role/" + role->name() + "/" + session,
                  role_id(*role) + ":" + session, lifetime, ctx.now);
  call.caller = nullptr;
  const std::string result = "    <SubjectFromWebIdentityToken>" + xml_escape(match->subject) +
                             "</SubjectFromWebIdentityToken>\n    <Audience>" + xml_escape(match->audience) +
                             "</Audience>\n" + assumed_role_user_xml(id) + credentials_xml(id) +
                             "    <Provider>" + xml_escape(match->provider) + "</Provider>\n";
  return xml_ok(sts_response("AssumeRoleWithWebIdentity", result, ctx));
}

std::optional<Reply> handle_credentials_endpoint(State& state, const aws::HttpRequest& request,
                                                 const Context& ctx, std::string& operation) {
  const auto path = aws::uri::split_target(request.target).first;
  if (path.rfind("/latest/", 0) == 0) return imds(state, request, path, ctx, operation);
  if (state.world.container_credentials && path == state.world.container_credentials->path) {
    operation = "GetContainerCredentials";
    return container(state, request, ctx);
  }
  return std::nullopt;
}

// Used by the emulator for base credentials without an explicit ARN.
std::string default_user_id(const std::string& arn) {
  return user_id_for(arn);
}

}  // namespace mw::fake_aws::detail
