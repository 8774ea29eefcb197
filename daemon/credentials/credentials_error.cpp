#include "credentials/credentials_error.hpp"

namespace mw::credentials {

namespace {
aws::AwsErrorInfo info_of(std::string_view provider, std::string_view code, const std::string& message) {
  aws::AwsErrorInfo info;
  info.service = "credentials";
  info.operation = std::string(provider);
  info.code = std::string(code);
  info.message = message;
  return info;
}
}  // namespace

CredentialsError::CredentialsError(std::string_view provider, std::string_view code, std::string message)
    : aws::AwsError(info_of(provider, code, message)),
      text_("credentials (" + std::string(provider) + "): " + message) {}

}  // namespace mw::credentials
