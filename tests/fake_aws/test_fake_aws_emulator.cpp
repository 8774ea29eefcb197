#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "aws/sigv4.hpp"
#include "aws/uri.hpp"
#include "emulator.hpp"
#include "options.hpp"

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
  CHECK(header(throttled, "x-amzn-ErrorType") == "LimitExceededException");
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

// --- Organizations ListAccounts and Account ListRegions ---------------------------

namespace {

const char* kAccountWorld = R"(
credentials:
  - {access_key_id: AKIDADMIN000000000001, secret_access_key: admin-secret, account_id: "111111111111"}
  - {access_key_id: AKIDOTHER000000000001, secret_access_key: other-secret, account_id: "222222222222"}
  - {access_key_id: AKIDMGMT0000000000001, secret_access_key: mgmt-secret, account_id: "444444444444"}
  - {access_key_id: AKIDDENIED0000000001, secret_access_key: denied-secret, account_id: "555555555555"}
opt_in_regions: [ap-east-1]
organization:
  id: o-fakeaws0001
  management_account_id: "444444444444"
  accounts:
    - {id: "100000000001", state: ACTIVE}
    - {id: "100000000002", state: null, status: SUSPENDED}
    - {id: "100000000003", state: PENDING_CLOSURE, status: PENDING_CLOSURE}
    - {id: "100000000004", state: ""}
    - {id: "111111111111"}
    - {id: "222222222222", state: PENDING_ACTIVATION}
    - {id: "555555555555", state: ACTIVE}
account_regions:
  "111111111111":
    denied: false
    regions: {us-east-1: ENABLED_BY_DEFAULT, eu-west-1: ENABLED_BY_DEFAULT, ap-east-1: DISABLED, eu-south-1: ENABLED,
              me-central-1: ENABLING, af-south-1: DISABLING, il-central-1: ENABLED}
  "555555555555": {denied: true}
)";

const aws::Credentials kOther = credentials("AKIDOTHER000000000001", "other-secret");
const aws::Credentials kManagement = credentials("AKIDMGMT0000000000001", "mgmt-secret");
const aws::Credentials kDenied = credentials("AKIDDENIED0000000001", "denied-secret");

World account_world(bool throttling = false) {
  auto world = parse_world(kAccountWorld);
  if (!throttling) world.throttles.erase(Service::account);
  return world;
}

struct AccountFixture {
  TimePoint now = kNow;
  Emulator emulator{account_world(), EmulatorOptions{1, [this] { return now; }, nullptr}};

  Reply list_regions(const json::object& body, const aws::Credentials& creds = kAdmin) {
    return emulator.handle(signed_request(request("POST", "/listRegions", json::serialize(body)), "account",
                                          "us-east-1", creds));
  }
};

std::vector<std::string> region_names(const Reply& reply) {
  std::vector<std::string> names;
  const auto body = body_of(reply);
  for (const auto& region : body.at("Regions").as_array())
    names.emplace_back(region.at("RegionName").as_string());
  return names;
}

// The model's ValidationException: 400, message, reason and the field.
void check_validation(const Reply& reply, std::string_view field) {
  CHECK(reply.status == 400);
  CHECK(header(reply, "x-amzn-ErrorType") == "ValidationException");
  const auto body = body_of(reply);
  CHECK(std::string(body.at("message").as_string()).rfind("1 validation error detected: ", 0) == 0);
  CHECK(body.at("reason") == "fieldValidationFailed");
  CHECK(body.at("fieldList").as_array().at(0).at("name").as_string() == field);
}

}  // namespace

TEST_CASE("Organizations ListAccounts: State and Status each only when the world gives them") {
  Emulator emulator(account_world(), EmulatorOptions{1, [] { return kNow; }, nullptr});
  auto r = request("POST", "/", "{}");
  r.set_header("Content-Type", "application/x-amz-json-1.1");
  r.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts");
  const auto reply = emulator.handle(signed_request(r, "organizations", "us-east-1", kManagement));
  REQUIRE(reply.status == 200);
  std::map<std::string, json::object> by_id;
  const auto body = body_of(reply);
  for (const auto& a : body.at("Accounts").as_array())
    by_id[std::string(a.at("Id").as_string())] = a.as_object();
  REQUIRE(by_id.size() == 7);
  const auto& state_only = by_id.at("100000000001");
  CHECK(state_only.at("State") == "ACTIVE");
  CHECK_FALSE(state_only.contains("Status"));
  const auto& status_only = by_id.at("100000000002");
  CHECK_FALSE(status_only.contains("State"));
  CHECK(status_only.at("Status") == "SUSPENDED");
  const auto& both = by_id.at("100000000003");
  CHECK(both.at("State") == "PENDING_CLOSURE");
  CHECK(both.at("Status") == "PENDING_CLOSURE");
  const auto& neither = by_id.at("100000000004");
  CHECK_FALSE(neither.contains("State"));
  CHECK_FALSE(neither.contains("Status"));
  CHECK(by_id.at("111111111111").at("State") == "ACTIVE");  // the default
  CHECK(by_id.at("222222222222").at("State") == "PENDING_ACTIVATION");
  CHECK(state_only.at("JoinedMethod") == "CREATED");
  CHECK(state_only.at("Arn") == "arn:aws:organizations::444444444444:account/o-fakeaws0001/100000000001");
}

TEST_CASE_FIXTURE(AccountFixture,
                  "Account ListRegions: every page, sorted, with NextToken bound to the listing") {
  std::vector<std::string> names;
  std::vector<std::string> tokens;
  json::object body{{"MaxResults", 3}};
  for (int page = 0; page < 10; ++page) {
    const auto reply = list_regions(body);
    REQUIRE(reply.status == 200);
    CHECK(header(reply, "Content-Type") == "application/json");
    const auto out = body_of(reply);
    CHECK(out.at("Regions").as_array().size() <= 3);
    for (const auto& name : region_names(reply)) names.push_back(name);
    if (!out.contains("NextToken")) break;
    tokens.emplace_back(out.at("NextToken").as_string());
    body["NextToken"] = tokens.back();
  }
  CHECK(names == std::vector<std::string>{"af-south-1", "ap-east-1", "eu-south-1", "eu-west-1",
                                          "il-central-1", "me-central-1", "us-east-1"});
  REQUIRE(tokens.size() == 2);
  for (const auto& token : tokens) {
    CHECK(token.find('+') != std::string::npos);
    CHECK(token.find('/') != std::string::npos);
    CHECK(token.find('=') != std::string::npos);
  }
  const auto first = body_of(list_regions({}));
  CHECK(first.at("Regions").as_array().at(0) ==
        json::value(json::object{{"RegionName", "af-south-1"}, {"RegionOptStatus", "DISABLING"}}));
  CHECK_FALSE(first.contains("NextToken"));

  // A token of another listing (another filter, another caller), a made-up
  // one and one longer than the model allows are all rejected.
  check_validation(
      list_regions({{"NextToken", tokens[0]}, {"RegionOptStatusContains", json::array{"ENABLED"}}}),
      "NextToken");
  check_validation(list_regions({{"NextToken", tokens[0]}, {"AccountId", "100000000001"}}, kManagement),
                   "NextToken");
  check_validation(list_regions({{"NextToken", "bm90IGEgdG9rZW4="}}), "NextToken");
  check_validation(list_regions({{"NextToken", std::string(1001, 'A')}}), "NextToken");

  // Without MaxResults a page holds 20 regions.
  auto world = account_world();
  auto& many = world.account_regions["111111111111"].regions.emplace();
  for (int i = 1; i <= 25; ++i) many["xx-test-" + std::to_string(i)] = "ENABLED";
  emulator.set_world(world);
  const auto full = list_regions({});
  CHECK(region_names(full).size() == 20);
  const auto rest = list_regions({{"NextToken", body_of(full).at("NextToken")}, {"MaxResults", 50}});
  CHECK(region_names(rest).size() == 5);
  CHECK_FALSE(body_of(rest).contains("NextToken"));
}

TEST_CASE_FIXTURE(AccountFixture, "Account ListRegions: RegionOptStatusContains filters, pages included") {
  CHECK(region_names(list_regions({{"RegionOptStatusContains", json::array{"ENABLED"}}})) ==
        std::vector<std::string>{"eu-south-1", "il-central-1"});
  CHECK(region_names(
            list_regions({{"RegionOptStatusContains", json::array{"ENABLING", "DISABLING", "DISABLED"}}})) ==
        std::vector<std::string>{"af-south-1", "ap-east-1", "me-central-1"});
  CHECK(region_names(list_regions({{"RegionOptStatusContains", json::array{"ENABLED_BY_DEFAULT"}}})) ==
        std::vector<std::string>{"eu-west-1", "us-east-1"});
  CHECK(region_names(list_regions({{"RegionOptStatusContains", json::array{}}})).size() == 7);
  const auto first = list_regions(
      {{"RegionOptStatusContains", json::array{"ENABLED", "ENABLED_BY_DEFAULT"}}, {"MaxResults", 3}});
  CHECK(region_names(first) == std::vector<std::string>{"eu-south-1", "eu-west-1", "il-central-1"});
  const auto second = list_regions({{"RegionOptStatusContains", json::array{"ENABLED_BY_DEFAULT", "ENABLED"}},
                                    {"MaxResults", 3},
                                    {"NextToken", body_of(first).at("NextToken")}});
  CHECK(region_names(second) == std::vector<std::string>{"us-east-1"});
  const auto other = list_regions({{"RegionOptStatusContains", json::array{"DISABLED"}}}, kOther);
  CHECK(region_names(other) == std::vector<std::string>{"ap-east-1"});
  CHECK(body_of(other).at("Regions").as_array().at(0).at("RegionOptStatus") == "DISABLED");
}

TEST_CASE_FIXTURE(AccountFixture,
                  "Account ListRegions: denied callers, other accounts' regions and bad input") {
  const auto denied = list_regions({}, kDenied);
  CHECK(denied.status == 403);
  CHECK(header(denied, "x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(std::string(body_of(denied).at("message").as_string()).find("account:ListRegions") !=
        std::string::npos);
  CHECK(emulator.request_log().back().error_code == "AccessDeniedException");
  // AccountId: the caller's own, or, for the management account, an account
  // of its organization.
  CHECK(list_regions({{"AccountId", "111111111111"}}).status == 200);
  CHECK(list_regions({{"AccountId", "222222222222"}}).status == 403);
  const auto managed = list_regions({{"AccountId", "111111111111"}, {"MaxResults", 50}}, kManagement);
  REQUIRE(managed.status == 200);
  CHECK(region_names(managed).size() == 7);
  CHECK(region_names(list_regions({{"AccountId", "100000000001"}}, kManagement)).size() == 18);
  CHECK(list_regions({{"AccountId", "999999999999"}}, kManagement).status == 403);

  check_validation(list_regions({{"MaxResults", 51}}), "MaxResults");
  check_validation(list_regions({{"MaxResults", 0}}), "MaxResults");
  check_validation(list_regions({{"MaxResults", "many"}}), "MaxResults");
  CHECK(body_of(list_regions({{"MaxResults", 51}})).at("message") ==
        "1 validation error detected: Value '51' at 'MaxResults' failed to satisfy constraint: Member must "
        "have "
        "value less than or equal to 50");
  check_validation(list_regions({{"RegionOptStatusContains", json::array{"ENABLED", "BOGUS"}}}),
                   "RegionOptStatusContains");
  check_validation(list_regions({{"RegionOptStatusContains", json::array{"enabled"}}}),
                   "RegionOptStatusContains");
  check_validation(list_regions({{"RegionOptStatusContains", "ENABLED"}}), "RegionOptStatusContains");
  check_validation(list_regions({{"AccountId", "1234"}}), "AccountId");
  const auto malformed = emulator.handle(
      signed_request(request("POST", "/listRegions", "{\"MaxResults\":"), "account", "us-east-1", kAdmin));
  CHECK(malformed.status == 400);
  CHECK(header(malformed, "x-amzn-ErrorType") == "ValidationException");
  const auto unknown = emulator.handle(
      signed_request(request("POST", "/getRegionOptStatus", "{}"), "account", "us-east-1", kAdmin));
  CHECK(unknown.status == 404);
  CHECK(header(unknown, "x-amzn-ErrorType") == "UnknownOperationException");
}

TEST_CASE_FIXTURE(AccountFixture,
                  "Account ListRegions: an account without regions of its own gets the default list") {
  const auto reply = list_regions({}, kOther);
  REQUIRE(reply.status == 200);
  CHECK(region_names(reply) ==
        std::vector<std::string>{"ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
                                 "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
                                 "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
                                 "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"});
  const auto body = body_of(reply);
  for (const auto& region : body.at("Regions").as_array())
    CHECK(region.at("RegionOptStatus") ==
          (region.at("RegionName") == "ap-east-1" ? "DISABLED" : "ENABLED_BY_DEFAULT"));
  CHECK_FALSE(body.contains("NextToken"));  // 18 regions: one page of 20
}

TEST_CASE("Account ListRegions: the quota, faults, unsigned requests and the request log") {
  auto world = account_world(true);
  CHECK(world.throttles.at(Service::account).rate == 10);
  CHECK(world.throttles.at(Service::account).burst == 10);
  TimePoint now = kNow;
  Emulator emulator(world, EmulatorOptions{1, [&] { return now; }, nullptr});
  auto call = [&] {
    return emulator.handle(
        signed_request(request("POST", "/listRegions", "{}"), "account", "us-east-1", kAdmin, now));
  };
  for (int i = 0; i < 10; ++i) CHECK(call().status == 200);
  const auto throttled = call();
  CHECK(throttled.status == 429);
  CHECK(header(throttled, "x-amzn-ErrorType") == "TooManyRequestsException");
  CHECK(body_of(throttled).at("message") == "Rate exceeded");
  now += 1s;
  CHECK(call().status == 200);
  auto log = emulator.request_log();
  CHECK(log.front().service == "account");
  CHECK(log.front().operation == "ListRegions");
  CHECK(log.front().region == "us-east-1");
  CHECK(log.front().account_id == "111111111111");
  CHECK(log.front().status == 200);
  CHECK(log.at(10).fault == "throttle");
  CHECK(log.at(10).error_code == "TooManyRequestsException");

  world.faults.insert(world.faults.begin(), parse_fault_spec("account.ListRegions:error_rate=1"));
  emulator.set_world(world);
  emulator.clear_request_log();
  const auto error = call();
  CHECK(error.status == 500);
  CHECK(header(error, "x-amzn-ErrorType") == "InternalServerException");
  CHECK(body_of(error).contains("message"));
  log = emulator.request_log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].fault == "error");
  CHECK(log[0].error_code == "InternalServerException");
  CHECK(log[0].operation == "ListRegions");

  const auto unsigned_reply = emulator.handle(request("POST", "/listRegions", "{}"));
  CHECK(unsigned_reply.status == 403);
  CHECK(header(unsigned_reply, "x-amzn-ErrorType") == "MissingAuthenticationTokenException");
  CHECK(emulator.request_log().back().service == "account");
}

// --- DescribeOrganizationConfiguration, GetMemberDetectors, ListDelegatedAdministrators ---

namespace {

// 111111111111 is the organization's administrator in us-east-1 (and, with a
// malformed answer, GuardDuty in eu-west-1); 222222222222 administers
// sources of its own without being the organization's administrator.
const char* kOrgWorld = R"(
credentials:
  - {access_key_id: AKIDADMIN000000000001, secret_access_key: admin-secret, account_id: "111111111111"}
  - {access_key_id: AKIDOTHER000000000001, secret_access_key: other-secret, account_id: "222222222222"}
  - {access_key_id: AKIDMGMT0000000000001, secret_access_key: mgmt-secret, account_id: "444444444444"}
  - {access_key_id: AKIDMEMBER0000000001, secret_access_key: member-secret, account_id: "100000000001"}
  - {access_key_id: AKIDOUTSIDE000000001, secret_access_key: outside-secret, account_id: "777777777777"}
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        securityhub:
          organization:
            auto_enable: true
            auto_enable_standards: DEFAULT
            configuration_type: CENTRAL
            configuration_status: ENABLED
            status_message: "Central configuration is on"
            member_account_limit_reached: false
        guardduty:
          detector_id: 12abc34d567e8fa901bc2d34e56789f0
          members:
            - {account_id: "100000000001", status: Enabled, updated_at: "2022-05-06T07:08:09Z",
               features: {S3_DATA_EVENTS: DISABLED, RUNTIME_MONITORING: ENABLED}}
            - {account_id: "100000000002", status: Enabled}
            - {account_id: "100000000003", status: Enabled, features: {S3_DATA_EVENTS: ENABLED}}
          member_detectors_unprocessed: {"100000000003": "The member's detector is suspended."}
          organization:
            auto_enable: true
            auto_enable_organization_members: ALL
            features:
              - name: RUNTIME_MONITORING
                auto_enable: ALL
                additional_configuration: {EKS_ADDON_MANAGEMENT: NEW, EC2_AGENT_MANAGEMENT: ALL}
              - {name: S3_DATA_EVENTS, auto_enable: NEW}
              - {name: EKS_AUDIT_LOGS, auto_enable: NONE}
        detective:
          graph_arn: arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef
          organization: {auto_enable: false}
      eu-west-1:
        securityhub: {}
        guardduty:
          detector_id: 34abc34d567e8fa901bc2d34e56789f0
          organization: {raw: '{"not json'}
        detective:
          graph_arn: arn:aws:detective:eu-west-1:111111111111:graph:fedcba9876543210fedcba9876543210
          organization: {}
  - account_id: "222222222222"
    regions:
      us-east-1:
        securityhub: {}
        guardduty: {detector_id: 56abc34d567e8fa901bc2d34e56789f0}
        detective:
          graph_arn: arn:aws:detective:us-east-1:222222222222:graph:0123456789abcdef0123456789abcdef
organization:
  id: o-fakeaws0001
  management_account_id: "444444444444"
  delegated_administrators:
    - {account_id: "333333333333", service_principals: [detective.amazonaws.com]}
    - account_id: "111111111111"
      service_principals: [securityhub.amazonaws.com, guardduty.amazonaws.com]
      delegation_enabled_date: "2021-02-03T04:05:06Z"
    - {account_id: "222222222222", service_principals: [guardduty.amazonaws.com, inspector2.amazonaws.com]}
  accounts:
    - {id: "100000000001"}
    - {id: "111111111111", name: Security, email: security@example.com, joined_method: INVITED,
       joined_timestamp: "2020-01-02T03:04:05.678Z"}
    - {id: "222222222222", state: SUSPENDED, status: SUSPENDED}
    - {id: "444444444444"}
)";

const char* kDetector = "12abc34d567e8fa901bc2d34e56789f0";
const char* kGraph = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef";
const char* kNotGuardDutyAdministrator =
    "The request failed because the account is not the GuardDuty delegated administrator for this "
    "organization.";
const aws::Credentials kMember = credentials("AKIDMEMBER0000000001", "member-secret");
const aws::Credentials kOutside = credentials("AKIDOUTSIDE000000001", "outside-secret");

World org_world() {
  auto world = parse_world(kOrgWorld);
  world.throttles.clear();  // these tests make many calls at one instant
  return world;
}

struct OrgFixture {
  Emulator emulator{org_world(), EmulatorOptions{1, [] { return kNow; }, nullptr}};

  Reply call(std::string method, std::string target, std::string body, std::string_view service,
             std::string_view region = "us-east-1", const aws::Credentials& creds = kAdmin) {
    return emulator.handle(signed_request(request(std::move(method), std::move(target), std::move(body)),
                                          service, region, creds));
  }
  Reply guardduty_admin(std::string query = "", const aws::Credentials& creds = kAdmin,
                        std::string detector = kDetector) {
    return call("GET", "/detector/" + detector + "/admin" + query, "", "guardduty", "us-east-1", creds);
  }
  Reply member_detectors(const json::array& ids, std::string_view region = "us-east-1") {
    return call("POST", "/detector/" + std::string(kDetector) + "/member/detector/get",
                json::serialize(json::object{{"accountIds", ids}}), "guardduty", region);
  }
  Reply delegated(const json::object& body, const aws::Credentials& creds = kManagement) {
    auto r = request("POST", "/", json::serialize(body));
    r.set_header("Content-Type", "application/x-amz-json-1.1");
    r.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListDelegatedAdministrators");
    return emulator.handle(signed_request(r, "organizations", "us-east-1", creds));
  }
};

std::vector<std::string> delegated_ids(const Reply& reply) {
  std::vector<std::string> ids;
  const auto body = body_of(reply);
  for (const auto& admin : body.at("DelegatedAdministrators").as_array())
    ids.emplace_back(admin.at("Id").as_string());
  return ids;
}

}  // namespace

TEST_CASE_FIXTURE(OrgFixture, "Security Hub DescribeOrganizationConfiguration") {
  const auto ok = call("GET", "/organization/configuration", "", "securityhub");
  REQUIRE(ok.status == 200);
  CHECK(json::parse(ok.body) == json::parse(R"({"AutoEnable": true, "AutoEnableStandards": "DEFAULT",
      "MemberAccountLimitReached": false, "OrganizationConfiguration": {"ConfigurationType": "CENTRAL",
      "Status": "ENABLED", "StatusMessage": "Central configuration is on"}})"));
  CHECK(emulator.request_log().back().operation == "DescribeOrganizationConfiguration");
  CHECK(emulator.request_log().back().service == "securityhub");

  // A Security Hub administrator that is not the organization's.
  const auto other = call("GET", "/organization/configuration", "", "securityhub", "us-east-1", kOther);
  CHECK(other.status == 401);
  CHECK(header(other, "x-amzn-ErrorType") == "InvalidAccessException");
  CHECK(body_of(other).at("Code") == "InvalidAccessException");
  CHECK(body_of(other).at("Message") == "Account 222222222222 is not an administrator for this organization");
  CHECK(call("GET", "/organization/configuration", "", "securityhub", "eu-west-1").status == 401);
  // Security Hub not enabled at all: the subscription error comes first.
  const auto off = call("GET", "/organization/configuration", "", "securityhub", "ap-south-1");
  CHECK(off.status == 401);
  CHECK(body_of(off).at("Message") == "Account 111111111111 is not subscribed to AWS Security Hub");
}

TEST_CASE_FIXTURE(OrgFixture, "GuardDuty DescribeOrganizationConfiguration: features paged by maxResults") {
  const auto first = guardduty_admin("?maxResults=1");
  REQUIRE(first.status == 200);
  auto body = body_of(first);
  REQUIRE(body.contains("nextToken"));
  body.erase("nextToken");
  CHECK(json::value(body) == json::parse(R"({"autoEnable": true, "autoEnableOrganizationMembers": "ALL",
      "dataSources": {"s3Logs": {"autoEnable": true}}, "memberAccountLimitReached": false,
      "features": [{"name": "RUNTIME_MONITORING", "autoEnable": "ALL", "additionalConfiguration": [
          {"name": "EC2_AGENT_MANAGEMENT", "autoEnable": "ALL"}, {"name": "EKS_ADDON_MANAGEMENT", "autoEnable": "NEW"}]}]})"));
  CHECK(emulator.request_log().back().operation == "DescribeOrganizationConfiguration");

  std::vector<std::string> names;
  std::string query = "?maxResults=1";
  int pages = 0;
  for (; pages < 10; ++pages) {
    const auto reply = guardduty_admin(query);
    REQUIRE(reply.status == 200);
    const auto page = body_of(reply);
    CHECK(page.at("features").as_array().size() == 1);
    CHECK(page.at("memberAccountLimitReached") == false);
    for (const auto& f : page.at("features").as_array()) names.emplace_back(f.at("name").as_string());
    if (!page.contains("nextToken")) break;
    query = "?maxResults=1&nextToken=" + aws::uri::encode(std::string(page.at("nextToken").as_string()));
  }
  CHECK(pages == 2);  // three pages
  CHECK(names == std::vector<std::string>{"RUNTIME_MONITORING", "S3_DATA_EVENTS", "EKS_AUDIT_LOGS"});
  const auto all = body_of(guardduty_admin());
  CHECK(all.at("features").as_array().size() == 3);
  CHECK_FALSE(all.contains("nextToken"));
  CHECK(all.at("features").as_array().at(2) ==
        json::parse(R"({"name": "EKS_AUDIT_LOGS", "autoEnable": "NONE"})"));

  // maxResults 1..50, the detector the caller's own, the token this listing's.
  for (const char* bad : {"?maxResults=51", "?maxResults=0"}) {
    const auto reply = guardduty_admin(bad);
    CHECK(reply.status == 400);
    CHECK(header(reply, "x-amzn-ErrorType") == "BadRequestException");
    CHECK(body_of(reply).at("message") ==
          "The request is rejected because the parameter maxResults has an invalid value.");
  }
  CHECK(guardduty_admin("?maxResults=50").status == 200);
  const auto foreign = guardduty_admin("", kAdmin, "56abc34d567e8fa901bc2d34e56789f0");
  CHECK(foreign.status == 400);
  CHECK(body_of(foreign).at("message") ==
        "The request is rejected because the input detectorId is not owned by the current account.");
  const auto mangled = guardduty_admin("?nextToken=bm90IGEgdG9rZW4%3D");
  CHECK(mangled.status == 400);
  CHECK(body_of(mangled).at("message") == "The request is rejected because the input nextToken is invalid.");
}

TEST_CASE_FIXTURE(OrgFixture,
                  "GuardDuty DescribeOrganizationConfiguration: not the administrator, raw answers") {
  const auto other = guardduty_admin("", kOther, "56abc34d567e8fa901bc2d34e56789f0");
  CHECK(other.status == 400);
  CHECK(header(other, "x-amzn-ErrorType") == "BadRequestException");
  CHECK(body_of(other).at("__type") == "InvalidInputException");
  CHECK(body_of(other).at("message") == kNotGuardDutyAdministrator);
  CHECK(emulator.request_log().back().error_code == "BadRequestException");

  const auto raw =
      call("GET", "/detector/34abc34d567e8fa901bc2d34e56789f0/admin", "", "guardduty", "eu-west-1");
  CHECK(raw.status == 200);
  CHECK(raw.body == R"({"not json)");
  CHECK(header(raw, "Content-Type") == "application/json");

  // An administrator without features: no dataSources and no features.
  auto world = org_world();
  auto& gd = world.administrators[0].regions.at("us-east-1").at(Service::guardduty);
  gd.organization = OrganizationConfiguration{};
  gd.organization->member_account_limit_reached = true;
  emulator.set_world(world);
  CHECK(json::parse(guardduty_admin().body) == json::parse(R"({"memberAccountLimitReached": true})"));
}

TEST_CASE_FIXTURE(OrgFixture, "GuardDuty GetMemberDetectors: data sources, features, unprocessed accounts") {
  const auto reply =
      member_detectors(json::array{"100000000001", "100000000002", "100000000003", "100000000009"});
  REQUIRE(reply.status == 200);
  CHECK(json::parse(reply.body) == json::parse(R"({
    "members": [
      {"accountId": "100000000001",
       "dataSources": {"cloudTrail": {"status": "ENABLED"}, "dnsLogs": {"status": "ENABLED"},
                       "flowLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED"}},
       "features": [{"name": "RUNTIME_MONITORING", "status": "ENABLED", "updatedAt": 1651820889.0},
                    {"name": "S3_DATA_EVENTS", "status": "DISABLED", "updatedAt": 1651820889.0}]},
      {"accountId": "100000000002",
       "dataSources": {"cloudTrail": {"status": "ENABLED"}, "dnsLogs": {"status": "ENABLED"},
                       "flowLogs": {"status": "ENABLED"}, "s3Logs": {"status": "ENABLED"}}}],
    "unprocessedAccounts": [
      {"accountId": "100000000003", "result": "The member's detector is suspended."},
      {"accountId": "100000000009",
       "result": "The request is rejected because the given account ID is not associated with the current account."}]
  })"));
  auto log = emulator.request_log();
  CHECK(log.back().operation == "GetMemberDetectors");
  CHECK(log.back().batch_size == 4);

  // Nothing processed: both lists all the same.
  const auto none = member_detectors(json::array{"100000000009"});
  REQUIRE(none.status == 200);
  CHECK(body_of(none).at("members").as_array().empty());
  CHECK(body_of(none).at("unprocessedAccounts").as_array().size() == 1);

  json::array too_many;
  for (int i = 0; i < 51; ++i) too_many.push_back(json::string("2000000000" + std::to_string(10 + i)));
  const auto rejected = member_detectors(too_many);
  CHECK(rejected.status == 400);
  CHECK(header(rejected, "x-amzn-ErrorType") == "BadRequestException");
  CHECK(body_of(rejected).at("__type") == "InvalidInputException");
  CHECK(
      body_of(rejected).at("message") ==
      "The request is rejected because an invalid or out-of-range value is specified as an input parameter.");
  log = emulator.request_log();
  CHECK(log.back().batch_size == 51);
  CHECK(log.back().operation == "GetMemberDetectors");
  too_many.pop_back();
  CHECK(member_detectors(too_many).status == 200);
  CHECK(member_detectors(json::array{}).status == 400);
  // Another region: the detector is not the caller's there.
  CHECK(body_of(member_detectors(json::array{"100000000001"}, "eu-west-1")).at("message") ==
        "The request is rejected because the input detectorId is not owned by the current account.");
}

TEST_CASE_FIXTURE(OrgFixture, "Detective DescribeOrganizationConfiguration") {
  const auto body = json::serialize(json::object{{"GraphArn", kGraph}});
  const auto ok = call("POST", "/orgs/describeOrganizationConfiguration", body, "detective");
  REQUIRE(ok.status == 200);
  CHECK(json::parse(ok.body) == json::parse(R"({"AutoEnable": false})"));
  CHECK(emulator.request_log().back().operation == "DescribeOrganizationConfiguration");
  const auto empty = call(
      "POST", "/orgs/describeOrganizationConfiguration",
      R"({"GraphArn": "arn:aws:detective:eu-west-1:111111111111:graph:fedcba9876543210fedcba9876543210"})",
      "detective", "eu-west-1");
  CHECK(empty.status == 200);
  CHECK(json::parse(empty.body) == json::parse("{}"));

  const auto other = call(
      "POST", "/orgs/describeOrganizationConfiguration",
      R"({"GraphArn": "arn:aws:detective:us-east-1:222222222222:graph:0123456789abcdef0123456789abcdef"})",
      "detective", "us-east-1", kOther);
  CHECK(other.status == 403);
  CHECK(header(other, "x-amzn-ErrorType").rfind("AccessDeniedException:", 0) == 0);
  CHECK(body_of(other).at("Message") ==
        "The request was rejected because the account is not the Detective administrator account for the "
        "organization.");
  CHECK(emulator.request_log().back().error_code == "AccessDeniedException");
  // The graph checks of the other Detective operations.
  CHECK(call("POST", "/orgs/describeOrganizationConfiguration", body, "detective", "us-east-1", kOther)
            .status == 404);
  const auto invalid =
      call("POST", "/orgs/describeOrganizationConfiguration", R"({"GraphArn": "arn:nope"})", "detective");
  CHECK(invalid.status == 400);
  CHECK(body_of(invalid).at("ErrorCode") == "INVALID_GRAPH_ARN");
  CHECK(call("POST", "/orgs/describeOrganizationConfiguration", "{}", "detective").status == 400);
}

TEST_CASE_FIXTURE(OrgFixture, "Organizations ListDelegatedAdministrators: fields, filter and pages") {
  const auto all = delegated({});
  REQUIRE(all.status == 200);
  CHECK(header(all, "Content-Type") == "application/x-amz-json-1.1");
  CHECK(delegated_ids(all) == std::vector<std::string>{"111111111111", "222222222222", "333333333333"});
  const auto admins = body_of(all).at("DelegatedAdministrators").as_array();
  CHECK(admins.at(0) == json::parse(R"({"Id": "111111111111",
      "Arn": "arn:aws:organizations::444444444444:account/o-fakeaws0001/111111111111",
      "Email": "security@example.com", "Name": "Security", "State": "ACTIVE", "JoinedMethod": "INVITED",
      "JoinedTimestamp": 1577934245.678, "DelegationEnabledDate": 1612325106.0})"));
  CHECK(admins.at(1) == json::parse(R"({"Id": "222222222222",
      "Arn": "arn:aws:organizations::444444444444:account/o-fakeaws0001/222222222222",
      "Email": "aws+222222222222@example.com", "Name": "account-222222222222", "State": "SUSPENDED",
      "Status": "SUSPENDED", "JoinedMethod": "CREATED", "JoinedTimestamp": 1577836800.0,
      "DelegationEnabledDate": 1590969600.0})"));
  // Not among the organization's accounts: what is known of it.
  CHECK(admins.at(2) == json::parse(R"({"Id": "333333333333",
      "Arn": "arn:aws:organizations::444444444444:account/o-fakeaws0001/333333333333", "State": "ACTIVE"})"));
  CHECK_FALSE(body_of(all).contains("NextToken"));
  CHECK(emulator.request_log().back().operation == "ListDelegatedAdministrators");

  CHECK(delegated_ids(delegated({{"ServicePrincipal", "guardduty.amazonaws.com"}})) ==
        std::vector<std::string>{"111111111111", "222222222222"});
  CHECK(delegated_ids(delegated({{"ServicePrincipal", "detective.amazonaws.com"}})) ==
        std::vector<std::string>{"333333333333"});
  CHECK(delegated_ids(delegated({{"ServicePrincipal", "macie.amazonaws.com"}})).empty());

  // Pages of one, with and without the filter; a token is bound to its filter.
  std::vector<std::string> ids;
  json::object body{{"MaxResults", 1}, {"ServicePrincipal", "guardduty.amazonaws.com"}};
  std::vector<std::string> tokens;
  for (int page = 0; page < 5; ++page) {
    const auto reply = delegated(body);
    REQUIRE(reply.status == 200);
    for (const auto& id : delegated_ids(reply)) ids.push_back(id);
    const auto out = body_of(reply);
    if (!out.contains("NextToken")) break;
    tokens.emplace_back(out.at("NextToken").as_string());
    body["NextToken"] = tokens.back();
  }
  CHECK(ids == std::vector<std::string>{"111111111111", "222222222222"});
  CHECK(tokens.size() == 1);
  const auto first = delegated({{"MaxResults", 2}});
  CHECK(delegated_ids(first) == std::vector<std::string>{"111111111111", "222222222222"});
  const auto second = delegated({{"MaxResults", 2}, {"NextToken", body_of(first).at("NextToken")}});
  CHECK(delegated_ids(second) == std::vector<std::string>{"333333333333"});
  const auto crossed = delegated({{"NextToken", tokens.at(0)}});
  CHECK(crossed.status == 400);
  CHECK(body_of(crossed).at("Reason") == "INVALID_NEXT_TOKEN");
}

TEST_CASE_FIXTURE(OrgFixture, "Organizations ListDelegatedAdministrators: bad input and who may call") {
  for (auto [max, reason] : {std::pair{21, "MAX_VALUE_EXCEEDED"}, std::pair{0, "MIN_VALUE_EXCEEDED"}}) {
    const auto reply = delegated({{"MaxResults", max}});
    CHECK(reply.status == 400);
    CHECK(body_of(reply).at("__type") == "InvalidInputException");
    CHECK(body_of(reply).at("Reason") == reason);
  }
  for (const char* principal : {"guardduty", "amazonaws.com", ".amazonaws.com", "guard duty.amazonaws.com",
                                "guardduty.amazonaws.com.evil"}) {
    CAPTURE(principal);
    const auto reply = delegated({{"ServicePrincipal", principal}});
    CHECK(reply.status == 400);
    CHECK(header(reply, "Content-Type") == "application/x-amz-json-1.1");
    CHECK(body_of(reply).at("__type") == "InvalidInputException");
    CHECK(body_of(reply).at("Reason") == "UNRECOGNIZED_SERVICE_PRINCIPAL");
    CHECK(body_of(reply).at("Message") == "You specified an unrecognized service principal.");
  }
  // Any delegated administrator may call, and ListAccounts too.
  CHECK(delegated({}, kOther).status == 200);
  auto accounts = request("POST", "/", "{}");
  accounts.set_header("Content-Type", "application/x-amz-json-1.1");
  accounts.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts");
  CHECK(emulator.handle(signed_request(accounts, "organizations", "us-east-1", kOther)).status == 200);
  CHECK(emulator.request_log().back().operation == "ListAccounts");
  const auto member = delegated({}, kMember);
  CHECK(member.status == 400);
  CHECK(body_of(member).at("__type") == "AccessDeniedException");
  CHECK(body_of(member).at("Message") == "You don't have permissions to access this resource.");
  CHECK(emulator.handle(signed_request(accounts, "organizations", "us-east-1", kMember)).status == 400);
  const auto outside = delegated({}, kOutside);
  CHECK(body_of(outside).at("__type") == "AWSOrganizationsNotInUseException");
  // An action fake-aws does not know.
  auto unknown = accounts;
  unknown.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListRoots");
  CHECK(body_of(emulator.handle(signed_request(unknown, "organizations", "us-east-1", kManagement)))
            .at("__type") == "UnknownOperationException");
}

TEST_CASE("the new operations: faults by operation name and unsigned requests") {
  auto world = org_world();
  world.faults.push_back(parse_fault_spec("guardduty.GetMemberDetectors:error_rate=1"));
  world.faults.push_back(parse_fault_spec("securityhub.DescribeOrganizationConfiguration:throttle_rate=1"));
  world.faults.push_back(parse_fault_spec("detective.DescribeOrganizationConfiguration:malformed_rate=1"));
  world.faults.push_back(parse_fault_spec("organizations.ListDelegatedAdministrators:error_rate=1"));
  world.faults.push_back(parse_fault_spec("guardduty.DescribeOrganizationConfiguration:truncate_rate=1"));
  Emulator emulator(world, EmulatorOptions{1, [] { return kNow; }, nullptr});
  auto handle = [&](aws::HttpRequest r, std::string_view service) {
    return emulator.handle(signed_request(std::move(r), service));
  };
  CHECK(handle(request("POST", "/detector/12abc34d567e8fa901bc2d34e56789f0/member/detector/get",
                       R"({"accountIds":["100000000001"]})"),
               "guardduty")
            .status == 500);
  CHECK(handle(request("GET", "/organization/configuration"), "securityhub").status == 429);
  const auto malformed = handle(request("POST", "/orgs/describeOrganizationConfiguration",
                                        json::serialize(json::object{{"GraphArn", kGraph}})),
                                "detective");
  CHECK(malformed.wire_fault == WireFault::malformed);
  auto org = request("POST", "/", "{}");
  org.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListDelegatedAdministrators");
  CHECK(emulator.handle(signed_request(org, "organizations", "us-east-1", kManagement)).status == 500);
  CHECK(handle(request("GET", "/detector/12abc34d567e8fa901bc2d34e56789f0/admin"), "guardduty").wire_fault ==
        WireFault::truncate);
  // The ListAccounts of the same service is untouched by the fault.
  auto accounts = org;
  accounts.set_header("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts");
  CHECK(emulator.handle(signed_request(accounts, "organizations", "us-east-1", kManagement)).status == 200);
  const auto log = emulator.request_log();
  REQUIRE(log.size() == 6);
  CHECK(log[0].operation == "GetMemberDetectors");
  CHECK(log[0].fault == "error");
  CHECK(log[1].operation == "DescribeOrganizationConfiguration");
  CHECK(log[1].fault == "throttle");
  CHECK(log[1].error_code == "LimitExceededException");
  CHECK(log[2].fault == "malformed");
  CHECK(log[3].operation == "ListDelegatedAdministrators");
  CHECK(log[3].error_code == "ServiceException");
  CHECK(log[4].fault == "truncate");
  CHECK(log[5].fault.empty());

  // Unsigned, each is refused in its own service's shape.
  const auto sh = emulator.handle(request("GET", "/organization/configuration"));
  CHECK(header(sh, "x-amzn-ErrorType") == "MissingAuthenticationTokenException");
  CHECK(emulator.request_log().back().service == "securityhub");
  emulator.handle(request("POST", "/orgs/describeOrganizationConfiguration", "{}"));
  CHECK(emulator.request_log().back().service == "detective");
}

// --- Inspector and Macie ---------------------------------------------------------

namespace {

// 111111111111 administers both services in us-east-1 as the organization's
// administrator, in eu-west-1 with an empty (Inspector) or malformed (Macie)
// organization configuration, and has neither in ap-south-1. 222222222222
// runs both without being the organization's administrator.
const char* kInspectorMacieWorld = R"(
credentials:
  - {access_key_id: AKIDADMIN000000000001, secret_access_key: admin-secret, account_id: "111111111111"}
  - {access_key_id: AKIDOTHER000000000001, secret_access_key: other-secret, account_id: "222222222222"}
administrators:
  - account_id: "111111111111"
    regions:
      us-east-1:
        inspector2:
          members:
            - {account_id: "100000000001", status: ENABLED, updated_at: "2022-05-06T07:08:09.500Z",
               resources: {ec2: DISABLED, lambda: ENABLED, lambda_code: SUSPENDING, code_repository: SOMETHING_NEW}}
            - {account_id: "100000000002", status: INVITED}
            - {account_id: "100000000003", status: ENABLED, administrator_id: "333333333333"}
            - {account_id: "100000000004", status: REMOVED, updated_at: "2022-05-06T07:08:09Z"}
            - {account_id: "100000000005", status: ENABLED, resources: {ec2: DISABLED, ecr: DISABLING}}
          account_status_failed: {"100000000003": "The member account is isolated."}
          organization: {ec2: true, ecr: false, lambda: true, lambda_code: false, code_repository: true,
                         max_account_limit_reached: false}
        macie2:
          members:
            - {account_id: "100000000001", email: one@example.com, status: Enabled,
               invited_at: "2021-01-02T03:04:05.678Z", updated_at: "2022-05-06T07:08:09.123Z"}
            - {account_id: "100000000002", status: Paused, updated_at: "2022-05-06T07:08:09Z"}
            - {account_id: "100000000003", email: three@example.com, status: Invited}
            - {account_id: "100000000004", status: Removed, administrator_id: "333333333333"}
          organization: {auto_enable: true, max_account_limit_reached: false}
      eu-west-1:
        inspector2: {organization: {}}
        macie2: {organization: {raw: '{"autoEnable": "yes"'}}
  - account_id: "222222222222"
    regions:
      us-east-1:
        inspector2: {members: [{account_id: "100000000009", status: ENABLED}]}
        macie2: {}
      cn-north-1:
        macie2: {members: [{account_id: "100000000009", status: Enabled}]}
)";

World inspector_macie_world() {
  auto world = parse_world(kInspectorMacieWorld);
  world.throttles.clear();  // these tests make many calls at one instant
  return world;
}

struct InspectorMacieFixture {
  Emulator emulator{inspector_macie_world(), EmulatorOptions{1, [] { return kNow; }, nullptr}};

  Reply call(std::string method, std::string target, std::string body, std::string_view service,
             std::string_view region = "us-east-1", const aws::Credentials& creds = kAdmin) {
    return emulator.handle(signed_request(request(std::move(method), std::move(target), std::move(body)),
                                          service, region, creds));
  }
  Reply inspector_members(const json::object& body, std::string_view region = "us-east-1",
                          const aws::Credentials& creds = kAdmin) {
    return call("POST", "/members/list", json::serialize(body), "inspector2", region, creds);
  }
  Reply account_status(const json::object& body, std::string_view region = "us-east-1") {
    return call("POST", "/status/batch/get", json::serialize(body), "inspector2", region);
  }
  Reply macie_members(const std::string& query = "", std::string_view region = "us-east-1",
                      const aws::Credentials& creds = kAdmin) {
    return call("GET", "/members" + query, "", "macie2", region, creds);
  }
};

std::vector<std::string> member_ids(const Reply& reply) {
  std::vector<std::string> ids;
  const auto body = body_of(reply);
  for (const auto& m : body.at("members").as_array()) ids.emplace_back(m.at("accountId").as_string());
  return ids;
}

// Inspector's ValidationException: 400, the reason, and the field with its message.
void check_inspector_validation(const Reply& reply, std::string_view reason, std::string_view field = "") {
  CHECK(reply.status == 400);
  CHECK(header(reply, "x-amzn-ErrorType") == "ValidationException");
  const auto body = body_of(reply);
  CHECK(body.at("reason").as_string() == reason);
  CHECK_FALSE(std::string(body.at("message").as_string()).empty());
  if (field.empty()) return;
  const auto& fields = body.at("fields").as_array();
  REQUIRE(fields.size() == 1);
  CHECK(fields[0].at("name").as_string() == field);
  CHECK("1 validation error detected: " + std::string(fields[0].at("message").as_string()) ==
        body.at("message").as_string());
}

const char* kNotInspectorAdministrator =
    "The request was rejected because the account is not the Amazon Inspector delegated administrator for "
    "the "
    "organization.";
const char* kNotMacieAdministrator =
    "The request was rejected because the account is not the Amazon Macie administrator account for the "
    "organization.";

}  // namespace

TEST_CASE_FIXTURE(InspectorMacieFixture, "Inspector ListMembers: every member, exact fields, pages") {
  const auto all = inspector_members({{"onlyAssociated", false}});
  REQUIRE(all.status == 200);
  CHECK(header(all, "Content-Type") == "application/json");
  CHECK(json::parse(all.body) == json::parse(R"({"members": [
    {"accountId": "100000000001", "delegatedAdminAccountId": "111111111111", "relationshipStatus": "ENABLED",
     "updatedAt": 1651820889.5},
    {"accountId": "100000000002", "delegatedAdminAccountId": "111111111111", "relationshipStatus": "INVITED"},
    {"accountId": "100000000003", "delegatedAdminAccountId": "333333333333", "relationshipStatus": "ENABLED"},
    {"accountId": "100000000004", "delegatedAdminAccountId": "111111111111", "relationshipStatus": "REMOVED",
     "updatedAt": 1651820889.0},
    {"accountId": "100000000005", "delegatedAdminAccountId": "111111111111", "relationshipStatus": "ENABLED"}]})"));
  const auto log = emulator.request_log().back();
  CHECK(log.service == "inspector2");
  CHECK(log.operation == "ListMembers");
  CHECK(log.status == 200);

  // Pages of two: three pages, the tokens opaque and carrying + / =.
  std::vector<std::string> ids;
  std::vector<std::string> tokens;
  json::object body{{"onlyAssociated", false}, {"maxResults", 2}};
  for (int page = 0; page < 10; ++page) {
    const auto reply = inspector_members(body);
    REQUIRE(reply.status == 200);
    CHECK(body_of(reply).at("members").as_array().size() <= 2);
    for (const auto& id : member_ids(reply)) ids.push_back(id);
    const auto out = body_of(reply);
    if (!out.contains("nextToken")) break;
    tokens.emplace_back(out.at("nextToken").as_string());
    body["nextToken"] = tokens.back();
  }
  CHECK(ids == std::vector<std::string>{"100000000001", "100000000002", "100000000003", "100000000004",
                                        "100000000005"});
  REQUIRE(tokens.size() == 2);
  for (const auto& token : tokens) {
    CHECK(token.find('+') != std::string::npos);
    CHECK(token.find('/') != std::string::npos);
    CHECK(token.find('=') != std::string::npos);
  }

  // Associated: ENABLED only, also when the flag or the whole body is absent.
  const std::vector<std::string> enabled{"100000000001", "100000000003", "100000000005"};
  CHECK(member_ids(inspector_members({{"onlyAssociated", true}})) == enabled);
  CHECK(member_ids(inspector_members({})) == enabled);
  CHECK(member_ids(call("POST", "/members/list", "", "inspector2")) == enabled);
  CHECK(member_ids(inspector_members({{"maxResults", 50}})) == enabled);
  // Another administrator sees its own members, a source without members none.
  CHECK(member_ids(inspector_members({{"onlyAssociated", false}}, "us-east-1", kOther)) ==
        std::vector<std::string>{"100000000009"});
  CHECK(json::parse(inspector_members({{"onlyAssociated", false}}, "eu-west-1").body) ==
        json::parse(R"({"members": []})"));

  // A token works only for its own listing.
  check_inspector_validation(inspector_members({{"nextToken", tokens[0]}}), "FIELD_VALIDATION_FAILED",
                             "nextToken");
  check_inspector_validation(
      inspector_members({{"onlyAssociated", false}, {"nextToken", "bm90IGEgdG9rZW4="}}),
      "FIELD_VALIDATION_FAILED", "nextToken");
  check_inspector_validation(
      inspector_members({{"onlyAssociated", false}, {"nextToken", tokens[0]}}, "us-east-1", kOther),
      "FIELD_VALIDATION_FAILED", "nextToken");
}

TEST_CASE_FIXTURE(InspectorMacieFixture, "Inspector ListMembers: range, types, not enabled") {
  const auto high = inspector_members({{"maxResults", 51}});
  check_inspector_validation(high, "FIELD_VALIDATION_FAILED", "maxResults");
  CHECK(json::parse(high.body) == json::parse(R"({
    "message": "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
    "reason": "FIELD_VALIDATION_FAILED",
    "fields": [{"name": "maxResults",
                "message": "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"}]})"));
  CHECK(emulator.request_log().back().error_code == "ValidationException");
  const auto low = inspector_members({{"maxResults", 0}});
  check_inspector_validation(low, "FIELD_VALIDATION_FAILED", "maxResults");
  CHECK(
      body_of(low).at("message") ==
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have "
      "value greater than or equal to 1");
  CHECK(inspector_members({{"maxResults", 1}}).status == 200);
  // Wrong JSON types and bodies that are not JSON: CANNOT_PARSE.
  check_inspector_validation(inspector_members({{"maxResults", "50"}}), "CANNOT_PARSE");
  check_inspector_validation(inspector_members({{"onlyAssociated", "false"}}), "CANNOT_PARSE");
  check_inspector_validation(inspector_members({{"nextToken", 5}}), "CANNOT_PARSE");
  check_inspector_validation(call("POST", "/members/list", "{\"maxResults\":", "inspector2"), "CANNOT_PARSE");
  check_inspector_validation(call("POST", "/members/list", "[]", "inspector2"), "CANNOT_PARSE");

  // Inspector not enabled in the region: AccessDenied, in words that are not IAM's.
  const auto off = inspector_members({{"onlyAssociated", false}}, "ap-south-1");
  CHECK(off.status == 403);
  CHECK(header(off, "x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(json::parse(off.body) ==
        json::parse(
            R"({"message": "Amazon Inspector is not enabled for account 111111111111 in ap-south-1."})"));
  CHECK(emulator.request_log().back().error_code == "AccessDeniedException");
  // The wrong method or path is no operation.
  const auto unknown = call("GET", "/members/list", "", "inspector2");
  CHECK(unknown.status == 404);
  CHECK(header(unknown, "x-amzn-ErrorType") == "UnknownOperationException");
  CHECK(call("POST", "/members/get", "{}", "inspector2").status == 404);
}

TEST_CASE_FIXTURE(InspectorMacieFixture, "Inspector DescribeOrganizationConfiguration") {
  // boto3 sends no body at all; other clients {}.
  for (const char* body : {"", "{}"}) {
    CAPTURE(body);
    const auto ok = call("POST", "/organizationconfiguration/describe", body, "inspector2");
    REQUIRE(ok.status == 200);
    CHECK(json::parse(ok.body) == json::parse(R"({"autoEnable": {"ec2": true, "ecr": false, "lambda": true,
        "lambdaCode": false, "codeRepository": true}, "maxAccountLimitReached": false})"));
    CHECK(emulator.request_log().back().operation == "DescribeOrganizationConfiguration");
    CHECK(emulator.request_log().back().service == "inspector2");
  }
  // Nothing set: the model's required ec2 and ecr, false.
  const auto empty = call("POST", "/organizationconfiguration/describe", "", "inspector2", "eu-west-1");
  REQUIRE(empty.status == 200);
  CHECK(json::parse(empty.body) == json::parse(R"({"autoEnable": {"ec2": false, "ecr": false}})"));

  const auto other =
      call("POST", "/organizationconfiguration/describe", "{}", "inspector2", "us-east-1", kOther);
  CHECK(other.status == 403);
  CHECK(header(other, "x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(body_of(other).at("message") == kNotInspectorAdministrator);
  CHECK(std::string(kNotInspectorAdministrator).find("is not authorized to perform") == std::string::npos);
  const auto off = call("POST", "/organizationconfiguration/describe", "", "inspector2", "ap-south-1");
  CHECK(off.status == 403);
  CHECK(body_of(off).at("message") ==
        "Amazon Inspector is not enabled for account 111111111111 in ap-south-1.");
  check_inspector_validation(call("POST", "/organizationconfiguration/describe", "not json", "inspector2"),
                             "CANNOT_PARSE");

  auto world = inspector_macie_world();
  world.administrators[0].regions["eu-west-1"][Service::inspector2].organization->raw =
      R"({"autoEnable": 1})";
  emulator.set_world(world);
  const auto raw = call("POST", "/organizationconfiguration/describe", "", "inspector2", "eu-west-1");
  CHECK(raw.status == 200);
  CHECK(raw.body == R"({"autoEnable": 1})");
}

TEST_CASE_FIXTURE(InspectorMacieFixture,
                  "Inspector BatchGetAccountStatus: states, failed accounts, batch size") {
  const auto reply =
      account_status({{"accountIds", json::array{"100000000001", "100000000003", "100000000009"}}});
  REQUIRE(reply.status == 200);
  CHECK(json::parse(reply.body) == json::parse(R"({
    "accounts": [
      {"accountId": "100000000001",
       "state": {"status": "ENABLED", "errorCode": "ALREADY_ENABLED", "errorMessage": "Amazon Inspector is enabled."},
       "resourceState": {
         "ec2": {"status": "DISABLED", "errorCode": "RESOURCE_NOT_FOUND",
                 "errorMessage": "Amazon Inspector scanning of ec2 is disabled."},
         "ecr": {"status": "ENABLED", "errorCode": "ALREADY_ENABLED",
                 "errorMessage": "Amazon Inspector scanning of ecr is enabled."},
         "lambda": {"status": "ENABLED", "errorCode": "ALREADY_ENABLED",
                    "errorMessage": "Amazon Inspector scanning of lambda is enabled."},
         "lambdaCode": {"status": "SUSPENDING", "errorCode": "SUSPEND_IN_PROGRESS",
                        "errorMessage": "Amazon Inspector scanning of lambdaCode is suspending."},
         "codeRepository": {"status": "SOMETHING_NEW", "errorCode": "RESOURCE_NOT_FOUND",
                            "errorMessage": "Amazon Inspector scanning of codeRepository is something_new."}}}],
    "failedAccounts": [
      {"accountId": "100000000003", "errorCode": "ACCESS_DENIED", "errorMessage": "The member account is isolated."},
      {"accountId": "100000000009", "errorCode": "ACCESS_DENIED",
       "errorMessage": "The account 100000000009 is not a member of the Amazon Inspector delegated administrator 111111111111."}]})"));
  auto log = emulator.request_log().back();
  CHECK(log.service == "inspector2");
  CHECK(log.operation == "BatchGetAccountStatus");
  CHECK(log.batch_size == 3);

  // Members of any relationship, the scan types' defaults, the caller's own account.
  const auto states =
      body_of(account_status({{"accountIds", json::array{"100000000005", "100000000002", "111111111111"}}}));
  CHECK(states.at("failedAccounts").as_array().empty());
  const auto& accounts = states.at("accounts").as_array();
  REQUIRE(accounts.size() == 3);
  const auto status_of = [&](std::size_t i, const char* resource) {
    return accounts[i].at("resourceState").at(resource).at("status");
  };
  CHECK(accounts[0].at("state").at("status") == "DISABLED");  // no scan type enabled
  CHECK(status_of(0, "ecr") == "DISABLING");
  CHECK(accounts[0].at("resourceState").at("ecr").at("errorCode") == "DISABLE_IN_PROGRESS");
  CHECK(status_of(0, "lambda") == "DISABLED");
  for (std::size_t i : {1u, 2u}) {
    CHECK(accounts[i].at("state").at("status") == "ENABLED");
    CHECK(status_of(i, "ec2") == "ENABLED");
    CHECK(status_of(i, "ecr") == "ENABLED");
    CHECK(status_of(i, "lambda") == "DISABLED");
    CHECK(status_of(i, "lambdaCode") == "DISABLED");
    CHECK(status_of(i, "codeRepository") == "DISABLED");
  }
  CHECK(accounts[2].at("accountId") == "111111111111");

  // No account IDs: the caller's own account.
  for (const auto& body : {json::object{}, json::object{{"accountIds", json::array{}}}}) {
    const auto own = body_of(account_status(body));
    REQUIRE(own.at("accounts").as_array().size() == 1);
    CHECK(own.at("accounts").as_array()[0].at("accountId") == "111111111111");
  }
  CHECK(emulator.request_log().back().batch_size == 0);

  // 0..100 account IDs of 12 digits.
  json::array ids;
  for (int i = 0; i < 101; ++i)
    ids.push_back(json::string("2000000001" + std::to_string(10 + i).substr(0, 2)));
  const auto too_many = account_status({{"accountIds", ids}});
  check_inspector_validation(too_many, "FIELD_VALIDATION_FAILED", "accountIds");
  CHECK(body_of(too_many).at("message") ==
        "1 validation error detected: Value at 'accountIds' failed to satisfy constraint: Member must have "
        "length "
        "less than or equal to 100");
  log = emulator.request_log().back();
  CHECK(log.batch_size == 101);
  CHECK(log.operation == "BatchGetAccountStatus");
  CHECK(log.error_code == "ValidationException");
  ids.pop_back();
  const auto hundred = body_of(account_status({{"accountIds", ids}}));
  CHECK(hundred.at("failedAccounts").as_array().size() == 100);
  CHECK(emulator.request_log().back().batch_size == 100);
  const auto pattern = account_status({{"accountIds", json::array{"100000000001", "1234"}}});
  check_inspector_validation(pattern, "FIELD_VALIDATION_FAILED", "accountIds");
  CHECK(body_of(pattern).at("message") ==
        "1 validation error detected: Value '1234' at 'accountIds' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: \\d{12}");
  check_inspector_validation(account_status({{"accountIds", "100000000001"}}), "CANNOT_PARSE");
  check_inspector_validation(account_status({{"accountIds", json::array{100000000001}}}), "CANNOT_PARSE");

  const auto off = account_status({{"accountIds", json::array{"100000000001"}}}, "ap-south-1");
  CHECK(off.status == 403);
  CHECK(header(off, "x-amzn-ErrorType") == "AccessDeniedException");
}

TEST_CASE_FIXTURE(InspectorMacieFixture, "Macie ListMembers: every member, exact fields, pages") {
  const auto all = macie_members("?onlyAssociated=false");
  REQUIRE(all.status == 200);
  CHECK(header(all, "Content-Type") == "application/json");
  CHECK(json::parse(all.body) == json::parse(R"({"members": [
    {"accountId": "100000000001", "administratorAccountId": "111111111111",
     "arn": "arn:aws:macie2:us-east-1:111111111111:member/100000000001", "email": "one@example.com",
     "invitedAt": "2021-01-02T03:04:05.678Z", "masterAccountId": "111111111111", "relationshipStatus": "Enabled",
     "updatedAt": "2022-05-06T07:08:09.123Z"},
    {"accountId": "100000000002", "administratorAccountId": "111111111111",
     "arn": "arn:aws:macie2:us-east-1:111111111111:member/100000000002", "masterAccountId": "111111111111",
     "relationshipStatus": "Paused", "updatedAt": "2022-05-06T07:08:09Z"},
    {"accountId": "100000000003", "administratorAccountId": "111111111111",
     "arn": "arn:aws:macie2:us-east-1:111111111111:member/100000000003", "email": "three@example.com",
     "masterAccountId": "111111111111", "relationshipStatus": "Invited"},
    {"accountId": "100000000004", "administratorAccountId": "333333333333",
     "arn": "arn:aws:macie2:us-east-1:333333333333:member/100000000004", "masterAccountId": "333333333333",
     "relationshipStatus": "Removed"}]})"));
  CHECK(emulator.request_log().back().service == "macie2");
  CHECK(emulator.request_log().back().operation == "ListMembers");

  // Current members (Enabled, Paused) by default.
  const std::vector<std::string> current{"100000000001", "100000000002"};
  CHECK(member_ids(macie_members()) == current);
  CHECK(member_ids(macie_members("?onlyAssociated=true")) == current);

  std::vector<std::string> ids;
  std::string query = "?onlyAssociated=false&maxResults=3";
  std::string token;
  int pages = 0;
  for (; pages < 10; ++pages) {
    const auto reply = macie_members(query);
    REQUIRE(reply.status == 200);
    for (const auto& id : member_ids(reply)) ids.push_back(id);
    const auto out = body_of(reply);
    if (!out.contains("nextToken")) break;
    token = std::string(out.at("nextToken").as_string());
    query = "?maxResults=3&nextToken=" + aws::uri::encode(token) + "&onlyAssociated=false";
  }
  CHECK(pages == 1);  // two pages
  CHECK(ids == std::vector<std::string>{"100000000001", "100000000002", "100000000003", "100000000004"});
  // The token of the full listing is not one of the default listing's.
  const auto crossed = macie_members("?nextToken=" + aws::uri::encode(token));
  CHECK(crossed.status == 400);
  CHECK(header(crossed, "x-amzn-ErrorType") == "ValidationException");
  CHECK(json::parse(crossed.body) ==
        json::parse(R"({"message": "The nextToken is not valid for this request."})"));
  CHECK(macie_members("?onlyAssociated=false&nextToken=bm90IGEgdG9rZW4%3D").status == 400);

  // Another administrator, in China: its own members, ARNs in aws-cn.
  const auto china = body_of(macie_members("?onlyAssociated=false", "cn-north-1", kOther));
  CHECK(china.at("members").as_array().at(0).at("arn") ==
        "arn:aws-cn:macie2:cn-north-1:222222222222:member/100000000009");
  CHECK(json::parse(macie_members("?onlyAssociated=false", "us-east-1", kOther).body) ==
        json::parse(R"({"members": []})"));
}

TEST_CASE_FIXTURE(InspectorMacieFixture, "Macie ListMembers: range and not enabled") {
  const auto high = macie_members("?maxResults=26");
  CHECK(high.status == 400);
  CHECK(header(high, "x-amzn-ErrorType") == "ValidationException");
  CHECK(
      json::parse(high.body) ==
      json::parse(
          R"({"message": "1 validation error detected: Value '26' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25"})"));
  const auto low = macie_members("?maxResults=0");
  CHECK(low.status == 400);
  CHECK(
      body_of(low).at("message") ==
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have "
      "value greater than or equal to 1");
  CHECK(macie_members("?maxResults=many").status == 400);
  CHECK(macie_members("?maxResults=25").status == 200);
  CHECK(macie_members("?maxResults=1").status == 200);

  const auto off = macie_members("", "ap-south-1");
  CHECK(off.status == 403);
  CHECK(header(off, "x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(json::parse(off.body) == json::parse(R"({"message": "Macie is not enabled."})"));
  CHECK(emulator.request_log().back().error_code == "AccessDeniedException");
  CHECK(call("POST", "/members", "{}", "macie2").status == 404);
}

TEST_CASE_FIXTURE(InspectorMacieFixture, "Macie DescribeOrganizationConfiguration") {
  const auto ok = call("GET", "/admin/configuration", "", "macie2");
  REQUIRE(ok.status == 200);
  CHECK(json::parse(ok.body) == json::parse(R"({"autoEnable": true, "maxAccountLimitReached": false})"));
  CHECK(emulator.request_log().back().operation == "DescribeOrganizationConfiguration");
  CHECK(emulator.request_log().back().service == "macie2");
  const auto raw = call("GET", "/admin/configuration", "", "macie2", "eu-west-1");
  CHECK(raw.status == 200);
  CHECK(raw.body == R"({"autoEnable": "yes")");
  const auto other = call("GET", "/admin/configuration", "", "macie2", "us-east-1", kOther);
  CHECK(other.status == 403);
  CHECK(header(other, "x-amzn-ErrorType") == "AccessDeniedException");
  CHECK(json::parse(other.body) == json::value(json::object{{"message", kNotMacieAdministrator}}));
  const auto off = call("GET", "/admin/configuration", "", "macie2", "ap-south-1");
  CHECK(off.status == 403);
  CHECK(body_of(off).at("message") == "Macie is not enabled.");

  auto world = inspector_macie_world();
  world.administrators[0].regions["eu-west-1"][Service::macie2].organization = OrganizationConfiguration{};
  emulator.set_world(world);
  CHECK(json::parse(call("GET", "/admin/configuration", "", "macie2", "eu-west-1").body) ==
        json::parse("{}"));
}

TEST_CASE("Inspector and Macie: quotas, faults by operation, unsigned requests") {
  TimePoint now = kNow;
  Emulator emulator(parse_world(kInspectorMacieWorld), EmulatorOptions{1, [&] { return now; }, nullptr});
  auto call = [&](std::string method, std::string target, std::string body, std::string_view service) {
    return emulator.handle(signed_request(request(std::move(method), std::move(target), std::move(body)),
                                          service, "us-east-1", kAdmin, now));
  };
  // The default quota: 10 requests/s, burst 30, per service.
  for (int i = 0; i < 30; ++i) REQUIRE(call("POST", "/members/list", "{}", "inspector2").status == 200);
  const auto throttled = call("POST", "/status/batch/get", "{}", "inspector2");
  CHECK(throttled.status == 429);
  CHECK(header(throttled, "x-amzn-ErrorType") == "ThrottlingException");
  CHECK(json::parse(throttled.body) == json::parse(R"({"message": "Rate exceeded"})"));
  CHECK(emulator.request_log().back().fault == "throttle");
  CHECK(emulator.request_log().back().operation == "BatchGetAccountStatus");
  CHECK(call("GET", "/members", "", "macie2").status == 200);  // a bucket of its own
  now += 1s;
  CHECK(call("POST", "/members/list", "{}", "inspector2").status == 200);

  auto world = inspector_macie_world();
  world.faults.push_back(parse_fault_spec("inspector2.BatchGetAccountStatus:error_rate=1"));
  world.faults.push_back(parse_fault_spec("macie2.ListMembers:throttle_rate=1"));
  world.faults.push_back(parse_fault_spec("inspector2.DescribeOrganizationConfiguration:malformed_rate=1"));
  world.faults.push_back(parse_fault_spec("macie2.DescribeOrganizationConfiguration@eu-west-1:error_rate=1"));
  emulator.set_world(world);
  emulator.clear_request_log();
  const auto error = call("POST", "/status/batch/get", "{}", "inspector2");
  CHECK(error.status == 500);
  CHECK(header(error, "x-amzn-ErrorType") == "InternalServerException");
  CHECK(json::parse(error.body) == json::parse(R"({"message": "Internal service error"})"));
  const auto macie_throttled = call("GET", "/members", "", "macie2");
  CHECK(macie_throttled.status == 429);
  CHECK(header(macie_throttled, "x-amzn-ErrorType") == "ThrottlingException");
  CHECK(body_of(macie_throttled).at("message") == "Rate exceeded");
  CHECK(call("POST", "/organizationconfiguration/describe", "", "inspector2").wire_fault ==
        WireFault::malformed);
  CHECK(call("GET", "/admin/configuration", "", "macie2").status == 200);  // the fault is eu-west-1's
  CHECK(call("POST", "/members/list", "{}", "inspector2").status == 200);
  const auto log = emulator.request_log();
  REQUIRE(log.size() == 5);
  CHECK(log[0].operation == "BatchGetAccountStatus");
  CHECK(log[0].fault == "error");
  CHECK(log[0].error_code == "InternalServerException");
  CHECK(log[1].service == "macie2");
  CHECK(log[1].fault == "throttle");
  CHECK(log[1].error_code == "ThrottlingException");
  CHECK(log[2].fault == "malformed");
  CHECK(log[3].fault.empty());
  CHECK(log[4].fault.empty());

  // Unsigned: refused, logged under the service the path belongs to.
  for (const auto& [method, target_binding, service] :
       {std::tuple{"POST", "/members/list", "inspector2"},
        std::tuple{"POST", "/status/batch/get", "inspector2"},
        std::tuple{"POST", "/organizationconfiguration/describe", "inspector2"},
        std::tuple{"GET", "/admin/configuration", "macie2"}}) {
    const auto& target = target_binding;  // CAPTURE captures it: clang 14 captures no binding
    CAPTURE(target);
    const auto reply = emulator.handle(request(method, target));
    CHECK(reply.status == 403);
    CHECK(header(reply, "x-amzn-ErrorType") == "MissingAuthenticationTokenException");
    CHECK(emulator.request_log().back().service == service);
  }
  // A tampered signature, in the rest-json shape.
  auto tampered =
      signed_request(request("POST", "/members/list", "{}"), "inspector2", "us-east-1", kAdmin, now);
  tampered.body = "{ }";
  const auto rejected = emulator.handle(tampered);
  CHECK(rejected.status == 403);
  CHECK(header(rejected, "x-amzn-ErrorType") == "InvalidSignatureException");
}
