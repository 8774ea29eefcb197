// Cross-check against an independent implementation: random requests, built
// the way the protocol layer builds them, signed by our signer and by
// botocore's SigV4Auth (tests/aws/botocore_sign.py, run once for all cases).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "aws/protocols.hpp"
#include "aws/sigv4.hpp"
#include "common/strings.hpp"

using namespace mw::aws;
namespace fs = std::filesystem;

namespace {

constexpr int kCases = 400;

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : random_(seed) {}

  int number(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool chance(int percent) { return number(1, 100) <= percent; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(number(0, static_cast<int>(items.size()) - 1))];
  }

  // Reserved characters, escapes, '+', spaces and multi-byte UTF-8.
  std::string text(int min_length, int max_length) {
    static const std::vector<std::string> kPieces = {
        "a",  "Z", "0", "-", ".", "_", "~", "/", "?", "#",    "[",   "]",   "@",        "!",  "$", "&",
        "'",  "(", ")", "*", "+", ",", ";", "=", " ", "%",    "%20", "%2F", ":",        "\"", "<", ">",
        "\\", "^", "`", "{", "|", "}", "é", "ß", "ሴ", "日本", "😀",   "..",  "\xc2\xa0", "x y"};
    std::string out;
    const int length = number(min_length, max_length);
    for (int i = 0; i < length; ++i) out += pick(kPieces);
    return out;
  }

  // Header values: printable ASCII with runs of spaces and tabs, which both
  // signers collapse (non-ASCII whitespace is out: Python's split() treats it
  // as whitespace, the SigV4 spec does not).
  std::string header_value() {
    static const std::vector<std::string> kPieces = {"a", "B", "7", "  ", " ",     "\t",  "=",
                                                     "/", "+", ",", ";",  "\"q\"", "x-y", "%"};
    std::string out;
    const int length = number(1, 8);
    for (int i = 0; i < length; ++i) out += pick(kPieces);
    return out;
  }

  std::string token(int length, std::string_view alphabet) {
    std::string out;
    for (int i = 0; i < length; ++i)
      out += alphabet[static_cast<std::size_t>(number(0, int(alphabet.size()) - 1))];
    return out;
  }

 private:
  std::mt19937 random_;
};

struct Case {
  HttpRequest request;  // as handed to the signer
  std::string url;
  Credentials credentials;
  std::string region;
  std::string service;
  sigv4::TimePoint time;
};

Case random_case(Generator& g) {
  Case c;
  static const std::vector<std::string> kHosts = {
      "guardduty.us-east-1.amazonaws.com", "api.detective.eu-west-1.amazonaws.com",
      "securityhub.cn-north-1.amazonaws.com.cn", "127.0.0.1:4566", "sts.us-gov-west-1.amazonaws.com"};
  Endpoint endpoint;
  const auto host = g.pick(kHosts);
  const auto colon = host.find(':');
  endpoint.host = host.substr(0, colon);
  if (colon != std::string::npos)
    endpoint.port = static_cast<unsigned short>(std::stoi(host.substr(colon + 1)));
  if (g.chance(15)) endpoint.base_path = "/prefix";

  const int kind = g.number(0, 9);
  if (kind < 7) {
    static const std::vector<std::string> kTemplates = {"/detector/{DetectorId}/member/get",
                                                        "/graph/members",
                                                        "/members/{AccountId}",
                                                        "/{A}/{B}",
                                                        "/",
                                                        "/x/{A}/y/{B+}",
                                                        "/findings/{A}"};
    static const std::vector<std::string> kMethods = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
    static const std::vector<std::string> kKeys = {
        "NextToken",      "MaxResults", "OnlyAssociated", "a", "A", "b",
        "key with space", "k+",         "ключ",           "_", "~x"};
    protocol::PathParams params;
    for (const char* name : {"DetectorId", "AccountId", "A", "B"}) params.emplace_back(name, g.text(1, 6));
    uri::Params query;
    const int query_count = g.number(0, 5);
    for (int i = 0; i < query_count; ++i) {
      const std::string key = i > 0 && g.chance(30) ? query.back().first : g.pick(kKeys);  // repeated keys
      query.emplace_back(key, g.chance(10) ? "" : g.text(1, 8));
    }
    std::optional<boost::json::value> body;
    if (g.chance(50))
      body = boost::json::object{{"AccountIds", boost::json::array{g.text(1, 5), "123456789012"}}};
    c.request =
        protocol::rest_json_request(endpoint, g.pick(kMethods), g.pick(kTemplates), params, query, body);
  } else if (kind < 9) {
    c.request = protocol::query_request(
        endpoint, "AssumeRole", "2011-06-15",
        {{"RoleArn", "arn:aws:iam::111111111111:role/" + g.text(1, 4)}, {"RoleSessionName", g.text(1, 6)}});
  } else {
    c.request = protocol::json_request(endpoint, "AWSOrganizationsV20161128", "ListAccounts",
                                       boost::json::object{{"NextToken", g.text(0, 10)}});
  }
  const int extra_headers = g.number(0, 3);
  for (int i = 0; i < extra_headers; ++i) {
    const std::string name = "X-Custom-" + std::to_string(g.number(1, 3));
    c.request.headers.emplace_back(g.chance(50) ? name : mw::to_lower(name), g.header_value());
  }
  c.url = endpoint.scheme + "://" + endpoint.host_header() + c.request.target;

  c.credentials.access_key_id = "AKIA" + g.token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  c.credentials.secret_access_key =
      SecretString(g.token(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"));
  if (g.chance(50)) {
    c.credentials.session_token = SecretString(
        g.token(g.number(20, 300), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+="));
  }
  static const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1", "cn-northwest-1",
                                                    "us-gov-west-1", "ap-southeast-2"};
  static const std::vector<std::string> kServices = {"securityhub", "guardduty",     "detective",
                                                     "sts",         "organizations", "execute-api"};
  c.region = g.pick(kRegions);
  c.service = g.pick(kServices);
  c.time = sigv4::TimePoint{} + std::chrono::seconds(1420070400LL + g.number(0, 600000000));
  return c;
}

boost::json::array header_array(const HeaderList& headers) {
  boost::json::array out;
  for (const auto& [name, value] : headers) out.push_back(boost::json::array{name.c_str(), value.c_str()});
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs tests/aws/botocore_sign.py once with all cases batched on stdin.
boost::json::array run_botocore(const std::string& mode, const boost::json::array& input) {
  const fs::path dir = fs::temp_directory_path() / ("mw-botocore-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "in.json") << boost::json::serialize(input);
  const std::string command = std::string("'") + MW_PYTHON3 + "' '" + MW_BOTOCORE_SIGN + "' " + mode +
                              " < '" + (dir / "in.json").string() + "' > '" + (dir / "out.json").string() +
                              "'";
  const int status = std::system(command.c_str());
  const std::string output = read_all(dir / "out.json");
  fs::remove_all(dir);
  REQUIRE_MESSAGE(status == 0, "botocore_sign.py failed: " << command);
  boost::system::error_code error;
  auto value = boost::json::parse(output, error);
  REQUIRE_MESSAGE(!error, "botocore_sign.py printed no JSON: " << output);
  REQUIRE(value.is_array());
  return value.as_array();
}

}  // namespace

TEST_CASE("our rest-json targets equal botocore's serializer for real operations") {
  Generator g(4242);
  const Endpoint endpoint{"https", "example.amazonaws.com", 443, ""};
  boost::json::array input;
  std::vector<std::string> ours;
  for (int i = 0; i < 100; ++i) {
    const std::string detector = g.text(1, 6), token = g.text(1, 8);
    if (i % 2 == 0) {
      input.push_back(
          {{"service", "guardduty"},
           {"operation", "list_members"},
           {"params", {{"DetectorId", detector}, {"NextToken", token}, {"OnlyAssociated", "false"}}}});
      ours.push_back(protocol::rest_json_request(
                         endpoint, "GET", "/detector/{DetectorId}/member", {{"DetectorId", detector}},
                         {{"nextToken", token}, {"onlyAssociated", "false"}}, std::nullopt)
                         .target);
    } else {
      input.push_back({{"service", "securityhub"},
                       {"operation", "list_members"},
                       {"params", {{"OnlyAssociated", false}, {"MaxResults", 50}, {"NextToken", token}}}});
      ours.push_back(protocol::rest_json_request(
                         endpoint, "GET", "/members", {},
                         {{"OnlyAssociated", "false"}, {"MaxResults", "50"}, {"NextToken", token}},
                         std::nullopt)
                         .target);
    }
  }
  const auto theirs = run_botocore("serialize", input);
  REQUIRE(theirs.size() == ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("case " << i);
    CHECK("https://example.amazonaws.com" + ours[i] == std::string(theirs[i].at("url").as_string()));
  }
}

TEST_CASE("our SigV4 signatures equal botocore's on random requests") {
  Generator generator(20261121);
  std::vector<Case> cases;
  std::vector<sigv4::SigningResult> ours;
  boost::json::array input;
  for (int i = 0; i < kCases; ++i) {
    Case c = random_case(generator);
    boost::json::object entry{
        {"method", c.request.method},
        {"url", c.url},
        {"headers", header_array(c.request.headers)},
        {"body", c.request.body},
        {"access_key", c.credentials.access_key_id},
        {"secret_key", c.credentials.secret_access_key.reveal()},
        {"token", c.credentials.session_token.reveal()},
        {"region", c.region},
        {"service", c.service},
        {"amz_date", sigv4::format_amz_date(c.time)},
    };
    input.push_back(std::move(entry));
    HttpRequest signed_request = c.request;
    ours.push_back(sigv4::sign(signed_request, c.credentials, c.region, c.service, c.time));
    cases.push_back(std::move(c));
  }

  const auto theirs = run_botocore("", input);
  REQUIRE(theirs.size() == cases.size());
  int equal = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& other = theirs[i].as_object();
    INFO("case " << i << " " << cases[i].request.method << " " << cases[i].url);
    CHECK(ours[i].canonical_request == std::string(other.at("canonical_request").as_string()));
    CHECK(ours[i].string_to_sign == std::string(other.at("string_to_sign").as_string()));
    CHECK(ours[i].signature == std::string(other.at("signature").as_string()));
    if (ours[i].signature == other.at("signature").as_string()) ++equal;
  }
  CHECK(equal == kCases);
}

TEST_CASE("the cross-check generator covers what it claims") {
  Generator generator(20261121);
  int with_token = 0, with_body = 0, with_repeated_key = 0, with_utf8 = 0, with_plus = 0, methods_seen = 0;
  std::set<std::string> methods;
  for (int i = 0; i < kCases; ++i) {
    const Case c = random_case(generator);
    with_token += !c.credentials.session_token.empty();
    with_body += !c.request.body.empty();
    with_utf8 += c.request.target.find("%E1%88%B4") != std::string::npos;
    with_plus += c.request.target.find("%2B") != std::string::npos;
    const auto query = uri::split_target(c.request.target).second;
    const auto params = uri::parse_query(query);
    REQUIRE(params);
    std::set<std::string> keys;
    for (const auto& [key, value] : *params) {
      if (!keys.insert(key).second) {
        ++with_repeated_key;
        break;
      }
    }
    methods.insert(c.request.method);
  }
  methods_seen = static_cast<int>(methods.size());
  CHECK(with_token > 100);
  CHECK(with_body > 100);
  CHECK(with_repeated_key > 20);
  CHECK(with_utf8 > 20);
  CHECK(with_plus > 20);
  CHECK(methods_seen == 6);
}
