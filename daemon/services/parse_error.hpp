#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace mw::services {

// The SourceError code a poller reports for a response that did not parse.
inline constexpr std::string_view kMalformedResponseCode = "MalformedResponse";

// A response body that is not what the operation returns: malformed JSON, a
// missing or null required field, a wrong type, an out-of-range value.
// what(): "guardduty GetMembers: members[2].accountId: expected a string, got number".
class ParseError : public std::runtime_error {
 public:
  ParseError(std::string operation, std::string path, std::string problem);

  const std::string& operation() const { return operation_; }  // "guardduty GetMembers"
  const std::string& path() const { return path_; }            // "members[2].accountId"; "" for the body
  const std::string& problem() const { return problem_; }

 private:
  std::string operation_;
  std::string path_;
  std::string problem_;
};

}  // namespace mw::services
