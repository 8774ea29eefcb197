#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "aws/sigv4.hpp"
#include "aws/uri.hpp"
#include "emulator.hpp"

using namespace mw::fake_aws;
namespace aws = mw::aws;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* kWorld = R"(
credentials:
  - {access_key_id: AKIDBASE0000000000001, secret_access_key: base-secret, account_id: "999999999999"}
  - {access_key_id: AKIDADMIN000000000001, secret_access_key: admin-secret, account_id: "111111111111"}
  - {access_key_id: AKIDOTHER000000000001, secret_access_key: other-secret, account_id: "222222222222"}
  - {access_key_id: ASIAEXPIRED0000000001, secret_access_key: old, session_token: old-token,
     account_id: "111111111111", expires_at: "2020-01-01T00:00:00Z"}
roles:
  - {arn: "arn:aws:iam::111111111111:role/read", external_id: ext}
  - {arn: "arn:aws:iam::333333333333:role/read", denied: true}
opt_in_regions: [ap-east-1]
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          members:
            - {account_id: "100000000001", email: a@example.com, status: Enabled}
            - {account_id: "100000000002", email: b@example.com, status: Invited}
            - {account_id: "100000000003", email: c@example.com, status: Enabled}
        guardduty:
          detector_id: 12abc34d567e8fa901bc2d34e56789f0
          members:
            - {account_id: "100000000001", email: a@example.com, status: Enabled}
        detective:
          graph_arn: arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef
          members:
            - {account_id: "100000000001", email: a@example.com, status: ENABLED}
      ap-east-1:
        securityhub: {members: []}
throttling:
  securityhub: {rate: 1, burst: 2}
)";

const TimePoint kNow = aws::sigv4::parse_amz_date("20261121T101500Z").value();

aws::Credentials credentials(std::string key, std::string secret, std::string token = "") {
  aws::Credentials c;
  c.access_key_id = std::move(key);
  c.secret_access_key = aws::SecretString(std::move(secret));
  c.session_token = aws::SecretString(std::move(token));
  return c;
}

const aws::Credentials kAdmin = credentials("AKIDADMIN000000000001", "admin-secret");

aws::HttpRequest request(std::string method, std::string target, std::string body = "") {
  aws::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.set_header("Host", "127.0.0.1:4566");
  if (!r.body.empty()) r.set_header("Content-Type", "application/json");
  return r;
}

aws::HttpRequest signed_request(aws::HttpRequest r, std::string_view service,
                                std::string_view region = "us-east-1", const aws::Credentials& creds = kAdmin,
                                TimePoint at = kNow) {
  aws::sigv4::sign(r, creds, region, service, at);
  return r;
}

struct Fixture {
  TimePoint now = kNow;
  Emulator emulator{parse_world(kWorld), EmulatorOptions{1, [this] { return now; }, nullptr}};
};

json::object body_of(const Reply& reply) {
  return json::parse(reply.body).as_object();
}

std::string header(const Reply& reply, std::string_view name) {
  return std::string(reply.header(name).value_or(""));
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "routing by the credential scope's service, method and path") {
  auto sh = emulator.handle(signed_request(request("GET", "/members?OnlyAssociated=false"), "securityhub"));
  CHECK(sh.status == 200);
  CHECK(body_of(sh).at("Members").as_array().size() == 3);
  auto gd = emulator.handle(signed_request(request("GET", "/detector"), "guardduty"));
  CHECK(body_of(gd).at("detectorIds").as_array().at(0).as_string() == "12abc34d567e8fa901bc2d34e56789f0");
  auto dt = emulator.handle(signed_request(request("POST", "/graphs/list", "{}"), "detective"));
  CHECK(body_of(dt).at("GraphList").as_array().size() == 1);
  auto unknown = emulator.handle(signed_request(request("GET", "/nowhere"), "guardduty"));
  CHECK(unknown.status == 404);
  CHECK(header(unknown, "x-amzn-ErrorType") == "UnknownOperationException");
  const auto log = emulator.request_log();
  REQUIRE(log.size() == 4);
  CHECK(log[0].operation == "ListMembers");
  CHECK(log[0].service == "securityhub");
  CHECK(log[0].account_id == "111111111111");
  CHECK(log[1].operation == "ListDetectors");
  CHECK(log[2].operation == "ListGraphs");
  CHECK(log[3].error_code == "UnknownOperationException");
  CHECK_FALSE(header(sh, "x-amzn-RequestId").empty());
}

TEST_CASE_FIXTURE(Fixture, "pagination tokens survive a proper query encoding and fail when mangled") {
  auto first = emulator.handle(
      signed_request(request("GET", "/members?OnlyAssociated=false&MaxResults=2"), "securityhub"));
  const std::string token(body_of(first).at("NextToken").as_string());
  auto second = emulator.handle(signed_request(
      request("GET", "/members?MaxResults=2&NextToken=" + aws::uri::encode(token) + "&OnlyAssociated=false"),
      "securityhub"));
  REQUIRE(second.status == 200);
  CHECK(body_of(second).at("Members").as_array().size() == 1);
  CHECK_FALSE(body_of(second).contains("NextToken"));
  now += 2s;                // refill the throttle bucket
  std::string raw = token;  // '+' unencoded: a space to the server
  auto mangled = emulator.handle(signed_request(request("GET", "/members?NextToken=" + raw), "securityhub"));
  CHECK(mangled.status == 400);
  CHECK(header(mangled, "x-amzn-ErrorType") == "InvalidInputException");
}

TEST_CASE_FIXTURE(Fixture, "GetMembers limits and unprocessed accounts") {
  json::array ids;
  for (int i = 0; i < 51; ++i) ids.push_back(json::string("2000000000" + std::to_string(10 + i)));
  const auto too_many = json::serialize(json::object{{"accountIds", ids}});
  auto gd = emulator.handle(signed_request(
      request("POST", "/detector/12abc34d567e8fa901bc2d34e56789f0/member/get", too_many), "guardduty"));
  CHECK(gd.status == 400);
  CHECK(header(gd, "x-amzn-ErrorType") == "BadRequestException");
  CHECK(body_of(gd).at("__type").as_string() == "InvalidInputException");
  CHECK(emulator.request_log().back().batch_size == 51);

  const auto dt_body = json::serialize(json::object{
      {"GraphArn", "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef"},
      {"AccountIds", ids}});
  auto dt = emulator.handle(signed_request(request("POST", "/graph/members/get", dt_body), "detective"));
  CHECK(dt.status == 400);
  CHECK(header(dt, "x-amzn-ErrorType").rfind("ValidationException:", 0) == 0);

  auto ok =
      emulator.handle(signed_request(request("POST", "/detector/12abc34d567e8fa901bc2d34e56789f0/member/get",
                                             R"({"accountIds":["100000000001","100000000009"]})"),
                                     "guardduty"));
  REQUIRE(ok.status == 200);
  CHECK(body_of(ok).at("members").as_array().size() == 1);
  CHECK(body_of(ok).at("unprocessedAccounts").as_array().at(0).at("accountId") == "100000000009");
  CHECK(emulator.request_log().back().batch_size == 2);
}

TEST_CASE_FIXTURE(Fixture,
                  "MaxResults out of range, malformed GraphArn, detector not owned, not subscribed") {
  auto sh = emulator.handle(signed_request(request("GET", "/members?MaxResults=51"), "securityhub"));
  CHECK(sh.status == 400);
  CHECK(body_of(sh).at("Code") == "InvalidInputException");
  auto arn = emulator.handle(
      signed_request(request("POST", "/graph/members/list", R"({"GraphArn":"arn:nope"})"), "detective"));
  CHECK(arn.status == 400);
  CHECK(body_of(arn).at("ErrorCode") == "INVALID_GRAPH_ARN");
  auto missing = emulator.handle(signed_request(
      request(
          "POST", "/graph/members/list",
          R"({"GraphArn":"arn:aws:detective:us-east-1:111111111111:graph:ffffffffffffffffffffffffffffffff"})"),
      "detective"));
  CHECK(missing.status == 404);
  auto detector = emulator.handle(
      signed_request(request("GET", "/detector/ffffffffffffffffffffffffffffffff/member"), "guardduty"));
  CHECK(detector.status == 400);
  CHECK(body_of(detector).at("message") ==
        "The request is rejected because the input detectorId is not owned by the current account.");
  auto other_admin = emulator.handle(signed_request(request("GET", "/members"), "securityhub", "us-east-1",
                                                    credentials("AKIDOTHER000000000001", "other-secret")));
  CHECK(other_admin.status == 401);
  CHECK(header(other_admin, "x-amzn-ErrorType") == "InvalidAccessException");
  CHECK(body_of(other_admin).at("Message") == "Account 222222222222 is not subscribed to AWS Security Hub");
}

TEST_CASE_FIXTURE(Fixture, "SigV4: a good signature passes, a tampered one shows the canonical request") {
  auto good = signed_request(request("POST", "/graphs/list", "{}"), "detective");
  CHECK(emulator.handle(good).status == 200);
  auto tampered = good;
  tampered.body = "{ }";
  auto reply = emulator.handle(tampered);
  CHECK(reply.status == 403);
  CHECK(header(reply, "x-amzn-ErrorType") == "InvalidSignatureException");
  const std::string message(body_of(reply).at("message").as_string());
  CHECK(message.find("The Canonical String for this request should have been\n'POST\n/graphs/list\n") !=
        std::string::npos);
  CHECK(message.find("The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261121T101500Z\n") !=
        std::string::npos);

  auto sts = signed_request(request("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15"), "sts",
                            "us-east-1", credentials("AKIDADMIN000000000001", "wrong-secret"));
  auto sts_reply = emulator.handle(sts);
  CHECK(sts_reply.status == 403);
  CHECK(sts_reply.body.find("<Code>SignatureDoesNotMatch</Code>") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "SigV4: unknown keys, session tokens, expiry and clock skew") {
  auto unknown = emulator.handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1",
                                                credentials("AKIDNOBODY0000000001", "x")));
  CHECK(unknown.status == 403);
  CHECK(header(unknown, "x-amzn-ErrorType") == "UnrecognizedClientException");
  auto sts_unknown =
      emulator.handle(signed_request(request("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15"),
                                     "sts", "us-east-1", credentials("AKIDNOBODY0000000001", "x")));
  CHECK(sts_unknown.body.find("<Code>InvalidClientTokenId</Code>") != std::string::npos);

  const auto session =
      emulator.issue_session("111111111111", "arn:aws:sts::111111111111:assumed-role/read/s", 1h);
  const auto with_token =
      credentials(session.access_key_id, session.secret_access_key, session.session_token);
  CHECK(emulator.handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1", with_token))
            .status == 200);
  const auto no_token = credentials(session.access_key_id, session.secret_access_key);
  CHECK(
      header(emulator.handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1", no_token)),
             "x-amzn-ErrorType") == "UnrecognizedClientException");
  const auto wrong_token = credentials(session.access_key_id, session.secret_access_key, "forged");
  CHECK(emulator.handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1", wrong_token))
            .status == 403);
  auto opt_in =
      emulator.handle(signed_request(request("GET", "/members"), "securityhub", "ap-east-1", with_token));
  CHECK(header(opt_in, "x-amzn-ErrorType") == "UnrecognizedClientException");

  const auto expired = credentials("ASIAEXPIRED0000000001", "old", "old-token");
  CHECK(
      header(emulator.handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1", expired)),
             "x-amzn-ErrorType") == "ExpiredTokenException");
  now += 2h;  // the issued session has expired too
  CHECK(header(emulator.handle(
                   signed_request(request("GET", "/detector"), "guardduty", "us-east-1", with_token, now)),
               "x-amzn-ErrorType") == "ExpiredTokenException");

  auto skewed = emulator.handle(
      signed_request(request("GET", "/detector"), "guardduty", "us-east-1", kAdmin, now - 16min));
  CHECK(skewed.status == 403);
  CHECK(std::string(body_of(skewed).at("message").as_string()).rfind("Signature expired: ", 0) == 0);
  auto future = emulator.handle(
      signed_request(request("GET", "/detector"), "guardduty", "us-east-1", kAdmin, now + 16min));
  CHECK(std::string(body_of(future).at("message").as_string()).rfind("Signature not yet current: ", 0) == 0);
  CHECK(
      emulator
          .handle(signed_request(request("GET", "/detector"), "guardduty", "us-east-1", kAdmin, now - 14min))
          .status == 200);
}

TEST_CASE_FIXTURE(Fixture, "STS AssumeRole: the role's account, external id, denied roles") {
  const auto base = credentials("AKIDBASE0000000000001", "base-secret");
  auto assume = [&](const std::string& form) {
    auto r = request("POST", "/", form);
    r.set_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    return emulator.handle(signed_request(r, "sts", "us-east-1", base));
  };
  auto ok = assume(
      "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fread&"
      "RoleSessionName=mw&ExternalId=ext");
  REQUIRE(ok.status == 200);
  CHECK(ok.body.find("<Arn>arn:aws:sts::111111111111:assumed-role/read/mw</Arn>") != std::string::npos);
  const auto key_at = ok.body.find("<AccessKeyId>") + 13;
  const auto key = ok.body.substr(key_at, ok.body.find('<', key_at) - key_at);
  auto field = [&](const std::string& name) {
    const auto at = ok.body.find("<" + name + ">") + name.size() + 2;
    return ok.body.substr(at, ok.body.find('<', at) - at);
  };
  const auto creds = credentials(key, field("SecretAccessKey"), field("SessionToken"));
  auto who = emulator.handle(signed_request(
      request("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15"), "sts", "us-east-1", creds));
  CHECK(who.body.find("<Account>111111111111</Account>") != std::string::npos);
  CHECK(assume("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fread&"
               "RoleSessionName=mw")
            .body.find("<Code>AccessDenied</Code>") != std::string::npos);
  CHECK(assume("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2Fread&"
               "RoleSessionName=mw")
            .status == 403);
  CHECK(assume("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fread&"
               "RoleSessionName=mw&ExternalId=ext&DurationSeconds=60")
            .body.find("<Code>ValidationError</Code>") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture,
                  "the token bucket throttles per key, service and region with each service's error") {
  auto call = [&] { return emulator.handle(signed_request(request("GET", "/members"), "securityhub")); };
  CHECK(call().status == 200);
  CHECK(call().status == 200);
  auto throttled = call();
  CHECK(throttled.status == 429);
  CHECK(header(throttled, "x-amzn-ErrorType") == "TooManyRequestsException");
  CHECK(emulator.request_log().back().fault == "throttle");
  // Another region has a bucket of its own.
  CHECK(emulator.handle(signed_request(request("GET", "/members"), "securityhub", "eu-west-1")).status ==
        401);
  now += 1s;
  CHECK(call().status == 200);
  CHECK(call().status == 429);
}

TEST_CASE("faults: errors, wire faults, latency and the attempt header in the log") {
  auto world = parse_world(kWorld);
  world.faults.push_back(Fault{Service::guardduty, "ListDetectors", "", "", 100, 0, 1.0});
  world.faults.push_back(Fault{Service::detective, "", "", "", 0, 0, 0, 0, 1.0});
  world.faults.push_back(Fault{Service::securityhub, "", "", "", 5, 10, 0, 0, 0, 1.0});
  Emulator emulator(world, EmulatorOptions{1, [] { return kNow; }, nullptr});
  auto r = signed_request(request("GET", "/detector"), "guardduty");
  r.set_header("amz-sdk-request", "attempt=3; max=5");
  auto error = emulator.handle(r);
  CHECK(error.status == 500);
  CHECK(header(error, "x-amzn-ErrorType") == "InternalServerErrorException");
  CHECK(error.delay == 100ms);
  auto truncated = emulator.handle(signed_request(request("POST", "/graphs/list", "{}"), "detective"));
  CHECK(truncated.status == 200);
  CHECK(truncated.wire_fault == WireFault::truncate);
  auto malformed = emulator.handle(signed_request(request("GET", "/members"), "securityhub"));
  CHECK(malformed.wire_fault == WireFault::malformed);
  json::error_code ec;
  json::parse(malformed.body, ec);
  CHECK(ec);
  CHECK(malformed.delay >= 5ms);
  CHECK(malformed.delay <= 15ms);
  const auto log = emulator.request_log();
  CHECK(log[0].attempt == 3);
  CHECK(log[0].fault == "error");
  CHECK(log[1].fault == "truncate");
  CHECK(log[2].fault == "malformed");
  const auto line = json::parse(log[0].to_json()).as_object();
  CHECK(line.at("attempt") == 3);
  CHECK(line.at("status") == 500);
  CHECK(line.at("operation") == "ListDetectors");
}

TEST_CASE("faults with a count: only the first matching requests fail, then the next fault applies") {
  auto world = parse_world(std::string(kWorld) + R"(
faults:
  - {service: guardduty, operation: ListDetectors, throttle_rate: 1, count: 2}
  - {service: guardduty, operation: ListDetectors, error_rate: 1, count: 1}
)");
  world.throttles.clear();
  REQUIRE(world.faults.size() == 2);
  CHECK(world.faults[0].count == 2);
  CHECK(world.faults[0].throttle_rate == 1.0);
  CHECK(parse_world(world_to_yaml(world)).faults[0].count == 2);
  Emulator emulator(world, EmulatorOptions{1, [] { return kNow; }, nullptr});
  auto call = [&] { return emulator.handle(signed_request(request("GET", "/detector"), "guardduty")); };
  const auto first = call();
  CHECK(first.status == 429);
  CHECK(header(first, "x-amzn-ErrorType") == "TooManyRequestsException");
  CHECK(call().status == 429);
  CHECK(call().status == 500);
  CHECK(call().status == 200);
  CHECK(call().status == 200);
  const auto log = emulator.request_log();
  REQUIRE(log.size() == 5);
  CHECK(log[0].fault == "throttle");
  CHECK(log[1].fault == "throttle");
  CHECK(log[2].fault == "error");
  CHECK(log[3].fault.empty());
  // A new world starts the counts over.
  emulator.set_world(world);
  CHECK(call().status == 429);
  CHECK_THROWS_AS(parse_world("faults:\n  - {service: guardduty, count: 1.5}\n"), WorldError);
}

TEST_CASE_FIXTURE(Fixture, "unsigned requests: missing token, IMDS off, web identity") {
  auto r = emulator.handle(request("GET", "/members"));
  CHECK(r.status == 403);
  CHECK(header(r, "x-amzn-ErrorType") == "MissingAuthenticationTokenException");
  CHECK(emulator.handle(request("PUT", "/latest/api/token")).status ==
        404);  // no instance profile in this world
  auto web = request("POST", "/",
                     "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
                     "3A111111111111%3Arole%2Fread&RoleSessionName=pod&WebIdentityToken=nope");
  CHECK(emulator.handle(web).body.find("<Code>InvalidIdentityToken</Code>") != std::string::npos);
}
