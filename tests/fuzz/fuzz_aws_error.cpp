// The error decoder on arbitrary error responses. Input: the first line is
// the x-amzn-ErrorType header (absent when the line is empty), the second
// line's first byte picks the status, the rest is the body. decode_error
// never throws and always names a code.

#include "aws/aws_error.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mw::aws::Protocol;
  auto text = mw::fuzz::as_text(data, size);
  mw::aws::HttpResponse response;
  auto error_type = mw::fuzz::take_line(text);
  if (!error_type.empty()) response.headers.emplace_back("x-amzn-ErrorType", std::string(error_type));
  auto status_line = mw::fuzz::take_line(text);
  response.status = status_line.empty() ? 400 : 400 + static_cast<unsigned char>(status_line[0]) % 200;
  response.body = std::string(text);
  for (auto protocol : {Protocol::rest_json, Protocol::json, Protocol::query}) {
    auto info = mw::aws::decode_error(protocol, "service", "Operation", response);
    mw::fuzz::require(!info.code.empty(), "decoded error without a code");
    mw::fuzz::require(info.http_status == response.status, "decoded error changed the status");
    info.to_string();
  }
  return 0;
}
