#include "aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "aws/uri.hpp"
#include "common/strings.hpp"

namespace mw::aws::sigv4 {
namespace {

constexpr std::array<std::string_view, 10> kUnsignedHeaders = {
    "authorization",    "connection",        "expect",  "keep-alive", "proxy-authorization",
    "proxy-connection", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string canonical_request_for(std::string_view method, std::string_view target, const HeaderList& headers,
                                  const std::vector<std::string>& signed_headers,
                                  std::string_view payload_hash, bool normalize_path) {
  const auto [path, query] = uri::split_target(target);
  std::string out;
  out.reserve(256);
  out += method;
  out += '\n';
  out += canonical_uri(path, normalize_path);
  out += '\n';
  out += uri::canonical_query(query);
  out += '\n';
  out += canonical_headers(headers, signed_headers);
  out += '\n';
  out += signed_headers_list(signed_headers);
  out += '\n';
  out += payload_hash;
  return out;
}

CredentialScope scope_for(TimePoint now, std::string_view region, std::string_view service) {
  return {format_amz_date(now).substr(0, 8), std::string(region), std::string(service)};
}

void remove_headers(HeaderList& headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& header) {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view name) { return iequals(header.first, name); });
  });
}

std::string finish(SigningResult& result, const Credentials& credentials, const CredentialScope& scope,
                   std::string_view amz_date) {
  result.string_to_sign = string_to_sign(amz_date, scope, result.canonical_request);
  result.signature = signature(signing_key(credentials.secret_access_key, scope), result.string_to_sign);
  return result.signature;
}

bool is_digits_only(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string format_amz_date(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::optional<TimePoint> parse_amz_date(std::string_view amz_date) {
  if (amz_date.size() != 16 || amz_date[8] != 'T' || amz_date[15] != 'Z') return std::nullopt;
  if (!is_digits_only(amz_date.substr(0, 8)) || !is_digits_only(amz_date.substr(9, 6))) return std::nullopt;
  const auto number = [&](std::size_t pos, std::size_t len) {
    return std::stoi(std::string(amz_date.substr(pos, len)));
  };
  using namespace std::chrono;
  const year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(4, 2))},
                            day{static_cast<unsigned>(number(6, 2))}};
  const int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
}

std::string CredentialScope::to_string() const {
  return date + "/" + region + "/" + service + "/aws4_request";
}

std::vector<std::string> default_signed_headers(const HeaderList& headers) {
  std::vector<std::string> names;
  for (const auto& header : headers) {
    std::string name = to_lower(header.first);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), name) == kUnsignedHeaders.end()) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string canonical_uri(std::string_view target_path, bool normalize_path) {
  if (target_path.empty()) return "/";
  return uri::encode_path(normalize_path ? uri::normalize_path(target_path) : std::string(target_path));
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string canonical_headers(const HeaderList& headers, const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& header : headers) {
      if (!iequals(header.first, name)) continue;
      if (!first) out += ',';
      out += canonical_header_value(header.second);
      first = false;
    }
    out += '\n';
  }
  return out;
}

std::string signed_headers_list(const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const auto& name : signed_headers) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const HttpRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool normalize_path) {
  return canonical_request_for(request.method, request.target, request.headers, signed_headers, payload_hash,
                               normalize_path);
}

std::string string_to_sign(std::string_view amz_date, const CredentialScope& scope,
                           std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope.to_string();
  out += '\n';
  out += crypto::sha256_hex(canonical_request);
  return out;
}

crypto::Key32 signing_key(const SecretString& secret_access_key, const CredentialScope& scope) {
  std::string initial = "AWS4" + secret_access_key.reveal();
  const crypto::Key32 date_key = crypto::hmac_sha256(initial, scope.date);
  crypto::wipe(initial);
  const crypto::Key32 region_key = crypto::hmac_sha256(date_key.view(), scope.region);
  const crypto::Key32 service_key = crypto::hmac_sha256(region_key.view(), scope.service);
  return crypto::hmac_sha256(service_key.view(), "aws4_request");
}

std::string signature(const crypto::Key32& signing_key, std::string_view string_to_sign) {
  return crypto::hmac_sha256_hex(signing_key.view(), string_to_sign);
}

std::string authorization_header(std::string_view access_key_id, const CredentialScope& scope,
                                 const std::vector<std::string>& signed_headers, std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += scope.to_string();
  out += ", SignedHeaders=";
  out += signed_headers_list(signed_headers);
  out += ", Signature=";
  out += signature;
  return out;
}

AuthorizationParse parse_authorization(std::string_view header) {
  const auto fail = [](std::string why) { return AuthorizationParse{std::nullopt, std::move(why)}; };
  header = trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm || header.size() == kAlgorithm.size() ||
      !is_space(header[kAlgorithm.size()])) {
    return fail("Authorization header does not start with AWS4-HMAC-SHA256");
  }
  std::optional<std::string_view> credential, signed_headers, signature_value;
  for (std::string_view part : split(header.substr(kAlgorithm.size() + 1), ',')) {
    part = trim(part);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) return fail("Authorization header component without '='");
    const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    auto* slot = key == "Credential"      ? &credential
                 : key == "SignedHeaders" ? &signed_headers
                 : key == "Signature"     ? &signature_value
                                          : nullptr;
    if (slot == nullptr) return fail("Authorization header has an unknown component " + std::string(key));
    if (*slot) return fail("Authorization header repeats " + std::string(key));
    *slot = value;
  }
  if (!credential || !signed_headers || !signature_value) {
    return fail("Authorization header lacks Credential, SignedHeaders or Signature");
  }
  const auto scope_parts = split(*credential, '/');
  if (scope_parts.size() != 5 || scope_parts[4] != "aws4_request" || scope_parts[0].empty() ||
      scope_parts[1].size() != 8 || !is_digits_only(scope_parts[1]) || scope_parts[2].empty() ||
      scope_parts[3].empty()) {
    return fail("Authorization header Credential is not AKID/yyyymmdd/region/service/aws4_request");
  }
  if (signature_value->size() != 64 ||
      !std::all_of(signature_value->begin(), signature_value->end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return fail("Authorization header Signature is not 64 lowercase hex digits");
  }
  Authorization auth;
  auth.access_key_id = std::string(scope_parts[0]);
  auth.scope = {std::string(scope_parts[1]), std::string(scope_parts[2]), std::string(scope_parts[3])};
  for (std::string_view name : split(*signed_headers, ';')) {
    if (name.empty() || to_lower(name) != name) {
      return fail("Authorization header SignedHeaders is not a ';'-separated list of lowercase names");
    }
    auth.signed_headers.emplace_back(name);
  }
  if (!std::is_sorted(auth.signed_headers.begin(), auth.signed_headers.end())) {
    return fail("Authorization header SignedHeaders is not sorted");
  }
  auth.signature = std::string(*signature_value);
  return {std::move(auth), {}};
}

SigningResult sign(HttpRequest& request, const Credentials& credentials, std::string_view region,
                   std::string_view service, TimePoint now, const SigningOptions& options) {
  if (!request.header("host")) throw std::invalid_argument("SigV4: the request to sign has no Host header");
  remove_headers(request.headers,
                 {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"});
  const std::string amz_date = format_amz_date(now);
  const CredentialScope scope = scope_for(now, region, service);
  const std::string payload_hash = crypto::sha256_hex(request.body);
  const bool has_token = !credentials.session_token.empty();
  if (has_token) request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (options.sign_body) request.headers.emplace_back("x-amz-content-sha256", payload_hash);

  std::vector<std::string> signed_headers = default_signed_headers(request.headers);
  if (has_token && options.omit_session_token) std::erase(signed_headers, "x-amz-security-token");

  SigningResult result;
  result.canonical_request = canonical_request(request, signed_headers, payload_hash, options.normalize_path);
  result.signed_headers = signed_headers_list(signed_headers);
  finish(result, credentials, scope, amz_date);
  request.headers.emplace_back("Authorization", authorization_header(credentials.access_key_id, scope,
                                                                     signed_headers, result.signature));
  return result;
}

SigningResult presign(HttpRequest& request, const Credentials& credentials, std::string_view region,
                      std::string_view service, TimePoint now, const SigningOptions& options) {
  if (!request.header("host"))
    throw std::invalid_argument("SigV4: the request to presign has no Host header");
  const std::string amz_date = format_amz_date(now);
  const CredentialScope scope = scope_for(now, region, service);
  const std::vector<std::string> signed_headers = default_signed_headers(request.headers);
  const bool has_token = !credentials.session_token.empty();

  // In the order aws-c-auth appends them; the canonical query sorts anyway.
  uri::Params added = {{"X-Amz-Algorithm", std::string(kAlgorithm)},
                       {"X-Amz-Credential", credentials.access_key_id + "/" + scope.to_string()},
                       {"X-Amz-Date", amz_date},
                       {"X-Amz-SignedHeaders", signed_headers_list(signed_headers)},
                       {"X-Amz-Expires", std::to_string(options.expires.count())}};
  if (has_token && !options.omit_session_token) {
    added.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }
  const bool has_query = request.target.find('?') != std::string::npos;
  const bool query_empty = !has_query || request.target.back() == '?';
  std::string target =
      request.target + (has_query ? (query_empty ? "" : "&") : "?") + uri::encode_params(added);

  SigningResult result;
  result.canonical_request = canonical_request_for(request.method, target, request.headers, signed_headers,
                                                   crypto::sha256_hex(request.body), options.normalize_path);
  result.signed_headers = signed_headers_list(signed_headers);
  finish(result, credentials, scope, amz_date);

  uri::Params trailer;
  if (has_token && options.omit_session_token) {
    trailer.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());
  }
  trailer.emplace_back("X-Amz-Signature", result.signature);
  request.target = std::move(target) + "&" + uri::encode_params(trailer);
  return result;
}

Verification verify(const HttpRequest& request, const Authorization& authorization,
                    const SecretString& secret_access_key, bool normalize_path) {
  Verification out;
  const auto amz_date = request.header("x-amz-date");
  if (!amz_date || !parse_amz_date(*amz_date)) {
    out.reason = "missing or malformed X-Amz-Date header";
    return out;
  }
  if (authorization.scope.date != amz_date->substr(0, 8)) {
    out.reason = "credential scope date does not match X-Amz-Date";
    return out;
  }
  const auto& names = authorization.signed_headers;
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    out.reason = "host is not a signed header";
    return out;
  }
  for (const auto& name : names) {
    if (!request.header(name)) {
      out.reason = "signed header " + name + " is missing from the request";
      return out;
    }
  }
  const auto content_hash = request.header("x-amz-content-sha256");
  const std::string body_hash = crypto::sha256_hex(request.body);
  if (content_hash && *content_hash != kUnsignedPayload && *content_hash != body_hash) {
    out.reason = "x-amz-content-sha256 does not match the body";
    return out;
  }
  const std::string payload_hash = content_hash ? std::string(*content_hash) : body_hash;
  out.expected.canonical_request = canonical_request(request, names, payload_hash, normalize_path);
  out.expected.string_to_sign =
      string_to_sign(*amz_date, authorization.scope, out.expected.canonical_request);
  out.expected.signature =
      signature(signing_key(secret_access_key, authorization.scope), out.expected.string_to_sign);
  out.expected.signed_headers = signed_headers_list(names);
  out.valid = crypto::constant_time_equal(out.expected.signature, authorization.signature);
  if (!out.valid) out.reason = "signature mismatch";
  return out;
}

}  // namespace mw::aws::sigv4
