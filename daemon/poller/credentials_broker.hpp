#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "aws/aws_credentials.hpp"
#include "config/config.hpp"

namespace mw::poller {

// Where the poller gets credentials; the app backs it with the credentials
// layer (base chain + cached AssumeRole). Failures throw: aws::AwsError for
// an STS refusal (its code and message reach the sources' errors), any
// std::exception otherwise.
class CredentialsBroker {
 public:
  virtual ~CredentialsBroker() = default;
  // For calls into the administrator's account: AssumeRole into role_arn,
  // or the base credentials when it has none.
  virtual boost::asio::awaitable<aws::Credentials> administrator(const config::Administrator& admin) = 0;
  // For Organizations' ListAccounts: AssumeRole into that role.
  virtual boost::asio::awaitable<aws::Credentials> role(const std::string& role_arn,
                                                        const std::string& external_id) = 0;
};

}  // namespace mw::poller
