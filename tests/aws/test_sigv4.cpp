// The signer's steps one by one (values from the AWS SigV4 documentation
// example and the get-vanilla suite case), plus error paths.
#include <doctest/doctest.h>

#include "aws/sigv4.hpp"

using namespace mw::aws;
using namespace std::chrono;

namespace {

const sigv4::TimePoint kTime = sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};

Credentials example_credentials(std::string token = "") {
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  credentials.session_token = SecretString(std::move(token));
  return credentials;
}

HttpRequest vanilla() {
  HttpRequest request;
  request.method = "GET";
  request.target = "/";
  request.headers = {{"Host", "example.amazonaws.com"}};
  return request;
}

const sigv4::CredentialScope kScope{"20150830", "us-east-1", "service"};

}  // namespace

TEST_CASE("amz date formatting and parsing") {
  CHECK(sigv4::format_amz_date(kTime) == "20150830T123600Z");
  CHECK(sigv4::format_amz_date(kTime + milliseconds(999)) == "20150830T123600Z");
  CHECK(sigv4::parse_amz_date("20150830T123600Z") == kTime);
  for (const char* bad : {"", "20150830T123600", "2015-08-30T12:36:00Z", "20151330T123600Z",
                          "20150830T253600Z", "2015083aT123600Z", "20150230T000000Z"}) {
    INFO(bad);
    CHECK_FALSE(sigv4::parse_amz_date(bad));
  }
}

TEST_CASE("credential scope and default signed headers") {
  CHECK(kScope.to_string() == "20150830/us-east-1/service/aws4_request");
  const HeaderList headers = {
      {"Host", "h"},        {"User-Agent", "ua"}, {"X-Amz-Date", "d"},          {"Authorization", "a"},
      {"my-header", "1"},   {"My-Header", "2"},   {"Connection", "keep-alive"}, {"X-Amzn-Trace-Id", "t"},
      {"Content-Type", "c"}};
  CHECK(sigv4::default_signed_headers(headers) ==
        std::vector<std::string>{"content-type", "host", "my-header", "x-amz-date"});
}

TEST_CASE("canonical request pieces") {
  CHECK(sigv4::canonical_uri("", true) == "/");
  CHECK(sigv4::canonical_uri("/a%20b//c/../d", true) == "/a%2520b/d");  // encoded again, as AWS expects
  CHECK(sigv4::canonical_uri("/a%20b//c/../d", false) == "/a%2520b//c/../d");
  CHECK(sigv4::canonical_header_value("  a   b\t\tc \n d  ") == "a b c d");
  CHECK(sigv4::canonical_header_value("") == "");
  const HeaderList headers = {{"Host", "h"}, {"X-A", " 2 "}, {"x-a", "1"}};
  CHECK(sigv4::canonical_headers(headers, {"host", "missing", "x-a"}) == "host:h\nmissing:\nx-a:2,1\n");
  CHECK(sigv4::signed_headers_list({"a", "b"}) == "a;b");
  CHECK(sigv4::signed_headers_list({}) == "");
}

TEST_CASE("step 1: canonical request of get-vanilla") {
  HttpRequest request = vanilla();
  request.headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  CHECK(sigv4::canonical_request(request, {"host", "x-amz-date"}, crypto::sha256_hex(""), true) ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("step 2: string to sign") {
  const std::string canonical =
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  CHECK(sigv4::string_to_sign("20150830T123600Z", kScope, canonical) ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST_CASE("step 3: signing key (AWS documentation example)") {
  // docs.aws.amazon.com "Examples of how to derive a signing key": 20120215/us-east-1/iam.
  const auto key = sigv4::signing_key(SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                      {"20120215", "us-east-1", "iam"});
  CHECK(crypto::to_hex(key.view()) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("step 4 and 5: signature and Authorization header") {
  const auto key = sigv4::signing_key(example_credentials().secret_access_key, kScope);
  const std::string sts =
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
  const std::string signature = sigv4::signature(key, sts);
  CHECK(signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(sigv4::authorization_header("AKIDEXAMPLE", kScope, {"host", "x-amz-date"}, signature) ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sign adds the headers in order and re-signing replaces them") {
  HttpRequest request = vanilla();
  request.body = "{}";
  sigv4::SigningOptions options;
  options.sign_body = true;
  sigv4::sign(request, example_credentials("TOKEN1"), "us-east-1", "service", kTime, options);
  REQUIRE(request.headers.size() == 5);
  CHECK(request.headers[1].first == "X-Amz-Security-Token");
  CHECK(request.headers[2].first == "X-Amz-Date");
  CHECK(request.headers[3] ==
        std::pair<std::string, std::string>{"x-amz-content-sha256", crypto::sha256_hex("{}")});
  CHECK(request.headers[4].first == "Authorization");
  CHECK(request.headers[4].second.find(
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token") != std::string::npos);

  // A retry with new, token-less credentials and a later clock.
  const auto result = sigv4::sign(request, example_credentials(), "us-east-1", "service", kTime + hours(1));
  CHECK(request.headers.size() == 3);
  CHECK_FALSE(request.header("x-amz-security-token"));
  CHECK_FALSE(request.header("x-amz-content-sha256"));
  CHECK(request.header("x-amz-date") == "20150830T133600Z");
  CHECK(result.signed_headers == "host;x-amz-date");
  CHECK(result.canonical_request.find("authorization") == std::string::npos);
}

TEST_CASE("signing a request without Host is refused") {
  HttpRequest request;
  CHECK_THROWS_AS(sigv4::sign(request, example_credentials(), "us-east-1", "service", kTime),
                  std::invalid_argument);
  CHECK_THROWS_AS(sigv4::presign(request, example_credentials(), "us-east-1", "service", kTime),
                  std::invalid_argument);
  CHECK(request.headers.empty());
}

TEST_CASE("presign appends to an existing query and keeps the body hash") {
  HttpRequest request = vanilla();
  request.target = "/path?b=1";
  const auto result = sigv4::presign(request, example_credentials("T/+="), "us-east-1", "service", kTime);
  CHECK(request.target.starts_with(
      "/path?b=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"));
  CHECK(request.target.find("&X-Amz-Security-Token=T%2F%2B%3D&X-Amz-Signature=" + result.signature) !=
        std::string::npos);
  CHECK(request.headers.size() == 1);

  HttpRequest empty_query = vanilla();
  empty_query.target = "/?";
  sigv4::presign(empty_query, example_credentials(), "us-east-1", "service", kTime);
  CHECK(empty_query.target.starts_with("/?X-Amz-Algorithm="));
}

TEST_CASE("parse_authorization accepts what authorization_header writes") {
  const std::string header =
      sigv4::authorization_header("AKID", kScope, {"host", "x-amz-date"}, std::string(64, 'a'));
  const auto parsed = sigv4::parse_authorization(header);
  REQUIRE_MESSAGE(parsed.value, parsed.error);
  CHECK(parsed.value->access_key_id == "AKID");
  CHECK(parsed.value->scope == kScope);
  CHECK(parsed.value->signed_headers == std::vector<std::string>{"host", "x-amz-date"});
  CHECK(parsed.value->signature == std::string(64, 'a'));
  // Whitespace variations servers accept.
  CHECK(
      sigv4::parse_authorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request,SignedHeaders=host,"
                                 "Signature=" +
                                 std::string(64, '0'))
          .value);
}

TEST_CASE("parse_authorization rejects malformed headers with a reason") {
  const std::string sig = std::string(64, 'b');
  const std::vector<std::string> bad = {
      "",
      "AWS4-HMAC-SHA1 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=" + sig +
          ", X=1",
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, Credential=A, SignedHeaders=host, "
      "Signature=" +
          sig,
      "AWS4-HMAC-SHA256 Credential=A/2015083/r/s/aws4_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws5_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/aws4_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=/20150830/r/s/aws4_request, SignedHeaders=host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=Host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=x;host, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host;;x, Signature=" + sig,
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=" +
          std::string(64, 'G'),
      "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=" + sig,
  };
  for (const auto& header : bad) {
    INFO(header);
    const auto parsed = sigv4::parse_authorization(header);
    CHECK_FALSE(parsed.value);
    CHECK_FALSE(parsed.error.empty());
  }
}

TEST_CASE("verify round-trips sign and names what is wrong") {
  HttpRequest request = vanilla();
  request.method = "POST";
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  const auto credentials = example_credentials("session");
  sigv4::SigningOptions options;
  options.sign_body = true;
  const auto signed_result = sigv4::sign(request, credentials, "us-east-1", "sts", kTime, options);
  const auto auth = sigv4::parse_authorization(*request.header("authorization"));
  REQUIRE(auth.value);
  const auto ok = sigv4::verify(request, *auth.value, credentials.secret_access_key);
  CHECK_MESSAGE(ok.valid, ok.reason);
  CHECK(ok.expected.canonical_request == signed_result.canonical_request);

  HttpRequest body_changed = request;
  body_changed.body += "&x=1";
  CHECK(sigv4::verify(body_changed, *auth.value, credentials.secret_access_key).reason ==
        "x-amz-content-sha256 does not match the body");

  HttpRequest no_date = request;
  std::erase_if(no_date.headers, [](const auto& h) { return h.first == "X-Amz-Date"; });
  CHECK(sigv4::verify(no_date, *auth.value, credentials.secret_access_key).reason ==
        "missing or malformed X-Amz-Date header");

  HttpRequest no_type = request;
  std::erase_if(no_type.headers, [](const auto& h) { return h.first == "Content-Type"; });
  CHECK(sigv4::verify(no_type, *auth.value, credentials.secret_access_key).reason ==
        "signed header content-type is missing from the request");

  auto other_day = *auth.value;
  other_day.scope.date = "20150831";
  CHECK(sigv4::verify(request, other_day, credentials.secret_access_key).reason ==
        "credential scope date does not match X-Amz-Date");

  auto no_host = *auth.value;
  std::erase(no_host.signed_headers, "host");
  CHECK(sigv4::verify(request, no_host, credentials.secret_access_key).reason ==
        "host is not a signed header");

  auto other_region = *auth.value;
  other_region.scope.region = "eu-west-1";
  const auto mismatch = sigv4::verify(request, other_region, credentials.secret_access_key);
  CHECK_FALSE(mismatch.valid);
  CHECK(mismatch.reason == "signature mismatch");
}
