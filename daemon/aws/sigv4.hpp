#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/aws_credentials.hpp"
#include "aws/crypto.hpp"
#include "aws/http_types.hpp"

// AWS Signature Version 4, as separate pure steps (modelled on
// awslabs/aws-c-auth aws_signing.c), so a server can reuse them to verify.
namespace mw::aws::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningOptions {
  bool normalize_path = true;          // true for every service but S3
  bool sign_body = false;              // add X-Amz-Content-Sha256 (header signing)
  bool omit_session_token = false;     // add the token after signing, unsigned
  std::chrono::seconds expires{3600};  // X-Amz-Expires (query signing)
};

using TimePoint = std::chrono::system_clock::time_point;

// "20150830T123600Z" and back; nullopt when the text is not exactly that form.
std::string format_amz_date(TimePoint time);
std::optional<TimePoint> parse_amz_date(std::string_view amz_date);

struct CredentialScope {
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;

  std::string to_string() const;  // date/region/service/aws4_request
  bool operator==(const CredentialScope&) const = default;
};

// The lowercase, sorted, unique names of the headers a signer signs: every
// header except authorization and the hop-by-hop ones proxies may change
// (user-agent, x-amzn-trace-id, expect, connection, transfer-encoding, ...).
std::vector<std::string> default_signed_headers(const HeaderList& headers);

// Step 1 pieces. canonical_uri takes the path as sent (already encoded) and
// encodes it once more, as every AWS service but S3 expects.
std::string canonical_uri(std::string_view target_path, bool normalize_path);
std::string canonical_header_value(std::string_view value);  // trimmed, inner whitespace runs -> one space
// "name:value\n" lines for the given (lowercase, sorted) names; repeated
// headers joined with ',' in order. A listed name the request lacks gives "name:".
std::string canonical_headers(const HeaderList& headers, const std::vector<std::string>& signed_headers);
std::string signed_headers_list(const std::vector<std::string>& signed_headers);  // "a;b;c"

// Step 1: the canonical request of `request` (its target, headers and the
// given payload hash) for the given signed header names.
std::string canonical_request(const HttpRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool normalize_path);

// Step 2.
std::string string_to_sign(std::string_view amz_date, const CredentialScope& scope,
                           std::string_view canonical_request);

// Step 3: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
// Every intermediate key is wiped.
crypto::Key32 signing_key(const SecretString& secret_access_key, const CredentialScope& scope);

// Step 4: lowercase hex HMAC of the string to sign.
std::string signature(const crypto::Key32& signing_key, std::string_view string_to_sign);

// Step 5.
std::string authorization_header(std::string_view access_key_id, const CredentialScope& scope,
                                 const std::vector<std::string>& signed_headers, std::string_view signature);

// A parsed Authorization header ("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex").
struct Authorization {
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;
  std::string signature;
};
struct AuthorizationParse {
  std::optional<Authorization> value;
  std::string error;  // why it is not a SigV4 Authorization header, when value is empty
};
AuthorizationParse parse_authorization(std::string_view header);

// The intermediate values of one signing, for tests and debugging. Holds no secret.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_headers;  // "a;b;c"
};

// Signs into headers: removes any previous Authorization, X-Amz-Date,
// X-Amz-Security-Token and X-Amz-Content-Sha256, then adds
// X-Amz-Security-Token (when the credentials have one), X-Amz-Date,
// x-amz-content-sha256 (options.sign_body) and Authorization. Throws
// std::invalid_argument when the request has no Host header.
SigningResult sign(HttpRequest& request, const Credentials& credentials, std::string_view region,
                   std::string_view service, TimePoint now, const SigningOptions& options = {});

// Signs into the query string (a presigned URL): appends X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
// X-Amz-Security-Token and X-Amz-Signature to the target.
SigningResult presign(HttpRequest& request, const Credentials& credentials, std::string_view region,
                      std::string_view service, TimePoint now, const SigningOptions& options = {});

// Server side: recomputes the signature of a header-signed request from the
// headers it names, its X-Amz-Date and its x-amz-content-sha256 (else the
// SHA-256 of the body), and compares it in constant time.
struct Verification {
  bool valid = false;
  std::string reason;  // why not, when !valid ("signature mismatch", "missing X-Amz-Date", ...)
  SigningResult expected;
};
Verification verify(const HttpRequest& request, const Authorization& authorization,
                    const SecretString& secret_access_key, bool normalize_path = true);

}  // namespace mw::aws::sigv4
