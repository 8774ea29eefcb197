#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "aws/protocols.hpp"

using namespace mw::aws;
using namespace std::chrono;

namespace {

const Endpoint kEndpoint{"https", "guardduty.us-east-1.amazonaws.com", 443, ""};

}  // namespace

TEST_CASE("expand_path encodes each parameter, '/' included unless greedy") {
  CHECK(protocol::expand_path("/detector/{DetectorId}/member/get", {{"DetectorId", "12abc"}}) ==
        "/detector/12abc/member/get");
  CHECK(protocol::expand_path("/graph/{GraphArn}",
                              {{"GraphArn", "arn:aws:detective:us-east-1:1:graph/ab c"}}) ==
        "/graph/arn%3Aaws%3Adetective%3Aus-east-1%3A1%3Agraph%2Fab%20c");
  CHECK(protocol::expand_path("/k/{Key+}", {{"Key", "a/b c/ሴ"}}) == "/k/a/b%20c/%E1%88%B4");
  CHECK(protocol::expand_path("/", {}) == "/");
  CHECK_THROWS_AS(protocol::expand_path("/x/{Missing}", {{"Other", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(protocol::expand_path("/x/{Empty}", {{"Empty", ""}}), std::invalid_argument);
  CHECK_THROWS_AS(protocol::expand_path("/x/{Open", {{"Open", "v"}}), std::invalid_argument);
}

TEST_CASE("rest_json_request builds target, Host, Content-Type and body") {
  auto request = protocol::rest_json_request(
      kEndpoint, "POST", "/detector/{DetectorId}/member", {{"DetectorId", "d-1"}},
      {{"onlyAssociated", "false"}, {"nextToken", "a+b/c=="}}, boost::json::value{{"maxResults", 50}});
  CHECK(request.method == "POST");
  CHECK(request.target == "/detector/d-1/member?onlyAssociated=false&nextToken=a%2Bb%2Fc%3D%3D");
  CHECK(request.header("Host") == "guardduty.us-east-1.amazonaws.com");
  CHECK(request.header("Content-Type") == "application/json");
  CHECK(request.body == R"({"maxResults":50})");

  const Endpoint local{"http", "127.0.0.1", 4566, "/prefix"};
  request = protocol::rest_json_request(local, "GET", "/graphs/list", {}, {}, std::nullopt);
  CHECK(request.target == "/graphs/list");  // AwsClient adds the base path
  CHECK(request.header("Host") == "127.0.0.1:4566");
  CHECK_FALSE(request.header("Content-Type"));
  CHECK(request.body.empty());
}

TEST_CASE("json_request: POST /, X-Amz-Target and the json 1.1 content type") {
  auto request = protocol::json_request(kEndpoint, "AWSOrganizationsV20161128", "ListAccounts",
                                        boost::json::object{{"NextToken", "t"}});
  CHECK(request.method == "POST");
  CHECK(request.target == "/");
  CHECK(request.header("X-Amz-Target") == "AWSOrganizationsV20161128.ListAccounts");
  CHECK(request.header("Content-Type") == "application/x-amz-json-1.1");
  CHECK(request.body == R"({"NextToken":"t"})");
  request = protocol::json_request(kEndpoint, "AWSOrganizationsV20161128", "ListAccounts", nullptr);
  CHECK(request.body == "{}");
}

TEST_CASE("query_request: form-encoded Action, Version and parameters") {
  const auto request =
      protocol::query_request({"https", "sts.us-east-1.amazonaws.com", 443, ""}, "AssumeRole", "2011-06-15",
                              {{"RoleArn", "arn:aws:iam::111111111111:role/memberwatch-read"},
                               {"RoleSessionName", "member watch"},
                               {"ExternalId", "a+b=c&d"}});
  CHECK(request.method == "POST");
  CHECK(request.target == "/");
  CHECK(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(request.body ==
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fmemberwatch-"
        "read"
        "&RoleSessionName=member%20watch&ExternalId=a%2Bb%3Dc%26d");
  const auto round_trip = uri::parse_form(request.body);
  REQUIRE(round_trip);
  CHECK(round_trip->at(4).second == "a+b=c&d");
}

TEST_CASE("JSON response bodies") {
  std::string error;
  auto value = protocol::try_parse_json(R"({"members":[]})", error);
  REQUIRE(value);
  CHECK(value->at("members").as_array().empty());
  value = protocol::try_parse_json(" \n", error);
  REQUIRE(value);
  CHECK(value->as_object().empty());
  CHECK_FALSE(protocol::try_parse_json("{\"a\":", error));
  CHECK(error.find("not valid JSON") != std::string::npos);

  HttpResponse response;
  response.status = 200;
  response.body = "<html>";
  response.headers = {{"x-amzn-RequestId", "rid"}};
  try {
    protocol::parse_json_response(response, "guardduty", "ListMembers");
    FAIL("no exception");
  } catch (const AwsError& e) {
    CHECK(e.info().code == "MalformedResponse");
    CHECK(e.info().service == "guardduty");
    CHECK(e.info().operation == "ListMembers");
    CHECK(e.info().request_id == "rid");
  }
  response.body = R"({"ok":true})";
  CHECK(protocol::parse_json_response(response, "guardduty", "ListMembers").at("ok").as_bool());
}

TEST_CASE("ISO 8601 timestamps normalize to RFC 3339 UTC, milliseconds kept when given") {
  const auto base = sys_days{year{2026} / 11 / 21} + hours{10} + minutes{15} + seconds{2};
  auto t = protocol::parse_iso8601("2026-11-21T10:15:02Z");
  REQUIRE(t);
  CHECK(t->time == base);
  CHECK(t->rfc3339 == "2026-11-21T10:15:02Z");
  t = protocol::parse_iso8601("2026-11-21T10:15:02.123Z");
  REQUIRE(t);
  CHECK(t->time == base + milliseconds(123));
  CHECK(t->rfc3339 == "2026-11-21T10:15:02.123Z");
  t = protocol::parse_iso8601("2026-11-21T10:15:02.1Z");
  REQUIRE(t);
  CHECK(t->rfc3339 == "2026-11-21T10:15:02.100Z");
  t = protocol::parse_iso8601("2026-11-21T10:15:02.123456789Z");
  REQUIRE(t);
  CHECK(t->rfc3339 == "2026-11-21T10:15:02.123Z");
  t = protocol::parse_iso8601("2026-11-21T12:15:02+02:00");
  REQUIRE(t);
  CHECK(t->rfc3339 == "2026-11-21T10:15:02Z");
  t = protocol::parse_iso8601("2026-11-21T05:45:02.5-0430");
  REQUIRE(t);
  CHECK(t->rfc3339 == "2026-11-21T10:15:02.500Z");
  t = protocol::parse_iso8601("2026-11-21T00:30:00+01:00");  // crosses midnight
  REQUIRE(t);
  CHECK(t->rfc3339 == "2026-11-20T23:30:00Z");
  for (const char* bad :
       {"", "2026-11-21", "2026-11-21T10:15:02", "2026-11-21 10:15:02Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:15:02.Z", "2026-11-21T10:15:02+2:00",
        "2026-11-21T10:15:02+19:00", "2026-11-21T10:15:02ZZ", "x026-11-21T10:15:02Z"}) {
    INFO(bad);
    CHECK_FALSE(protocol::parse_iso8601(bad));
  }
}

TEST_CASE("epoch-second timestamps (json 1.1)") {
  auto t = protocol::from_epoch_seconds(1763720102);
  REQUIRE(t);
  CHECK(t->rfc3339 == "2025-11-21T10:15:02Z");
  t = protocol::from_epoch_seconds(1763720102.25);
  REQUIRE(t);
  CHECK(t->rfc3339 == "2025-11-21T10:15:02.250Z");
  CHECK(protocol::parse_timestamp(boost::json::value(1763720102))->rfc3339 == "2025-11-21T10:15:02Z");
  CHECK(protocol::parse_timestamp(boost::json::value(1.5))->rfc3339 == "1970-01-01T00:00:01.500Z");
  CHECK(protocol::parse_timestamp(boost::json::value("2026-11-21T10:15:02Z"))->rfc3339 ==
        "2026-11-21T10:15:02Z");
  CHECK_FALSE(protocol::parse_timestamp(boost::json::value(true)));
  CHECK_FALSE(protocol::parse_timestamp(boost::json::value(nullptr)));
  CHECK_FALSE(protocol::from_epoch_seconds(1e300));
  CHECK_FALSE(protocol::from_epoch_seconds(std::numeric_limits<double>::quiet_NaN()));
  CHECK(protocol::format_rfc3339(sys_days{year{2026} / 1 / 2} + milliseconds(7), true) ==
        "2026-01-02T00:00:00.007Z");
}

TEST_CASE("AssumeRole and AssumeRoleWithWebIdentity responses") {
  const std::string xml = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";
  const auto result = protocol::parse_assume_role_response(xml);
  CHECK(result.credentials.access_key_id == "ASIAIOSFODNN7EXAMPLE");
  CHECK(result.credentials.secret_access_key.reveal() == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  CHECK(result.credentials.session_token.reveal().starts_with("AQoDYXdzEPT"));
  CHECK(result.credentials.expiration ==
        sys_days{year{2019} / 11 / 9} + hours{13} + minutes{34} + seconds{41});
  CHECK(result.expiration == "2019-11-09T13:34:41Z");
  CHECK(result.assumed_role_user.arn == "arn:aws:sts::123456789012:assumed-role/demo/TestAR");
  CHECK(result.assumed_role_user.assumed_role_id == "ARO123EXAMPLE123:TestAR");
  CHECK(result.packed_policy_size == 6);
  CHECK(result.source_identity == "Alice");

  const std::string web = R"(<AssumeRoleWithWebIdentityResponse>
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/app1</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <SessionToken>tok</SessionToken><SecretAccessKey>sec</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23.123Z</Expiration><AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>)";
  const auto web_result = protocol::parse_assume_role_with_web_identity_response(web);
  CHECK(web_result.credentials.access_key_id == "ASgeIAIOSFODNN7EXAMPLE");
  CHECK(web_result.expiration == "2014-10-24T23:00:23.123Z");
  CHECK(web_result.provider == "www.amazon.com");
  CHECK(web_result.audience == "client.5498841531868486423.1548@apps.example.com");
  CHECK(web_result.subject_from_web_identity_token == "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A");
  CHECK_FALSE(web_result.packed_policy_size);
}

TEST_CASE("GetCallerIdentity response") {
  const auto identity = protocol::parse_get_caller_identity_response(
      R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
  <Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>AKIAI44QH8DHBEXAMPLE</UserId><Account>123456789012</Account>
</GetCallerIdentityResult></GetCallerIdentityResponse>)");
  CHECK(identity.account == "123456789012");
  CHECK(identity.arn == "arn:aws:iam::123456789012:user/Alice");
  CHECK(identity.user_id == "AKIAI44QH8DHBEXAMPLE");
}

TEST_CASE("malformed STS responses throw AwsError MalformedResponse with the reason") {
  const auto reason = [](auto parse, const std::string& xml) -> std::string {
    try {
      parse(xml);
    } catch (const AwsError& e) {
      CHECK(e.info().code == "MalformedResponse");
      CHECK(e.info().service == "sts");
      return e.info().message;
    }
    return "no exception";
  };
  const auto assume = [](const std::string& x) { protocol::parse_assume_role_response(x); };
  const auto caller = [](const std::string& x) { protocol::parse_get_caller_identity_response(x); };
  CHECK(reason(assume, "").find("body is empty") != std::string::npos);
  CHECK(reason(assume, "<AssumeRoleResponse><AssumeRoleResult>").find("not XML") != std::string::npos);
  CHECK(reason(assume, "{\"json\":1}").find("not XML") != std::string::npos);
  CHECK(reason(assume, "<Other/>").find("no AssumeRoleResponse.AssumeRoleResult") != std::string::npos);
  const std::string no_secret =
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SessionToken>T</"
      "SessionToken>"
      "<Expiration>2019-11-09T13:34:41Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
  CHECK(reason(assume, no_secret).find("lacks Credentials.SecretAccessKey") != std::string::npos);
  const std::string bad_expiration =
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
      "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>tomorrow</Expiration></Credentials>"
      "</AssumeRoleResult></AssumeRoleResponse>";
  CHECK(reason(assume, bad_expiration).find("not an ISO 8601 timestamp") != std::string::npos);
  CHECK(reason(caller,
               "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn>"
               "</GetCallerIdentityResult></GetCallerIdentityResponse>")
            .find("lacks Account") != std::string::npos);
}

// Found by fuzz_sts_xml (tests/fuzz/corpus/sts_xml/regression-expiration-year-5096): a
// year past 2262 overflowed system_clock's nanoseconds (undefined behaviour).
TEST_CASE("timestamps beyond what system_clock holds are rejected, not overflowed") {
  CHECK_FALSE(protocol::parse_iso8601("5096-10-24T23:00:23.123Z"));
  CHECK_FALSE(protocol::parse_iso8601("1500-01-01T00:00:00Z"));
  CHECK_FALSE(protocol::from_epoch_seconds(253402300799.0));  // 9999-12-31, past 2262
  CHECK_FALSE(protocol::from_epoch_seconds(-62135596800.0));  // 0001-01-01, before 1677
  auto latest = protocol::parse_iso8601("2262-04-11T00:00:00Z");
  REQUIRE(latest);
  CHECK(latest->rfc3339 == "2262-04-11T00:00:00Z");
  const std::string far_expiration =
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
      "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>5096-10-24T23:00:23.123Z</Expiration>"
      "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
  try {
    protocol::parse_assume_role_response(far_expiration);
    FAIL("a year-5096 expiration was accepted");
  } catch (const AwsError& e) {
    CHECK(e.info().code == "MalformedResponse");
  }
}
