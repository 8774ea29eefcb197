#pragma once

#include <string>
#include <string_view>

#include "aws/aws_error.hpp"

namespace mw::credentials {

// Why credentials could not be had. An AwsError (service "credentials",
// operation = the provider, http_status 0) so callers handle every failure
// of an AWS call in one shape. Messages name files, variables, profiles and
// URLs, never a secret.
class CredentialsError : public aws::AwsError {
 public:
  CredentialsError(std::string_view provider, std::string_view code, std::string message);
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;  // "credentials (provider): message"
};

// Codes of CredentialsError.
namespace code {
inline constexpr std::string_view kNoCredentials = "NoCredentialProviders";     // no provider applies
inline constexpr std::string_view kInvalidConfig = "InvalidCredentialsConfig";  // env or shared files
inline constexpr std::string_view kProviderError =
    "CredentialsProviderError";  // a provider applied and failed
inline constexpr std::string_view kUnavailable = "CredentialsEndpointUnavailable";  // IMDS not reachable
inline constexpr std::string_view kAccountMismatch = "AccountMismatch";
inline constexpr std::string_view kExpired = "ExpiredCredentials";
}  // namespace code

}  // namespace mw::credentials
