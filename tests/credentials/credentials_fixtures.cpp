#include "credentials_fixtures.hpp"

#include <thread>

#include "aws/protocols.hpp"
#include "aws/sigv4.hpp"
#include "common/strings.hpp"

namespace mw::test {
namespace {

std::string iso(std::chrono::system_clock::time_point time) {
  return aws::protocol::format_rfc3339(time, false);
}

ScriptedReply xml_reply(unsigned status, std::string body) {
  ScriptedReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", "test-request-id"}};
  reply.body = std::move(body);
  return reply;
}

ScriptedReply sts_error(unsigned status, const std::string& code, const std::string& message) {
  return xml_reply(status,
                   "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
                   "</Type><Code>" +
                       code + "</Code><Message>" + message +
                       "</Message></Error><RequestId>test-request-id</RequestId></ErrorResponse>");
}

ScriptedReply plain(unsigned status, std::string body, std::string type = "text/plain") {
  ScriptedReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", std::move(type)}};
  reply.body = std::move(body);
  return reply;
}

// The account of "arn:aws:iam::111111111111:role/x".
std::string account_of(const std::string& arn) {
  const auto parts = split(arn, ':');
  return parts.size() > 4 ? std::string(parts[4]) : "000000000000";
}

aws::HttpRequest as_request(const ReceivedRequest& received) {
  aws::HttpRequest request;
  request.method = received.method;
  request.target = received.target;
  request.headers = received.headers;
  request.body = received.body;
  return request;
}

std::string json_credentials(const std::string& key, const std::string& secret, const std::string& token,
                             std::chrono::system_clock::time_point expiration) {
  return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + key + R"(","SecretAccessKey":")" +
         secret + R"(","Token":")" + token + R"(","Expiration":")" + iso(expiration) + R"("})";
}

}  // namespace

std::string StsCall::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "<unset>";
}

// --- TestSts ---

TestSts::TestSts(FakeClock& clock) : clock_(clock) {
  server_ =
      std::make_unique<TestHttpServer>([this](const ReceivedRequest& request) { return handle(request); });
}

void TestSts::add_identity(const std::string& access_key_id, const std::string& secret,
                           const std::string& account, const std::string& session_token) {
  std::lock_guard lock(mutex_);
  identities_[access_key_id] = {secret, account, session_token};
}

void TestSts::add_web_identity_token(const std::string& token) {
  std::lock_guard lock(mutex_);
  web_tokens_.insert(token);
}

void TestSts::set_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard lock(mutex_);
  lifetime_ = lifetime;
}

void TestSts::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

void TestSts::fail(const std::string& action, unsigned status, const std::string& code,
                   const std::string& message, int times) {
  std::lock_guard lock(mutex_);
  failures_[action] = {status, code, message, times};
}

int TestSts::count(std::string_view action) const {
  return static_cast<int>(calls(action).size());
}

std::vector<StsCall> TestSts::calls(std::string_view action) const {
  std::lock_guard lock(mutex_);
  std::vector<StsCall> out;
  for (const auto& call : calls_) {
    if (action.empty() || call.action == action) out.push_back(call);
  }
  return out;
}

std::vector<std::string> TestSts::issued_secrets() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

std::string TestSts::last_issued_key() const {
  std::lock_guard lock(mutex_);
  return last_key_;
}

// nullopt when the request is signed by a known identity, else the error code.
std::optional<std::string> TestSts::check_signature(const ReceivedRequest& request, std::string& signer) {
  const auto header = request.header("Authorization");
  if (!header) return "MissingAuthenticationToken";
  const auto authorization = aws::sigv4::parse_authorization(*header);
  if (!authorization.value) return "IncompleteSignature";
  signer = authorization.value->access_key_id;
  const auto identity = identities_.find(signer);
  if (identity == identities_.end()) return "InvalidClientTokenId";
  const auto token = request.header("X-Amz-Security-Token");
  if (token.value_or("") != identity->second.token) return "InvalidClientTokenId";
  const auto verification = aws::sigv4::verify(as_request(request), *authorization.value,
                                               aws::SecretString(identity->second.secret));
  if (!verification.valid) return "SignatureDoesNotMatch";
  return std::nullopt;
}

ScriptedReply TestSts::issue(const std::string& account, const std::string& role_arn,
                             const std::string& result) {
  const int n = ++serial_;
  const std::string key = "ASIATESTISSUED" + std::to_string(1000 + n);
  const std::string secret = "issued-secret-" + std::to_string(n) + "-wJalrXUtnFEMIK7MDENG";
  const std::string token = "issued-session-token-" + std::to_string(n) + "-FwoGZXIvYXdzEBY";
  identities_[key] = {secret, account, token};
  issued_.push_back(secret);
  issued_.push_back(token);
  last_key_ = key;
  const auto expiration = clock_.now() + lifetime_;
  const std::string name =
      split(role_arn, '/').back().empty() ? "role" : std::string(split(role_arn, '/').back());
  return xml_reply(
      200, "<" + result + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + result +
               "Result><AssumedRoleUser><Arn>arn:aws:sts::" + account + ":assumed-role/" + name +
               "/memberwatch</Arn><AssumedRoleId>AROATEST:memberwatch</AssumedRoleId>"
               "</AssumedRoleUser><Credentials><AccessKeyId>" +
               key + "</AccessKeyId><SecretAccessKey>" + secret + "</SecretAccessKey><SessionToken>" + token +
               "</SessionToken><Expiration>" + iso(expiration) + "</Expiration></Credentials></" + result +
               "Result><ResponseMetadata><RequestId>test-request-id</RequestId>"
               "</ResponseMetadata></" +
               result + "Response>");
}

ScriptedReply TestSts::handle(const ReceivedRequest& request) {
  const auto params = aws::uri::parse_form(request.body).value_or(aws::uri::Params{});
  StsCall call{"", params, ""};
  call.action = call.param("Action");
  std::lock_guard lock(mutex_);
  std::optional<std::string> denied;
  if (call.action == "AssumeRoleWithWebIdentity") {
    if (request.header("Authorization")) denied = "SignedWebIdentityRequest";
  } else {
    denied = check_signature(request, call.signer);
  }
  calls_.push_back(call);
  ScriptedReply reply;
  if (denied) {
    reply = sts_error(403, *denied, "the test STS rejected the request signature");
  } else if (auto failure = failures_.find(call.action);
             failure != failures_.end() && failure->second.times > 0) {
    --failure->second.times;
    reply = sts_error(failure->second.status, failure->second.code, failure->second.message);
  } else if (call.action == "AssumeRole") {
    reply = issue(account_of(call.param("RoleArn")), call.param("RoleArn"), "AssumeRole");
  } else if (call.action == "AssumeRoleWithWebIdentity") {
    if (web_tokens_.count(call.param("WebIdentityToken")) == 0) {
      reply = sts_error(400, "InvalidIdentityToken", "the web identity token is not valid");
    } else {
      reply = issue(account_of(call.param("RoleArn")), call.param("RoleArn"), "AssumeRoleWithWebIdentity");
    }
  } else if (call.action == "GetCallerIdentity") {
    const auto& account = identities_[call.signer].account;
    reply = xml_reply(200,
                      "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                      "<GetCallerIdentityResult><Arn>arn:aws:iam::" +
                          account + ":user/test</Arn><UserId>AIDATEST</UserId><Account>" + account +
                          "</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
  } else {
    reply = sts_error(400, "InvalidAction", "unknown action");
  }
  reply.delay = delay_;
  return reply;
}

// --- TestImds ---

TestImds::TestImds(FakeClock& clock) : clock_(clock) {
  server_ =
      std::make_unique<TestHttpServer>([this](const ReceivedRequest& request) { return handle(request); });
}

void TestImds::set_role(const std::string& role) {
  std::lock_guard lock(mutex_);
  role_ = role;
}

void TestImds::set_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard lock(mutex_);
  lifetime_ = lifetime;
}

void TestImds::set_token_status(unsigned status) {
  std::lock_guard lock(mutex_);
  token_status_ = status;
}

int TestImds::token_requests() const {
  std::lock_guard lock(mutex_);
  return token_requests_;
}

int TestImds::credential_requests() const {
  std::lock_guard lock(mutex_);
  return credential_requests_;
}

int TestImds::rejected() const {
  std::lock_guard lock(mutex_);
  return rejected_;
}

std::vector<std::string> TestImds::issued_secrets() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

ScriptedReply TestImds::handle(const ReceivedRequest& request) {
  std::lock_guard lock(mutex_);
  if (request.target == "/latest/api/token") {
    ++token_requests_;
    if (request.method != "PUT") return plain(405, "");
    if (request.header("X-aws-ec2-metadata-token-ttl-seconds").value_or("") != "21600") return plain(400, "");
    if (token_status_ != 200) return plain(token_status_, "");
    const std::string token = "imds-api-token-" + std::to_string(++serial_) + "-AQAEAFo1bXw";
    tokens_.insert(token);
    issued_.push_back(token);
    return plain(200, token);
  }
  const auto token = request.header("X-aws-ec2-metadata-token");
  if (!token || tokens_.count(*token) == 0) {
    ++rejected_;
    return plain(401, "");
  }
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  if (request.target == base) return role_.empty() ? plain(404, "") : plain(200, role_ + "\n");
  if (!role_.empty() && request.target == base + role_) {
    ++credential_requests_;
    const int n = ++serial_;
    const std::string secret = "imds-secret-" + std::to_string(n) + "-bPxRfiCYEXAMPLEKEY";
    const std::string session = "imds-session-" + std::to_string(n) + "-IQoJb3JpZ2luX2Vj";
    issued_.push_back(secret);
    issued_.push_back(session);
    return plain(200,
                 json_credentials("ASIAIMDS" + std::to_string(n), secret, session, clock_.now() + lifetime_),
                 "application/json");
  }
  return plain(404, "");
}

// --- TestContainerEndpoint ---

TestContainerEndpoint::TestContainerEndpoint(FakeClock& clock, std::string path, std::string authorization)
    : clock_(clock), path_(std::move(path)), authorization_(std::move(authorization)) {
  server_ =
      std::make_unique<TestHttpServer>([this](const ReceivedRequest& request) { return handle(request); });
}

int TestContainerEndpoint::count() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(authorizations_.size());
}

std::vector<std::string> TestContainerEndpoint::authorizations() const {
  std::lock_guard lock(mutex_);
  return authorizations_;
}

std::vector<std::string> TestContainerEndpoint::issued_secrets() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

ScriptedReply TestContainerEndpoint::handle(const ReceivedRequest& request) {
  std::lock_guard lock(mutex_);
  const auto authorization = request.header("Authorization");
  authorizations_.push_back(authorization.value_or(""));
  if (request.target != path_) return plain(404, R"({"code":"NotFound","message":"no such path"})");
  if (!authorization_.empty() && authorization.value_or("") != authorization_) {
    return plain(403, R"({"code":"AccessDenied","message":"Authorization token is not valid"})",
                 "application/json");
  }
  const int n = ++serial_;
  const std::string secret = "container-secret-" + std::to_string(n) + "-K7MDENGbPxRfiCY";
  const std::string session = "container-session-" + std::to_string(n) + "-IQoJb3JpZ2lu";
  issued_.push_back(secret);
  issued_.push_back(session);
  return plain(200,
               json_credentials("ASIACONTAINER" + std::to_string(n), secret, session,
                                clock_.now() + std::chrono::hours(6)),
               "application/json");
}

// --- ClientSide ---

aws::AwsClientOptions fast_client_options() {
  aws::AwsClientOptions options;
  options.retry.max_attempts = 2;
  options.retry.base_delay = std::chrono::milliseconds(10);
  options.retry.max_backoff = std::chrono::milliseconds(50);
  options.rate.max_rate = 10000;
  return options;
}

ClientSide::ClientSide(FakeClock& clock, Env env)
    : http_(io_.get_executor(), aws::HttpClientOptions{}), client_(http_, fast_client_options()) {
  context_.executor = io_.get_executor();
  context_.sts_client = &client_;
  context_.http = &http_;
  context_.env = aws::env_from_map(std::move(env));
  context_.sts.region = "us-east-1";
  context_.metadata.connect_timeout = std::chrono::milliseconds(500);
  context_.metadata.imds_timeout = std::chrono::milliseconds(1000);
  context_.metadata.container_timeout = std::chrono::milliseconds(1000);
  context_.now = clock.clock();
}

}  // namespace mw::test
