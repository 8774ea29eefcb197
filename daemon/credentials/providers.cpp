#include "credentials/providers.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "aws/aws_client.hpp"
#include "aws/http_client.hpp"
#include "aws/protocols.hpp"
#include "common/strings.hpp"
#include "credentials/credentials_error.hpp"

namespace mw::credentials {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kStsVersion = "2011-06-15";
constexpr std::string_view kImdsTokenTtl = "21600";
constexpr int kWebIdentityAttempts = 3;

void wipe(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

// Secrets pass through JSON documents too: overwrite their strings.
void wipe(json::value& value) {
  if (value.is_string()) {
    auto& text = value.get_string();
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  } else if (value.is_object()) {
    for (auto& member : value.get_object()) wipe(member.value());
  } else if (value.is_array()) {
    for (auto& element : value.get_array()) wipe(element);
  }
}

std::string url_text(const aws::Endpoint& endpoint, std::string_view path) {
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  const bool default_port = (endpoint.scheme == "https" && endpoint.port == 443) ||
                            (endpoint.scheme == "http" && endpoint.port == 80);
  if (!default_port) host += ":" + std::to_string(endpoint.port);
  return endpoint.scheme + "://" + host + std::string(path);
}

// A token file, read whole, surrounding whitespace removed.
aws::SecretString read_token_file(const std::string& path, std::string_view provider, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CredentialsError(provider, code::kProviderError,
                           std::string(what) + " " + path + " cannot be read");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = std::move(buffer).str();
  aws::SecretString token{std::string(trim(text))};
  wipe(text);
  if (token.empty())
    throw CredentialsError(provider, code::kProviderError, std::string(what) + " " + path + " is empty");
  return token;
}

aws::ResolvedEndpoint sts_endpoint(const ProviderContext& context) {
  aws::EndpointRequest request{aws::Service::sts, context.sts.region, context.sts.fips,
                               context.sts.endpoints};
  auto resolution = aws::resolve_endpoint(request, context.env ? context.env : aws::process_env());
  if (!resolution.value) {
    throw CredentialsError("sts", code::kInvalidConfig, "no STS endpoint: " + resolution.error);
  }
  return *resolution.value;
}

// A signed STS query-protocol call through the AWS client (retries,
// rate limit, error decoding).
asio::awaitable<aws::HttpResponse> call_sts(const ProviderContext& context, std::string_view action,
                                            aws::uri::Params params, aws::CredentialsGetter credentials) {
  const auto resolved = sts_endpoint(context);
  aws::AwsCall call;
  call.service = resolved.signing_name.empty() ? "sts" : resolved.signing_name;
  call.operation = std::string(action);
  call.protocol = aws::Protocol::query;
  call.region = resolved.signing_region;
  call.endpoint = resolved.endpoint;
  call.request = aws::protocol::query_request(resolved.endpoint, action, kStsVersion, params);
  call.credentials = std::move(credentials);
  co_return co_await context.sts_client->call(std::move(call));
}

asio::awaitable<aws::Credentials> ready(aws::Credentials credentials) {
  co_return credentials;
}

// Getters are made outside coroutines: GCC 12 miscompiles lambdas with
// init-captures of a coroutine's parameters created inside the coroutine.
aws::CredentialsGetter fixed_getter(aws::Credentials credentials) {
  return [credentials = std::move(credentials)] { return ready(credentials); };
}

aws::CredentialsGetter provider_getter(std::shared_ptr<CredentialsProvider> provider) {
  return [provider = std::move(provider)] { return provider->get(); };
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

// --- static keys ---

class StaticProvider : public CredentialsProvider {
 public:
  explicit StaticProvider(StaticKeys keys) : keys_(std::move(keys)) {}
  asio::awaitable<aws::Credentials> get() override {
    aws::Credentials credentials;
    credentials.access_key_id = keys_.access_key_id;
    credentials.secret_access_key = keys_.secret_access_key;
    credentials.session_token = keys_.session_token;
    credentials.source = keys_.origin;
    co_return credentials;
  }
  std::string name() const override { return "static-keys (" + keys_.origin + ")"; }

 private:
  StaticKeys keys_;
};

// --- JSON credentials of the container and instance metadata endpoints ---

struct JsonCredentialFields {
  bool token_required = true;
  bool expiration_required = true;
};

aws::Credentials credentials_from_json(std::string& body, std::string_view provider, const std::string& where,
                                       JsonCredentialFields required) {
  std::string error;
  auto value = aws::protocol::try_parse_json(body, error);
  wipe(body);
  if (!value || !value->is_object()) {
    throw CredentialsError(provider, code::kProviderError, where + " did not answer with a JSON object");
  }
  struct Wiper {
    json::value& value;
    ~Wiper() { wipe(value); }
  } wiper{*value};
  const auto& object = value->get_object();
  auto field = [&](std::string_view key, bool needed) -> std::optional<std::string> {
    const auto* member = object.if_contains(key);
    if (member == nullptr || !member->is_string() || member->get_string().empty()) {
      if (!needed) return std::nullopt;
      throw CredentialsError(provider, code::kProviderError, where + " answered without " + std::string(key));
    }
    return std::string(member->get_string());
  };
  if (auto code_field = field("Code", false); code_field && *code_field != "Success") {
    throw CredentialsError(provider, code::kProviderError, where + " answered Code " + *code_field);
  }
  aws::Credentials credentials;
  credentials.access_key_id = *field("AccessKeyId", true);
  credentials.secret_access_key = aws::SecretString(*field("SecretAccessKey", true));
  if (auto token = field("Token", required.token_required))
    credentials.session_token = aws::SecretString(*token);
  if (auto expiration = field("Expiration", required.expiration_required)) {
    auto parsed = aws::protocol::parse_iso8601(*expiration);
    if (!parsed) {
      throw CredentialsError(provider, code::kProviderError,
                             where + " answered an Expiration that is not ISO 8601");
    }
    credentials.expiration = parsed->time;
  }
  credentials.source = std::string(provider);
  return credentials;
}

aws::HttpClientOptions metadata_client_options(const MetadataOptions& options,
                                               std::chrono::milliseconds timeout) {
  aws::HttpClientOptions http;
  http.connect_timeout = options.connect_timeout;
  http.handshake_timeout = options.connect_timeout;
  http.request_timeout = timeout;
  http.max_response_body = 64 * 1024;
  return http;
}

// GET/PUT on a metadata endpoint: one try plus (attempts - 1) retries on a
// transport failure or 5xx. Without any answer: CredentialsError with
// `unreachable_code`.
asio::awaitable<aws::HttpResponse> metadata_request(aws::HttpClient& http, const aws::Endpoint& endpoint,
                                                    const aws::HttpRequest& request, int attempts,
                                                    std::string_view provider,
                                                    std::string_view unreachable_code) {
  for (int attempt = 1;; ++attempt) {
    std::string failure;
    try {
      auto response = co_await http.send(endpoint, request);
      if (response.status < 500 || attempt >= attempts) co_return response;
    } catch (const aws::TransportError& error) {
      if (attempt >= attempts) failure = std::string(error.code_name()) + ": " + error.what();
    }
    if (!failure.empty()) {
      throw CredentialsError(provider, unreachable_code,
                             url_text(endpoint, request.target) + " did not answer (" + failure + ")");
    }
    spdlog::debug("credentials endpoint retry provider={} attempt={}", provider, attempt);
  }
}

// --- container credentials ---

class ContainerProvider : public CredentialsProvider {
 public:
  ContainerProvider(ContainerSpec spec, const ProviderContext& context)
      : spec_(std::move(spec)),
        attempts_(context.metadata.attempts),
        http_(context.executor,
              metadata_client_options(context.metadata, context.metadata.container_timeout)) {}

  asio::awaitable<aws::Credentials> get() override {
    aws::HttpRequest request;
    request.method = "GET";
    request.target = spec_.path;
    request.set_header("Accept", "application/json");
    if (auto token = authorization_token()) request.set_header("Authorization", token->reveal());
    auto response = co_await metadata_request(http_, spec_.endpoint, request, attempts_, "container",
                                              code::kProviderError);
    wipe_header(request);
    if (response.status != 200)
      throw CredentialsError("container", code::kProviderError, error_text(response));
    co_return credentials_from_json(response.body, "container", url(), {false, false});
  }
  std::string name() const override { return "container " + url(); }

 private:
  std::string url() const { return url_text(spec_.endpoint, spec_.path); }

  std::optional<aws::SecretString> authorization_token() const {
    if (!spec_.authorization_token_file.empty()) {
      auto token = read_token_file(spec_.authorization_token_file, "container",
                                   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      if (token.reveal().find_first_of("\r\n") != std::string::npos) {
        throw CredentialsError("container", code::kProviderError,
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + spec_.authorization_token_file +
                                   " holds more than one line");
      }
      return token;
    }
    if (!spec_.authorization_token.empty()) return spec_.authorization_token;
    return std::nullopt;
  }

  static void wipe_header(aws::HttpRequest& request) {
    for (auto& [name, value] : request.headers) {
      if (aws::iequals(name, "Authorization")) wipe(value);
    }
  }

  // "HTTP 403 from URL: AccessDenied: message" with code and message when
  // the body is the endpoint's JSON error, never the raw body.
  std::string error_text(const aws::HttpResponse& response) const {
    std::string text = url() + " answered HTTP " + std::to_string(response.status);
    std::string ignored;
    auto value = aws::protocol::try_parse_json(response.body, ignored);
    if (value && value->is_object()) {
      for (std::string_view key : {"code", "Code", "message", "Message"}) {
        if (const auto* member = value->get_object().if_contains(key); member && member->is_string()) {
          text += ": " + std::string(member->get_string());
        }
      }
    }
    return text;
  }

  ContainerSpec spec_;
  int attempts_;
  aws::HttpClient http_;
};

// --- EC2 instance metadata, IMDSv2 ---

class ImdsProvider : public CredentialsProvider {
 public:
  ImdsProvider(ImdsSpec spec, const ProviderContext& context)
      : spec_(std::move(spec)),
        attempts_(context.metadata.attempts),
        http_(context.executor, metadata_client_options(context.metadata, context.metadata.imds_timeout)) {}

  asio::awaitable<aws::Credentials> get() override {
    auto token = co_await session_token();
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    auto roles = co_await get_with_token(base, token);
    if (roles.status == 404) {
      throw CredentialsError(
          "instance-metadata", code::kUnavailable,
          "no IAM role is attached to this instance (" + url_text(spec_.endpoint, base) + ")");
    }
    expect_ok(roles, base);
    const auto role = std::string(trim(roles.body.substr(0, roles.body.find('\n'))));
    if (role.empty()) {
      throw CredentialsError("instance-metadata", code::kProviderError,
                             url_text(spec_.endpoint, base) + " listed no role");
    }
    auto response = co_await get_with_token(base + role, token);
    expect_ok(response, base + role);
    co_return credentials_from_json(response.body, "instance-metadata", url_text(spec_.endpoint, base + role),
                                    {true, true});
  }
  std::string name() const override { return "instance-metadata " + url_text(spec_.endpoint, ""); }

 private:
  asio::awaitable<aws::SecretString> session_token() {
    aws::HttpRequest request;
    request.method = "PUT";
    request.target = "/latest/api/token";
    request.set_header("X-aws-ec2-metadata-token-ttl-seconds", std::string(kImdsTokenTtl));
    auto response = co_await metadata_request(http_, spec_.endpoint, request, attempts_, "instance-metadata",
                                              code::kUnavailable);
    expect_ok(response, request.target);
    aws::SecretString token{std::string(trim(response.body))};
    wipe(response.body);
    if (token.empty()) {
      throw CredentialsError("instance-metadata", code::kProviderError, "the IMDSv2 token answer was empty");
    }
    co_return token;
  }

  asio::awaitable<aws::HttpResponse> get_with_token(std::string path, const aws::SecretString& token) {
    aws::HttpRequest request;
    request.method = "GET";
    request.target = std::move(path);
    request.set_header("X-aws-ec2-metadata-token", token.reveal());
    auto response = co_await metadata_request(http_, spec_.endpoint, request, attempts_, "instance-metadata",
                                              code::kProviderError);
    for (auto& header : request.headers) wipe(header.second);
    co_return response;
  }

  void expect_ok(const aws::HttpResponse& response, std::string_view path) const {
    if (response.status == 200) return;
    throw CredentialsError(
        "instance-metadata", code::kProviderError,
        url_text(spec_.endpoint, path) + " answered HTTP " + std::to_string(response.status));
  }

  ImdsSpec spec_;
  int attempts_;
  aws::HttpClient http_;
};

// --- STS AssumeRoleWithWebIdentity (unsigned) ---

bool retryable_sts_error(const aws::AwsErrorInfo& error) {
  return error.http_status == 0 || error.http_status >= 500 || error.code == "IDPCommunicationError" ||
         error.code == "Throttling" || error.code == "ThrottlingException" ||
         error.code == "RequestLimitExceeded";
}

class WebIdentityProvider : public CredentialsProvider {
 public:
  WebIdentityProvider(WebIdentitySpec spec, const ProviderContext& context)
      : spec_(std::move(spec)), context_(context) {}

  asio::awaitable<aws::Credentials> get() override {
    const auto resolved = sts_endpoint(context_);
    constexpr std::string_view kOperation = "AssumeRoleWithWebIdentity";
    // Re-read every time: the orchestrator rotates the token file.
    auto token = read_token_file(spec_.token_file, "web-identity", "web identity token file");
    auto request = aws::protocol::query_request(resolved.endpoint, kOperation, kStsVersion,
                                                {{"RoleArn", spec_.role_arn},
                                                 {"RoleSessionName", spec_.session_name},
                                                 {"WebIdentityToken", token.reveal()}});
    request.target = resolved.endpoint.base_path + request.target;  // sent as is, not through AwsClient
    request.set_header("User-Agent", "memberwatch");
    struct BodyWiper {
      std::string& body;
      ~BodyWiper() { wipe(body); }
    } body_wiper{request.body};
    for (int attempt = 1;; ++attempt) {
      aws::AwsErrorInfo error{"sts", std::string(kOperation), 0, "", "", ""};
      try {
        auto response = co_await context_.http->send(resolved.endpoint, request);
        if (response.status >= 200 && response.status < 300) {
          auto result = aws::protocol::parse_assume_role_with_web_identity_response(response.body);
          wipe(response.body);
          result.credentials.source = "web-identity";
          co_return std::move(result.credentials);
        }
        error = aws::decode_error(aws::Protocol::query, "sts", kOperation, response);
      } catch (const aws::TransportError& failure) {
        error.code = std::string(failure.code_name());
        error.message = failure.what();
      }
      if (attempt >= kWebIdentityAttempts || !retryable_sts_error(error)) {
        error.message += " (role " + spec_.role_arn + ", token file " + spec_.token_file + ")";
        throw aws::AwsError(std::move(error));
      }
      spdlog::debug("retrying sts operation={} attempt={} code={}", kOperation, attempt, error.code);
      co_await sleep_for(std::chrono::milliseconds(200 * attempt));
    }
  }
  std::string name() const override { return "web-identity " + spec_.role_arn; }

 private:
  WebIdentitySpec spec_;
  ProviderContext context_;
};

// --- STS AssumeRole ---

class AssumeRoleProvider : public CredentialsProvider {
 public:
  AssumeRoleProvider(const ProviderContext& context, std::shared_ptr<CredentialsProvider> source,
                     RoleSpec role)
      : context_(context), source_(std::move(source)), role_(std::move(role)) {}

  asio::awaitable<aws::Credentials> get() override {
    aws::uri::Params params{{"RoleArn", role_.role_arn},
                            {"RoleSessionName", role_.session_name},
                            {"DurationSeconds", std::to_string(role_.duration_seconds)}};
    if (!role_.external_id.empty()) params.emplace_back("ExternalId", role_.external_id);
    aws::HttpResponse response;
    std::optional<aws::AwsErrorInfo> failure;
    try {
      response = co_await call_sts(context_, "AssumeRole", std::move(params), provider_getter(source_));
    } catch (const CredentialsError&) {
      throw;
    } catch (const aws::AwsError& error) {
      failure = error.info();
    }
    if (failure) {
      failure->message += " (role " + role_.role_arn + ")";
      throw aws::AwsError(std::move(*failure));
    }
    auto result = aws::protocol::parse_assume_role_response(response.body);
    wipe(response.body);
    result.credentials.source = "assume-role";
    spdlog::debug("assumed role role_arn={} assumed_role_arn={} expiration={}", role_.role_arn,
                  result.assumed_role_user.arn, result.expiration);
    co_return std::move(result.credentials);
  }
  std::string name() const override { return "assume-role " + role_.role_arn; }

 private:
  ProviderContext context_;
  std::shared_ptr<CredentialsProvider> source_;
  RoleSpec role_;
};

std::shared_ptr<CredentialsProvider> base_provider(BaseSpec base, const ProviderContext& context) {
  struct Visitor {
    const ProviderContext& context;
    std::shared_ptr<CredentialsProvider> operator()(StaticKeys& keys) const {
      return std::make_shared<StaticProvider>(std::move(keys));
    }
    std::shared_ptr<CredentialsProvider> operator()(WebIdentitySpec& spec) const {
      return std::make_shared<WebIdentityProvider>(std::move(spec), context);
    }
    std::shared_ptr<CredentialsProvider> operator()(ContainerSpec& spec) const {
      return std::make_shared<ContainerProvider>(std::move(spec), context);
    }
    std::shared_ptr<CredentialsProvider> operator()(ImdsSpec& spec) const {
      return std::make_shared<ImdsProvider>(std::move(spec), context);
    }
  };
  return std::visit(Visitor{context}, base);
}

}  // namespace

std::shared_ptr<CredentialsProvider> build_provider(CredentialPlan plan, const ProviderContext& context) {
  std::shared_ptr<CredentialsProvider> provider = std::make_shared<CachingProvider>(
      base_provider(std::move(plan.base), context), context.timing, context.now);
  for (auto& role : plan.roles) {
    provider = std::make_shared<CachingProvider>(
        make_assume_role_provider(context, provider, std::move(role)), context.timing, context.now);
  }
  return provider;
}

std::shared_ptr<CredentialsProvider> make_assume_role_provider(const ProviderContext& context,
                                                               std::shared_ptr<CredentialsProvider> source,
                                                               RoleSpec role) {
  return std::make_shared<AssumeRoleProvider>(context, std::move(source), std::move(role));
}

asio::awaitable<std::string> caller_account(const ProviderContext& context, aws::Credentials credentials) {
  auto response = co_await call_sts(context, "GetCallerIdentity", {}, fixed_getter(std::move(credentials)));
  co_return aws::protocol::parse_get_caller_identity_response(response.body).account;
}

}  // namespace mw::credentials
