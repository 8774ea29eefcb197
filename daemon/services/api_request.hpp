#pragma once

// What an operation sends, described as plain values; the AWS request layer
// signs and sends it (request_target() is the HttpRequest target, body and
// content_type / target its body and Content-Type / X-Amz-Target headers).

#include <string>
#include <utility>
#include <vector>

namespace mw::services {

struct ApiRequest {
  std::string service;    // "securityhub", "guardduty", "detective", "organizations"
  std::string operation;  // "GetMembers"
  std::string method;     // "GET" or "POST"
  std::string path;       // path parameters URI-encoded ("/detector/12abc/member/get")
  std::vector<std::pair<std::string, std::string>> query;  // name, value; not encoded
  std::string body;          // JSON text; "" when the operation sends none (GET)
  std::string content_type;  // "application/json" or "application/x-amz-json-1.1"; "" without a body
  std::string target;        // X-Amz-Target for the json protocol (Organizations); else ""

  // The path, then the query in its order (the builders sort it by name),
  // names and values URI-encoded (aws::uri).
  std::string request_target() const;
};

}  // namespace mw::services
