#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "aws/http_types.hpp"

namespace mw::aws {

// What an AWS call failed with, in one shape for every protocol. Transport
// failures (no HTTP response) have http_status 0 and a code naming the
// failure ("ConnectionError", "RequestTimeout", "TruncatedResponse", ...).
struct AwsErrorInfo {
  std::string service;
  std::string operation;
  unsigned http_status = 0;
  std::string code;
  std::string message;
  std::string request_id;

  std::string to_string() const;  // one line for logs and snapshots; never holds secrets
};

class AwsError : public std::runtime_error {
 public:
  explicit AwsError(AwsErrorInfo info) : std::runtime_error(info.to_string()), info_(std::move(info)) {}
  const AwsErrorInfo& info() const { return info_; }

 private:
  AwsErrorInfo info_;
};

enum class Protocol { rest_json, json, query };

// Decodes an error response of any protocol into AwsErrorInfo: code from
// x-amzn-ErrorType (text before ':'), else the body's __type / code / Code
// (text after '#'), message from message / Message, STS's XML ErrorResponse.
// Malformed, empty or unexpected bodies still give a clear AwsErrorInfo.
AwsErrorInfo decode_error(Protocol protocol, std::string_view service, std::string_view operation,
                          const HttpResponse& response);

}  // namespace mw::aws
