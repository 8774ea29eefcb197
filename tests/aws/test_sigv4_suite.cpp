// Every case of the official SigV4 test suite (aws-c-auth's v4 folder), read
// in place: canonical request, string to sign, signature and the signed
// request byte for byte, for header signing and for query signing.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/sigv4.hpp"

namespace fs = std::filesystem;
using namespace mw::aws;

namespace {

const fs::path kSuite = fs::path(MW_SHARED_DIR) / "sigv4-test-suite";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  std::erase(content, '\r');
  return content;
}

// request.txt: "METHOD target HTTP/1.1", header lines (a line starting with
// whitespace continues the previous value), a blank line, the body.
HttpRequest parse_request(const std::string& text) {
  HttpRequest request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto first_space = line.find(' ');
  const auto last_space = line.rfind(' ');
  REQUIRE(first_space != std::string::npos);
  REQUIRE(last_space > first_space);
  request.method = line.substr(0, first_space);
  request.target = line.substr(first_space + 1, last_space - first_space - 1);
  while (std::getline(in, line) && !line.empty()) {
    if (line.front() == ' ' || line.front() == '\t') {
      REQUIRE(!request.headers.empty());
      request.headers.back().second += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  const auto blank = text.find("\n\n");
  if (blank != std::string::npos) request.body = text.substr(blank + 2);
  return request;
}

std::string serialize(const HttpRequest& request) {
  std::string out = request.method + " " + request.target + " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) out += name + ":" + value + "\n";
  return out + "\n" + request.body;
}

struct Case {
  std::string name;
  HttpRequest request;
  Credentials credentials;
  std::string region;
  std::string service;
  sigv4::TimePoint time;
  sigv4::SigningOptions options;
};

Case load_case(const fs::path& dir) {
  Case c;
  c.name = dir.filename().string();
  c.request = parse_request(read_file(dir / "request.txt"));
  const auto context = boost::json::parse(read_file(dir / "context.json")).as_object();
  const auto& creds = context.at("credentials").as_object();
  c.credentials.access_key_id = std::string(creds.at("access_key_id").as_string());
  c.credentials.secret_access_key = SecretString(std::string(creds.at("secret_access_key").as_string()));
  if (const auto* token = creds.if_contains("token")) {
    c.credentials.session_token = SecretString(std::string(token->as_string()));
  }
  c.region = std::string(context.at("region").as_string());
  c.service = std::string(context.at("service").as_string());
  const std::string timestamp(context.at("timestamp").as_string());  // 2015-08-30T12:36:00Z
  std::string compact = timestamp;
  std::erase(compact, '-');
  std::erase(compact, ':');
  const auto time = sigv4::parse_amz_date(compact);
  REQUIRE_MESSAGE(time, "bad timestamp " << timestamp);
  c.time = *time;
  c.options.normalize_path = context.at("normalize").as_bool();
  c.options.sign_body = context.at("sign_body").as_bool();
  if (const auto* omit = context.if_contains("omit_session_token"))
    c.options.omit_session_token = omit->as_bool();
  c.options.expires = std::chrono::seconds(context.at("expiration_in_seconds").to_number<long>());
  return c;
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kSuite)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

}  // namespace

TEST_CASE("the suite has all 38 cases, each with header and query expectations") {
  const auto dirs = case_dirs();
  CHECK(dirs.size() == 38);
  for (const auto& dir : dirs) {
    INFO(dir.filename().string());
    for (const char* file :
         {"context.json", "request.txt", "header-canonical-request.txt", "header-string-to-sign.txt",
          "header-signature.txt", "header-signed-request.txt"}) {
      CHECK(fs::exists(dir / file));
    }
  }
}

TEST_CASE("header signing matches every case byte for byte") {
  int checked = 0;
  for (const auto& dir : case_dirs()) {
    Case c = load_case(dir);
    INFO("case " << c.name);
    HttpRequest request = c.request;
    const auto result = sigv4::sign(request, c.credentials, c.region, c.service, c.time, c.options);
    CHECK(result.canonical_request == read_file(dir / "header-canonical-request.txt"));
    CHECK(result.string_to_sign == read_file(dir / "header-string-to-sign.txt"));
    CHECK(result.signature == read_file(dir / "header-signature.txt"));
    CHECK(serialize(request) == read_file(dir / "header-signed-request.txt"));
    ++checked;
  }
  CHECK(checked == 38);
}

TEST_CASE("query signing matches every case that has query expectations") {
  int checked = 0;
  for (const auto& dir : case_dirs()) {
    if (!fs::exists(dir / "query-signed-request.txt")) continue;
    Case c = load_case(dir);
    INFO("case " << c.name);
    HttpRequest request = c.request;
    const auto result = sigv4::presign(request, c.credentials, c.region, c.service, c.time, c.options);
    CHECK(result.canonical_request == read_file(dir / "query-canonical-request.txt"));
    CHECK(result.string_to_sign == read_file(dir / "query-string-to-sign.txt"));
    CHECK(result.signature == read_file(dir / "query-signature.txt"));
    CHECK(serialize(request) == read_file(dir / "query-signed-request.txt"));
    ++checked;
  }
  CHECK(checked == 38);
}

TEST_CASE("verify accepts every header-signed suite request and rejects tampering") {
  for (const auto& dir : case_dirs()) {
    Case c = load_case(dir);
    INFO("case " << c.name);
    const HttpRequest signed_request = parse_request(read_file(dir / "header-signed-request.txt"));
    const auto auth = sigv4::parse_authorization(*signed_request.header("authorization"));
    REQUIRE_MESSAGE(auth.value, auth.error);
    const auto ok =
        sigv4::verify(signed_request, *auth.value, c.credentials.secret_access_key, c.options.normalize_path);
    CHECK_MESSAGE(ok.valid, ok.reason);
    CHECK(ok.expected.canonical_request == read_file(dir / "header-canonical-request.txt"));

    HttpRequest tampered = signed_request;
    tampered.target += tampered.target.find('?') == std::string::npos ? "?x=1" : "&x=1";
    const auto bad =
        sigv4::verify(tampered, *auth.value, c.credentials.secret_access_key, c.options.normalize_path);
    CHECK_FALSE(bad.valid);
    CHECK(bad.reason == "signature mismatch");

    const auto wrong_key =
        sigv4::verify(signed_request, *auth.value, SecretString("not-the-secret"), c.options.normalize_path);
    CHECK_FALSE(wrong_key.valid);
  }
}
