#include <doctest/doctest.h>

#include "aws/aws_error.hpp"

using namespace mw::aws;

namespace {

HttpResponse response(unsigned status, std::string body, HeaderList headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("rest-json: code from x-amzn-ErrorType before ':', message from the body") {
  const auto info = decode_error(
      Protocol::rest_json, "guardduty", "ListMembers",
      response(
          403, R"({"message":"User is not authorized","__type":"Other"})",
          {{"x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral/"},
           {"x-amzn-RequestId", "req-1"}}));
  CHECK(info.service == "guardduty");
  CHECK(info.operation == "ListMembers");
  CHECK(info.http_status == 403);
  CHECK(info.code == "AccessDeniedException");
  CHECK(info.message == "User is not authorized");
  CHECK(info.request_id == "req-1");
  CHECK(info.to_string() ==
        "guardduty.ListMembers: HTTP 403 AccessDeniedException: User is not authorized (request id req-1)");
}

TEST_CASE("rest-json and json: code from __type / code / Code after '#', Message too") {
  auto info =
      decode_error(Protocol::json, "organizations", "ListAccounts",
                   response(400, R"({"__type":"com.amazonaws.organizations#AWSOrganizationsNotInUseException",
                                            "Message":"not in an organization"})"));
  CHECK(info.code == "AWSOrganizationsNotInUseException");
  CHECK(info.message == "not in an organization");

  info = decode_error(Protocol::rest_json, "securityhub", "GetMembers",
                      response(429, R"({"Code":"TooManyRequestsException","Message":"slow down"})"));
  CHECK(info.code == "TooManyRequestsException");
  CHECK(info.message == "slow down");

  info =
      decode_error(Protocol::rest_json, "detective", "ListGraphs",
                   response(400, R"({"code":"ValidationException","message":"bad","RequestId":"body-id"})"));
  CHECK(info.code == "ValidationException");
  CHECK(info.request_id == "body-id");
}

TEST_CASE("query: STS XML ErrorResponse") {
  const auto info = decode_error(Protocol::query, "sts", "AssumeRole",
                                 response(403, R"(<?xml version="1.0"?>
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>)",
                                          {{"Content-Type", "text/xml"}}));
  CHECK(info.code == "AccessDenied");
  CHECK(info.message == "User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole");
  CHECK(info.request_id == "c6104cbe-af31-11e0-8154-cbc7ccf896c7");

  const auto header_id = decode_error(
      Protocol::query, "sts", "GetCallerIdentity",
      response(400,
               "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>m</Message></Error></ErrorResponse>",
               {{"x-amzn-RequestId", "hdr"}}));
  CHECK(header_id.code == "ExpiredToken");
  CHECK(header_id.request_id == "hdr");
}

TEST_CASE("undecodable bodies give HTTP<status> and a message saying so, never an exception") {
  struct Input {
    Protocol protocol;
    unsigned status;
    std::string body;
    std::string content_type;
  };
  const std::vector<Input> inputs = {
      {Protocol::rest_json, 502, "<html><body>Bad Gateway</body></html>", "text/html"},
      {Protocol::rest_json, 500, "{\"message\": \"truncated", "application/json"},
      {Protocol::json, 503, "[1,2,3]", "application/x-amz-json-1.1"},
      {Protocol::json, 500, std::string("\x00\xff\xfe garbage", 11), "application/octet-stream"},
      {Protocol::query, 500, "<ErrorResponse><Error><Code>X</Code>", "text/xml"},
      {Protocol::query, 502, "{\"message\":\"json where XML was expected\"}", "application/json"},
      {Protocol::query, 403, "<Other><Thing/></Other>", "text/xml"},
  };
  for (const auto& input : inputs) {
    INFO(input.body);
    AwsErrorInfo info;
    CHECK_NOTHROW(
        info = decode_error(input.protocol, "svc", "Op",
                            response(input.status, input.body, {{"Content-Type", input.content_type}})));
    CHECK(info.code == "HTTP" + std::to_string(input.status));
    CHECK(info.message.find("error body could not be decoded (content-type " + input.content_type) !=
          std::string::npos);
    CHECK(info.message.find('\0') == std::string::npos);
  }
}

TEST_CASE("empty bodies, and a header code with an undecodable body") {
  auto info = decode_error(Protocol::rest_json, "guardduty", "GetMembers", response(404, ""));
  CHECK(info.code == "HTTP404");
  CHECK(info.message == "empty error body");
  info = decode_error(Protocol::query, "sts", "AssumeRole", response(500, "  \n"));
  CHECK(info.code == "HTTP500");
  CHECK(info.message == "empty error body");
  info = decode_error(Protocol::rest_json, "guardduty", "GetMembers",
                      response(400, "not json", {{"x-amzn-ErrorType", "BadRequestException"}}));
  CHECK(info.code == "BadRequestException");
  CHECK(info.message.find("could not be decoded") != std::string::npos);
  // JSON without a code.
  info = decode_error(Protocol::rest_json, "guardduty", "GetMembers", response(500, R"({"message":"oops"})"));
  CHECK(info.code == "HTTP500");
  CHECK(info.message == "oops");
}

TEST_CASE("long undecodable bodies are cut short in the message") {
  const auto info = decode_error(Protocol::rest_json, "s", "o", response(500, std::string(10000, 'x')));
  CHECK(info.message.size() < 400);
  CHECK(info.message.ends_with("..."));
}

TEST_CASE("AwsError carries the info, to_string of a transport failure") {
  AwsErrorInfo info;
  info.service = "sts";
  info.operation = "AssumeRole";
  info.code = "RequestTimeout";
  info.message = "no response within 30s";
  const AwsError error(info);
  CHECK(error.info().code == "RequestTimeout");
  CHECK(std::string(error.what()) ==
        "sts.AssumeRole: no HTTP response RequestTimeout: no response within 30s");
}
