#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "aws/aws_credentials.hpp"
#include "aws/crypto.hpp"
#include "aws/http_types.hpp"
#include "aws/uri.hpp"

using namespace mw::aws;

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors") {
  CHECK(crypto::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(crypto::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("hmac_sha256 matches the RFC 4231 vectors") {
  CHECK(crypto::hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size is hashed first.
  CHECK(crypto::hmac_sha256_hex(std::string(131, '\xaa'),
                                "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(crypto::hmac_sha256_hex("", "") ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("to_hex, wipe and constant_time_equal") {
  CHECK(crypto::to_hex(std::string("\x00\x0f\xf0\xff", 4)) == "000ff0ff");
  std::string secret = "top secret value";
  crypto::wipe(secret);
  CHECK(secret.empty());
  CHECK(crypto::constant_time_equal("abc", "abc"));
  CHECK_FALSE(crypto::constant_time_equal("abc", "abd"));
  CHECK_FALSE(crypto::constant_time_equal("abc", "abcd"));
}

TEST_CASE("Key32 and SecretString wipe their bytes on destruction") {
  alignas(crypto::Key32) unsigned char key_storage[sizeof(crypto::Key32)];
  auto* key = new (key_storage) crypto::Key32(crypto::sha256("abc"));
  CHECK(crypto::to_hex(key->view()).starts_with("ba7816bf"));
  key->~Key32();
  CHECK(std::all_of(std::begin(key_storage), std::end(key_storage), [](unsigned char b) { return b == 0; }));

  // A short secret lives inside the object (small-string buffer): after
  // destruction those bytes must not hold it any more.
  const std::string_view secret = "hunter2secret";
  alignas(SecretString) unsigned char storage[sizeof(SecretString)];
  auto* holder = new (storage) SecretString(std::string(secret));
  CHECK(holder->reveal() == secret);
  holder->~SecretString();
  const std::string_view bytes(reinterpret_cast<const char*>(storage), sizeof storage);
  CHECK(bytes.find(secret) == std::string_view::npos);
  CHECK(bytes.find("hunter2") == std::string_view::npos);
}

TEST_CASE("SecretString copies, moves and assignments keep values and wipe sources") {
  SecretString a("short");
  SecretString b(a);
  CHECK(b.reveal() == "short");
  SecretString c(std::move(a));
  CHECK(c.reveal() == "short");
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is wiped and empty by contract
  SecretString long_secret(std::string(100, 'k'));
  SecretString d;
  d = std::move(long_secret);
  CHECK(d.reveal() == std::string(100, 'k'));
  CHECK(long_secret.empty());  // NOLINT(bugprone-use-after-move)
  d = b;
  CHECK(d.reveal() == "short");
  const SecretString& same = d;  // self-assignment, through a name the compiler does not flag
  d = same;
  CHECK(d.reveal() == "short");

  Credentials credentials;
  credentials.session_token = SecretString("tok");
  CHECK(credentials.expired_at(std::chrono::system_clock::now()) == false);
  credentials.expiration = std::chrono::system_clock::time_point{};
  CHECK(credentials.expired_at(std::chrono::system_clock::now()));
}

TEST_CASE("uri::encode keeps only unreserved characters, uppercase hex") {
  CHECK(uri::encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(uri::encode("a b+c/d=e%f&g?h#i") == "a%20b%2Bc%2Fd%3De%25f%26g%3Fh%23i");
  CHECK(uri::encode("ሴ") == "%E1%88%B4");
  CHECK(uri::encode("") == "");
  CHECK(uri::encode_path("/a b/ሴ/") == "/a%20b/%E1%88%B4/");
  CHECK(uri::encode(std::string("\x00\xff", 2)) == "%00%FF");
}

TEST_CASE("uri::decode and form_decode, with malformed escapes") {
  CHECK(uri::decode("a%20b%2Bc+d") == "a b+c+d");
  CHECK(uri::form_decode("a%20b%2Bc+d") == "a b+c d");
  CHECK(uri::decode("%e1%88%b4") == "ሴ");
  CHECK_FALSE(uri::decode("%"));
  CHECK_FALSE(uri::decode("%2"));
  CHECK_FALSE(uri::decode("%zz"));
  CHECK_FALSE(uri::decode("abc%g0"));
}

TEST_CASE("uri::normalize_path removes dot segments and empty segments") {
  CHECK(uri::normalize_path("") == "/");
  CHECK(uri::normalize_path("/") == "/");
  CHECK(uri::normalize_path("//") == "/");
  CHECK(uri::normalize_path("//example//") == "/example/");
  CHECK(uri::normalize_path("/example/..") == "/");
  CHECK(uri::normalize_path("/a/b/../../..") == "/");
  CHECK(uri::normalize_path("/./example") == "/example");
  CHECK(uri::normalize_path("/a/./b/../c/") == "/a/c/");
  CHECK(uri::normalize_path("/a/%2E%2E/b") == "/a/%2E%2E/b");  // encoded dots are data, not segments
}

TEST_CASE("encode_params, parse_query, parse_form and split_target") {
  const uri::Params params = {{"Action", "AssumeRole"}, {"a b", "x+y/z=%"}, {"empty", ""}};
  const std::string encoded = uri::encode_params(params);
  CHECK(encoded == "Action=AssumeRole&a%20b=x%2By%2Fz%3D%25&empty=");
  CHECK(uri::parse_query(encoded) == params);
  CHECK(uri::parse_form("a=b+c&&flag&x=%41") == uri::Params{{"a", "b c"}, {"flag", ""}, {"x", "A"}});
  CHECK_FALSE(uri::parse_query("a=%zz"));
  CHECK(uri::split_target("/p/q?x=1&y") == std::pair<std::string_view, std::string_view>{"/p/q", "x=1&y"});
  CHECK(uri::split_target("/p") == std::pair<std::string_view, std::string_view>{"/p", ""});
}

TEST_CASE("canonical_query decodes, re-encodes and sorts by key then value") {
  CHECK(uri::canonical_query("") == "");
  CHECK(uri::canonical_query("b=2&a=1") == "a=1&b=2");
  CHECK(uri::canonical_query("a=2&a=1&a=10") == "a=1&a=10&a=2");
  CHECK(uri::canonical_query("ሴ=bar") == "%E1%88%B4=bar");
  CHECK(uri::canonical_query("%e1%88%b4=x") == "%E1%88%B4=x");
  CHECK(uri::canonical_query("flag&x=") == "flag=&x=");
  CHECK(uri::canonical_query("a=b+c") == "a=b%2Bc");
  CHECK(uri::canonical_query("bad=%zz&&") == "bad=%25zz");
  CHECK(uri::canonical_query("Z=1&a=1") == "Z=1&a=1");  // byte order: uppercase first
}

TEST_CASE("HttpRequest and HttpResponse header lookup is case-insensitive, set_header replaces") {
  HttpRequest request;
  request.headers = {{"Host", "h"}, {"X-A", "1"}, {"x-a", "2"}};
  CHECK(request.header("HOST") == "h");
  CHECK(request.header("x-A") == "1");
  CHECK_FALSE(request.header("missing"));
  request.set_header("X-a", "3");
  CHECK(request.headers == HeaderList{{"Host", "h"}, {"X-a", "3"}});
  request.set_header("New", "v");
  CHECK(request.headers.back() == std::pair<std::string, std::string>{"New", "v"});
  HttpResponse response;
  response.headers = {{"x-amzn-RequestId", "r"}};
  CHECK(response.header("X-AMZN-REQUESTID") == "r");
  CHECK(iequals("Content-Type", "content-type"));
  CHECK_FALSE(iequals("Content-Type", "content-typ"));
}

TEST_CASE("parse_endpoint_url and host_header") {
  auto e = parse_endpoint_url("https://guardduty.us-east-1.amazonaws.com");
  REQUIRE(e);
  CHECK(e->scheme == "https");
  CHECK(e->host == "guardduty.us-east-1.amazonaws.com");
  CHECK(e->port == 443);
  CHECK(e->base_path == "");
  CHECK(e->host_header() == "guardduty.us-east-1.amazonaws.com");

  e = parse_endpoint_url("http://127.0.0.1:4566/prefix/");
  REQUIRE(e);
  CHECK(*e == Endpoint{"http", "127.0.0.1", 4566, "/prefix"});
  CHECK(e->host_header() == "127.0.0.1:4566");

  e = parse_endpoint_url("HTTPS://Example.COM:443/");
  REQUIRE(e);
  CHECK(*e == Endpoint{"https", "example.com", 443, ""});

  e = parse_endpoint_url("http://[::1]:8080");
  REQUIRE(e);
  CHECK(e->host == "::1");
  CHECK(e->host_header() == "[::1]:8080");

  for (const char* bad :
       {"", "guardduty.amazonaws.com", "ftp://host", "https://", "https://user@host", "https://host?x=1",
        "https://host#f", "https://host:0", "https://host:70000", "https://host:abc", "not a url"}) {
    INFO(bad);
    CHECK_FALSE(parse_endpoint_url(bad));
  }
}
